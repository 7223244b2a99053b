/* libdms_progress.a beside another Rust static library: both link, and both unwind inside
 * themselves. Prints "ok <version>". */
#include <stdio.h>

#include "dms_progress.h"

int other_rust_answer(int fail);

int main(void) {
    if (other_rust_answer(0) != 42 || other_rust_answer(1) != -42) {
        fprintf(stderr, "the other Rust library misbehaved\n");
        return 1;
    }
    /* A call that goes through libdms_progress's Rust code and its error path. */
    dms_progress_client *client = NULL;
    dms_progress_error *err = NULL;
    dms_progress_result rc = dms_progress_client_new(NULL, &client, &err);
    if (rc != DMS_PROGRESS_RESULT_NULL_PARAMETER) {
        fprintf(stderr, "dms_progress_client_new(NULL) gave %s\n", dms_progress_result_name(rc));
        return 1;
    }
    dms_progress_error_free(err);
    printf("ok %s\n", dms_progress_version());
    return 0;
}
