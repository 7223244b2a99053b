#!/usr/bin/env bash
# tests/packaging/run.sh [DIST]: tests the release artefacts that scripts/dist.sh wrote to DIST
# (default dist/) the way users get them: unpacked or installed in a temporary directory
# outside this checkout, built by projects that live there too, with nothing from target/.
#
#   tarball   layout, SONAME, exported symbols, glibc floor; `bin/dms-progress demo` runs;
#             the man page and the bash, zsh and fish completions are there
#   C         a CMake project (find_package(dms_progress CONFIG)) and a Makefile project
#             (pkg-config: shared, `--static` with `cc -static`, dms_progress_static), run
#             against the tarball's dms-emulator; beside another Rust static library
#   Go        a module of its own, using a copy of bindings/go (replace) and then `go mod
#             vendor`, against the tarball's library; the binary needs no libdms_progress.so;
#             its own test starts the tarball's dms-emulator through emulatortest;
#             a missing library, CGO_ENABLED=0 and a header/library mismatch fail clearly
#   Python    the wheel in fresh venvs of the oldest and the newest Python here, installed
#             with nothing but the venv on PATH (no cargo, rustc or compiler), then the
#             package's test suite; the sdist built into a wheel in a clean directory;
#             `pip install -e` builds a release library
#
# Prints one line per check and ends with "N passed, M failed"; exits non-zero on a failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/packaging
DIST=$(cd "${1:-$ROOT/dist}" && pwd)
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)
MAJOR=${VERSION%%.*}
NAME=dms-progress-$VERSION-x86_64-linux
SCENARIO=$ROOT/bindings/c/tests/scenario.json
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
# The dist tools (auditwheel, build) from scripts/dist.sh's venv.
DIST_VENV=$ROOT/.venv-dist

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dms-progress-packaging.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
case "$WORK" in "$ROOT"/*) echo "the work directory must be outside the checkout" >&2; exit 1 ;; esac

passed=0 failed=0
# check DESCRIPTION COMMAND...: runs COMMAND, counts and reports the outcome.
check() {
    local what=$1
    shift
    if "$@" >"$WORK/check.out" 2>&1; then
        passed=$((passed + 1))
        echo "ok     $what"
    else
        failed=$((failed + 1))
        echo "FAILED $what"
        sed 's/^/       | /' "$WORK/check.out" | tail -n 40
    fi
}
section() { printf '\n--- %s\n' "$*"; }
# with_emulator COMMAND...: COMMAND with DMS_ENDPOINT, DMS_AK, DMS_SK, DMS_PROJECT_ID of a
# dms-emulator (the tarball's) playing bindings/c/tests/scenario.json.
with_emulator() { DMS_EMULATOR_BIN="$P/bin/dms-emulator" "$ROOT/bindings/c/tests/with-emulator.sh" "$SCENARIO" "$@"; }
# Output of a command, compared.
output_is() { local want=$1; shift; local got; got=$("$@"); [ "$got" = "$want" ] || { echo "got: $got"; echo "want: $want"; return 1; }; }
output_has() { local want=$1; shift; local got; got=$("$@" 2>&1) || true; case "$got" in *"$want"*) ;; *) echo "$got"; echo "(no \"$want\" in it)"; return 1 ;; esac; }
fails_saying() { local want=$1; shift; local got; if got=$("$@" 2>&1); then echo "$got"; echo "(it succeeded)"; return 1; fi; case "$got" in *"$want"*) ;; *) echo "$got"; echo "(no \"$want\" in it)"; return 1 ;; esac; }
# The functions the header declares, sorted: what the libraries must export, exactly.
declared() { grep -o '\bdms_progress_[a-z0-9_]*(' "$P/include/dms_progress.h" | tr -d '(' | sort -u; }
no_needed_lib() { ! readelf -d "$1" | grep -q 'libdms_progress'; }
glibc_floor_at_most_2_17() {
    local newest
    newest=$(objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    echo "$1 needs glibc $newest"
    [ "$(printf '%s\n2.17\n' "$newest" | sort -V | tail -n 1)" = 2.17 ]
}

section "SHA256SUMS"
check "every artefact matches SHA256SUMS" sh -c "cd '$DIST' && sha256sum -c SHA256SUMS"
WHEEL=$(ls "$DIST"/dms_progress-"$VERSION"-py3-none-*manylinux_2_17_x86_64*.whl)
SDIST=$DIST/dms_progress-$VERSION.tar.gz
TARBALL=$DIST/$NAME.tar.gz
check "the wheel is tagged py3-none-manylinux_2_17_x86_64" test -f "$WHEEL"

section "tarball $NAME.tar.gz, unpacked elsewhere"
mkdir -p "$WORK/opt"
tar -C "$WORK/opt" -xzf "$TARBALL"
P=$WORK/opt/$NAME
for f in bin/dms-progress bin/dms-emulator include/dms_progress.h include/dms_progress.hpp lib/libdms_progress.so.$VERSION \
    lib/libdms_progress.a lib/pkgconfig/dms_progress.pc lib/pkgconfig/dms_progress_static.pc \
    lib/cmake/dms_progress/dms_progressConfig.cmake lib/cmake/dms_progress/dms_progressConfigVersion.cmake \
    LICENSE; do
    check "$f" test -f "$P/$f"
done
check "lib/libdms_progress.so.$MAJOR -> libdms_progress.so.$VERSION" \
    output_is "libdms_progress.so.$VERSION" readlink "$P/lib/libdms_progress.so.$MAJOR"
check "lib/libdms_progress.so -> libdms_progress.so.$MAJOR" \
    output_is "libdms_progress.so.$MAJOR" readlink "$P/lib/libdms_progress.so"
check "readelf -d: SONAME libdms_progress.so.$MAJOR" \
    output_has "Library soname: [libdms_progress.so.$MAJOR]" readelf -d "$P/lib/libdms_progress.so.$VERSION"
check "nm -D --defined-only: exactly the functions of dms_progress.h" \
    output_is "$(declared)" sh -c "nm -D --defined-only '$P/lib/libdms_progress.so.$VERSION' | awk '{print \$3}' | sort -u"
check "libdms_progress.a: its only global symbols are the functions of dms_progress.h" \
    output_is "$(declared)" sh -c "nm -g --defined-only '$P/lib/libdms_progress.a' | awk 'NF == 3 {print \$3}' | sort -u"
check "the shared library has no symbol table left (stripped)" \
    sh -c "! readelf -S '$P/lib/libdms_progress.so.$VERSION' | grep -q '\.symtab'"
for f in lib/libdms_progress.so.$VERSION bin/dms-progress bin/dms-emulator; do
    check "$f runs on glibc 2.17" glibc_floor_at_most_2_17 "$P/$f"
done
check "bin/dms-progress --version" output_is "dms-progress $VERSION" "$P/bin/dms-progress" --version
check "bin/dms-progress demo runs to completion" output_has "COMPLETED" "$P/bin/dms-progress" demo
check "share/man/man1/dms-progress.1 is a manual page (roff .TH)" \
    sh -c "grep -q '^\.TH dms-progress 1' '$P/share/man/man1/dms-progress.1'"
check "bash completion: loading it registers dms-progress" output_has "-F _dms_progress dms-progress" \
    bash -c "source '$P/share/bash-completion/completions/dms-progress' && complete -p dms-progress"
check "zsh completion: share/zsh/site-functions/_dms-progress" \
    sh -c "head -n 1 '$P/share/zsh/site-functions/_dms-progress' | grep -q '^#compdef dms-progress'"
check "fish completion: share/fish/vendor_completions.d/dms-progress.fish" \
    grep -q '^complete -c dms-progress' "$P/share/fish/vendor_completions.d/dms-progress.fish"

section "C: CMake project, find_package(dms_progress CONFIG REQUIRED)"
mkdir -p "$WORK/cmake-project"
cp "$HERE"/c/CMakeLists.txt "$HERE"/c/version_check.c "$ROOT/bindings/c/example.c" "$WORK/cmake-project/"
check "cmake configure and build" sh -c "cmake -S '$WORK/cmake-project' -B '$WORK/cmake-build' \
    -DCMAKE_PREFIX_PATH='$P' && cmake --build '$WORK/cmake-build'"
check "find_package(dms_progress 1.0) is refused by the version file" \
    fails_saying "dms_progress" cmake -S "$WORK/cmake-project" -B "$WORK/cmake-build-1.0" \
    -DCMAKE_PREFIX_PATH="$P" -DDMS_PROGRESS_ASK=1.0
check "dms_progress::dms_progress links libdms_progress.so.$MAJOR" \
    output_has "Shared library: [libdms_progress.so.$MAJOR]" readelf -d "$WORK/cmake-build/example-shared"
check "dms_progress::dms_progress_static needs no libdms_progress.so" no_needed_lib "$WORK/cmake-build/example-static"
for exe in example-shared example-static; do
    check "cmake $exe waits for a task of the emulator" output_has "complete" with_emulator sh -c \
        'HUAWEICLOUD_SDK_AK=$DMS_AK HUAWEICLOUD_SDK_SK=$DMS_SK HUAWEICLOUD_SDK_PROJECT_ID=$DMS_PROJECT_ID "$0" c-test-instance completes' \
        "$WORK/cmake-build/$exe"
done
check "version macros = dms_progress_version() = $VERSION" output_is "$VERSION" "$WORK/cmake-build/version-check"

section "C: Makefile project with pkg-config"
mkdir -p "$WORK/make-project"
cp "$HERE"/c/Makefile "$HERE"/c/*.c "$HERE"/c/other_rust.rs "$ROOT/bindings/c/example.c" "$WORK/make-project/"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
check "pkg-config --static --libs dms_progress has no -lgcc_s (cc -static cannot link it)" \
    sh -c "! pkg-config --static --libs dms_progress | grep -q -- -lgcc_s"
check "make (shared, cc -static, dms_progress_static, version check, beside other Rust code)" \
    make -C "$WORK/make-project"
check "example-shared loads lib/libdms_progress.so.$VERSION through its rpath" \
    output_is "$P/lib/libdms_progress.so.$VERSION" sh -c "ldd '$WORK/make-project/example-shared' |
        awk '\$1 == \"libdms_progress.so.$MAJOR\" { print \$3 }' | xargs readlink -f"
check "example-static (pkg-config --static, cc -static) is a static executable" \
    sh -c "! readelf -l '$WORK/make-project/example-static' | grep -q INTERP"
check "example-archive (dms_progress_static) needs no libdms_progress.so" no_needed_lib "$WORK/make-project/example-archive"
for exe in example-shared example-static example-archive; do
    check "make $exe waits for a task of the emulator" output_has "complete" with_emulator sh -c \
        'HUAWEICLOUD_SDK_AK=$DMS_AK HUAWEICLOUD_SDK_SK=$DMS_SK HUAWEICLOUD_SDK_PROJECT_ID=$DMS_PROJECT_ID "$0" c-test-instance completes' \
        "$WORK/make-project/$exe"
done
check "version macros = dms_progress_version() = $VERSION" output_is "$VERSION" "$WORK/make-project/version-check"
check "libdms_progress.a beside another Rust static library" output_is "ok $VERSION" "$WORK/make-project/two-rust-libs"
check "libdms_progress.a in a program with a rust_eh_personality of its own" \
    output_is "ok $VERSION" "$WORK/make-project/foreign-personality"

section "Go: a module outside the repository"
# A copy of the module, as `go mod download` or a vendor directory would hold it.
mkdir -p "$WORK/go/dmsprogress" "$WORK/go/app"
cp -R "$ROOT/bindings/go/." "$WORK/go/dmsprogress/"
cp "$HERE/go/main.go" "$HERE/go/app_test.go" "$WORK/go/app/"
GOVERSION_LINE=$(grep '^go ' "$ROOT/bindings/go/go.mod")
cat >"$WORK/go/app/go.mod" <<EOF
module example.com/app

$GOVERSION_LINE

require github.com/dms-progress/dms-progress/bindings/go v0.0.0

replace github.com/dms-progress/dms-progress/bindings/go => ../dmsprogress
EOF
export GOFLAGS=-mod=mod
check "go build (pkg-config finds dms_progress_static.pc)" sh -c "cd '$WORK/go/app' && go build -o app ."
check "the Go binary needs no libdms_progress.so" no_needed_lib "$WORK/go/app/app"
check "the Go binary waits for a task of the emulator" output_is "complete $VERSION" \
    with_emulator "$WORK/go/app/app" c-test-instance completes
check "go test: the user's own test with emulatortest and the tarball's dms-emulator on PATH" sh -c "
    cd '$WORK/go/app' && env -u DMS_EMULATOR_BIN PATH='$P/bin:$PATH' go test -count=1 ."
check "go mod vendor, then go build -mod=vendor" sh -c "cd '$WORK/go/app' && go mod vendor && \
    GOFLAGS=-mod=vendor go build -o app-vendored . && test -f vendor/github.com/dms-progress/dms-progress/bindings/go/ffi.go"
check "the vendored build waits for a task of the emulator" output_is "complete $VERSION" \
    with_emulator "$WORK/go/app/app-vendored" c-test-instance completes
mkdir -p "$WORK/empty"
# A CGO_CFLAGS of its own makes the cgo packages miss the build cache, so pkg-config runs.
check "without the library: a short pkg-config message naming dms_progress_static.pc" sh -c "
    cd '$WORK/go/app' && ! PKG_CONFIG_PATH='$WORK/empty' CGO_CFLAGS='-O2 -DPACKAGING_TEST=$$' go build -o /dev/null . 2>'$WORK/missing.err'
    cat '$WORK/missing.err'
    grep -q 'dms_progress_static.pc' '$WORK/missing.err' && grep -q PKG_CONFIG_PATH '$WORK/missing.err' &&
    [ \$(wc -c <'$WORK/missing.err') -lt 800 ]"
check "CGO_ENABLED=0: the first error says the package needs cgo" sh -c "
    cd '$WORK/go/app' && ! CGO_ENABLED=0 go build -o /dev/null . 2>'$WORK/nocgo.err'
    cat '$WORK/nocgo.err'
    sed -n 2p '$WORK/nocgo.err' | grep -q 'dmsprogress_needs_cgo__build_with_CGO_ENABLED_1_and_a_C_compiler'"
# A header of another version than the archive (what a stale build cache amounts to).
cp -a "$P" "$WORK/mismatched"
sed -i 's/^#define DMS_PROGRESS_VERSION_MAJOR .*/#define DMS_PROGRESS_VERSION_MAJOR 99/' "$WORK/mismatched/include/dms_progress.h"
check "a library of another version than the header stops the program at start-up" sh -c "
    cd '$WORK/go/app' && PKG_CONFIG_PATH='$WORK/mismatched/lib/pkgconfig' CGO_CFLAGS='-O2 -DPACKAGING_TEST=mismatch' go build -o app-mismatched . &&
    ! ./app-mismatched c-test-instance completes 2>'$WORK/mismatch.err'
    cat '$WORK/mismatch.err'
    grep -q 'compiled against dms_progress.h 99.' '$WORK/mismatch.err' && grep -q 'linked with libdms_progress $VERSION' '$WORK/mismatch.err'"
