"""``Client``: the configured connection to DMS, with ``get_progress`` and ``wait``."""

from __future__ import annotations

import ctypes
import datetime
import math
import os
import threading
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, TypeVar, Union

from . import _ffi
from ._error import Error, ErrorPtr, InvalidArgumentError, call, check
from ._ffi import lib
from ._managed import Managed
from ._progress import Progress, progress_from_c

ProgressPtr = ctypes.POINTER(_ffi.dms_progress_progress)
ClientPtr = ctypes.POINTER(_ffi.dms_progress_client)

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


class _WaitOptions(Managed[Any]):
    _free_fn = lib.dms_progress_wait_options_free


class _Cancel(Managed[Any]):
    _free_fn = lib.dms_progress_cancel_free

    def trigger(self) -> None:
        with self._lock:
            # Under the lock so the worker cannot free the token in between; a token already
            # closed guarded a call that is over, so there is nothing to cancel.
            if self._ptr is not None:
                lib.dms_progress_cancel_trigger(self._ptr)


def _millis(seconds: Optional[float], what: str) -> int:
    """Seconds as the C API's milliseconds; None is 0, which the library reads as its default.

    Only what C cannot carry is refused here (not a number, not positive, not finite): 0 is
    the C API's "unset", so a given value must round up to at least 1 ms.
    """
    if seconds is None:
        return 0
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise InvalidArgumentError(f"{what} must be a number of seconds, not {type(seconds).__name__}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidArgumentError(f"{what} must be a positive, finite number of seconds (got {seconds!r})")
    return min(_U64_MAX, max(1, math.ceil(seconds * 1000)))


def _run_interruptible(fn: Callable[[Any], T]) -> T:
    """Runs ``fn(cancel_ptr)`` so that Ctrl-C interrupts it promptly.

    The main thread cannot run Python signal handlers while it is blocked inside a C call, so
    the call runs on a worker thread while the main thread waits on an Event (which signals
    do interrupt). On KeyboardInterrupt the call's cancel token is triggered, the worker is
    given a moment to return, and KeyboardInterrupt propagates. Other threads never receive
    signals, so there the call simply runs inline.
    """
    if threading.current_thread() is not threading.main_thread():
        return fn(None)
    cancel = _Cancel(lib.dms_progress_cancel_new())
    outcome: Dict[str, Any] = {}
    done = threading.Event()

    def worker() -> None:
        try:
            # The token is freed by this thread only, after the call returned.
            outcome["value"] = fn(cancel._ptr)
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
    supplies credentials or a project id, or when an access key comes without its secret key.
    What was resolved is readable afterwards: ``endpoint``, ``project_id``,
    ``access_key_id``, ``credential_source``, ``temporary_credentials``.

    :param endpoint: ``https://host[:port]`` or ``http://127.0.0.1:8080``; wins over ``region``.
    :param region: e.g. ``"cn-north-4"``; the endpoint comes from the official table or
        ``HUAWEICLOUD_SDK_REGION_KAFKA_{REGION}``.
    :param project_id: the project id (``X-Project-Id`` and the path's ``{project_id}``).
    :param ak: access key id; give ``sk`` with it.
    :param sk: secret access key. Never shown by ``repr()`` or in any error message.
    :param security_token: the token of temporary credentials (with ``ak``/``sk``).
    :param iam_token: an IAM token, sent as ``X-Auth-Token`` instead of signing.
    :param timeout: deadline of one HTTP attempt, in seconds (None: the library's default).
    :param retries: how many times a transport error, 429 or 5xx is retried (0: never;
        None: the library's default).
    :param ca_file: PEM file of CA certificates to trust instead of the built-in roots.
    :param insecure: disable TLS certificate verification (test gateways only).

    One client can be shared by any number of threads. Use it as a context manager, or call
    ``close()`` (idempotent) when done; ``close()`` from another thread stops the calls
    still running on the client promptly (they raise ``CancelledError``).
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
        timeout: Optional[float] = None,
        retries: Optional[int] = None,
        ca_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        insecure: bool = False,
    ) -> None:
        if retries is not None and (
            isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= _U32_MAX
        ):
            raise InvalidArgumentError(f"retries must be an int >= 0 (got {retries!r})")
        timeout_ms = _millis(timeout, "timeout")

        with _Config(lib.dms_progress_config_new()) as config:
            cfg = config._ptr
            strings = [
                (lib.dms_progress_config_set_endpoint, endpoint, "endpoint"),
                (lib.dms_progress_config_set_region, region, "region"),
                (lib.dms_progress_config_set_project_id, project_id, "project_id"),
                (lib.dms_progress_config_set_access_key_id, ak, "ak"),
                (lib.dms_progress_config_set_secret_access_key, sk, "sk"),
                (lib.dms_progress_config_set_security_token, security_token, "security_token"),
                (lib.dms_progress_config_set_iam_token, iam_token, "iam_token"),
            ]
            for setter, value, what in strings:
                if value is not None:
                    call(setter, cfg, _ffi.c_str(value, what))
            call(lib.dms_progress_config_set_timeout_ms, cfg, timeout_ms)
            if retries is not None:
                call(lib.dms_progress_config_set_retries, cfg, retries)
            if ca_file is not None:
                call(lib.dms_progress_config_set_ca_file, cfg, _ffi.c_path(ca_file, "ca_file"))
            if insecure:
                call(lib.dms_progress_config_set_insecure, cfg, True)

            client = ClientPtr()
            call(lib.dms_progress_client_new, cfg, ctypes.byref(client))
        # What the library resolved, copied once: the handle may be closed later.
        self._endpoint = _ffi.text(lib.dms_progress_client_endpoint(client))
        self._project_id = _ffi.text(lib.dms_progress_client_project_id(client))
        self._access_key_id = _ffi.text(lib.dms_progress_client_access_key_id(client))
        self._credential_source = _ffi.text(lib.dms_progress_client_credential_source(client))
        self._temporary_credentials = bool(lib.dms_progress_client_temporary_credentials(client))
        self._credentials_expire_at_ms = int(lib.dms_progress_client_credentials_expire_at(client))
        self._project_id_source = _ffi.text(lib.dms_progress_client_project_id_source(client))
        super().__init__(client)

    def _release(self, ptr: Any) -> None:
        # Calls running on other threads hold references of their own: stop them, then
        # drop this one (the library frees the client when the last reference goes).
        lib.dms_progress_client_cancel_all(ptr)
        lib.dms_progress_client_free(ptr)

    @contextmanager
    def _reference(self) -> Iterator[Any]:
        """A reference to the native client for one call, released when the call is over,
        so that a ``close()`` meanwhile never frees the client under it."""
        with self._lock:
            if self._ptr is None:
                raise Error("Client is closed")
            ref = lib.dms_progress_client_clone(self._ptr)
        try:
            yield ref
        finally:
            lib.dms_progress_client_free(ref)

    @property
    def endpoint(self) -> Optional[str]:
        """The endpoint requests go to (``https://dms.cn-north-4.myhuaweicloud.com``)."""
        return self._endpoint

    @property
    def project_id(self) -> Optional[str]:
        """The project id requests are made for."""
        return self._project_id

    @property
    def access_key_id(self) -> Optional[str]:
        """The access key id in use (None with an IAM token). The SK is never exposed."""
        return self._access_key_id

    @property
    def credential_source(self) -> Optional[str]:
        """Where the credentials came from, by the library's name of the source:
        ``"explicit"``, ``"environment"``, ``"profile"``, ``"oidc"``, ``"federation"``,
        ``"pod-identity"``, ``"metadata"`` or ``"iam-token"``."""
        return self._credential_source

    @property
    def temporary_credentials(self) -> bool:
        """Whether the credentials expire (issued by a service and refreshed by the client,
        an access key pair with a security token, or an IAM token)."""
        return self._temporary_credentials

    @property
    def credentials_expire_at(self) -> Optional[datetime.datetime]:
        """When the credentials the client was built with expire (an aware UTC datetime), or
        None when that is not known (long-lived keys, a static security token). Credentials a
        service issued are refreshed before they expire: this is the first expiry."""
        if not self._credentials_expire_at_ms:
            return None
        return datetime.datetime.fromtimestamp(self._credentials_expire_at_ms / 1000, tz=datetime.timezone.utc)

    @property
    def project_id_source(self) -> Optional[str]:
        """Where the project id came from: ``"explicit"``, ``"environment"``, ``"profile"`` or
        ``"iam"`` (looked up from the region)."""
        return self._project_id_source

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        auth = f" ak={self._access_key_id!r}" if self._access_key_id is not None else ""
        return (
            f"<dms_progress.Client{state} endpoint={self._endpoint!r} project_id={self._project_id!r}"
            f"{auth} credentials from {self._credential_source}"
            f"{' (temporary)' if self._temporary_credentials else ''}>"
        )

    def get_progress(self, instance_id: str, task_id: str) -> Progress:
        """Queries the progress of ``task_id`` on ``instance_id`` once.

        Transport errors, 429 and 5xx are retried as configured (``retries``). Raises
        ``InvalidArgumentError`` for a malformed id (before any request), ``ApiError`` when
        the service answers with an error, ``TransportError``, ``DecodeError``;
        ``CancelledError`` when the client is closed meanwhile.
        """
        iid = _ffi.c_str(instance_id, "instance_id")
        tid = _ffi.c_str(task_id, "task_id")

        def run(cancel: Any) -> Progress:
            with self._reference() as client:
                out = ProgressPtr()
                call(lib.dms_progress_client_get_progress, client, iid, tid, cancel, ctypes.byref(out))
                return _take_progress(out)

        return _run_interruptible(run)

    def wait(
        self,
        instance_id: str,
        task_id: str,
        *,
        interval: Optional[float] = None,
        timeout: Optional[float] = None,
        on_progress: Optional[Callable[[Progress], Optional[bool]]] = None,
    ) -> Progress:
        """Polls the task every ``interval`` seconds until it completes, and returns the
        completed ``Progress``. ``interval`` and ``timeout`` left at None are the library's
        defaults.

        Raises ``TaskFailedError`` as soon as a step fails, ``WaitTimeoutError`` once
        ``timeout`` seconds have passed (both carry ``.progress``). Transport errors, 429 and
        5xx back off and poll again until the deadline; other errors end the wait at once.

        ``on_progress(progress)`` is called after every successful poll, on a worker thread
        when ``wait`` runs on the main thread. An exception it raises stops the wait and is
        re-raised here; returning ``False`` (not merely a falsy value) stops the wait with
        ``CancelledError``.

        Ctrl-C (KeyboardInterrupt) stops the wait within a second; so does ``close()`` from
        another thread (``CancelledError``).
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

        def run(cancel: Any) -> Progress:
            with _WaitOptions(lib.dms_progress_wait_options_new()) as options, self._reference() as client:
                opts = options._ptr
                call(lib.dms_progress_wait_options_set_interval_ms, opts, interval_ms)
                call(lib.dms_progress_wait_options_set_max_wait_ms, opts, max_wait_ms)
                call(lib.dms_progress_wait_options_set_callback, opts, callback, None)
                call(lib.dms_progress_wait_options_set_cancel, opts, cancel)
                out = ProgressPtr()
                err = ErrorPtr()
                code = lib.dms_progress_client_wait(client, iid, tid, opts, ctypes.byref(out), ctypes.byref(err))
                if raised:
                    lib.dms_progress_error_free(err)
                    lib.dms_progress_progress_free(out)
                    raise raised.pop()
                check(code, err)
                return _take_progress(out)

        # `run` (and so `callback`) stays referenced by the worker thread until the C call
        # returns, even when Ctrl-C leaves that thread running: C never sees a freed callback.
        return _run_interruptible(run)
