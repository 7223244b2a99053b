"""``Progress`` and ``Step``: plain, immutable Python copies of a progress handle.

They are written as plain classes with ``__slots__`` rather than dataclasses: importing
``dataclasses`` (which pulls in ``inspect`` and ``ast``) would cost more than the rest of the
package, and a class built here costs less per instance. They keep a dataclass's behaviour:
keyword construction, equality and hashing by value, immutability, ``repr``, pickling and
``match`` patterns.

A progress is copied from the library in one call: the C API writes it as one JSON array
(``dms_progress_progress_to_json_array``), which ``json`` reads in C.
"""

from __future__ import annotations

import _thread
import ctypes

from ._ffi import lib

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime as _dt
    from typing import Any, Optional, Tuple

_set = object.__setattr__
_new = object.__new__


class StepStatus(str):
    """The state of a step, exactly as the service wrote it.

    A ``str`` subclass, so it compares equal to the wire text (``status == "COMPLETED"``) and
    keeps states this package does not know (``"ROLLING_BACK"``) instead of failing. The four
    documented states are also class attributes: ``StepStatus.COMPLETED``, ``IN_PROGRESS``,
    ``FAILED``, ``WAITING``. An absent state is the empty string.
    """

    __slots__ = ()

    COMPLETED: "StepStatus"
    IN_PROGRESS: "StepStatus"
    FAILED: "StepStatus"
    WAITING: "StepStatus"

    @property
    def is_known(self) -> bool:
        """Whether this is one of the four documented states."""
        return self in _KNOWN_STATUSES

    def __repr__(self) -> str:
        return f"StepStatus({str.__repr__(self)})"


StepStatus.COMPLETED = StepStatus("COMPLETED")
StepStatus.IN_PROGRESS = StepStatus("IN_PROGRESS")
StepStatus.FAILED = StepStatus("FAILED")
StepStatus.WAITING = StepStatus("WAITING")
_KNOWN_STATUSES = frozenset(["COMPLETED", "IN_PROGRESS", "FAILED", "WAITING"])
#: The documented states and the empty one, shared rather than built per step.
_STATUS_OF = {s: StepStatus(s) for s in ("COMPLETED", "IN_PROGRESS", "FAILED", "WAITING", "")}


class _Frozen:
    """Value semantics for a ``__slots__`` class whose fields are ``_fields``: immutable
    (assignment raises ``AttributeError``, as a frozen dataclass's ``FrozenInstanceError``
    does), equal and hashed by value, picklable."""

    __slots__ = ()
    _fields: "Tuple[str, ...]" = ()

    def _values(self) -> "Tuple[Any, ...]":
        return tuple(getattr(self, f) for f in self._fields)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> "Tuple[Any, ...]":
        return (type(self), self._values())


def _fmt_time(t: "Optional[_dt.datetime]", raw: "Optional[str]") -> str:
    if t is not None:
        return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if raw is not None:
        return f"{raw!r} (not a time)"
    return "None"


class Step(_Frozen):
    """One step of a task (``pre_check``, ``disk_expansion``, ``rolling_scaling``, ...).

    ``start_time`` and ``end_time`` are timezone-aware UTC datetimes, or None until the step
    starts / ends. When the service sent a time that is not a number, the datetime is None and
    the text it sent is kept in ``start_time_text`` / ``end_time_text`` (None otherwise); a
    number too large for a ``datetime`` is kept there as its decimal text too.
    """

    # A time is kept as the library gave it (epoch milliseconds, the text sent, or None), or
    # as the datetime a caller constructed the step with; the datetime of a number is made
    # when it is read, since most polls never look at step times.
    __slots__ = ("name", "status", "_start", "_end")
    _fields = ("name", "status", "start_time", "end_time", "start_time_text", "end_time_text")
    __match_args__ = _fields

    name: str
    status: StepStatus

    def __init__(
        self,
        name: str,
        status: StepStatus,
        start_time: "Optional[_dt.datetime]" = None,
        end_time: "Optional[_dt.datetime]" = None,
        start_time_text: "Optional[str]" = None,
        end_time_text: "Optional[str]" = None,
    ) -> None:
        _set(self, "name", name)
        _set(self, "status", status)
        _set(self, "_start", start_time if start_time is not None else start_time_text)
        _set(self, "_end", end_time if end_time is not None else end_time_text)

    @property
    def start_time(self) -> "Optional[_dt.datetime]":
        """When the step started (aware UTC), or None."""
        return _datetime_of(self._start)

    @property
    def end_time(self) -> "Optional[_dt.datetime]":
        """When the step ended (aware UTC), or None."""
        return _datetime_of(self._end)

    @property
    def start_time_text(self) -> "Optional[str]":
        """The start time as sent, when it is not a time this package can represent."""
        return _text_of(self._start)

    @property
    def end_time_text(self) -> "Optional[str]":
        """The end time as sent, when it is not a time this package can represent."""
        return _text_of(self._end)

    def __repr__(self) -> str:
        return (
            f"Step(name={self.name!r}, status={str(self.status)!r}, "
            f"start_time={_fmt_time(self.start_time, self.start_time_text)}, "
            f"end_time={_fmt_time(self.end_time, self.end_time_text)})"
        )


