"""Test set-up for the dms_progress package.

Which package is tested:
- with ``DMS_PROGRESS_LIB`` set (development: ``cargo build --release -p progress-ffi`` and
  ``DMS_PROGRESS_LIB=target/release/libdms_progress.so``), the source tree ``src/``;
- without it, the installed package and the library bundled in it (what
  ``pip install ./bindings/python`` produced): run pytest from outside the source tree.

The shared fixtures (``clean_environment``, ``demo_emulator``), the canaries and the
``testdata/`` readers come from the repository's ``tests/testkit.py``; the emulator from its
``tests/emulator_harness.py`` (``DMS_EMULATOR_BIN``, default ``target/debug/dms-emulator``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
REPO_ROOT = PACKAGE_ROOT.parent.parent
SOURCE_MODE = bool(os.environ.get("DMS_PROGRESS_LIB"))

if SOURCE_MODE:
    sys.path.insert(0, str(PACKAGE_ROOT / "src"))
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(HERE))

import dms_progress  # noqa: E402
from localserver import LocalServer  # noqa: E402
from testkit import clean_environment, demo_emulator  # noqa: E402, F401  (the shared fixtures)


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"dms_progress {dms_progress.__file__} ({'source tree' if SOURCE_MODE else 'installed'}), "
        f"native library {dms_progress.library_path()} {dms_progress.library_version()}"
    )


@pytest.fixture
def local_server():
    with LocalServer() as server:
        yield server


def child_environment() -> dict:
    """Environment for a child Python that must import the same dms_progress as the tests."""
    env = dict(os.environ)
    if SOURCE_MODE:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT / "src"), env.get("PYTHONPATH")]))
    return env
