"""Builds crates/progress-ffi's shared library with cargo and ships it inside the package.

The package is Python only (ctypes); the one native file is the C library
dms_progress/libdms_progress.so, loaded by path. So the wheel is tagged py3-none-PLATFORM: one
wheel per platform serves every Python >= 3.8.

Where the Rust sources are:
- in a checkout of the repository, ../../crates/progress-ffi in the repository's Cargo
  workspace (`pip install ./bindings/python`, `pip install -e`, `python -m build --wheel`);
- in an sdist, rust/: making the sdist copies the workspace manifest, Cargo.lock and the crates
  the library is built from (progress-ffi and its path dependencies, found with
  `cargo metadata`; their tests, benchmarks and dev-dependencies left out), so the sdist builds
  wherever cargo is.

The library is always a release build, for `pip install -e` too: a debug build is 10 times
larger and much slower.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
CHECKOUT_ROOT = HERE.parent.parent
SDIST_RUST = Path("rust")  # inside the sdist
CRATE = "progress-ffi"

if sys.platform == "win32":
    LIB_NAME = "dms_progress.dll"
elif sys.platform == "darwin":
    LIB_NAME = "libdms_progress.dylib"
else:
    LIB_NAME = "libdms_progress.so"


def crate_manifest() -> Path:
    for root in (HERE / SDIST_RUST, CHECKOUT_ROOT):
        manifest = root / "crates" / CRATE / "Cargo.toml"
        if manifest.is_file():
            return manifest
    sys.exit(
        f"dms_progress: the Rust crate {CRATE} is neither in {HERE / SDIST_RUST} (an sdist) nor in "
        f"{CHECKOUT_ROOT / 'crates'} (a checkout of the dms-progress repository). Build from "
        "either, or build the library yourself (make -C bindings/c install) and point "
        "DMS_PROGRESS_LIB at lib/libdms_progress.so."
    )


class BuildRustLib(build_rust):
    """Installs the cdylib under its plain name (dms_progress/libdms_progress.so), not as a
    CPython extension module (…cpython-311-x86_64-linux-gnu.so): ctypes loads it, and it
    works with every Python version."""

    def get_dylib_ext_path(self, ext, target_fname):
        path = Path(super().get_dylib_ext_path(ext, target_fname))
        return str(path.with_name(LIB_NAME))


class BdistWheelAnyPython(bdist_wheel):
    """py3-none-PLATFORM: no Python ABI is involved (no extension module)."""

    def get_tag(self):
        _python, _abi, plat = super().get_tag()
        return "py3", "none", plat


# Cargo.toml sections a library build does not read; their paths (tests, benches, the
# emulator as a dev-dependency) are not in the sdist.
DROPPED_SECTION = re.compile(
    r"^\[\[?(?:dev-dependencies|bench|test|example)(?:[.\]])|^\[target\..*\.dev-dependencies[.\]]"
)


def without_dev_sections(manifest: str) -> str:
    kept, dropping = [], False
    for line in manifest.splitlines(keepends=True):
        if line.startswith("["):
            dropping = bool(DROPPED_SECTION.match(line))
        if not dropping:
            kept.append(line)
    return "".join(kept)


def library_crates(workspace: Path) -> "list[Path]":
    """progress-ffi and the path dependencies it is built from (normal and build, not dev)."""
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"],
        cwd=workspace, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    packages = {p["name"]: p for p in json.loads(out)["packages"]}
    wanted, todo = {}, [CRATE]
    while todo:
        package = packages[todo.pop()]
        crate_dir = Path(package["manifest_path"]).parent
        if package["name"] in wanted:
            continue
        wanted[package["name"]] = crate_dir
        todo += [d["name"] for d in package["dependencies"] if d.get("path") and d["kind"] != "dev"]
    return sorted(wanted.values())


def copy_rust_workspace(dest: Path) -> None:
    """The Cargo workspace of the library, as rust/ inside the sdist."""
    crates = library_crates(CHECKOUT_ROOT)
    members = [c.relative_to(CHECKOUT_ROOT).as_posix() for c in crates]
    root_manifest = (CHECKOUT_ROOT / "Cargo.toml").read_text(encoding="utf-8")
    root_manifest, replaced = re.subn(
        r"(?ms)^members\s*=\s*\[.*?\]", "members = [" + ", ".join(f'"{m}"' for m in members) + "]", root_manifest
    )
    if replaced != 1:
        sys.exit("dms_progress: cannot find the workspace's members list in Cargo.toml")
    dest.mkdir(parents=True)
    (dest / "Cargo.toml").write_text(root_manifest, encoding="utf-8")
    # The versions this repository tests with; cargo drops the entries the subset does not use.
    shutil.copy2(CHECKOUT_ROOT / "Cargo.lock", dest / "Cargo.lock")
    for crate, member in zip(crates, members):
        target = dest / member
        shutil.copytree(crate / "src", target / "src")
        for item in crate.iterdir():  # Cargo.toml, build.rs, the version script
            if item.is_file() and item.name != "Cargo.toml":
                shutil.copy2(item, target / item.name)
        manifest = (crate / "Cargo.toml").read_text(encoding="utf-8")
        (target / "Cargo.toml").write_text(without_dev_sections(manifest), encoding="utf-8")


class SdistWithRust(sdist):
    """An sdist that carries the Rust sources (see the module docstring)."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        if (HERE / SDIST_RUST).is_dir():
            return  # an sdist made from an sdist: MANIFEST.in's `graft rust` copied it
        copy_rust_workspace(Path(base_dir) / SDIST_RUST)


MANIFEST = crate_manifest()
# In a checkout, the same crate types as `make -C bindings/c lib` (which also builds the static
# library): one cargo invocation for both, so neither rebuilds the other's LTO link. From an
# sdist only the shared library is needed (setuptools-rust's default, --crate-type cdylib).
CARGO_ARGS = [] if HERE in MANIFEST.parents else ["--crate-type", "cdylib", "--crate-type", "staticlib"]

setup(
    rust_extensions=[
        RustExtension(
            "dms_progress.libdms_progress",
            path=str(MANIFEST),
            binding=Binding.NoBinding,
            debug=False,
            args=CARGO_ARGS,
        )
    ],
    cmdclass={"build_rust": BuildRustLib, "bdist_wheel": BdistWheelAnyPython, "sdist": SdistWithRust},
)