def _datetime_of(value: "Any") -> "Optional[_dt.datetime]":
    if value.__class__ is int:
        if _epoch is None:
            _first_use()
        try:
            return _epoch + _millis(milliseconds=value)
        except OverflowError:
            return None
    if value is None or value.__class__ is str:
        return None
    return value  # a datetime given to the constructor


def _text_of(value: "Any") -> "Optional[str]":
    if value.__class__ is str:
        return value
    if value.__class__ is int and _datetime_of(value) is None:
        return str(value)
    return None


class Progress(_Frozen):
    """The progress of a task, as one poll saw it.

    ``percentage`` (0..100) and ``remain_time`` (seconds) are None when the service did not
    report them (unknown is not zero). What the progress means is the native library's
    answer, not this package's: ``is_complete`` is true at 100 % with every step
    ``COMPLETED``; ``failed_step_index`` is the index of the first ``FAILED`` step, if any;
    ``current_step_index`` the index of the step running now (the first ``IN_PROGRESS``
    one), None between steps.
    """

    __slots__ = ("percentage", "remain_time", "steps", "is_complete", "failed_step_index", "current_step_index")
    _fields = __slots__
    __match_args__ = __slots__

    percentage: "Optional[int]"
    remain_time: "Optional[int]"
    steps: "Tuple[Step, ...]"
    is_complete: bool
    failed_step_index: "Optional[int]"
    current_step_index: "Optional[int]"

    def __init__(
        self,
        percentage: "Optional[int]",
        remain_time: "Optional[int]",
        steps: "Tuple[Step, ...]",
        is_complete: bool,
        failed_step_index: "Optional[int]" = None,
        current_step_index: "Optional[int]" = None,
    ) -> None:
        _set(self, "percentage", percentage)
        _set(self, "remain_time", remain_time)
        _set(self, "steps", steps)
        _set(self, "is_complete", is_complete)
        _set(self, "failed_step_index", failed_step_index)
        _set(self, "current_step_index", current_step_index)

    @property
    def failed_step(self) -> "Optional[Step]":
        """The first ``FAILED`` step, or None."""
        if self.failed_step_index is None:
            return None
        return self.steps[self.failed_step_index]

    @property
    def current_step(self) -> "Optional[Step]":
        """The step running now, or None."""
        if self.current_step_index is None:
            return None
        return self.steps[self.current_step_index]

    def __repr__(self) -> str:
        pct = "None" if self.percentage is None else f"{self.percentage}"
        remain = "None" if self.remain_time is None else f"{self.remain_time}"
        steps = ", ".join(f"{s.name}={str(s.status) or '?'}" for s in self.steps)
        extra = f", failed_step={self.failed_step_index}" if self.failed_step_index is not None else ""
        return (
            f"Progress(percentage={pct}, remain_time={remain}, is_complete={self.is_complete}"
            f"{extra}, steps=[{steps}])"
        )

    def __str__(self) -> str:
        pct = "?" if self.percentage is None else str(self.percentage)
        current = self.current_step
        parts = [f"{pct}%"]
        if current is not None:
            parts.append(f"{current.name} {current.status or '?'}")
        if self.remain_time is not None:
            parts.append(f"{self.remain_time}s left")
        return ", ".join(parts)


