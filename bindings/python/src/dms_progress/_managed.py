"""The base class of every object that owns a C handle."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, ClassVar, Generic, Iterator, Optional, TypeVar

from ._error import Error

P = TypeVar("P")


class Managed(Generic[P]):
    """Owns one C handle: ``close()`` frees it (idempotent), ``with`` closes it, and
    ``__del__`` frees it as a safety net when the object is garbage collected unclosed.

    Calls use the handle through ``_borrow()``. Closing while calls are running (from another
    thread, or a call left running after Ctrl-C) does not free the handle under them: it is
    freed when the last such call returns, as the C API requires.
    """

    _free_fn: ClassVar[Callable[[Any], None]]
    _ptr: Optional[P] = None

    def __init__(self, ptr: P) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._closed = False
        self._ptr = ptr

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._closed

    @contextmanager
    def _borrow(self) -> Iterator[P]:
        with self._lock:
            if self._closed or self._ptr is None:
                raise Error(f"{type(self).__name__} is closed")
            self._users += 1
            ptr = self._ptr
        try:
            yield ptr
        finally:
            with self._lock:
                self._users -= 1
                last = self._closed and self._users == 0
                to_free, self._ptr = (self._ptr, None) if last else (None, self._ptr)
            if to_free is not None:
                type(self)._free_fn(to_free)

    def close(self) -> None:
        """Releases the native handle. Idempotent; later calls raise ``Error``."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not finish
            return
        with lock:
            if self._closed:
                return
            self._closed = True
            to_free, self._ptr = (self._ptr, None) if self._users == 0 else (None, self._ptr)
        if to_free is not None:
            type(self)._free_fn(to_free)

    def __enter__(self: "M") -> "M":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # No other reference exists, so no call can be using the handle.
        ptr = self._ptr
        if ptr is not None:
            self._ptr = None
            try:
                type(self)._free_fn(ptr)
            except Exception:  # interpreter shutdown: the library may already be gone
                pass


M = TypeVar("M", bound=Managed)  # type: ignore[type-arg]
