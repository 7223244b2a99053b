"""Progress, Step and StepStatus as Python sees them, from bodies the emulator never sends,
served by a local server through the real client (so the native decoder is what is tested)."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import pytest

import dms_progress
from dms_progress import Progress, Step, StepStatus
from localserver import PROGRESS_BODY, json_reply

UTC = dt.timezone.utc
PROJECT = "0123456789abcdef0123456789abcdef"


def fetch(server, body) -> Progress:
    server.reply = json_reply(200, body)
    with dms_progress.Client(endpoint=server.endpoint, project_id=PROJECT, ak="ak", sk="sk", retries=0) as c:
        return c.get_progress("i", "t")


def test_documented_example(local_server):
    p = fetch(local_server, PROGRESS_BODY)
    assert p.percentage == 40
    assert p.remain_time == 1124
    assert not p.is_complete
    assert p.failed_step is None and p.failed_step_index is None
    first, second = p.steps
    assert first == Step(
        name="pre_check",
        status=StepStatus.COMPLETED,
        start_time=dt.datetime(2025, 11, 17, 3, 27, 47, 752000, tzinfo=UTC),
        end_time=dt.datetime(2025, 11, 17, 3, 28, 31, 208000, tzinfo=UTC),
    )
    assert second.status == "IN_PROGRESS" and second.end_time is None
    assert first.start_time.tzinfo is UTC


def test_status_compares_to_wire_text_and_keeps_unknown_text(local_server):
    p = fetch(
        local_server,
        {
            "progress_percentage": 70,
            "step_list": [
                {"name": "a", "statue": "COMPLETED"},
                {"name": "b", "statue": "ROLLING_BACK"},
                {"name": "c", "status": "WAITING"},
                {"name": "d"},
            ],
        },
    )
    a, b, c, d = p.steps
    assert a.status == "COMPLETED" and a.status == StepStatus.COMPLETED and a.status.is_known
    assert b.status == "ROLLING_BACK" and isinstance(b.status, str) and not b.status.is_known
    assert c.status == StepStatus.WAITING  # the old `status` key is accepted
    assert d.status == ""
    assert {a.status: 1}["COMPLETED"] == 1  # hashes as its text
    assert repr(b.status) == "StepStatus('ROLLING_BACK')"


def test_unknown_numbers_are_none_not_zero(local_server):
    p = fetch(local_server, {"step_list": []})
    assert p.percentage is None and p.remain_time is None and p.steps == ()
    assert not p.is_complete


def test_times_as_numbers_numeric_strings_null_and_text(local_server):
    p = fetch(
        local_server,
        {
            "progress_percentage": 10,
            "step_list": [
                {"name": "s", "statue": "IN_PROGRESS", "start_time": "1763350067752", "end_time": None},
                {"name": "t", "statue": "WAITING", "start_time": "2025-11-17 03:27:47", "end_time": "soon"},
            ],
        },
    )
    s, t = p.steps
    assert s.start_time == dt.datetime(2025, 11, 17, 3, 27, 47, 752000, tzinfo=UTC)
    assert s.start_time_text is None and s.end_time is None and s.end_time_text is None
    assert t.start_time is None and t.start_time_text == "2025-11-17 03:27:47"
    assert t.end_time is None and t.end_time_text == "soon"
    assert "'soon' (not a time)" in repr(t)


def test_complete_and_failed(local_server):
    done = fetch(
        local_server,
        {"progress_percentage": 100, "remain_time": 0, "step_list": [{"name": "a", "statue": "COMPLETED"}]},
    )
    assert done.is_complete
    failed = fetch(
        local_server,
        {
            "progress_percentage": 50,
            "step_list": [{"name": "a", "statue": "COMPLETED"}, {"name": "b", "statue": "FAILED"}],
        },
    )
    assert failed.failed_step_index == 1 and failed.failed_step.name == "b"
    assert "failed_step=1" in repr(failed)


def test_immutable_values_with_a_readable_repr(local_server):
    p = fetch(local_server, PROGRESS_BODY)
    with pytest.raises(AttributeError, match="immutable"):
        p.percentage = 1  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        p.steps[0].name = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.steps
    with pytest.raises(AttributeError):
        p.extra = 1  # type: ignore[attr-defined]
    assert repr(p) == (
        "Progress(percentage=40, remain_time=1124, is_complete=False, "
        "steps=[pre_check=COMPLETED, disk_expansion=IN_PROGRESS])"
    )
    assert repr(p.steps[0]) == (
        "Step(name='pre_check', status='COMPLETED', start_time=2025-11-17T03:27:47.752Z, "
        "end_time=2025-11-17T03:28:31.208Z)"
    )
    assert str(p) == "40%, disk_expansion IN_PROGRESS, 1124s left"
    assert p == fetch(local_server, PROGRESS_BODY)  # plain values: equal when equal
    assert hash(p) == hash(fetch(local_server, PROGRESS_BODY))


def test_values_compare_hash_pickle_and_match_like_dataclasses(local_server):
    p = fetch(local_server, PROGRESS_BODY)
    built = Progress(
        percentage=40,
        remain_time=1124,
        steps=p.steps,
        is_complete=False,
        failed_step_index=None,
        current_step_index=1,
    )
    assert built == p and hash(built) == hash(p)
    assert Progress(40, 1124, p.steps, False) != p  # current_step_index differs
    assert p != (40, 1124) and p != "p"
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p and copy.copy(p.steps[0]) == p.steps[0]
    assert Step("a", StepStatus.WAITING) == Step(name="a", status="WAITING")
    assert len({p.steps[0], p.steps[0], p.steps[1]}) == 2
    # `case Progress(percentage, remain_time, steps)` patterns (the tests also run on 3.8).
    assert Progress.__match_args__[:3] == ("percentage", "remain_time", "steps")
    assert Step.__match_args__[:2] == ("name", "status")
    assert not hasattr(p, "__dict__")
