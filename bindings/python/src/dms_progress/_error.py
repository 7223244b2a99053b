"""The exceptions, and the one helper that turns a C result code into one of them."""

from __future__ import annotations

import ctypes
from typing import Any, Optional

from . import _ffi
from ._ffi import lib
from ._progress import Progress, Step, progress_from_c


class Error(Exception):
    """Base class of every error this package raises.

    ``code`` is the C API's result code (an ``int``) and ``code_name`` its symbolic name
    (``"DMS_PROGRESS_RESULT_TRANSPORT"``); ``request_id`` is the ``X-Request-Id`` of the
    response that caused the error, when there was one. Messages never contain a secret.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int = _ffi.DMS_PROGRESS_RESULT_PANIC,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id

    @property
    def code_name(self) -> str:
        return _ffi.DMS_PROGRESS_RESULT_NAMES.get(self.code, "DMS_PROGRESS_RESULT_UNKNOWN")

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(Error, ValueError):
    """An argument was refused before anything was sent (a malformed id, endpoint or region,
    a non-positive interval or timeout, a string with a NUL character)."""


class ConfigError(Error):
    """The client cannot be configured: no credentials, no project id, an unusable CA file."""


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
        code: int = _ffi.DMS_PROGRESS_RESULT_API,
    ) -> None:
        super().__init__(message, code=code, request_id=request_id)
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg


class DecodeError(Error):
    """A 2xx answer whose body could not be decoded (not JSON, not an object, ...)."""


class TaskFailedError(Error):
    """A step of the task failed. ``progress`` is the progress that showed it; ``step`` the
    failed ``Step`` and ``step_index`` its index in ``progress.steps``."""

    def __init__(self, message: str, *, progress: Progress, step_index: int, code: int = _ffi.DMS_PROGRESS_RESULT_TASK_FAILED) -> None:
        super().__init__(message, code=code)
        self.progress = progress
        self.step_index = step_index

    @property
    def step(self) -> Step:
        return self.progress.steps[self.step_index]


class WaitTimeoutError(Error, TimeoutError):
    """The task did not finish within the wait's ``timeout``. ``progress`` is the last
    progress seen, or None when no poll succeeded."""

    def __init__(self, message: str, *, progress: Optional[Progress], code: int = _ffi.DMS_PROGRESS_RESULT_WAIT_TIMEOUT) -> None:
        super().__init__(message, code=code)
        self.progress = progress


class CancelledError(Error):
    """The call was cancelled: ``on_progress`` returned ``False``."""


_CLASSES = {
    _ffi.DMS_PROGRESS_RESULT_INVALID_ARGUMENT: InvalidArgumentError,
    _ffi.DMS_PROGRESS_RESULT_NULL_PARAMETER: InvalidArgumentError,
    _ffi.DMS_PROGRESS_RESULT_INVALID_UTF8: InvalidArgumentError,
    _ffi.DMS_PROGRESS_RESULT_CONFIG: ConfigError,
    _ffi.DMS_PROGRESS_RESULT_TRANSPORT: TransportError,
    _ffi.DMS_PROGRESS_RESULT_TIMEOUT: TransportError,
    _ffi.DMS_PROGRESS_RESULT_DECODE: DecodeError,
    _ffi.DMS_PROGRESS_RESULT_CANCELLED: CancelledError,
}

ErrorPtr = ctypes.POINTER(_ffi.dms_progress_error)

def result_name(code: int) -> str:
    return _ffi.text(lib.dms_progress_result_name(code)) or "DMS_PROGRESS_RESULT_UNKNOWN"


def from_handle(code: int, err: Any) -> Error:
    """Reads everything from a ``dms_progress_error *`` (not freeing it) into an exception."""
    if not err:
        return _CLASSES.get(code, Error)(f"{result_name(code)} (no error detail)", code=code)
    code = lib.dms_progress_error_result(err)
    message = _ffi.text(lib.dms_progress_error_message(err)) or result_name(code)
    request_id = _ffi.text(lib.dms_progress_error_request_id(err))
    if code == _ffi.DMS_PROGRESS_RESULT_API:
        return ApiError(
            message,
            status=lib.dms_progress_error_http_status(err),
            error_code=_ffi.text(lib.dms_progress_error_api_code(err)) or "",
            error_msg=_ffi.text(lib.dms_progress_error_api_message(err)) or "",
            request_id=request_id,
        )
    progress_ptr = lib.dms_progress_error_progress(err)
    progress = progress_from_c(progress_ptr) if progress_ptr else None
    if code == _ffi.DMS_PROGRESS_RESULT_TASK_FAILED and progress is not None:
        index = ctypes.c_size_t()
        if lib.dms_progress_error_failed_step(err, ctypes.byref(index)):
            return TaskFailedError(message, progress=progress, step_index=index.value)
    if code == _ffi.DMS_PROGRESS_RESULT_WAIT_TIMEOUT:
        return WaitTimeoutError(message, progress=progress)
    cls = _CLASSES.get(code, Error)
    return cls(message, code=code, request_id=request_id)


def check(code: int, err: Any = None) -> None:
    """Raises the exception for a failed call, freeing ``err`` (a ``dms_progress_error *``,
    or None for functions without an error out-parameter). Does nothing on success."""
    try:
        if code == _ffi.DMS_PROGRESS_RESULT_OK:
            return
        raise from_handle(code, err)
    finally:
        if err:
            lib.dms_progress_error_free(err)


def check_setter(code: int, what: str) -> None:
    """For the configuration setters, which return a code but no error detail. ``what``
    names the setting, never its value."""
    if code != _ffi.DMS_PROGRESS_RESULT_OK:
        cls = _CLASSES.get(code, Error)
        raise cls(f"invalid {what} ({result_name(code)})", code=code)
