"""``Client``: the configured connection to DMS, with ``get_progress`` and ``wait``."""

from __future__ import annotations

import ctypes
import math
import os
import threading
import time
from typing import Any, Callable, Dict, List, Optional, TypeVar, Union

from . import _ffi
from ._error import ErrorPtr, InvalidArgumentError, check, check_setter
from ._ffi import lib
from ._managed import Managed
from ._progress import Progress, progress_from_c

ProgressPtr = ctypes.POINTER(_ffi.dms_progress_progress)
ClientPtr = ctypes.POINTER(_ffi.dms_progress_client)
RequestPtr = ctypes.POINTER(_ffi.dms_progress_request)

#: How long a Ctrl-C waits for the interrupted call to notice its cancel token. The library
#: notices within about 50 ms while sleeping; an HTTP attempt in flight may take longer, and
#: is then left to finish on its own (its thread frees what it used).
_CANCEL_GRACE = 0.5
#: How often the calling thread wakes while a call runs in its worker thread.
_JOIN_SLICE = 0.2

_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1

T = TypeVar("T")


class _Config(Managed[Any]):
    _free_fn = lib.dms_progress_config_free


class _Cancel(Managed[Any]):
    _free_fn = lib.dms_progress_cancel_free

    def trigger(self) -> None:
        with self._lock:
            # Under the lock so the worker cannot free the token in between; a token already
            # closed guarded a call that is over, so there is nothing to cancel.
            if self._ptr is not None and not self._closed:
                lib.dms_progress_cancel_trigger(self._ptr)


