"""``Task``, ``TaskStatus``, ``TaskPage`` and ``Expansion``: immutable Python copies of the
library's background tasks (ListBackgroundTasks, ShowBackgroundTask)."""

from __future__ import annotations

import ctypes

from . import _ffi
from ._ffi import lib
from ._progress import _Frozen, _datetime_of, _new, _set, _text_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime as _dt
    from typing import Any, Dict, Optional, Tuple


class TaskStatus(str):
    """A task's state, exactly as the service wrote it.

    A ``str`` subclass, compared with the wire text (``task.status == "EXECUTING"``), that
    keeps states this package does not know. The six documented states are class attributes:
    ``CREATED``, ``EXECUTING``, ``SUCCESS``, ``FAILED``, ``DELETED``, ``CANCELLED``.
    """

    __slots__ = ()

    CREATED: "TaskStatus"
    EXECUTING: "TaskStatus"
    SUCCESS: "TaskStatus"
    FAILED: "TaskStatus"
    DELETED: "TaskStatus"
    CANCELLED: "TaskStatus"

    @property
    def is_known(self) -> bool:
        """Whether this is one of the six documented states."""
        return self in _KNOWN

    def __repr__(self) -> str:
        return f"TaskStatus({str.__repr__(self)})"


_KNOWN = ("CREATED", "EXECUTING", "SUCCESS", "FAILED", "DELETED", "CANCELLED")
for _name in _KNOWN:
    setattr(TaskStatus, _name, TaskStatus(_name))
del _name


class Task(_Frozen):
    """One background task of an instance.

    ``created_at`` and ``updated_at`` are timezone-aware UTC datetimes, or None when the
    service sent none or something that is not a time (then kept in ``created_at_text`` /
    ``updated_at_text``). ``params_text`` is the task's parameters exactly as sent;
    ``params`` is that text parsed, when it is a JSON object, else None. ``is_running`` is
    the library's answer (``CREATED`` or ``EXECUTING``), the one ``running_expansion``
    picks by.
    """

    __slots__ = ("id", "name", "status", "is_running", "_created", "_updated", "params_text", "user_name", "user_id")
    _fields = (
        "id",
        "name",
        "status",
        "is_running",
        "created_at",
        "updated_at",
        "params_text",
        "user_name",
        "user_id",
        "created_at_text",
        "updated_at_text",
    )
    __match_args__ = ("id", "name", "status")

    id: str
    name: str
    status: TaskStatus
    is_running: bool
    params_text: str
    user_name: str
    user_id: str

    def __init__(
        self,
        id: str,
        name: str,
        status: TaskStatus,
        is_running: bool = False,
        created_at: "Optional[_dt.datetime]" = None,
        updated_at: "Optional[_dt.datetime]" = None,
        params_text: str = "",
        user_name: str = "",
        user_id: str = "",
        created_at_text: "Optional[str]" = None,
        updated_at_text: "Optional[str]" = None,
    ) -> None:
        _set(self, "id", id)
        _set(self, "name", name)
        _set(self, "status", status)
        _set(self, "is_running", is_running)
        _set(self, "_created", created_at if created_at is not None else created_at_text)
        _set(self, "_updated", updated_at if updated_at is not None else updated_at_text)
        _set(self, "params_text", params_text)
        _set(self, "user_name", user_name)
        _set(self, "user_id", user_id)

    @property
    def created_at(self) -> "Optional[_dt.datetime]":
        """When the task was created (aware UTC), or None."""
        return _datetime_of(self._created)

    @property
    def updated_at(self) -> "Optional[_dt.datetime]":
        """When the task last changed (aware UTC), or None."""
        return _datetime_of(self._updated)

    @property
    def created_at_text(self) -> "Optional[str]":
        """The creation time as sent, when it is not a time this package can represent."""
        return _text_of(self._created)

    @property
    def updated_at_text(self) -> "Optional[str]":
        """The last change time as sent, when it is not a time this package can represent."""
        return _text_of(self._updated)

    @property
    def params(self) -> "Optional[Dict[str, Any]]":
        """``params_text`` parsed, when it is a JSON object (a new dict each time), else None."""
        import json

        try:
            value = json.loads(self.params_text)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def __repr__(self) -> str:
        created = self.created_at
        when = created.isoformat(timespec="seconds").replace("+00:00", "Z") if created else self.created_at_text
        return f"Task(id={self.id!r}, name={self.name!r}, status={str(self.status)!r}, created_at={when})"


class TaskPage(_Frozen):
    """One page of an instance's tasks: ``tasks`` (newest first) and ``task_count``, how many
    tasks match the query on every page together (None when the service did not say)."""

    __slots__ = ("tasks", "task_count")
    _fields = __slots__
    __match_args__ = __slots__

    tasks: "Tuple[Task, ...]"
    task_count: "Optional[int]"

    def __init__(self, tasks: "Tuple[Task, ...]", task_count: "Optional[int]") -> None:
        _set(self, "tasks", tasks)
        _set(self, "task_count", task_count)

    def __repr__(self) -> str:
        return f"TaskPage({len(self.tasks)} tasks, task_count={self.task_count})"


class Expansion(_Frozen):
    """What ``running_expansion`` found: ``running`` says whether an expansion runs, and
    ``task`` is it; when none runs, ``task`` is the instance's newest task of any status
    (None when the instance has no task at all)."""

    __slots__ = ("running", "task")
    _fields = __slots__
    __match_args__ = __slots__

    running: bool
    task: "Optional[Task]"

    def __init__(self, running: bool, task: "Optional[Task]") -> None:
        _set(self, "running", running)
        _set(self, "task", task)

    def __repr__(self) -> str:
        return f"Expansion(running={self.running}, task={self.task!r})"


def _time(ptr: "Any", numeric: "Any", textual: "Any") -> "Any":
    """A task time as ``Step`` keeps one: epoch milliseconds, the text sent, or None."""
    ms = ctypes.c_int64()
    if numeric(ptr, ctypes.byref(ms)):
        return ms.value
    return _ffi.text(textual(ptr))


def task_from_c(ptr: "Any") -> Task:
    """Copies a (borrowed or owned) ``dms_progress_task *``; the result outlives it."""
    text = _ffi.text
    task = _new(Task)
    _set(task, "id", text(lib.dms_progress_task_id(ptr)) or "")
    _set(task, "name", text(lib.dms_progress_task_name(ptr)) or "")
    _set(task, "status", TaskStatus(text(lib.dms_progress_task_status_text(ptr)) or ""))
    _set(task, "is_running", bool(lib.dms_progress_task_is_running(ptr)))
    _set(task, "_created", _time(ptr, lib.dms_progress_task_created_at, lib.dms_progress_task_created_at_text))
    _set(task, "_updated", _time(ptr, lib.dms_progress_task_updated_at, lib.dms_progress_task_updated_at_text))
    _set(task, "params_text", text(lib.dms_progress_task_params(ptr)) or "")
    _set(task, "user_name", text(lib.dms_progress_task_user_name(ptr)) or "")
    _set(task, "user_id", text(lib.dms_progress_task_user_id(ptr)) or "")
    return task


def page_from_c(ptr: "Any") -> TaskPage:
    """Copies a ``dms_progress_task_list *`` (not freeing it)."""
    tasks = tuple(task_from_c(lib.dms_progress_task_list_get(ptr, i)) for i in range(lib.dms_progress_task_list_count(ptr)))
    count = ctypes.c_uint64()
    return TaskPage(tasks, count.value if lib.dms_progress_task_list_task_count(ptr, ctypes.byref(count)) else None)
