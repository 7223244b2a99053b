/* The header's version macros agree with each other and with the linked library. Prints the
 * version. */
#include <stdio.h>
#include <string.h>

#include "dms_progress.h"

#if !defined(DMS_PROGRESS_VERSION_MAJOR) || !defined(DMS_PROGRESS_VERSION_MINOR) || \
    !defined(DMS_PROGRESS_VERSION_PATCH) || !defined(DMS_PROGRESS_VERSION)
#error "dms_progress.h has no version macros"
#endif
#if DMS_PROGRESS_VERSION_MAJOR < 0 || DMS_PROGRESS_VERSION_MINOR < 0 || DMS_PROGRESS_VERSION_PATCH < 0
#error "the version macros are not numbers usable in #if"
#endif

#define STR2(x) #x
#define STR(x) STR2(x)

int main(void) {
    const char *parts = STR(DMS_PROGRESS_VERSION_MAJOR) "." STR(DMS_PROGRESS_VERSION_MINOR) "." STR(
        DMS_PROGRESS_VERSION_PATCH);
    const char *library = dms_progress_version();
    if (strcmp(parts, DMS_PROGRESS_VERSION) != 0 || strcmp(library, DMS_PROGRESS_VERSION) != 0) {
        fprintf(stderr, "version mismatch: macros %s, DMS_PROGRESS_VERSION %s, library %s\n", parts,
                DMS_PROGRESS_VERSION, library);
        return 1;
    }
    printf("%s\n", library);
    return 0;
}