def _millis(seconds: float, what: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise InvalidArgumentError(f"{what} must be a number of seconds, not {type(seconds).__name__}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidArgumentError(f"{what} must be a positive, finite number of seconds (got {seconds!r})")
    return min(_U64_MAX, max(1, math.ceil(seconds * 1000)))


def _run_interruptible(call: Callable[[Any], T]) -> T:
    """Runs ``call(cancel_ptr)`` so that Ctrl-C interrupts it promptly.

    The main thread cannot run Python signal handlers while it is blocked inside a C call, so
    the call runs on a worker thread while the main thread waits on an Event (which signals
    do interrupt). On KeyboardInterrupt the call's cancel token is triggered, the worker is
    given a moment to return, and KeyboardInterrupt propagates. Other threads never receive
    signals, so there the call simply runs inline.
    """
    if threading.current_thread() is not threading.main_thread():
        return call(None)
    cancel = _Cancel(lib.dms_progress_cancel_new())
    outcome: Dict[str, Any] = {}
    done = threading.Event()

    def worker() -> None:
        try:
            with cancel._borrow() as ptr:
                outcome["value"] = call(ptr)
        except BaseException as e:  # handed to the calling thread
            outcome["error"] = e
        finally:
            cancel.close()
            done.set()

    thread = threading.Thread(target=worker, name="dms_progress-call", daemon=True)
    thread.start()
    try:
        while not done.wait(_JOIN_SLICE):
            pass
    except KeyboardInterrupt:
        cancel.trigger()
        done.wait(_CANCEL_GRACE)
        raise
    if "error" in outcome:
        error = outcome.pop("error")
        try:
            raise error
        finally:
            del error
    value: T = outcome["value"]
    return value


def _take_progress(out: Any) -> Progress:
    try:
        return progress_from_c(out)
    finally:
        lib.dms_progress_progress_free(out)


class Client(Managed[Any]):
    """A client for DMS for Kafka's ShowBackgroundTaskProgress.

    Every argument is optional. Unset ones are resolved by the native library as the official
    SDKs do: the ``HUAWEICLOUD_SDK_AK`` / ``_SK`` / ``_SECURITY_TOKEN`` / ``_PROJECT_ID``
    environment variables, then the profile file (``HUAWEICLOUD_SDK_CREDENTIALS_FILE``, else
    ``~/.huaweicloud/credentials``, section ``[basic]``). ``ConfigError`` when nothing
    supplies credentials or a project id.

    :param endpoint: ``https://host[:port]`` or ``http://127.0.0.1:8080``; wins over ``region``.
    :param region: e.g. ``"cn-north-4"``; the endpoint comes from the official table or
        ``HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}``.
    :param project_id: the project id (``X-Project-Id`` and the path's ``{project_id}``).
    :param ak: access key id; give ``sk`` with it.
    :param sk: secret access key. Never shown by ``repr()`` or in any error message.
    :param security_token: the token of temporary credentials (with ``ak``/``sk``).
    :param iam_token: an IAM token, sent as ``X-Auth-Token`` instead of signing.
    :param timeout: deadline of one HTTP attempt, in seconds.
    :param retries: how many times a transport error, 429 or 5xx is retried (0: never).
    :param ca_file: PEM file of CA certificates to trust instead of the built-in roots.
    :param insecure: disable TLS certificate verification (test gateways only).

    One client can be shared by any number of threads. Use it as a context manager, or call
    ``close()`` (idempotent) when done.
    """

    _free_fn = lib.dms_progress_client_free

    def __init__(
        self,
        endpoint: Optional[str] = None,
        region: Optional[str] = None,
        project_id: Optional[str] = None,
        ak: Optional[str] = None,
        sk: Optional[str] = None,
        security_token: Optional[str] = None,
        iam_token: Optional[str] = None,
        timeout: float = 30.0,
        retries: int = 2,
        ca_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        insecure: bool = False,
    ) -> None:
        self._endpoint: Optional[str] = endpoint
        self._project_id: Optional[str] = project_id
        self._ak: Optional[str] = ak
        self._auth = "iam-token" if iam_token is not None else "aksk"
        self._temporary = security_token is not None
        if (ak is None) != (sk is None):
            from ._error import ConfigError

            raise ConfigError("ak and sk must be given together")
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= _U32_MAX:
            raise InvalidArgumentError(f"retries must be an int >= 0 (got {retries!r})")
        timeout_ms = _millis(timeout, "timeout")

        with _Config(lib.dms_progress_config_new()) as config, config._borrow() as cfg:
            if endpoint is not None:
                check_setter(lib.dms_progress_config_set_endpoint(cfg, _ffi.c_str(endpoint, "endpoint")), "endpoint")
            if region is not None:
                check_setter(lib.dms_progress_config_set_region(cfg, _ffi.c_str(region, "region")), "region")
            if project_id is not None:
                check_setter(
                    lib.dms_progress_config_set_project_id(cfg, _ffi.c_str(project_id, "project_id")), "project_id"
                )
            if ak is not None and sk is not None:
                check_setter(
                    lib.dms_progress_config_set_credentials(cfg, _ffi.c_str(ak, "ak"), _ffi.c_str(sk, "sk")),
                    "ak/sk",
                )
            if security_token is not None:
                check_setter(
                    lib.dms_progress_config_set_security_token(cfg, _ffi.c_str(security_token, "security_token")),
                    "security_token",
                )
            if iam_token is not None:
                check_setter(
                    lib.dms_progress_config_set_iam_token(cfg, _ffi.c_str(iam_token, "iam_token")), "iam_token"
                )
            check_setter(lib.dms_progress_config_set_timeout_ms(cfg, timeout_ms), "timeout")
            check_setter(lib.dms_progress_config_set_retries(cfg, retries), "retries")
            if ca_file is not None:
                check_setter(lib.dms_progress_config_set_ca_file(cfg, _ffi.c_path(ca_file, "ca_file")), "ca_file")
            if insecure:
                check_setter(lib.dms_progress_config_set_insecure(cfg, True), "insecure")

            client = ClientPtr()
            err = ErrorPtr()
            check(lib.dms_progress_client_new(cfg, ctypes.byref(client), ctypes.byref(err)), err)
            try:
                self._describe(cfg)
            except BaseException:
                lib.dms_progress_client_free(client)
                raise
        super().__init__(client)

    def _describe(self, cfg: Any) -> None:
        """Learns the resolved endpoint, project and access key for ``repr()``.

        The C API has no accessors for what a client resolved from the environment and the
        profile file, but ``dms_progress_build_request`` resolves a configuration the same
        way; the request it builds (never sent) carries the endpoint in its URL, the project
        in ``X-Project-Id`` and the access key in ``Authorization``. Only those are kept.
        """
        request = RequestPtr()
        err = ErrorPtr()
        code = lib.dms_progress_build_request(
            cfg, b"instance", b"task", int(time.time()), ctypes.byref(request), ctypes.byref(err)
        )
        if code != _ffi.DMS_PROGRESS_RESULT_OK:
            lib.dms_progress_error_free(err)  # the same problem surfaces on the first call
            return
        try:
            url = _ffi.text(lib.dms_progress_request_url(request)) or ""
            if "/v2/" in url:
                self._endpoint = url.split("/v2/", 1)[0]
            self._ak = None
            for i in range(lib.dms_progress_request_header_count(request)):
                name = (_ffi.text(lib.dms_progress_request_header_name(request, i)) or "").lower()
                if name == "x-project-id":
                    self._project_id = _ffi.text(lib.dms_progress_request_header_value(request, i))
                elif name == "x-security-token":
                    self._temporary = True
                elif name == "x-auth-token":
                    self._auth = "iam-token"
                elif name == "authorization":
                    value = _ffi.text(lib.dms_progress_request_header_value(request, i)) or ""
                    for part in value.replace(",", " ").split():
                        if part.startswith("Access="):
                            self._ak = part[len("Access="):]
        finally:
            lib.dms_progress_request_free(request)

    @property
    def endpoint(self) -> Optional[str]:
        """The endpoint requests go to (``https://dms.cn-north-4.myhuaweicloud.com``)."""
        return self._endpoint

    @property
    def project_id(self) -> Optional[str]:
        """The project id requests are made for."""
        return self._project_id

    @property
    def ak(self) -> Optional[str]:
        """The access key id in use (None with an IAM token). The SK is never exposed."""
        return self._ak

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        if self._auth == "iam-token":
            auth = " auth=iam-token"
        else:
            auth = f" ak={self._ak!r}" + (" (temporary credentials)" if self._temporary else "")
        return f"<dms_progress.Client{state} endpoint={self._endpoint!r} project_id={self._project_id!r}{auth}>"

    def get_progress(self, instance_id: str, task_id: str) -> Progress:
        """Queries the progress of ``task_id`` on ``instance_id`` once.

        Transport errors, 429 and 5xx are retried as configured (``retries``). Raises
        ``InvalidArgumentError`` for a malformed id (before any request), ``ApiError`` when
        the service answers with an error, ``TransportError``, ``DecodeError``.
        """
        iid = _ffi.c_str(instance_id, "instance_id")
        tid = _ffi.c_str(task_id, "task_id")

        def call(cancel: Any) -> Progress:
            with self._borrow() as client:
                out = ProgressPtr()
                err = ErrorPtr()
                code = lib.dms_progress_client_get_progress(client, iid, tid, cancel, ctypes.byref(out), ctypes.byref(err))
                check(code, err)
                return _take_progress(out)

        return _run_interruptible(call)

    def wait(
        self,
        instance_id: str,
        task_id: str,
        *,
        interval: float = 5.0,
        timeout: float = 3600.0,
        on_progress: Optional[Callable[[Progress], Optional[bool]]] = None,
    ) -> Progress:
        """Polls the task every ``interval`` seconds until it completes, and returns the
        completed ``Progress``.

        Raises ``TaskFailedError`` as soon as a step fails, ``WaitTimeoutError`` once
        ``timeout`` seconds have passed (both carry ``.progress``). Transport errors, 429 and
        5xx back off and poll again until the deadline; other errors end the wait at once.

        ``on_progress(progress)`` is called after every successful poll, on a worker thread
        when ``wait`` runs on the main thread. An exception it raises stops the wait and is
        re-raised here; returning ``False`` (not merely a falsy value) stops the wait with
        ``CancelledError``.

        Ctrl-C (KeyboardInterrupt) stops the wait within a second.
        """
        iid = _ffi.c_str(instance_id, "instance_id")
        tid = _ffi.c_str(task_id, "task_id")
        interval_ms = _millis(interval, "interval")
        max_wait_ms = _millis(timeout, "timeout")
        raised: List[BaseException] = []

        callback: Any = _ffi.dms_progress_progress_callback()  # NULL: no callback
        if on_progress is not None:

            def trampoline(_userdata: Any, ptr: Any) -> bool:
                try:
                    return on_progress(progress_from_c(ptr)) is not False
                except BaseException as e:  # ctypes would print and drop it
                    raised.append(e)
                    return False

            # Kept referenced by this frame (and the closure below) for the whole call.
            callback = _ffi.dms_progress_progress_callback(trampoline)

        def call(cancel: Any) -> Progress:
            with self._borrow() as client:
                out = ProgressPtr()
                err = ErrorPtr()
                code = lib.dms_progress_client_wait(
                    client, iid, tid, interval_ms, max_wait_ms, callback, None, cancel,
                    ctypes.byref(out), ctypes.byref(err),
                )
                if raised:
                    lib.dms_progress_error_free(err)
                    lib.dms_progress_progress_free(out)
                    raise raised.pop()
                check(code, err)
                return _take_progress(out)

        # `call` (and so `callback`) stays referenced by the worker thread until the C call
        # returns, even when Ctrl-C leaves that thread running: C never sees a freed callback.
        return _run_interruptible(call)
