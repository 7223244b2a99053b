"""The background-task APIs (list, walk, show, delete, the running expansion) against the
emulator, and the values they return."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import pytest

import dms_progress
from dms_progress import Expansion, Task, TaskPage, TaskStatus
from testkit import running_emulator

PROJECT = "0123456789abcdef0123456789abcdef"
TASKS = "py-tasks-instance"
IDLE = "py-idle-instance"
EMPTY = "py-empty-instance"
UTC = dt.timezone.utc


def task(task_id: str, ago: float, seconds: float, **extra) -> dict:
    return {"task_id": task_id, "started_seconds_ago": ago, "steps": [{"name": "pre_check", "seconds": seconds}], **extra}


SCENARIO = {
    "project_id": PROJECT,
    "instances": [
        {
            "instance_id": TASKS,
            "tasks": [
                task("old-done", 7200, 10, params={"new_storage_space": 600}),
                task("expanding", 600, 3600),
                task("restarting", 60, 3600, name="restartInstance"),
                task("to-delete", 3600, 10),
                task("failed-once", 5400, 10, steps=[{"name": "pre_check", "seconds": 10, "fails": True}]),
            ],
        },
        {"instance_id": IDLE, "tasks": [task("idle-older", 7200, 10), task("idle-newest", 3600, 10)]},
        {"instance_id": EMPTY, "tasks": []},
    ],
}


@pytest.fixture(scope="module")
def client():
    for emu in running_emulator(SCENARIO):
        with dms_progress.Client(endpoint=emu.endpoint, project_id=PROJECT, ak=emu.ak, sk=emu.sk) as c:
            yield c


@pytest.fixture(scope="module")
def generated():
    """250 generated tasks on one instance, for paging."""
    for emu in running_emulator(None, extra_args=["--generate-tasks", "250"]):
        with dms_progress.Client(endpoint=emu.endpoint, project_id=PROJECT, ak=emu.ak, sk=emu.sk) as c:
            yield c, "00000000-0000-4000-8000-000000000001"


def by_id(tasks, task_id: str) -> Task:
    return next(t for t in tasks if t.id == task_id)


def test_a_page_holds_typed_tasks_newest_first(client):
    page = client.list_tasks(TASKS)
    assert isinstance(page, TaskPage) and page.task_count == 5
    assert [t.id for t in page.tasks] == ["restarting", "expanding", "to-delete", "failed-once", "old-done"]
    created = [t.created_at for t in page.tasks]
    assert all(c is not None and c.tzinfo is not None for c in created) and created == sorted(created, reverse=True)
    expanding = by_id(page.tasks, "expanding")
    assert expanding.name == "kafkaInstanceExtend" and expanding.status == TaskStatus.EXECUTING
    assert expanding.is_running and expanding.status.is_known
    assert isinstance(expanding.status, str) and repr(expanding.status) == "TaskStatus('EXECUTING')"
    done = by_id(page.tasks, "old-done")
    assert done.status == "SUCCESS" and not done.is_running
    assert done.params == {"new_storage_space": 600}
    assert json.loads(done.params_text) == {"new_storage_space": 600}  # the text as sent
    assert by_id(page.tasks, "failed-once").status == TaskStatus.FAILED
    assert by_id(page.tasks, "restarting").name == "restartInstance"
    assert done.updated_at is not None and done.updated_at >= done.created_at
    assert "old-done" in repr(done) and "SUCCESS" in repr(done)


def test_pages_and_bounds(client):
    first = client.list_tasks(TASKS, limit=2)
    second = client.list_tasks(TASKS, start=3, limit=2)
    assert [t.id for t in first.tasks] == ["restarting", "expanding"]
    assert [t.id for t in second.tasks] == ["to-delete", "failed-once"]
    assert first.task_count == second.task_count == 5
    now = dt.datetime.now(UTC)
    recent = client.list_tasks(TASKS, begin_time=now - dt.timedelta(minutes=20))
    assert {t.id for t in recent.tasks} == {"restarting", "expanding"}
    older = client.list_tasks(TASKS, end_time=now - dt.timedelta(minutes=70))
    assert {t.id for t in older.tasks} == {"failed-once", "old-done"}


def test_all_tasks_walks_every_page(generated):
    c, instance = generated
    one = c.list_tasks(instance, limit=100)
    assert len(one.tasks) == 100 and one.task_count == 250
    for limit in (None, 30, 100):
        every = c.all_tasks(instance, limit=limit)
        assert len(every) == 250 and len({t.id for t in every}) == 250
        assert every[:100] == one.tasks


@pytest.mark.parametrize(
    "kw, what",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": True}, "limit"),
        ({"start": -1}, "start"),
        ({"start": "1"}, "start"),
        ({"begin_time": dt.datetime(2025, 1, 1)}, "begin_time"),  # naive
        ({"end_time": 1700000000}, "end_time"),
        ({"begin_time": dt.datetime(1960, 1, 1, tzinfo=UTC)}, "begin_time"),
    ],
)
def test_bad_queries_are_refused_before_anything_is_sent(kw, what):
    # A dead endpoint: a request would be a TransportError.
    with dms_progress.Client(endpoint="http://127.0.0.1:9", project_id=PROJECT, ak="ak", sk="sk") as c:
        with pytest.raises(dms_progress.InvalidArgumentError, match=what):
            c.list_tasks(TASKS, **kw)


def test_a_begin_time_after_the_end_time_is_refused_by_the_library():
    with dms_progress.Client(endpoint="http://127.0.0.1:9", project_id=PROJECT, ak="ak", sk="sk") as c:
        with pytest.raises(dms_progress.InvalidArgumentError):
            c.list_tasks(TASKS, begin_time=dt.datetime(2026, 1, 2, tzinfo=UTC), end_time=dt.datetime(2026, 1, 1, tzinfo=UTC))
        with pytest.raises(dms_progress.InvalidArgumentError):
            c.list_tasks("", limit=5)


def test_show_then_delete(client):
    shown = client.show_task(TASKS, "to-delete")
    assert shown.id == "to-delete" and shown.status == "SUCCESS"
    assert shown == by_id(client.list_tasks(TASKS).tasks, "to-delete")
    client.delete_task(TASKS, "to-delete")
    assert client.show_task(TASKS, "to-delete").status == TaskStatus.DELETED
    with pytest.raises(dms_progress.ApiError) as gone:
        client.get_progress(TASKS, "to-delete")
    assert gone.value.status == 404
    with pytest.raises(dms_progress.ApiError) as unknown:
        client.show_task(TASKS, "no-such-task")
    assert unknown.value.status == 404


def test_the_running_expansion(client):
    found = client.running_expansion(TASKS)
    assert isinstance(found, Expansion) and found.running
    # The restart is newer, but an expansion is preferred.
    assert found.task.id == "expanding" and found.task.name == "kafkaInstanceExtend"
    idle = client.running_expansion(IDLE)
    assert not idle.running and idle.task.id == "idle-newest"
    assert client.running_expansion(EMPTY) == Expansion(False, None)


def test_tasks_are_immutable_values(client):
    t = client.show_task(TASKS, "old-done")
    assert t == client.show_task(TASKS, "old-done") and hash(t) == hash(client.show_task(TASKS, "old-done"))
    assert pickle.loads(pickle.dumps(t)) == t
    with pytest.raises(AttributeError):
        t.status = "FAILED"  # type: ignore[misc]
    assert t.params is not t.params  # a new dict each time: the task itself cannot change
    odd = Task("x", "n", TaskStatus("ROLLING"), params_text="not json", created_at_text="soon")
    assert odd.params is None and odd.params_text == "not json"
    assert odd.created_at is None and odd.created_at_text == "soon"
    assert not odd.status.is_known


def test_ctrl_c_and_close_reach_task_calls(client):
    """The task calls run through the same interruptible path as get_progress."""
    import threading

    import _thread

    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        while True:
            client.all_tasks(TASKS)
    timer.join()
