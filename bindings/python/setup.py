"""Builds crates/progress-ffi's cdylib with cargo and ships it inside the package.

The Rust crate lives outside this directory (../../crates/progress-ffi, in the repository's
Cargo workspace), so the package builds from a checkout of the repository: `pip install
./bindings/python` (pip builds in place, so the workspace is visible). An sdist copied
elsewhere cannot see the workspace and says so.
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parent.parent / "crates" / "progress-ffi" / "Cargo.toml"

if sys.platform == "win32":
    LIB_NAME = "dms_progress.dll"
elif sys.platform == "darwin":
    LIB_NAME = "libdms_progress.dylib"
else:
    LIB_NAME = "libdms_progress.so"

if not MANIFEST.is_file():
    sys.exit(
        f"dms_progress: the Rust crate is not at {MANIFEST}. Build this package from a "
        "checkout of the dms-progress repository (pip install ./bindings/python), or build the "
        "library yourself (cargo build --release -p progress-ffi) and point DMS_PROGRESS_LIB at it."
    )


class BuildRustLib(build_rust):
    """Installs the cdylib under its plain name (dms_progress/libdms_progress.so), not as a
    CPython extension module (…cpython-311-x86_64-linux-gnu.so): ctypes loads it, and it
    works with every Python version."""

    def get_dylib_ext_path(self, ext, target_fname):
        path = Path(super().get_dylib_ext_path(ext, target_fname))
        return str(path.with_name(LIB_NAME))


setup(
    rust_extensions=[
        RustExtension(
            "dms_progress.libdms_progress",
            path=str(MANIFEST),
            binding=Binding.NoBinding,
        )
    ],
    cmdclass={"build_rust": BuildRustLib},
)
