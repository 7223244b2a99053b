/* A program that defines rust_eh_personality itself, as a Rust static library from another
 * rustc brings it (unmangled, so the same name from any toolchain). libdms_progress.a keeps
 * its own personality routine local: the link has one definition, not two. Prints
 * "ok <version>". */
#include <stdio.h>

#include "dms_progress.h"

int rust_eh_personality(void);
int rust_eh_personality(void) { return 7; }

int main(void) {
    if (rust_eh_personality() != 7) {
        return 1;
    }
    printf("ok %s\n", dms_progress_version());
    return 0;
}