unset GOFLAGS PKG_CONFIG_PATH

section "Python: the wheel on the oldest and the newest Python here"
# pyenv's interpreters (the machine's), oldest and newest of those the package supports.
mapfile -t PYTHONS < <(for py in "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.*/bin/python3; do
    [ -x "$py" ] && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 8))' && echo "$("$py" -c 'import sys; print("%d.%02d" % sys.version_info[:2])') $py"
done | sort -V | awk 'NR == 1 { first = $2 } { last = $2 } END { print first; if (last != first) print last }')
check "two Pythons >= 3.8 to test with (${PYTHONS[*]})" test "${#PYTHONS[@]}" = 2
for py in "${PYTHONS[@]}"; do
    v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    venv=$WORK/venv-$v
    "$py" -m venv "$venv"
    check "python $v: pip install the wheel with only the venv on PATH (no cargo, rustc, cc)" \
        env -i HOME="$WORK" PATH="$venv/bin" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$WHEEL"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/scripts/requirements-test.txt"
    TEST_PATH=$venv/bin:/usr/bin:/bin
    check "python $v: no cargo or rustc on the tests' PATH" env PATH="$TEST_PATH" sh -c '! command -v cargo && ! command -v rustc'
    check "python $v: the package's tests pass against the installed wheel" sh -c "cd '$WORK' &&
        env -u DMS_PROGRESS_LIB PATH='$TEST_PATH' DMS_EMULATOR_BIN='$P/bin/dms-emulator' \
        '$venv/bin/python' -m pytest '$ROOT/bindings/python/tests' -q -p no:cacheprovider"
    tail -n 1 "$WORK/check.out"
