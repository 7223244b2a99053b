#!/usr/bin/env bash
# Every test of the project, in the order a failure is cheapest to read. CI runs exactly this.
# It installs what the tests need (a Python venv with its packages) and starts nothing by
# hand: each test suite starts its own dms-emulator on a free port and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n==> %s\n' "$*"; }

# The credential chain's last resort is the ECS/BMS metadata service at 169.254.169.254. No
# test may reach it (nor anything off this machine): a test without credentials finds a closed
# loopback port instead, and a test of the metadata source points this at its own server.
export DMS_PROGRESS_METADATA_ENDPOINT=http://127.0.0.1:9

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests"
cargo test --workspace

step "fuzz seeds build from testdata/ (the fuzz runs themselves are manual, see README)"
seeds=$(mktemp -d)
fuzz/seed-corpus.sh "$seeds"
for target in decode_progress decode_error; do
    [ "$(ls "$seeds/$target" | wc -l)" -eq "$(ls -d testdata/responses/*/ | wc -l)" ]
done
rm -rf "$seeds"

step "benchmarks still compile (they are run by bench/run.sh, not here)"
cargo bench --workspace --no-run --quiet

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "build binaries and the native library"
cargo build --workspace --bins
# The release library (LTO), staged in target/stage as `make install` lays it out.
make -C bindings/c stage
export DMS_EMULATOR_BIN="$ROOT/target/debug/dms-emulator"

step "Python environment (.venv)"
scripts/python-env.sh
PY="$ROOT/.venv/bin/python"

# --- language bindings: each adds its own step below ---

step "C and C++ (dms_progress.hpp): example and tests (static, shared), valgrind, ASan/UBSan"
make -C bindings/c test
make -C bindings/c memcheck
make -C bindings/c sanitize
make -C bindings/c test-cpp memcheck-cpp sanitize-cpp

step "Python: pip install ./bindings/python, then its tests against the installed package"
"$PY" -m pip install --quiet ./bindings/python
# From outside the source tree and without DMS_PROGRESS_LIB, so that the installed package and
# the library bundled in it are what is tested.
(cd "$ROOT/target" && env -u DMS_PROGRESS_LIB "$PY" -m pytest "$ROOT/bindings/python/tests" -q -p no:cacheprovider)

step "Go: vet and tests (-race) against dms-emulator; example binary linked statically"
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
# scripts/go.sh builds against target/stage through pkg-config, and makes a changed library
# recompile and relink (Go's build cache does not track C libraries).
scripts/go.sh vet ./...
scripts/go.sh test -race -count=1 ./...
scripts/go.sh build -o "$ROOT/target/dms-progress-go" ./cmd/dms-progress-go
# tests/ builds the Go example too.
export PKG_CONFIG_PATH="$ROOT/target/stage/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if ldd "$ROOT/target/dms-progress-go" | grep dms_progress; then
    echo "target/dms-progress-go must not depend on libdms_progress.so" >&2
    exit 1
fi

step "cross-process tests (tests/)"
"$PY" -m pytest tests/ -q

step "packaging: scripts/dist.sh, then every artefact tested from outside the tree (tests/packaging)"
scripts/dist.sh
tests/packaging/run.sh dist
