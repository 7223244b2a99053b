package dmsprogress

/*
#include "dms_progress.h"
*/
import "C"

import "fmt"

// headerVersion is the version of dms_progress.h this package was compiled against.
var headerVersion = fmt.Sprintf("%d.%d.%d",
	C.DMS_PROGRESS_VERSION_MAJOR, C.DMS_PROGRESS_VERSION_MINOR, C.DMS_PROGRESS_VERSION_PATCH)

// The Go build cache does not track C libraries: after the native library is reinstalled,
// a program can be linked with the new archive while the cached compiled package still
// carries the old header's declarations. A library of another version than the header is
// refused here, at start-up, rather than called with a mismatched ABI.
func init() {
	if lib := Version(); lib != headerVersion {
		panic(fmt.Sprintf("dmsprogress: compiled against dms_progress.h %s but linked with libdms_progress %s; "+
			"the Go build cache kept a stale build: run `go clean -cache` (or build with -a) after installing the library",
			headerVersion, lib))
	}
}
