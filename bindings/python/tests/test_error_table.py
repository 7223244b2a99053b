"""The one table from C result codes to exceptions covers every code of the header.

A code added to ``include/dms_progress.h`` without an entry in ``dms_progress._error.EXCEPTIONS``
(and in this test's list) fails here. The Go package has the same table test against the same
header, and both map ``NULL_PARAMETER`` to their invalid-argument error.
"""

from __future__ import annotations

import re

import dms_progress
from dms_progress import _error, _ffi
from conftest import REPO_ROOT

E = dms_progress
EXPECTED = {
    "INVALID_ARGUMENT": E.InvalidArgumentError,
    "NULL_PARAMETER": E.InvalidArgumentError,
    "INVALID_UTF8": E.InvalidArgumentError,
    "CONFIG": E.ConfigError,
    "TRANSPORT": E.TransportError,
    "TIMEOUT": E.TransportError,
    "API": E.ApiError,
    "DECODE": E.DecodeError,
    "TASK_FAILED": E.TaskFailedError,
    "WAIT_TIMEOUT": E.WaitTimeoutError,
    "CANCELLED": E.CancelledError,
    "PANIC": E.InternalError,
}


def header_result_codes() -> dict:
    header = (REPO_ROOT / "include" / "dms_progress.h").read_text()
    return {m[1]: int(m[2]) for m in re.finditer(r"\bDMS_PROGRESS_RESULT_(\w+) = (\d+)", header)}


def test_every_result_code_of_the_header_has_one_exception():
    codes = header_result_codes()
    assert codes.pop("OK") == 0
    assert set(codes) == set(EXPECTED), "a result code is missing from this table or the header"
    assert set(_error.EXCEPTIONS) == set(codes.values()), "EXCEPTIONS and the header disagree"
    for name, number in codes.items():
        assert _error.EXCEPTIONS[number] is EXPECTED[name], name
        assert getattr(_ffi, f"DMS_PROGRESS_RESULT_{name}") == number
        assert _error.result_name(number) == f"DMS_PROGRESS_RESULT_{name}"


def test_every_exception_is_an_error():
    for cls in set(EXPECTED.values()):
        assert issubclass(cls, E.Error), cls
        assert getattr(E, cls.__name__) is cls, f"{cls.__name__} is not exported"
