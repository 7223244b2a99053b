"""``Client``: the configured connection to DMS, with ``get_progress`` and ``wait``.

How Ctrl-C reaches a call blocked in the library, without a thread per call
----------------------------------------------------------------------------

Python runs signal handlers on the main thread, between bytecodes, so a main thread blocked
inside a C call (with the GIL released, as ctypes does) would not see Ctrl-C until the call
returned, which for a server that never answers is the attempt's timeout. What Python's
C-level handler does do at once is write the signal's number to the descriptor given to
``signal.set_wakeup_fd``. So, on the main thread only, a call:

1. points the wakeup descriptor at a pipe of this module's, made once per process;
2. runs the C call with a cancel token that the library triggers as soon as that pipe is
   readable (``dms_progress_cancel_watch_fd``: one library thread per process watches it;
   the token stays armed across calls, so a call pays no system call for it);
3. puts back the previous wakeup descriptor, and forwards to it any byte that arrived.

When a signal arrived, the call returns ``CANCELLED`` within milliseconds, the handlers run
(``KeyboardInterrupt`` for Ctrl-C propagates from here), and a new token is armed. A handler
that returns normally makes the call start again with what is left of its time, as Python
restarts an interrupted system call (PEP 475). Other threads never receive signals, so their
calls pass no token. ``close()`` from any thread stops every call on the client through the
library's ``dms_progress_client_cancel_all``.
"""

from __future__ import annotations

import _signal
import _thread
import ctypes
import math
import os
import time

from . import _ffi
from ._error import CancelledError, Error, ErrorPtr, InvalidArgumentError, call, check
from ._ffi import lib
from ._managed import Managed
from ._progress import Progress, progress_from_c
from ._task import Expansion, Task, TaskPage, page_from_c, task_from_c

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime
    from typing import Any, Callable, List, Optional, Tuple, TypeVar, Union

    T = TypeVar("T")

ProgressPtr = ctypes.POINTER(_ffi.dms_progress_progress)
ClientPtr = ctypes.POINTER(_ffi.dms_progress_client)

_U32_MAX = 2**32 - 1
_U64_MAX = 2**64 - 1


class _Config(Managed):
    _free_fn = lib.dms_progress_config_free


class _WaitOptions(Managed):
    _free_fn = lib.dms_progress_wait_options_free


class _ListQuery(Managed):
    _free_fn = lib.dms_progress_list_tasks_query_free