done
check "auditwheel show: manylinux_2_17_x86_64" output_has 'platform tag: "manylinux_2_17_x86_64"' \
    sh -c "'$DIST_VENV/bin/auditwheel' show '$WHEEL' | tr -s ' \n' ' '"
check "the wheel holds the release library and LICENSE" sh -c "
    unzip -l '$WHEEL' | grep -q 'dms_progress/libdms_progress.so' && unzip -l '$WHEEL' | grep -q 'dist-info/licenses/LICENSE'"
check "the sdist holds LICENSE and the Rust crates" sh -c "
    tar -tzf '$SDIST' | grep -qx 'dms_progress-$VERSION/LICENSE' &&
    tar -tzf '$SDIST' | grep -qx 'dms_progress-$VERSION/rust/Cargo.lock' &&
    tar -tzf '$SDIST' | grep -qx 'dms_progress-$VERSION/rust/crates/progress-ffi/Cargo.toml'"

section "Python: the sdist builds into a wheel in a clean directory"
mkdir -p "$WORK/sdist"
tar -C "$WORK/sdist" -xzf "$SDIST"
check "python -m build --wheel in the unpacked sdist (cargo builds the crates it carries)" sh -c "
    cd '$WORK/sdist/dms_progress-$VERSION' && '$DIST_VENV/bin/python' -m build --wheel --outdir '$WORK/sdist/out' ."
