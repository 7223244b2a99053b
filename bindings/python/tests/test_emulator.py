"""The package against dms-emulator: real signing, real HTTP, scripted tasks."""

from __future__ import annotations

import concurrent.futures
import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import dms_progress
from conftest import PACKAGE_ROOT, child_environment
from emulator_harness import (
    DEMO_INSTANCE_ID,
    DEMO_TASK_FAILING,
    DEMO_TASK_FINISHED,
    DEMO_TASK_RUNNING,
    Emulator,
)
from testkit import running_emulator

PROJECT = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
INSTANCE = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
FINISHED = "finished000000000000000000000001"
LONG = "long0000000000000000000000000001"
ODD_INSTANCE = "inst~._-\u00e4\u00f6\u00fc"
ODD_TASK = "\u4efb\u52a1~task.1_\u00df-x"


def task(task_id: str, *steps, ago: float = 0.0) -> dict:
    return {
        "task_id": task_id,
        "started_seconds_ago": ago,
        "steps": [{"name": n, "seconds": s, **({"fails": True} if f else {})} for n, s, f in steps],
    }


# Tasks whose state does not change during the module: one long finished, one far from done.
STATIC = {
    "project_id": PROJECT,
    "instances": [
        {
            "instance_id": INSTANCE,
            "tasks": [
                task(FINISHED, ("pre_check", 1, False), ("disk_expansion", 1, False), ago=3600),
                task(LONG, ("pre_check", 3600, False), ("disk_expansion", 3600, False)),
            ],
        },
        {"instance_id": ODD_INSTANCE, "tasks": [task(ODD_TASK, ("pre_check", 1, False), ago=3600)]},
    ],
}


@pytest.fixture(scope="module")
def emu():
    yield from running_emulator(STATIC)


def client_for(e: Emulator, **kw) -> dms_progress.Client:
    kw.setdefault("project_id", e.project_id)
    kw.setdefault("ak", e.ak)
    kw.setdefault("sk", e.sk)
    return dms_progress.Client(endpoint=e.endpoint, **kw)


def test_get_progress_of_the_demo_tasks(demo_emulator):
    with client_for(demo_emulator) as c:
        running = c.get_progress(DEMO_INSTANCE_ID, DEMO_TASK_RUNNING)
        finished = c.get_progress(DEMO_INSTANCE_ID, DEMO_TASK_FINISHED)
    assert 0 <= running.percentage < 100 and not running.is_complete
    assert [s.name for s in running.steps][:2] == ["pre_check", "disk_expansion"]
    assert running.steps[0].status in ("IN_PROGRESS", "COMPLETED")
    assert running.steps[0].start_time is not None and running.steps[0].start_time.tzinfo is not None
    assert running.remain_time is not None and running.remain_time > 0
    assert finished.is_complete and finished.percentage == 100
    assert all(s.status == dms_progress.StepStatus.COMPLETED and s.end_time for s in finished.steps)
    assert finished.failed_step is None


def test_wait_with_callback_to_completion():
    quick = "quick000000000000000000000000001"
    scenario = {
        "project_id": PROJECT,
        "instances": [
            {
                "instance_id": INSTANCE,
                # ~2 s in all, so that even a slow first poll sees the task unfinished.
                "tasks": [task(quick, ("pre_check", 0.5, False), ("disk_expansion", 1.0, False), ("rolling_scaling", 0.5, False))],
            }
        ],
    }
    seen = []
    threads = set()
    with Emulator(scenario) as e, client_for(e) as c:
        done = c.wait(INSTANCE, quick, interval=0.1, timeout=30, on_progress=lambda p: (seen.append(p), threads.add(threading.get_ident())))
    assert done.is_complete and done.percentage == 100
    assert len(seen) >= 3
    assert seen[-1] == done
    percentages = [p.percentage for p in seen]
    assert percentages == sorted(percentages) and percentages[0] < 100
    assert any(not p.is_complete for p in seen)


def test_failing_task_raises_task_failed_error():
    failing = "fails000000000000000000000000001"
    scenario = {
        "project_id": PROJECT,
        "instances": [
            {"instance_id": INSTANCE, "tasks": [task(failing, ("pre_check", 0.2, False), ("disk_expansion", 0.3, True), ("post_check", 1, False))]}
        ],
    }
    polls = []
    with Emulator(scenario) as e, client_for(e) as c:
        with pytest.raises(dms_progress.TaskFailedError) as info:
            c.wait(INSTANCE, failing, interval=0.1, timeout=30, on_progress=polls.append)
    err = info.value
    assert err.step.name == "disk_expansion" and err.step.status == "FAILED"
    assert err.step_index == 1
    assert err.progress.failed_step == err.step
    assert not err.progress.is_complete
    assert "disk_expansion" in str(err)
    assert polls[-1] == err.progress


