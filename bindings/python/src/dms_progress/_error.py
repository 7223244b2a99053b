"""The exceptions, the one table from C result codes to them, and the one helper that turns
a failed call into one of them."""

from __future__ import annotations

import ctypes

from . import _ffi
from ._ffi import lib
from ._progress import Progress, Step, progress_from_c

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Type


def result_name(code: int) -> str:
    """The library's name of a result code (``"DMS_PROGRESS_RESULT_TIMEOUT"``)."""
    return _ffi.text(lib.dms_progress_result_name(code)) or "DMS_PROGRESS_RESULT_UNKNOWN"


def _common(code: int, err: Any) -> Dict[str, Any]:
    return {
        "code": code,
        "request_id": _ffi.text(lib.dms_progress_error_request_id(err)),
        "retryable": bool(lib.dms_progress_error_is_retryable(err)),
    }


def _message(code: int, err: Any) -> str:
    return _ffi.text(lib.dms_progress_error_message(err)) or result_name(code)


def _attached_progress(err: Any) -> Optional[Progress]:
    ptr = lib.dms_progress_error_progress(err)
    return progress_from_c(ptr) if ptr else None



class Error(Exception):
    """Base class of every error this package raises.

    ``code`` is the C API's result code (an ``int``) and ``code_name`` its symbolic name
    (``"DMS_PROGRESS_RESULT_TRANSPORT"``); ``request_id`` is the ``X-Request-Id`` of the
    response that caused the error, when there was one; ``retryable`` says whether sending
    the same request again may succeed (the client has already retried as configured).
    Messages come from the native library, name what was wrong, and never contain a secret.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int = _ffi.DMS_PROGRESS_RESULT_PANIC,
        request_id: Optional[str] = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.retryable = retryable

    @property
    def code_name(self) -> str:
        return result_name(self.code)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_c(cls, code: int, err: Any) -> "Error":
        """The exception for a ``dms_progress_error *`` with this class's code."""
        return cls(_message(code, err), **_common(code, err))


class InvalidArgumentError(Error, ValueError):
    """An argument was refused before anything was sent (a malformed id, endpoint or region,
    a value that is not a positive number, a string with a NUL character)."""


class ConfigError(Error):
    """The client cannot be configured: no credentials, half an access key pair, no project
    id, an unusable CA file."""


class TransportError(Error):
    """No complete HTTP answer: connection refused, TLS failure, timeout, body too large.

    ``timed_out`` is true when a connect or per-attempt timeout fired.
    """

    @property
    def timed_out(self) -> bool:
        return self.code == _ffi.DMS_PROGRESS_RESULT_TIMEOUT


