"""Calls cut short against a server that accepts connections and never answers leave nothing
behind: once they have returned, the process's threads and file descriptors are back to what
they were before them, within a second.

The server runs in a child process, so that only the client's own sockets are counted here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Callable, List, Tuple

import pytest

import dms_progress

SERVER = """
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])  # held open, never read, never answered
"""


@pytest.fixture(scope="module")
def hanging_endpoint():
    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        yield f"http://127.0.0.1:{int(proc.stdout.readline())}"
    finally:
        proc.kill()
        proc.wait()


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def threads() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))


def settles(baseline: tuple, within: float = 1.0) -> tuple:
    """The (fds, threads) once they are back at `baseline`, or after `within` seconds."""
    deadline = time.monotonic() + within
    while (now := (fds(), threads())) != baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    return now


def client(endpoint: str) -> dms_progress.Client:
    # The attempt timeout stays the library's default, far longer than these tests: only the
    # cancel reaching the socket can end the calls this soon.
    return dms_progress.Client(endpoint=endpoint, project_id="p", ak="AK", sk="SK")


def run_in_threads(n: int, call: Callable[[], None]) -> Tuple[List[BaseException], List[threading.Thread]]:
    errors: List[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as e:  # noqa: B036 - collected for the test
            errors.append(e)

    workers = [threading.Thread(target=run) for _ in range(n)]
    for w in workers:
        w.start()
    time.sleep(0.3)  # every call connected, its request sent, no answer coming
    return errors, workers


def test_calls_cancelled_by_close_leave_no_thread_or_socket(hanging_endpoint):
    c = client(hanging_endpoint)
    baseline = (fds(), threads())
    errors, workers = run_in_threads(8, lambda: c.get_progress("i", "t"))
    assert fds() >= baseline[0] + 8
    closed = time.monotonic()
    c.close()
    for w in workers:
        w.join(5)
    returned = time.monotonic()
    assert returned - closed < 1.0
    assert len(errors) == 8 and all(isinstance(e, dms_progress.CancelledError) for e in errors), errors
    assert settles(baseline) == baseline


def test_a_call_interrupted_on_the_main_thread_leaves_nothing_once_it_returns(hanging_endpoint):
    """Ctrl-C cancels the call running in the worker thread; that thread and its socket are
    gone within a second."""
    import _thread

    c = client(hanging_endpoint)
    baseline = (fds(), threads())
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    interrupted = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        c.get_progress("i", "t")
    assert time.monotonic() - interrupted < 1.5
    timer.join()
    assert settles(baseline) == baseline
    c.close()