def test_demo_failing_task_is_reported_by_get_progress_too(demo_emulator):
    with client_for(demo_emulator) as c:
        p = c.get_progress(DEMO_INSTANCE_ID, DEMO_TASK_FAILING)
    assert p.failed_step is None or p.failed_step.name == "disk_expansion"


def test_401_carries_status_code_and_request_id(emu):
    with client_for(emu, sk="not-the-right-secret-key", retries=0) as c:
        with pytest.raises(dms_progress.ApiError) as info:
            c.get_progress(INSTANCE, FINISHED)
    e = info.value
    assert e.status == 401 and e.error_code == "APIGW.0301"
    assert e.request_id and e.request_id in str(e)
    assert "not-the-right-secret-key" not in str(e) and "not-the-right-secret-key" not in e.error_msg


def test_404_for_unknown_task_and_instance(emu):
    with client_for(emu) as c:
        with pytest.raises(dms_progress.ApiError) as task_info:
            c.get_progress(INSTANCE, "no-such-task")
        with pytest.raises(dms_progress.ApiError) as instance_info:
            c.get_progress("no-such-instance", FINISHED)
    assert task_info.value.status == 404 and task_info.value.error_code.startswith("DMS.")
    assert instance_info.value.status == 404 and instance_info.value.error_code == "DMS.00404022"
    assert task_info.value.request_id and instance_info.value.request_id
    assert task_info.value.request_id != instance_info.value.request_id


def test_credentials_from_the_environment(emu, monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", emu.ak)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", emu.sk)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", emu.project_id)
    with dms_progress.Client(endpoint=emu.endpoint) as c:
        assert c.get_progress(INSTANCE, FINISHED).is_complete
        assert c.access_key_id == emu.ak and c.project_id == PROJECT and c.endpoint == emu.endpoint
        assert (c.credential_source, c.temporary_credentials) == ("environment", False)
        assert (c.project_id_source, c.credentials_expire_at) == ("environment", None)
        assert emu.sk not in repr(c)


def test_explicit_values_win_over_the_environment(emu, monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "WRONGAK")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "wrong-sk")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "ffffffffffffffffffffffffffffffff")
    with client_for(emu) as c:
        assert c.get_progress(INSTANCE, FINISHED).is_complete
        assert (c.access_key_id, c.project_id, c.credential_source) == (emu.ak, emu.project_id, "explicit")
        assert c.project_id_source == "explicit"


@pytest.mark.parametrize("where", ["env-var", "home"])
def test_credentials_from_the_profile_file(emu, monkeypatch, tmp_path, where):
    ini = f"[basic]\nak = {emu.ak}\nsk = {emu.sk}\nproject_id = {emu.project_id}\n"
    if where == "env-var":
        path = tmp_path / "creds.ini"
        monkeypatch.setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", str(path))
    else:
        import os

        path = tmp_path / "home" / ".huaweicloud" / "credentials"
        path.parent.mkdir(parents=True)
        assert os.environ["HOME"] == str(tmp_path / "home")
    path.write_text(ini)
    with dms_progress.Client(endpoint=emu.endpoint) as c:
        assert c.get_progress(INSTANCE, FINISHED).is_complete
        assert (c.access_key_id, c.project_id, c.credential_source) == (emu.ak, emu.project_id, "profile")


def test_ids_with_special_and_non_ascii_characters(emu):
    with client_for(emu) as c:
        p = c.get_progress(ODD_INSTANCE, ODD_TASK)
        assert p.is_complete
        assert c.wait(ODD_INSTANCE, ODD_TASK, interval=0.1, timeout=10).is_complete


def test_iam_token_against_the_emulator():
    with Emulator(STATIC, iam_token="emulator-iam-token") as e:
        with dms_progress.Client(endpoint=e.endpoint, project_id=PROJECT, iam_token="emulator-iam-token") as c:
            assert c.get_progress(INSTANCE, FINISHED).is_complete
            assert (c.access_key_id, c.credential_source, c.temporary_credentials) == (None, "iam-token", True)
            assert "emulator-iam-token" not in repr(c) and "iam-token" in repr(c)
        with dms_progress.Client(endpoint=e.endpoint, project_id=PROJECT, iam_token="wrong", retries=0) as c:
            with pytest.raises(dms_progress.ApiError) as info:
                c.get_progress(INSTANCE, FINISHED)
            assert info.value.status == 401 and "wrong" not in str(info.value)


