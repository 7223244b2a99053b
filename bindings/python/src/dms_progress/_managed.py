"""The base class of every object that owns a C handle."""

from __future__ import annotations

import threading
from typing import Any, Callable, ClassVar, Generic, Optional, TypeVar

P = TypeVar("P")


class Managed(Generic[P]):
    """Owns one C handle: ``close()`` releases it (idempotent), ``with`` closes it, and
    ``__del__`` releases it as a safety net when the object is garbage collected unclosed.

    Calls that must outlive a ``close()`` from another thread take a reference of their own
    from the library (the client is reference counted); this class only makes ``close()``
    happen once, under a lock that such a call also takes while it gets its reference.
    """

    _free_fn: ClassVar[Callable[[Any], None]]
    _ptr: Optional[P] = None

    def __init__(self, ptr: P) -> None:
        self._lock = threading.Lock()
        self._ptr = ptr

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._ptr is None

    def _release(self, ptr: P) -> None:
        """Gives the handle back to the library; subclasses add what must come first."""
        type(self)._free_fn(ptr)

    def close(self) -> None:
        """Releases the native handle. Idempotent."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not finish
            return
        with lock:
            ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._release(ptr)

    def __enter__(self: "M") -> "M":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        ptr = self._ptr
        if ptr is not None:
            self._ptr = None
            try:
                self._release(ptr)
            except Exception:  # interpreter shutdown: the library may already be gone
                pass


M = TypeVar("M", bound=Managed)  # type: ignore[type-arg]