# --- copying from the library ---------------------------------------------------------------

# The setters of the slots themselves: a copy fills a new instance through them, which skips
# the look-up by name that ``object.__setattr__`` makes (and the classes' own refusal to be
# assigned to). A poll builds one progress and a step per step.
_step_setters = tuple(getattr(Step, f).__set__ for f in Step.__slots__)
_progress_setters = tuple(getattr(Progress, f).__set__ for f in Progress.__slots__)


def progress_from_array(view: "Any") -> Progress:
    """A ``Progress`` from the parsed positional JSON view of one
    (``dms_progress_progress_to_json_array``): ``[percentage, remain_time, is_complete,
    failed_step, current_step, [[name, status, start_time, end_time], ...]]``."""
    set_name, set_status, set_start, set_end = _step_setters
    steps = []
    for name, text, start, end in view[5]:
        status = _STATUS_OF.get(text)
        step = _new(Step)
        set_name(step, name)
        set_status(step, status if status is not None else StepStatus(text))
        set_start(step, start)
        set_end(step, end)
        steps.append(step)
    progress = _new(Progress)
    set_percentage, set_remain, set_steps, set_complete, set_failed, set_current = _progress_setters
    set_percentage(progress, view[0])
    set_remain(progress, view[1])
    set_steps(progress, tuple(steps))
    set_complete(progress, view[2])
    set_failed(progress, view[3])
    set_current(progress, view[4])
    return progress


#: Bytes tried first for a JSON view: a progress of a dozen steps fits; a larger one costs a
#: second call with the exact size.
_JSON_BUFFER = 2048

_scan: "Any" = None
_progress_to_json_array: "Any" = None
_epoch: "Any" = None
_millis: "Any" = None
_string_at = ctypes.string_at
#: Each thread's buffer for JSON views, reused from call to call.
_buffers = _thread._local()


def _first_use() -> None:
    """Imports what copying needs on the first copy, not at import: ``json`` alone (with
    ``re``) costs more than importing this whole package."""
    global _scan, _epoch, _millis, _progress_to_json_array
    import datetime
    import json

    _epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    _millis = datetime.timedelta
    # The C scanner itself: the library writes no whitespace around a view.
    _scan = json.JSONDecoder().scan_once
    _progress_to_json_array = lib.dms_progress_progress_to_json_array


def view_json(fn: "Any", ptr: "Any") -> str:
    """The JSON view a ``*_to_json(ptr, buf, len)`` function of the C API writes, whole."""
    buf = getattr(_buffers, "buf", None)
    if buf is None:
        buf = _buffers.buf = ctypes.create_string_buffer(_JSON_BUFFER)
    n = fn(ptr, buf, _JSON_BUFFER)
    if n >= _JSON_BUFFER:
        buf = ctypes.create_string_buffer(n + 1)
        n = fn(ptr, buf, n + 1)
    return ctypes.string_at(buf, n).decode("utf-8")


def parse_json(text: str) -> "Any":
    """A JSON view as Python values."""
    if _scan is None:
        _first_use()
    return _scan(text, 0)[0]


def progress_from_c(ptr: "Any") -> Progress:
    """Copies a (borrowed or owned) ``dms_progress_progress *`` into a ``Progress``, in one
    call to the library (its positional JSON view, which ``json``'s C scanner reads in about
    40 % of the time the object view takes). The result stays valid after the handle is
    freed.

    What ``view_json`` and ``parse_json`` do, written out: this runs once per poll, and each
    Python call saved here is a fraction of a microsecond on every one."""
    buf = getattr(_buffers, "buf", None)
    if buf is None or _scan is None:
        return progress_from_array(parse_json(view_json(lib.dms_progress_progress_to_json_array, ptr)))
    n = _progress_to_json_array(ptr, buf, _JSON_BUFFER)
    if n >= _JSON_BUFFER:
        return progress_from_array(parse_json(view_json(_progress_to_json_array, ptr)))
    return progress_from_array(_scan(_string_at(buf, n).decode("utf-8"), 0)[0])