@pytest.mark.parametrize("threads", [8, 64])
def test_one_client_shared_by_threads(emu, threads):
    barrier = threading.Barrier(threads)

    def work(n: int):
        barrier.wait()
        out = []
        for i in range(15):
            task_id = FINISHED if (n + i) % 2 else LONG
            out.append((task_id, c.get_progress(INSTANCE, task_id)))
        out.append((FINISHED, c.wait(INSTANCE, FINISHED, interval=0.05, timeout=10)))
        return out

    with client_for(emu) as c:
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            results = [r for f in [pool.submit(work, n) for n in range(threads)] for r in f.result()]
    assert len(results) == threads * 16
    for task_id, p in results:
        if task_id == FINISHED:
            assert p.is_complete
        else:
            assert p.percentage < 50 and p.steps[0].status == "IN_PROGRESS"


def test_wait_timeout_carries_the_last_progress(emu):
    with client_for(emu) as c:
        t0 = time.monotonic()
        with pytest.raises(dms_progress.WaitTimeoutError) as info:
            c.wait(INSTANCE, LONG, interval=0.1, timeout=0.5)
        elapsed = time.monotonic() - t0
    assert 0.4 <= elapsed < 5
    assert info.value.progress is not None and info.value.progress.steps[0].status == "IN_PROGRESS"
    assert isinstance(info.value, TimeoutError)


def test_exception_in_on_progress_stops_the_wait_and_is_reraised(emu):
    class Boom(Exception):
        pass

    calls = []

    def on_progress(p):
        calls.append(p)
        raise Boom("from the callback")

    with client_for(emu) as c:
        t0 = time.monotonic()
        with pytest.raises(Boom, match="from the callback"):
            c.wait(INSTANCE, LONG, interval=0.1, timeout=60, on_progress=on_progress)
        assert time.monotonic() - t0 < 5
        assert len(calls) == 1
        # The client is still usable afterwards.
        assert c.get_progress(INSTANCE, FINISHED).is_complete


def test_on_progress_returning_false_cancels(emu):
    calls = []
    with client_for(emu) as c:
        with pytest.raises(dms_progress.CancelledError):
            c.wait(INSTANCE, LONG, interval=0.05, timeout=60, on_progress=lambda p: calls.append(p) or len(calls) < 3)
    assert len(calls) == 3


def test_on_progress_returning_none_keeps_waiting(emu):
    with client_for(emu) as c:
        with pytest.raises(dms_progress.WaitTimeoutError):
            c.wait(INSTANCE, LONG, interval=0.05, timeout=0.3, on_progress=lambda p: None)


CHILD = textwrap.dedent(
    """
    import sys, dms_progress
    endpoint, project, ak, sk, instance, task, mode = sys.argv[1:]
    client = dms_progress.Client(endpoint=endpoint, project_id=project, ak=ak, sk=sk)
    print("waiting", flush=True)
    if mode == "uncaught":
        client.wait(instance, task, timeout=600)
    else:
        try:
            client.wait(instance, task, timeout=600)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        # The client still works after an interrupted wait.
        print("after", client.get_progress(instance, task).percentage, flush=True)
    """
)


@pytest.mark.parametrize("mode", ["uncaught", "caught"])
def test_ctrl_c_interrupts_wait_within_a_second(emu, tmp_path, mode):
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, emu.endpoint, emu.project_id, emu.ak, emu.sk, INSTANCE, LONG, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=child_environment(),
    )
    try:
        assert proc.stdout.readline().strip() == "waiting", proc.stderr.read()
        time.sleep(0.7)  # well inside the wait: first poll done, sleeping towards the next
        assert proc.poll() is None
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert elapsed < 1.5, f"took {elapsed:.2f}s to stop after SIGINT"
    if mode == "uncaught":
        assert "KeyboardInterrupt" in err
        assert proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT, 1), (proc.returncode, err)
    else:
        assert proc.returncode == 0, err
        lines = out.splitlines()
        assert lines[0] == "interrupted" and lines[1].startswith("after ") and len(lines) == 2, (out, err)
    assert "Exception in thread" not in err
    assert err.count("Traceback") == (1 if mode == "uncaught" else 0), err


HANGING_CHILD = textwrap.dedent(
    """
    import socket, sys, dms_progress
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts (backlog) but never answers
    client = dms_progress.Client(endpoint="http://127.0.0.1:%d" % silent.getsockname()[1],
                                 project_id="p", ak="ak", sk="sk", timeout=60)
    print("calling", flush=True)
    client.get_progress("i", "t")
    """
)


