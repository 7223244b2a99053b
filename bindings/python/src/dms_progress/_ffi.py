"""Finds and loads the native library, and declares every C function on it.

The declarations themselves live in the generated ``_ffi_gen`` module (from
``include/dms_progress.h``); this module only decides which file to load:

1. the path in the ``DMS_PROGRESS_LIB`` environment variable, when set;
2. else the library shipped inside this package (``libdms_progress.so``, ``.dylib`` or
   ``dms_progress.dll``), put there by ``pip install``.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Optional

from . import _ffi_gen
from ._ffi_gen import *  # noqa: F401,F403  (the C types and constants, re-exported)

ENV_VAR = "DMS_PROGRESS_LIB"

if sys.platform == "win32":
    _LIB_NAME = "dms_progress.dll"
elif sys.platform == "darwin":
    _LIB_NAME = "libdms_progress.dylib"
else:
    _LIB_NAME = "libdms_progress.so"

PACKAGED_LIB = Path(__file__).resolve().parent / _LIB_NAME


class LibraryNotFoundError(OSError):
    """The native library could not be loaded from either place it is looked for."""


def _load() -> "tuple[ctypes.CDLL, str]":
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override)
        where = f"${ENV_VAR} ({override})"
    else:
        path = PACKAGED_LIB
        where = f"the package ({path})"
    if not path.is_file():
        raise LibraryNotFoundError(
            f"dms_progress: native library not found in {where}. It is looked for in "
            f"${ENV_VAR} first, then inside the package as {PACKAGED_LIB}. Install the "
            f"package with pip (which builds it with cargo), or build it with "
            f"`cargo build --release -p progress-ffi` and set {ENV_VAR} to "
            f"target/release/{_LIB_NAME}."
        )
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as e:
        raise LibraryNotFoundError(f"dms_progress: cannot load the native library {path}: {e}") from e
    try:
        _ffi_gen.declare(lib)
    except AttributeError as e:
        raise LibraryNotFoundError(
            f"dms_progress: {path} does not match this package's C API ({e}); "
            f"rebuild it or point ${ENV_VAR} at a matching build"
        ) from e
    return lib, str(path)


lib, LIB_PATH = _load()

def c_path(value: "str | os.PathLike[str]", what: str) -> bytes:
    """A file system path argument, as UTF-8 (the C API takes UTF-8 paths)."""
    return c_str(os.fspath(value), what)


def text(raw: Optional[bytes]) -> Optional[str]:
    """A C string returned by the library (a ``bytes`` copy, or None) as ``str``."""
    if raw is None:
        return None
    return raw.decode("utf-8", errors="replace")


def c_str(value: object, what: str) -> bytes:
    """``value`` as a NUL-terminated UTF-8 argument.

    ``what`` names the argument in errors; the value itself is never put in a message, since
    some of these strings are secrets.
    """
    from ._error import InvalidArgumentError

    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a str, not {type(value).__name__}")
    # The UnicodeEncodeError holds the whole string (maybe a secret): raise outside the
    # `except` block so it is not kept as the new exception's __context__.
    raw: bytes | None
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        raw = None
    if raw is None:
        raise InvalidArgumentError(f"{what} is not valid Unicode text (it holds a lone surrogate)")
    if b"\0" in raw:
        raise InvalidArgumentError(f"{what} contains a NUL character")
    return raw
