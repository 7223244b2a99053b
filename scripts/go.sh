#!/usr/bin/env bash
# scripts/go.sh GO-ARGS...: `go GO-ARGS` in bindings/go, against this checkout's native library.
#
#   scripts/go.sh test -race ./...
#   scripts/go.sh build -o dms-progress-go ./cmd/dms-progress-go
#
# It stages the library as `make install` lays it out (make -C bindings/c stage: target/stage)
# and points PKG_CONFIG_PATH there, where the package's `#cgo pkg-config: dms_progress_static`
# finds it. The Go build cache does not track C libraries (`go help cache`), so CGO_CFLAGS
# carries a hash of the staged archive and header: a rebuilt library recompiles and relinks
# the package instead of leaving a stale build in the cache.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if ! out=$(make -s -C "$ROOT/bindings/c" stage 2>&1); then
    printf '%s\n' "$out" >&2
    exit 1
fi
STAGE=$ROOT/target/stage
export PKG_CONFIG_PATH="$STAGE/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
stage_id=$(cat "$STAGE/lib/libdms_progress.a" "$STAGE/include/dms_progress.h" | sha256sum | cut -c1-16)
export CGO_CFLAGS="${CGO_CFLAGS:--g -O2} -DDMS_PROGRESS_STAGE_ID=$stage_id"
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
cd "$ROOT/bindings/go"
exec go "$@"