def test_ctrl_c_interrupts_get_progress_stuck_on_a_silent_server(tmp_path):
    """An HTTP attempt in flight only ends by its own timeout; Ctrl-C must not wait for it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HANGING_CHILD],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=child_environment(),
    )
    try:
        assert proc.stdout.readline().strip() == "calling", proc.stderr.read()
        time.sleep(0.5)
        assert proc.poll() is None
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert elapsed < 1.5, f"took {elapsed:.2f}s to stop after SIGINT"
    assert "KeyboardInterrupt" in err and err.count("Traceback") == 1, err


def test_example_watch_script(emu, tmp_path):
    env = child_environment()
    env.update(HUAWEICLOUD_SDK_AK=emu.ak, HUAWEICLOUD_SDK_SK=emu.sk, HUAWEICLOUD_SDK_PROJECT_ID=emu.project_id)
    script = PACKAGE_ROOT / "examples" / "watch.py"
    run = subprocess.run(
        [sys.executable, str(script), emu.endpoint, INSTANCE, FINISHED],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("done: 100%")
    bad = subprocess.run(
        [sys.executable, str(script), emu.endpoint, INSTANCE, "no-such-task"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )
    assert bad.returncode == 1 and "HTTP 404" in bad.stderr and "request id" in bad.stderr


@pytest.mark.parametrize("on", ["main thread", "other thread"])
def test_close_from_another_thread_stops_a_running_wait_promptly(emu, on):
    """close() cancels the calls running on the client (they raise CancelledError), as Go's
    Close does, and frees nothing under them."""
    c = client_for(emu)
    polled = threading.Event()
    outcome: dict = {}

    def wait() -> None:
        try:
            c.wait(INSTANCE, LONG, interval=0.2, timeout=600, on_progress=lambda p: polled.set())
        except BaseException as e:  # noqa: B036 - handed to the test thread
            outcome["error"] = e
        outcome["returned"] = time.monotonic()

    def close_after_first_poll() -> None:
        assert polled.wait(10)
        outcome["closed"] = time.monotonic()
        c.close()

    if on == "main thread":
        closer = threading.Thread(target=close_after_first_poll)
        closer.start()
        wait()
        closer.join()
    else:
        waiter = threading.Thread(target=wait)
        waiter.start()
        close_after_first_poll()
        waiter.join(10)
        assert not waiter.is_alive()
    assert isinstance(outcome.get("error"), dms_progress.CancelledError), outcome
    assert outcome["returned"] - outcome["closed"] < 1.0
    assert c.closed
    with pytest.raises(dms_progress.Error, match="closed"):
        c.get_progress(INSTANCE, LONG)
    c.close()


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def _fds_and_threads() -> tuple:
    with open("/proc/self/status") as f:
        threads = next(int(line.split()[1]) for line in f if line.startswith("Threads:"))
    return len(os.listdir("/proc/self/fd")), threads


def test_100k_calls_leak_nothing(emu):
    """Memory, descriptors and threads stay flat over 100,000 calls on the main thread
    (where each call also swaps Python's wakeup descriptor) with progress copies kept alive
    one at a time."""
    with client_for(emu) as c:
        for _ in range(5_000):  # the pool, the allocator's arenas and the watcher settle
            c.get_progress(INSTANCE, LONG)
        gc.collect()
        rss, handles = _rss_kib(), _fds_and_threads()
        for _ in range(100_000):
            p = c.get_progress(INSTANCE, LONG)
        assert p.steps[0].status == "IN_PROGRESS"
        del p
        gc.collect()
        grown = _rss_kib() - rss
        assert _fds_and_threads() == handles
    # A leak of one progress per call (a few hundred bytes each) would be tens of MiB.
    assert grown < 4 * 1024, f"RSS grew by {grown} KiB over 100,000 calls"


SIGNAL_CHILD = textwrap.dedent(
    """
    import os, signal, sys, threading, time, dms_progress
    endpoint, project, ak, sk, instance, task = sys.argv[1:7]
    handled = []
    signal.signal(signal.SIGUSR1, lambda *_: handled.append(1))
    client = dms_progress.Client(endpoint=endpoint, project_id=project, ak=ak, sk=sk)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGUSR1)).start()
    started = time.monotonic()
    try:
        client.wait(instance, task, interval=0.05, timeout=1.0)
    except dms_progress.WaitTimeoutError as e:
        print("timed out", e.progress.percentage < 50, flush=True)
    # A fresh deadline after the signal would end the wait at 1.5 s or later.
    print("one deadline", time.monotonic() - started < 1.4, flush=True)
    print("handled", len(handled), flush=True)
    """
)


def test_a_signal_whose_handler_returns_restarts_the_call_within_its_deadline(emu, tmp_path):
    """As Python restarts an interrupted system call (PEP 475): the handler runs at once, the
    wait goes on, and its timeout still counts from the start."""
    run = subprocess.run(
        [sys.executable, "-c", SIGNAL_CHILD, emu.endpoint, emu.project_id, emu.ak, emu.sk, INSTANCE, LONG],
        capture_output=True, text=True, cwd=tmp_path, env=child_environment(), timeout=30,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["timed out True", "one deadline True", "handled 1"], run.stderr
