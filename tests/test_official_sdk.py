"""The official Huawei Cloud Python SDK, unmodified, against a running dms-emulator.

If the SDK's signer, its request building or its response and error parsing disagreed with
the emulator, these tests would fail: the SDK is the second opinion on the wire contract.
The SDK is imported unconditionally: a missing SDK is an error, never a skip.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkkafka.v2 import (
    DeleteBackgroundTaskRequest,
    KafkaClient,
    ListBackgroundTasksRequest,
    ShowBackgroundTaskProgressRequest,
    ShowBackgroundTaskRequest,
)

from emulator_harness import (
    DEMO_AK,
    DEMO_INSTANCE_ID,
    DEMO_PROJECT_ID,
    DEMO_SK,
    DEMO_TASK_FAILING,
    DEMO_TASK_FINISHED,
    DEMO_TASK_RUNNING,
    Emulator,
)
from testkit import running_emulator

PROJECT = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
INSTANCE = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
QUICK = "quick0000000000000000000000000001"
FAILS = "fails0000000000000000000000000002"

# Short tasks, so that watching one run to the end takes seconds.
SCENARIO = {
    "project_id": PROJECT,
    "instances": [
        {
            "instance_id": INSTANCE,
            "tasks": [
                {
                    "task_id": QUICK,
                    "steps": [
                        {"name": "pre_check", "seconds": 0.5},
                        {"name": "disk_expansion", "seconds": 1.5},
                        {"name": "rolling_scaling", "seconds": 1.5},
                        {"name": "post_check", "seconds": 0.5},
                    ],
                },
                {
                    "task_id": FAILS,
                    "steps": [
                        {"name": "pre_check", "seconds": 0.3},
                        {"name": "disk_expansion", "seconds": 0.7, "fails": True},
                        {"name": "rolling_scaling", "seconds": 2},
                    ],
                },
            ],
        }
    ],
}


def client(emu: Emulator, sk: str | None = None, project_id: str | None = None) -> KafkaClient:
    credentials = BasicCredentials(emu.ak, sk if sk is not None else emu.sk, project_id or emu.project_id)
    return KafkaClient.new_builder().with_credentials(credentials).with_endpoints([emu.endpoint]).build()


def progress(c: KafkaClient, instance_id: str, task_id: str):
    return c.show_background_task_progress(
        ShowBackgroundTaskProgressRequest(instance_id=instance_id, task_id=task_id)
    )


@pytest.fixture(scope="module")
def emu():
    for e in running_emulator(SCENARIO, ak="SDKTESTAK", sk="sdk-test-secret"):
        yield e
    assert e.returncode == 0, e.stderr


def test_harness_reports_the_scenario(emu):
    assert emu.endpoint == f"http://127.0.0.1:{emu.port}"
    assert (emu.ak, emu.sk, emu.project_id) == ("SDKTESTAK", "sdk-test-secret", PROJECT)
    assert [t.task_id for t in emu.tasks] == [QUICK, FAILS]
    assert {t.instance_id for t in emu.tasks} == {INSTANCE}


def test_progress_advances_and_completes(emu):
    c = client(emu)
    seen = []
    deadline = time.monotonic() + 30
    while True:
        r = progress(c, INSTANCE, QUICK)
        seen.append(r.progress_percentage)
        assert 0 <= r.progress_percentage <= 100
        assert [s.name for s in r.step_list] == ["pre_check", "disk_expansion", "rolling_scaling", "post_check"]
        for s in r.step_list:
            assert s.statue in ("WAITING", "IN_PROGRESS", "COMPLETED"), s
            if s.statue == "WAITING":
                assert s.start_time is None and s.end_time is None
            else:
                assert isinstance(s.start_time, int) and s.start_time > 1_700_000_000_000
            if s.statue == "COMPLETED":
                assert isinstance(s.end_time, int) and s.end_time >= s.start_time
        if r.progress_percentage == 100:
            break
        assert r.remain_time > 0
        assert time.monotonic() < deadline, f"never completed: {seen}"
        time.sleep(0.2)
    assert seen == sorted(seen), f"progress went backwards: {seen}"
    assert any(0 < p < 100 for p in seen), f"no intermediate progress seen: {seen}"
    assert r.remain_time == 0
    assert all(s.statue == "COMPLETED" for s in r.step_list)
    ends = [s.end_time for s in r.step_list]
    assert ends == sorted(ends)


def test_a_failing_task_shows_failed(emu):
    c = client(emu)
    deadline = time.monotonic() + 30
    while True:
        r = progress(c, INSTANCE, FAILS)
        states = [s.statue for s in r.step_list]
        if "FAILED" in states:
            break
        assert time.monotonic() < deadline, f"never failed: {states}"
        time.sleep(0.2)
    assert states == ["COMPLETED", "FAILED", "WAITING"]
    assert r.progress_percentage < 100
    assert r.step_list[2].start_time is None
    frozen = r.progress_percentage
    time.sleep(0.5)
    assert progress(c, INSTANCE, FAILS).progress_percentage == frozen

    task = c.show_background_task(ShowBackgroundTaskRequest(instance_id=INSTANCE, task_id=FAILS))
    assert task.task_count == "1"
    assert task.tasks[0].id == FAILS
    assert task.tasks[0].status == "FAILED"


def test_list_background_tasks(emu):
    r = client(emu).list_background_tasks(ListBackgroundTasksRequest(instance_id=INSTANCE, start=1, limit=10))
    assert r.task_count == "2"
    assert {t.id for t in r.tasks} == {QUICK, FAILS}
    for t in r.tasks:
        assert t.name == "kafkaInstanceExtend"
        assert t.status in ("EXECUTING", "SUCCESS", "FAILED")
        assert t.created_at.endswith("Z")


def test_a_wrong_secret_key_is_a_401_apigw_0301(emu):
    with pytest.raises(ClientRequestException) as info:
        progress(client(emu, sk="not-the-secret"), INSTANCE, QUICK)
    e = info.value
    assert e.status_code == 401
    assert e.error_code == "APIGW.0301"
    assert e.error_msg.startswith("Incorrect IAM authentication information: verify aksk signature fail")
    assert e.request_id and len(e.request_id) == 32
    assert "sdk-test-secret" not in e.error_msg and "not-the-secret" not in e.error_msg


def test_unknown_ids_are_404_with_a_dms_code(emu):
    c = client(emu)
    with pytest.raises(ClientRequestException) as info:
        progress(c, INSTANCE, "ffffffffffffffffffffffffffffffff")
    assert info.value.status_code == 404
    assert info.value.error_code.startswith("DMS.")
    assert info.value.request_id

    with pytest.raises(ClientRequestException) as info:
        progress(c, "00000000-0000-0000-0000-000000000000", QUICK)
    assert info.value.status_code == 404
    assert info.value.error_code == "DMS.00404022"

    with pytest.raises(ClientRequestException) as info:
        progress(client(emu, project_id="ffffffffffffffffffffffffffffffff"), INSTANCE, QUICK)
    assert info.value.status_code == 404
    assert info.value.error_code == "DMS.00404022"


def test_the_demo_scenario_with_the_demo_credentials(demo_emulator):
    assert (demo_emulator.ak, demo_emulator.sk, demo_emulator.project_id) == (DEMO_AK, DEMO_SK, DEMO_PROJECT_ID)
    assert [(t.instance_id, t.task_id) for t in demo_emulator.tasks] == [
        (DEMO_INSTANCE_ID, DEMO_TASK_RUNNING),
        (DEMO_INSTANCE_ID, DEMO_TASK_FINISHED),
        (DEMO_INSTANCE_ID, DEMO_TASK_FAILING),
    ]
    c = client(demo_emulator)
    done = progress(c, DEMO_INSTANCE_ID, DEMO_TASK_FINISHED)
    assert done.progress_percentage == 100 and done.remain_time == 0
    assert [s.statue for s in done.step_list] == ["COMPLETED"] * 4
    running = progress(c, DEMO_INSTANCE_ID, DEMO_TASK_RUNNING)
    assert running.progress_percentage < 100
    assert 0 < running.remain_time <= 20
    assert running.step_list[0].name == "pre_check"


def test_iam_token_authentication():
    """The SDK has no token credentials for this client; send the header as it would."""
    import urllib.error
    import urllib.request

    with Emulator(iam_token="emulator-iam-token") as e:
        url = f"{e.endpoint}/v2/{DEMO_PROJECT_ID}/instances/{DEMO_INSTANCE_ID}/tasks/{DEMO_TASK_FINISHED}/progress"
        req = urllib.request.Request(url, headers={"X-Auth-Token": "emulator-iam-token"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200
            assert r.headers["X-Request-Id"]
        bad = urllib.request.Request(url, headers={"X-Auth-Token": "wrong"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(bad, timeout=10)
        assert info.value.code == 401
        assert b"APIGW.0301" in info.value.read()


# --- the task APIs: list (paged, filtered by time), show, delete ------------------------------


@pytest.fixture(scope="module")
def fleet():
    """A generated scenario: one instance with 30 tasks (two running, the rest done)."""
    with Emulator(extra_args=["--generate-tasks", "30"]) as e:
        yield e
    assert e.returncode == 0, e.stderr


def list_time(iso: str, shift: float = 0.0) -> str:
    """``2026-01-01T00:00:00.123Z`` (plus ``shift`` seconds) as ``YYYYMMDDHHmmss``, UTC."""
    t = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc) + timedelta(seconds=shift)
    return t.strftime("%Y%m%d%H%M%S")


def test_list_walks_every_page_newest_first(fleet):
    c = client(fleet)
    instance = fleet.tasks[0].instance_id
    seen, start = [], 1
    while True:
        page = c.list_background_tasks(ListBackgroundTasksRequest(instance_id=instance, start=start, limit=7))
        assert page.task_count == "30"
        if not page.tasks:
            break
        assert len(page.tasks) <= 7
        seen += page.tasks
        start += len(page.tasks)
    assert [t.id for t in seen] == [t.task_id for t in fleet.tasks]
    created = [t.created_at for t in seen]
    assert created == sorted(created, reverse=True)
    assert [t.status for t in seen[:4]] == ["EXECUTING", "EXECUTING", "SUCCESS", "FAILED"]
    for t in seen:
        assert t.name == "kafkaInstanceExtend" and t.user_name and t.updated_at.endswith("Z")
        assert '"new_storage_space"' in t.params

    # Tasks 5..14: from the second of task 14's creation to the second after task 5's.
    window = c.list_background_tasks(
        ListBackgroundTasksRequest(
            instance_id=instance,
            start=1,
            limit=100,
            begin_time=list_time(seen[14].created_at),
            end_time=list_time(seen[5].created_at, shift=1),
        )
    )
    assert window.task_count == "10"
    assert [t.id for t in window.tasks] == [t.id for t in seen[5:15]]

    with pytest.raises(ClientRequestException) as info:
        c.list_background_tasks(ListBackgroundTasksRequest(instance_id=instance, limit=101))
    assert (info.value.status_code, info.value.error_code) == (400, "DMS.00400062")


def test_show_then_delete_then_the_task_shows_deleted_and_has_no_progress(fleet):
    c = client(fleet)
    instance, task = fleet.tasks[1].instance_id, fleet.tasks[1].task_id
    shown = c.show_background_task(ShowBackgroundTaskRequest(instance_id=instance, task_id=task))
    assert (shown.task_count, shown.tasks[0].id, shown.tasks[0].status) == ("1", task, "EXECUTING")
    assert progress(c, instance, task).progress_percentage < 100

    deleted = c.delete_background_task(DeleteBackgroundTaskRequest(instance_id=instance, task_id=task))
    assert deleted.status_code == 204

    shown = c.show_background_task(ShowBackgroundTaskRequest(instance_id=instance, task_id=task))
    assert shown.tasks[0].status == "DELETED"
    with pytest.raises(ClientRequestException) as info:
        progress(c, instance, task)
    assert (info.value.status_code, info.value.error_code) == (404, "DMS.00404023")
    listed = c.list_background_tasks(ListBackgroundTasksRequest(instance_id=instance, start=1, limit=3))
    assert [(t.id, t.status) for t in listed.tasks][1] == (task, "DELETED")

    with pytest.raises(ClientRequestException) as info:
        c.delete_background_task(DeleteBackgroundTaskRequest(instance_id=instance, task_id="f" * 32))
    assert (info.value.status_code, info.value.error_code) == (404, "DMS.00404023")
