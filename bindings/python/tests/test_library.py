"""Where the native library comes from, and what happens when it is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dms_progress
from conftest import SOURCE_MODE, child_environment


def test_the_library_in_use_is_the_one_expected():
    loaded = Path(dms_progress.library_path()).resolve()
    package_dir = Path(dms_progress.__file__).resolve().parent
    if SOURCE_MODE:
        assert loaded == Path(os.environ["DMS_PROGRESS_LIB"]).resolve()
    else:
        # Installed with pip: the library bundled inside the package, under its plain name.
        assert loaded.parent == package_dir
        assert loaded.name in ("libdms_progress.so", "libdms_progress.dylib", "dms_progress.dll")
        assert (package_dir / "py.typed").is_file()
    assert dms_progress.library_version() == dms_progress.__version__


def test_a_missing_library_is_an_oserror_naming_both_places(tmp_path):
    env = child_environment()
    env["DMS_PROGRESS_LIB"] = str(tmp_path / "nowhere" / "libdms_progress.so")
    run = subprocess.run(
        [sys.executable, "-c", "import dms_progress"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert "LibraryNotFoundError" in last and "ImportError" not in run.stderr
    assert "DMS_PROGRESS_LIB" in last and str(tmp_path / "nowhere") in last
    assert "inside the package" in last


def test_a_file_that_is_not_a_library_is_refused_clearly(tmp_path):
    bogus = tmp_path / "libdms_progress.so"
    bogus.write_text("not a shared object")
    env = child_environment()
    env["DMS_PROGRESS_LIB"] = str(bogus)
    run = subprocess.run(
        [sys.executable, "-c", "import dms_progress"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert run.returncode != 0
    assert "cannot load the native library" in run.stderr


def test_library_errors_are_oserrors():
    from dms_progress._ffi import LibraryNotFoundError

    assert issubclass(LibraryNotFoundError, OSError)
