"""The committed ctypes declarations match include/dms_progress.h exactly."""

from __future__ import annotations

import difflib
import importlib.util
import shutil

import pytest

from conftest import PACKAGE_ROOT, REPO_ROOT

GENERATOR = PACKAGE_ROOT / "tools" / "gen_ffi.py"
COMMITTED = PACKAGE_ROOT / "src" / "dms_progress" / "_ffi_gen.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_ffi", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_module_matches_header():
    pytest.importorskip("pycparser")
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to preprocess the header")
    expected = load_generator().generate(REPO_ROOT / "include" / "dms_progress.h")
    actual = COMMITTED.read_text()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                actual.splitlines(True), expected.splitlines(True), "committed _ffi_gen.py", "from the header"
            )
        )
        pytest.fail(
            "dms_progress/_ffi_gen.py is out of date with include/dms_progress.h.\n"
            "Regenerate it with:  .venv/bin/python bindings/python/tools/gen_ffi.py\n\n" + diff
        )


def test_every_header_function_is_declared_on_the_loaded_library():
    from dms_progress import _ffi

    for name, (restype, params) in _ffi.FUNCTIONS.items():
        fn = getattr(_ffi.lib, name)
        assert fn.restype is restype, name
        assert fn.argtypes == [t for _, t in params], name
    assert len(_ffi.FUNCTIONS) >= 50
    assert "dms_progress_client_wait" in _ffi.FUNCTIONS


def test_result_codes_agree_with_the_library():
    from dms_progress import _ffi

    for code, name in _ffi.DMS_PROGRESS_RESULT_NAMES.items():
        assert _ffi.lib.dms_progress_result_name(code).decode() == name


def test_every_call_that_can_wait_releases_the_gil():
    """A client call that takes a cancel token can block (that is what the token is for),
    and so can building a client: each must be called with the GIL released, or every other
    thread would stop while it waits. The rest keep the GIL (cheaper for a short call)."""
    import ctypes

    from dms_progress import _ffi

    can_wait = {
        name
        for name, (_, params) in _ffi.FUNCTIONS.items()
        if name.startswith("dms_progress_client_") and any(p == "cancel" for p, _ in params)
    }
    can_wait.add("dms_progress_client_new")
    assert can_wait <= _ffi.RELEASES_GIL, sorted(can_wait - _ffi.RELEASES_GIL)
    assert _ffi.RELEASES_GIL <= set(_ffi.FUNCTIONS), sorted(_ffi.RELEASES_GIL - set(_ffi.FUNCTIONS))
    flags = {name: getattr(_ffi.lib, name)._flags_ for name in _ffi.FUNCTIONS}
    releasing = {name for name, f in flags.items() if not f & ctypes._FUNCFLAG_PYTHONAPI}
    assert releasing == _ffi.RELEASES_GIL