class ApiError(Error):
    """The service answered with an error status.

    ``status`` is the HTTP status, ``error_code`` the service's code (``"APIGW.0301"``,
    ``"DMS.00404022"``, or the status as text when the body had none), ``error_msg`` its
    message, ``request_id`` the ``X-Request-Id`` support asks for.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_code: str,
        error_msg: str,
        request_id: Optional[str] = None,
        retryable: bool = False,
        code: int = _ffi.DMS_PROGRESS_RESULT_API,
    ) -> None:
        super().__init__(message, code=code, request_id=request_id, retryable=retryable)
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg

    @classmethod
    def from_c(cls, code: int, err: Any) -> "Error":
        return cls(
            _message(code, err),
            status=lib.dms_progress_error_http_status(err),
            error_code=_ffi.text(lib.dms_progress_error_api_code(err)) or "",
            error_msg=_ffi.text(lib.dms_progress_error_api_message(err)) or "",
            **_common(code, err),
        )


class DecodeError(Error):
    """A 2xx answer whose body could not be decoded (not JSON, not an object, ...)."""


class TaskFailedError(Error):
    """A step of the task failed. ``progress`` is the progress that showed it; ``step`` the
    failed ``Step`` and ``step_index`` its index in ``progress.steps``."""

    def __init__(
        self,
        message: str,
        *,
        progress: Optional[Progress],
        step_index: Optional[int],
        code: int = _ffi.DMS_PROGRESS_RESULT_TASK_FAILED,
    ) -> None:
        super().__init__(message, code=code)
        self.progress = progress
        self.step_index = step_index

    @property
    def step(self) -> Optional[Step]:
        if self.progress is None or self.step_index is None:
            return None
        return self.progress.steps[self.step_index]

    @classmethod
    def from_c(cls, code: int, err: Any) -> "Error":
        index = ctypes.c_size_t()
        step = index.value if lib.dms_progress_error_failed_step(err, ctypes.byref(index)) else None
        return cls(_message(code, err), progress=_attached_progress(err), step_index=step, code=code)


class WaitTimeoutError(Error, TimeoutError):
    """The task did not finish within the wait's ``timeout``. ``progress`` is the last
    progress seen, or None when no poll succeeded."""

    def __init__(
        self, message: str, *, progress: Optional[Progress], code: int = _ffi.DMS_PROGRESS_RESULT_WAIT_TIMEOUT
    ) -> None:
        super().__init__(message, code=code)
        self.progress = progress

    @classmethod
    def from_c(cls, code: int, err: Any) -> "Error":
        return cls(_message(code, err), progress=_attached_progress(err), code=code)


class CancelledError(Error):
    """The call was cancelled: ``on_progress`` returned ``False``, or the client was closed
    (from another thread) while the call ran."""


class InternalError(Error):
    """A bug in the native library (a panic caught at its boundary) or in this package.
    Please report it."""


#: The one mapping from every C result code (but OK) to the exception raised for it.
#: ``tests/test_error_table.py`` checks it against the header: a code added to the C API
#: without an entry here fails that test.
EXCEPTIONS: "Dict[int, Type[Error]]" = {
    _ffi.DMS_PROGRESS_RESULT_INVALID_ARGUMENT: InvalidArgumentError,
    _ffi.DMS_PROGRESS_RESULT_NULL_PARAMETER: InvalidArgumentError,
    _ffi.DMS_PROGRESS_RESULT_INVALID_UTF8: InvalidArgumentError,
    _ffi.DMS_PROGRESS_RESULT_CONFIG: ConfigError,
    _ffi.DMS_PROGRESS_RESULT_TRANSPORT: TransportError,
    _ffi.DMS_PROGRESS_RESULT_TIMEOUT: TransportError,
    _ffi.DMS_PROGRESS_RESULT_API: ApiError,
    _ffi.DMS_PROGRESS_RESULT_DECODE: DecodeError,
    _ffi.DMS_PROGRESS_RESULT_TASK_FAILED: TaskFailedError,
    _ffi.DMS_PROGRESS_RESULT_WAIT_TIMEOUT: WaitTimeoutError,
    _ffi.DMS_PROGRESS_RESULT_CANCELLED: CancelledError,
    _ffi.DMS_PROGRESS_RESULT_PANIC: InternalError,
}

ErrorPtr = ctypes.POINTER(_ffi.dms_progress_error)


def from_handle(code: int, err: Any) -> Error:
    """Reads everything from a ``dms_progress_error *`` (not freeing it) into the exception
    the table gives for its code."""
    if not err:
        # The library always gives an error handle when asked for one: this is a bug.
        return InternalError(f"{result_name(code)} without an error handle", code=code)
    code = lib.dms_progress_error_result(err)
    return EXCEPTIONS.get(code, InternalError).from_c(code, err)


def check(code: int, err: Any = None) -> None:
    """Raises the exception for a failed call, freeing ``err`` (the call's
    ``dms_progress_error *``). Does nothing on success."""
    try:
        if code == _ffi.DMS_PROGRESS_RESULT_OK:
            return
        raise from_handle(code, err)
    finally:
        if err:
            lib.dms_progress_error_free(err)


def call(fn: Any, *args: Any) -> None:
    """Calls a C function whose last parameter is ``err_out``, raising its error."""
    err = ErrorPtr()
    check(fn(*args, ctypes.byref(err)), err)
