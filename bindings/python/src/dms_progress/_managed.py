"""The base class of every object that owns a C handle."""

from __future__ import annotations

import _thread


class Managed:
    """Owns one C handle: ``close()`` releases it (idempotent), ``with`` closes it, and
    ``__del__`` releases it as a safety net when the object is garbage collected unclosed.

    Calls that must outlive a ``close()`` from another thread take a reference of their own
    from the library (the client is reference counted); this class only makes ``close()``
    happen once, under a lock that such a call also takes while it gets its reference.
    """

    #: The C function that releases the handle (set by each subclass).
    _free_fn: object = None
    _ptr: object = None

    def __init__(self, ptr: object) -> None:
        # `_thread`'s lock is `threading.Lock` without importing `threading`.
        self._lock = _thread.allocate_lock()
        self._ptr = ptr

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._ptr is None

    def _release(self, ptr: object) -> None:
        """Gives the handle back to the library; subclasses add what must come first."""
        type(self)._free_fn(ptr)  # type: ignore[misc]

    def close(self) -> None:
        """Releases the native handle. Idempotent."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not finish
            return
        with lock:
            ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._release(ptr)

    def __enter__(self):  # type: ignore[no-untyped-def]
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