def _positive_int(value: "Optional[int]", what: str) -> int:
    """A count or position as the C API's ``uint32_t``; None is 0, the library's default.
    Only what C cannot carry is refused here (0 means "unset" there); the library checks
    the rest (a limit above what the service takes)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _U32_MAX:
        raise InvalidArgumentError(f"{what} must be an int >= 1 (got {value!r})")
    return value


def _epoch_ms(when: "Optional[datetime.datetime]", what: str) -> int:
    """An aware datetime as the C API's milliseconds since the epoch; None is 0 (no bound)."""
    if when is None:
        return 0
    import datetime

    if not isinstance(when, datetime.datetime) or when.tzinfo is None or when.utcoffset() is None:
        raise InvalidArgumentError(f"{what} must be a timezone-aware datetime (got {when!r})")
    ms = (when - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(milliseconds=1)
    if ms <= 0:
        raise InvalidArgumentError(f"{what} must be after 1970-01-01 (got {when.isoformat()})")
    return min(ms, _U64_MAX)


class _Interrupt:
    """The main thread's way to be interrupted inside a C call (see the module's docstring).

    ``token`` is a ``dms_progress_cancel *`` the library triggers when ``read_fd`` becomes
    readable; ``write_fd`` is what the wakeup descriptor points at during a call.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)  # set_wakeup_fd requires it
        self.token: Any = None
        self.rearm()

    def rearm(self) -> None:
        """Drains the pipe and arms a fresh token (a triggered token stays triggered)."""
        self.drain()
        token = lib.dms_progress_cancel_new()
        call(lib.dms_progress_cancel_watch_fd, token, self.read_fd)
        old, self.token = self.token, token
        if old is not None:
            lib.dms_progress_cancel_free(old)

    def drain(self) -> bytes:
        got = b""
        while True:
            try:
                chunk = os.read(self.read_fd, 512)
            except BlockingIOError:
                return got
            if not chunk:
                return got
            got += chunk


_interrupt: "Optional[_Interrupt]" = None
#: Whether a signal triggered the interrupt's token (looked up on every main-thread call).
_is_triggered: "Any" = None


_main_ident: "Optional[int]" = None


def _main_thread_ident() -> int:
    """The main thread's id, looked up once (``threading`` is imported for it on the first
    call, not at import)."""
    global _main_ident
    if _main_ident is None:
        import threading

        _main_ident = threading.main_thread().ident
    return _main_ident  # type: ignore[return-value]


def _forget_interrupt_after_fork() -> None:
    # The child shares the parent's pipe: its own wakeups must not cancel the parent's call,
    # nor the parent's the child's. It makes a pipe of its own on its first main-thread call.
    # Its main thread is the one that forked.
    global _interrupt, _main_ident
    _interrupt = None
    _main_ident = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_interrupt_after_fork)

_check_signals = ctypes.pythonapi.PyErr_CheckSignals
_check_signals.restype = ctypes.c_int
_check_signals.argtypes = []


def _run_interruptible(fn: "Callable[[Any, Optional[float]], T]", budget_s: "Optional[float]" = None) -> "T":
    """Runs ``fn(cancel_ptr, seconds_left)`` so that a signal interrupts it promptly (see the
    module's docstring). ``seconds_left`` is None on the first run, and what remains of
    ``budget_s`` when a signal handler that returned normally made the call start again."""
    global _interrupt, _is_triggered
    if _thread.get_ident() != (_main_ident or _main_thread_ident()):
        # Signals are only handled on the main thread: nothing to interrupt here.
        return fn(None, None)
    interrupt = _interrupt
    if interrupt is None:
        _is_triggered = lib.dms_progress_cancel_is_triggered
        interrupt = _interrupt = _Interrupt()
    try:
        previous = _signal.set_wakeup_fd(interrupt.write_fd, warn_on_full_buffer=False)
    except ValueError:
        # The main thread of a subinterpreter: it cannot set a wakeup descriptor.
        return fn(None, None)
    started = time.monotonic() if budget_s is not None else 0.0
    left: "Optional[float]" = None
    while True:
        try:
            try:
                return fn(interrupt.token, left)
            finally:
                _signal.set_wakeup_fd(previous)
        except CancelledError:
            if not _is_triggered(interrupt.token):
                raise  # cancelled for another reason: close(), or on_progress said stop
        finally:
            if _is_triggered(interrupt.token):
                # Also after a call that returned: the signal's handler then runs in the
                # caller, at its next bytecode.
                _forward(interrupt.drain(), previous, interrupt.write_fd)
                interrupt.rearm()
        # A signal interrupted the call. Its handlers run now: Ctrl-C raises KeyboardInterrupt
        # out of here. If none raised, the call starts again with the time that is left.
        _check_signals()
        previous = _signal.set_wakeup_fd(interrupt.write_fd, warn_on_full_buffer=False)
        if budget_s is not None:
            left = max(0.001, budget_s - (time.monotonic() - started))


def _forward(data: bytes, fd: int, ours: int) -> None:
    """Hands wakeup bytes that arrived during a call to the descriptor that was set before
    (an event loop's), so that its own signal handling still sees them."""
    if data and fd >= 0 and fd != ours:
        try:
            os.write(fd, data)
        except OSError:
            pass  # its buffer is full, or it was closed: as Python itself does, drop them


def _millis(seconds: "Optional[float]", what: str) -> int:
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


def _take_progress(out: "Any") -> Progress:
    try:
        return progress_from_c(out)
    finally:
        lib.dms_progress_progress_free(out)


class Client(Managed):
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

    def _reference(self) -> "Any":
        """A reference to the native client for one call, released with
        ``dms_progress_client_free`` when the call is over, so that a ``close()`` meanwhile
        never frees the client under it."""
        with self._lock:
            if self._ptr is None:
                raise Error("Client is closed")
            return lib.dms_progress_client_clone(self._ptr)

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
        import datetime  # on use: not worth its import time for every program

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
        ``CancelledError`` when the client is closed meanwhile. Ctrl-C raises
        ``KeyboardInterrupt`` at once, even while the server does not answer.
        """
        iid = _ffi.c_str(instance_id, "instance_id")
        tid = _ffi.c_str(task_id, "task_id")

        def run(cancel: "Any", _left: "Optional[float]") -> Progress:
            client = self._reference()
            try:
                out = ProgressPtr()
                err = ErrorPtr()
                code = lib.dms_progress_client_get_progress(client, iid, tid, cancel, ctypes.byref(out), ctypes.byref(err))
            finally:
                lib.dms_progress_client_free(client)
            if code:
                check(code, err)
            return _take_progress(out)

        return _run_interruptible(run)

    def wait(
        self,
        instance_id: str,
        task_id: str,
        *,
        interval: "Optional[float]" = None,
        timeout: "Optional[float]" = None,
        on_progress: "Optional[Callable[[Progress], Optional[bool]]]" = None,
    ) -> Progress:
        """Polls the task every ``interval`` seconds until it completes, and returns the
        completed ``Progress``. ``interval`` and ``timeout`` left at None are the library's
        defaults.

        Raises ``TaskFailedError`` as soon as a step fails, ``WaitTimeoutError`` once
        ``timeout`` seconds have passed (both carry ``.progress``). Transport errors, 429 and
        5xx back off and poll again until the deadline; other errors end the wait at once.

        ``on_progress(progress)`` is called after every successful poll, on the thread that
        called ``wait``. An exception it raises stops the wait and is re-raised here;
        returning ``False`` (not merely a falsy value) stops the wait with
        ``CancelledError``.

        Ctrl-C (KeyboardInterrupt) stops the wait at once; so does ``close()`` from another
        thread (``CancelledError``).
        """
        iid = _ffi.c_str(instance_id, "instance_id")
        tid = _ffi.c_str(task_id, "task_id")
        interval_ms = _millis(interval, "interval")
        max_wait_ms = _millis(timeout, "timeout")
        raised: "List[BaseException]" = []

        callback: "Any" = _ffi.dms_progress_progress_callback()  # NULL: no callback
        if on_progress is not None:

            def trampoline(_userdata: "Any", ptr: "Any") -> bool:
                try:
                    return on_progress(progress_from_c(ptr)) is not False
                except BaseException as e:  # ctypes would print and drop it
                    raised.append(e)
                    return False

            # Kept referenced by this frame for the whole call.
            callback = _ffi.dms_progress_progress_callback(trampoline)

        with _WaitOptions(lib.dms_progress_wait_options_new()) as options:
            opts = options._ptr
            call(lib.dms_progress_wait_options_set_interval_ms, opts, interval_ms)
            call(lib.dms_progress_wait_options_set_max_wait_ms, opts, max_wait_ms)
            call(lib.dms_progress_wait_options_set_callback, opts, callback, None)
            # What a restart after a signal counts its deadline from (the library's default
            # when no timeout was given).
            budget_s = lib.dms_progress_wait_options_max_wait_ms(opts) / 1000

            def run(cancel: "Any", left: "Optional[float]") -> Progress:
                if left is not None:
                    call(lib.dms_progress_wait_options_set_max_wait_ms, opts, _millis(left, "timeout"))
                call(lib.dms_progress_wait_options_set_cancel, opts, cancel)
                client = self._reference()
                out = ProgressPtr()
                err = ErrorPtr()
                try:
                    code = lib.dms_progress_client_wait(client, iid, tid, opts, ctypes.byref(out), ctypes.byref(err))
                finally:
                    lib.dms_progress_client_free(client)
                if raised:
                    lib.dms_progress_error_free(err)
                    lib.dms_progress_progress_free(out)
                    error = raised.pop()
                    try:
                        raise error
                    finally:
                        del error
                check(code, err)
                return _take_progress(out)

            return _run_interruptible(run, budget_s)

    # --- background tasks ------------------------------------------------------------------

    def _list(self, fn: "Any", instance_id: str, start: "Optional[int]", limit: "Optional[int]", begin_time: "Any", end_time: "Any") -> "Any":
        iid = _ffi.c_str(instance_id, "instance_id")
        settings = (
            (lib.dms_progress_list_tasks_query_set_start, _positive_int(start, "start")),
            (lib.dms_progress_list_tasks_query_set_limit, _positive_int(limit, "limit")),
            (lib.dms_progress_list_tasks_query_set_begin_time_ms, _epoch_ms(begin_time, "begin_time")),
            (lib.dms_progress_list_tasks_query_set_end_time_ms, _epoch_ms(end_time, "end_time")),
        )
        with _ListQuery(lib.dms_progress_list_tasks_query_new()) as query:
            for setter, value in settings:
                call(setter, query._ptr, value)

            def run(cancel: "Any", _left: "Optional[float]") -> TaskPage:
                out = ctypes.POINTER(_ffi.dms_progress_task_list)()
                self._call(fn, iid, query._ptr, cancel, ctypes.byref(out))
                try:
                    return page_from_c(out)
                finally:
                    lib.dms_progress_task_list_free(out)

            return _run_interruptible(run)

    def _call(self, fn: "Any", *args: "Any") -> None:
        """``fn(client, *args, err_out)`` on a reference of the client's own, raising its error."""
        client = self._reference()
        err = ErrorPtr()
        try:
            code = fn(client, *args, ctypes.byref(err))
        finally:
            lib.dms_progress_client_free(client)
        check(code, err)

    def list_tasks(
        self,
        instance_id: str,
        *,
        start: "Optional[int]" = None,
        limit: "Optional[int]" = None,
        begin_time: "Optional[datetime.datetime]" = None,
        end_time: "Optional[datetime.datetime]" = None,
    ) -> TaskPage:
        """One page of the instance's background tasks (ListBackgroundTasks), newest first.

        ``start`` is the 1-based position of the first task, ``limit`` the page size (the
        service takes 1..100; None: its default of 10), ``begin_time`` / ``end_time`` bound
        the creation time (aware datetimes). ``InvalidArgumentError`` for a value the library
        refuses, before anything is sent; ``DecodeError`` for a page it cannot read; other
        errors as ``get_progress``.
        """
        return self._list(lib.dms_progress_client_list_tasks, instance_id, start, limit, begin_time, end_time)

    def all_tasks(
        self,
        instance_id: str,
        *,
        limit: "Optional[int]" = None,
        begin_time: "Optional[datetime.datetime]" = None,
        end_time: "Optional[datetime.datetime]" = None,
    ) -> "Tuple[Task, ...]":
        """Every task of the instance the bounds select, newest first: the library walks the
        pages (of ``limit`` tasks, or its own page size) in one call, without repeating a task
        seen on an earlier page. The first failing page raises its error."""
        return self._list(lib.dms_progress_client_list_all_tasks, instance_id, None, limit, begin_time, end_time).tasks

    def show_task(self, instance_id: str, task_id: str) -> Task:
        """One task (ShowBackgroundTask). ``ApiError`` (status 404) for a task the service
        does not know; a deleted task shows with the status ``DELETED``."""
        iid = _ffi.c_str(instance_id, "instance_id")
        tid = _ffi.c_str(task_id, "task_id")

        def run(cancel: "Any", _left: "Optional[float]") -> Task:
            out = ctypes.POINTER(_ffi.dms_progress_task)()
            self._call(lib.dms_progress_client_show_task, iid, tid, cancel, ctypes.byref(out))
            try:
                return task_from_c(out)
            finally:
                lib.dms_progress_task_free(out)

        return _run_interruptible(run)

    def delete_task(self, instance_id: str, task_id: str) -> None:
        """Deletes the record of a task (DeleteBackgroundTask): it then shows as ``DELETED``
        and its progress is the service's not-found error (``ApiError``, status 404)."""
        iid = _ffi.c_str(instance_id, "instance_id")
        tid = _ffi.c_str(task_id, "task_id")

        def run(cancel: "Any", _left: "Optional[float]") -> None:
            self._call(lib.dms_progress_client_delete_task, iid, tid, cancel)

        _run_interruptible(run)

    def running_expansion(self, instance_id: str) -> Expansion:
        """The expansion running on the instance, as the library picks it: the newest task
        that is ``CREATED`` or ``EXECUTING``, one named ``kafkaInstanceExtend`` preferred.
        When none runs, ``running`` is False and ``task`` the newest task of any status
        (None for an instance without tasks)."""
        iid = _ffi.c_str(instance_id, "instance_id")

        def run(cancel: "Any", _left: "Optional[float]") -> Expansion:
            running = ctypes.c_bool()
            out = ctypes.POINTER(_ffi.dms_progress_task)()
            self._call(lib.dms_progress_client_running_expansion, iid, cancel, ctypes.byref(running), ctypes.byref(out))
            try:
                return Expansion(bool(running.value), task_from_c(out) if out else None)
            finally:
                lib.dms_progress_task_free(out)

        return _run_interruptible(run)
