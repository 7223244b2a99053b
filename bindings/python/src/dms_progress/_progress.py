"""``Progress`` and ``Step``: plain, immutable Python copies of a progress handle."""

from __future__ import annotations

import ctypes
import datetime as _dt
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Tuple

from . import _ffi
from ._ffi import lib

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


class StepStatus(str):
    """The state of a step, exactly as the service wrote it.

    A ``str`` subclass, so it compares equal to the wire text (``status == "COMPLETED"``) and
    keeps states this package does not know (``"ROLLING_BACK"``) instead of failing. The four
    documented states are also class attributes: ``StepStatus.COMPLETED``, ``IN_PROGRESS``,
    ``FAILED``, ``WAITING``. An absent state is the empty string.
    """

    __slots__ = ()

    COMPLETED: ClassVar["StepStatus"]
    IN_PROGRESS: ClassVar["StepStatus"]
    FAILED: ClassVar["StepStatus"]
    WAITING: ClassVar["StepStatus"]

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

def _fmt_time(t: Optional[_dt.datetime], raw: Optional[str]) -> str:
    if t is not None:
        return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if raw is not None:
        return f"{raw!r} (not a time)"
    return "None"


@dataclass(frozen=True)
class Step:
    """One step of a task (``pre_check``, ``disk_expansion``, ``rolling_scaling``, ...).

    ``start_time`` and ``end_time`` are timezone-aware UTC datetimes, or None until the step
    starts / ends. When the service sent a time that is not a number, the datetime is None and
    the text it sent is kept in ``start_time_text`` / ``end_time_text`` (None otherwise); a
    number too large for a ``datetime`` is kept there as its decimal text too.
    """

    name: str
    status: StepStatus
    start_time: Optional[_dt.datetime] = None
    end_time: Optional[_dt.datetime] = None
    start_time_text: Optional[str] = None
    end_time_text: Optional[str] = None

    def __repr__(self) -> str:
        return (
            f"Step(name={self.name!r}, status={str(self.status)!r}, "
            f"start_time={_fmt_time(self.start_time, self.start_time_text)}, "
            f"end_time={_fmt_time(self.end_time, self.end_time_text)})"
        )


@dataclass(frozen=True)
class Progress:
    """The progress of a task, as one poll saw it.

    ``percentage`` (0..100) and ``remain_time`` (seconds) are None when the service did not
    report them (unknown is not zero). What the progress means is the native library's
    answer, not this package's: ``is_complete`` is true at 100 % with every step
    ``COMPLETED``; ``failed_step_index`` is the index of the first ``FAILED`` step, if any;
    ``current_step_index`` the index of the step running now (the first ``IN_PROGRESS``
    one), None between steps.
    """

    percentage: Optional[int]
    remain_time: Optional[int]
    steps: Tuple[Step, ...]
    is_complete: bool
    failed_step_index: Optional[int] = None
    current_step_index: Optional[int] = None

    @property
    def failed_step(self) -> Optional[Step]:
        """The first ``FAILED`` step, or None."""
        if self.failed_step_index is None:
            return None
        return self.steps[self.failed_step_index]

    @property
    def current_step(self) -> Optional[Step]:
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


def _time(ptr: Any, index: int, numeric: Any, textual: Any) -> Tuple[Optional[_dt.datetime], Optional[str]]:
    ms = ctypes.c_int64()
    if numeric(ptr, index, ctypes.byref(ms)):
        try:
            return _EPOCH + _dt.timedelta(milliseconds=ms.value), None
        except OverflowError:
            return None, str(ms.value)
    return None, _ffi.text(textual(ptr, index))


def progress_from_c(ptr: Any) -> Progress:
    """Copies a (borrowed or owned) ``dms_progress_progress *`` into a ``Progress``.

    Every string is copied, so the result stays valid after the handle is freed.
    """
    pct = ctypes.c_uint8()
    remain = ctypes.c_uint64()
    failed = ctypes.c_size_t()
    current = ctypes.c_size_t()
    steps = []
    for i in range(lib.dms_progress_progress_step_count(ptr)):
        status = StepStatus(_ffi.text(lib.dms_progress_progress_step_status_text(ptr, i)) or "")
        start, start_text = _time(
            ptr, i, lib.dms_progress_progress_step_start_time, lib.dms_progress_progress_step_start_time_text
        )
        end, end_text = _time(
            ptr, i, lib.dms_progress_progress_step_end_time, lib.dms_progress_progress_step_end_time_text
        )
        steps.append(
            Step(
                name=_ffi.text(lib.dms_progress_progress_step_name(ptr, i)) or "",
                status=status,
                start_time=start,
                end_time=end,
                start_time_text=start_text,
                end_time_text=end_text,
            )
        )
    return Progress(
        percentage=pct.value if lib.dms_progress_progress_percentage(ptr, ctypes.byref(pct)) else None,
        remain_time=remain.value if lib.dms_progress_progress_remain_time(ptr, ctypes.byref(remain)) else None,
        steps=tuple(steps),
        is_complete=bool(lib.dms_progress_progress_is_complete(ptr)),
        failed_step_index=failed.value if lib.dms_progress_progress_failed_step(ptr, ctypes.byref(failed)) else None,
        current_step_index=current.value if lib.dms_progress_progress_current_step(ptr, ctypes.byref(current)) else None,
    )