"$DIST_VENV/bin/python" -m venv "$WORK/venv-sdist"
check "the wheel from the sdist installs and loads its library" sh -c "
    '$WORK/venv-sdist/bin/pip' install --quiet --disable-pip-version-check --no-index '$WORK'/sdist/out/*.whl &&
    cd '$WORK' && env -u DMS_PROGRESS_LIB '$WORK/venv-sdist/bin/python' -c \
    'import dms_progress, sys; sys.exit(dms_progress.library_version() != \"$VERSION\")'"

section "Python: pip install -e builds a release library"
"$DIST_VENV/bin/python" -m venv "$WORK/venv-editable"
INPLACE_LIB=$ROOT/bindings/python/src/dms_progress/libdms_progress.so
check "pip install -e ./bindings/python" "$WORK/venv-editable/bin/pip" install --quiet --disable-pip-version-check -e "$ROOT/bindings/python"
check "the editable install's library is a release build (no debug info, stripped)" sh -c "
    readelf -S '$INPLACE_LIB' >'$WORK/sections' && ! grep -q -e '\.debug_info' -e '\.symtab' '$WORK/sections'"
check "the editable install imports from the source tree" sh -c "cd '$WORK' && env -u DMS_PROGRESS_LIB \
    '$WORK/venv-editable/bin/python' -c 'import dms_progress; print(dms_progress.library_path())' | grep -qx '$INPLACE_LIB'"
rm -f "$INPLACE_LIB"

printf '\npackaging: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
