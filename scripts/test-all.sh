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
cargo build --release -p progress-ffi
export DMS_EMULATOR_BIN="$ROOT/target/debug/dms-emulator"

step "Python environment (.venv)"
scripts/python-env.sh
PY="$ROOT/.venv/bin/python"

# --- language bindings: each adds its own step below ---

step "C: example and tests (static, shared), valgrind, ASan/UBSan"
make -C bindings/c test
make -C bindings/c memcheck
make -C bindings/c sanitize

step "Python: pip install ./bindings/python, then its tests against the installed package"
"$PY" -m pip install --quiet ./bindings/python
# From outside the source tree and without DMS_PROGRESS_LIB, so that the installed package and
# the library bundled in it are what is tested.
(cd "$ROOT/target" && env -u DMS_PROGRESS_LIB "$PY" -m pytest "$ROOT/bindings/python/tests" -q -p no:cacheprovider)

step "Go: vet and tests (-race) against dms-emulator; example binary linked statically"
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
# Go's build cache keys links on Go and C sources, not on the Rust archive they link: a
# linker flag carrying the archive's hash makes every test and binary link the current one.
export GOFLAGS="-ldflags=-X=main.nativeLibraryHash=$(sha256sum target/release/libdms_progress.a | cut -c1-16)"
(cd bindings/go && go vet ./... && go test -race -count=1 ./...)
(cd bindings/go && go build -o "$ROOT/target/dms-progress-go" ./cmd/dms-progress-go)
if ldd "$ROOT/target/dms-progress-go" | grep dms_progress; then
    echo "target/dms-progress-go must not depend on libdms_progress.so" >&2
    exit 1
fi

step "cross-process tests (tests/)"
"$PY" -m pytest tests/ -q
