"""Finds and loads the native library, and declares its C functions as they are first used.

The declarations themselves live in the generated ``_ffi_gen`` module (from
``include/dms_progress.h``); this module only decides which file to load:

1. the path in the ``DMS_PROGRESS_LIB`` environment variable, when set;
2. else the library shipped inside this package (``libdms_progress.so``, ``.dylib`` or
   ``dms_progress.dll``), put there by ``pip install``.

Import time matters (a command-line tool pays it on every run), so nothing here imports more
than ``ctypes``, and a C function gets its ``restype`` and ``argtypes`` the first time it is
looked up on ``lib`` rather than all of them at import.
"""

from __future__ import annotations

import ctypes
import os
import sys

from . import _ffi_gen
from ._ffi_gen import *  # noqa: F401,F403  (the C types and constants, re-exported)

ENV_VAR = "DMS_PROGRESS_LIB"

if sys.platform == "win32":
    _LIB_NAME = "dms_progress.dll"
elif sys.platform == "darwin":
    _LIB_NAME = "libdms_progress.dylib"
else:
    _LIB_NAME = "libdms_progress.so"

PACKAGED_LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), _LIB_NAME)


class LibraryNotFoundError(OSError):
    """The native library could not be loaded from either place it is looked for, or it does
    not match this package's C API."""


#: The C functions that may wait: on the network, on a server, on a file, or on a lock that a
#: waiting call holds. ctypes calls them with the GIL released, so that other threads run
#: meanwhile (and a signal can be handled). Every other function of the C API returns in
#: microseconds without waiting on anything (accessors, setters, frees, the JSON views) and
#: is called with the GIL held: releasing and taking back the GIL costs more than such a
#: call, and with many threads each taking back is a wait of its own.
RELEASES_GIL = frozenset(
    [
        "dms_progress_client_new",  # may fetch credentials and look up the project
        "dms_progress_client_get_progress",
        "dms_progress_client_wait",
        "dms_progress_client_list_tasks",
        "dms_progress_client_list_all_tasks",
        "dms_progress_client_show_task",
        "dms_progress_client_delete_task",
        "dms_progress_client_running_expansion",
        "dms_progress_client_cancel_all",  # takes the locks of the calls in flight
        "dms_progress_cancel_trigger",  # likewise
        "dms_progress_cancel_watch_fd",  # may start the watcher thread
        "dms_progress_config_set_ca_file",  # reads a file
        "dms_progress_decode_response",  # a body may be large
    ]
)


class Library:
    """The loaded library. Each C function is declared (``restype``, ``argtypes``) from the
    generated table the first time it is looked up, then kept as a plain attribute, so later
    lookups cost what a declared ``ctypes.CDLL`` attribute costs. Functions of
    ``RELEASES_GIL`` come from a ``ctypes.CDLL`` (the GIL released during the call), the
    others from a ``ctypes.PyDLL`` of the same file (the GIL kept)."""

    def __init__(self, dll: ctypes.CDLL, holding: ctypes.PyDLL, path: str) -> None:
        self._dll = dll
        self._holding = holding
        self._path = path

    def __getattr__(self, name: str) -> object:
        spec = _ffi_gen.FUNCTIONS.get(name)
        if spec is None:
            raise AttributeError(f"the dms_progress C API has no function {name!r}")
        try:
            fn = getattr(self._dll if name in RELEASES_GIL else self._holding, name)
        except AttributeError:
            fn = None
        if fn is None:
            raise LibraryNotFoundError(
                f"dms_progress: {self._path} does not match this package's C API (it has no "
                f"{name}); rebuild it or point ${ENV_VAR} at a matching build"
            )
        restype, params = spec
        fn.restype = restype
        fn.argtypes = [t for _, t in params]
        self.__dict__[name] = fn
        return fn


def _load() -> "tuple[Library, str]":
    override = os.environ.get(ENV_VAR)
    if override:
        path = override
        where = f"${ENV_VAR} ({override})"
    else:
        path = PACKAGED_LIB
        where = f"the package ({path})"
    if not os.path.isfile(path):
        raise LibraryNotFoundError(
            f"dms_progress: native library not found in {where}. It is looked for in "
            f"${ENV_VAR} first, then inside the package as {PACKAGED_LIB}. Install the "
            f"package with pip (which builds it with cargo), or build it with "
            f"`cargo build --release -p progress-ffi` and set {ENV_VAR} to "
            f"target/release/{_LIB_NAME}."
        )
    try:
        dll = ctypes.CDLL(path)
        # The same file again: the dynamic loader hands back the library already loaded.
        holding = ctypes.PyDLL(path)
    except OSError as e:
        raise LibraryNotFoundError(f"dms_progress: cannot load the native library {path}: {e}") from e
    library = Library(dll, holding, path)
    # One cheap check that this is our library at all, so a wrong file fails at import
    # rather than at the first call.
    library.dms_progress_version
    return library, path


lib, LIB_PATH = _load()


def c_path(value: "str | os.PathLike[str]", what: str) -> bytes:
    """A file system path argument, as UTF-8 (the C API takes UTF-8 paths)."""
    return c_str(os.fspath(value), what)


def text(raw: "bytes | None") -> "str | None":
    """A C string returned by the library (a ``bytes`` copy, or None) as ``str``."""
    if raw is None:
        return None
    return raw.decode("utf-8", errors="replace")


def c_str(value: object, what: str) -> bytes:
    """``value`` as a NUL-terminated UTF-8 argument.

    ``what`` names the argument in errors; the value itself is never put in a message, since
    some of these strings are secrets.
    """
    if type(value) is str:
        # The common case first: ASCII ids encode without error.
        try:
            raw: "bytes | None" = value.encode("utf-8")
        except UnicodeEncodeError:
            # It holds the whole string (maybe a secret): raise outside this block so that it
            # is not kept as the new exception's __context__.
            raw = None
    elif isinstance(value, str):
        return c_str(str(value), what)
    else:
        from ._error import InvalidArgumentError

        raise InvalidArgumentError(f"{what} must be a str, not {type(value).__name__}")
    if raw is None:
        from ._error import InvalidArgumentError

        raise InvalidArgumentError(f"{what} is not valid Unicode text (it holds a lone surrogate)")
    if b"\0" in raw:
        from ._error import InvalidArgumentError

        raise InvalidArgumentError(f"{what} contains a NUL character")
    return raw
