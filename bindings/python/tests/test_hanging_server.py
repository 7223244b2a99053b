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


def arm_on_main_thread(c: dms_progress.Client) -> None:
    """One main-thread call, refused before any request: it makes the process's one Ctrl-C
    pipe and the library's one watcher thread, which every later call reuses."""
    with pytest.raises(dms_progress.InvalidArgumentError):
        c.get_progress("", "t")


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
    """Ctrl-C cancels the call; its socket is gone within a second, and no thread is left
    but the process's one watcher (made by the first main-thread call, before the baseline)."""
    import _thread

    c = client(hanging_endpoint)
    arm_on_main_thread(c)
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


def test_a_main_thread_call_starts_no_thread(hanging_endpoint):
    """Ctrl-C reaches the native call through Python's wakeup descriptor, not a helper thread:
    while a main-thread call is blocked, the process has no thread more than before it (the
    timer below, which interrupts it, aside)."""
    import _thread

    c = client(hanging_endpoint)
    arm_on_main_thread(c)
    seen = []

    def look_then_interrupt() -> None:
        seen.append(threads())
        _thread.interrupt_main()

    before = threads()
    timer = threading.Timer(0.3, look_then_interrupt)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        c.get_progress("i", "t")
    timer.join()
    assert seen == [before + 1]  # + the timer's own thread
    c.close()


def test_the_gil_is_released_while_a_call_blocks(hanging_endpoint):
    """A call blocked in the library lets other Python threads run meanwhile."""
    c = client(hanging_endpoint)
    blocked = threading.Thread(target=lambda: pytest.raises(dms_progress.CancelledError, c.get_progress, "i", "t"))
    blocked.start()
    time.sleep(0.2)  # the call is now waiting for an answer that never comes
    # Pure Python work that needs the GIL throughout: it would not finish before the blocked
    # call's 30 s attempt timeout if that call held the GIL.
    total = 0
    for i in range(2_000_000):
        total += i
    assert total == 1_999_999_000_000
    assert blocked.is_alive(), "the call returned: it was not blocked, so this proved nothing"
    c.close()
    blocked.join(5)
    assert not blocked.is_alive()


def test_an_event_loops_wakeup_descriptor_is_kept_and_fed(hanging_endpoint):
    """A wakeup descriptor set before a call (asyncio sets one) is back in place after it, and
    a signal that arrived during the call reaches it too."""
    import signal
    import socket

    c = client(hanging_endpoint)
    arm_on_main_thread(c)
    theirs, ours = socket.socketpair()
    theirs.setblocking(False)
    ours.setblocking(False)
    handled = []
    previous_handler = signal.signal(signal.SIGUSR1, lambda *_: handled.append(1))
    previous_fd = signal.set_wakeup_fd(theirs.fileno())
    try:
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1))
        timer.start()
        closer = threading.Timer(0.8, c.close)
        closer.start()
        # The handler returns normally, so the call goes on (PEP 475) until close() ends it.
        with pytest.raises(dms_progress.CancelledError):
            c.get_progress("i", "t")
        timer.join()
        closer.join()
        assert handled == [1]
        assert signal.set_wakeup_fd(theirs.fileno()) == theirs.fileno()
        assert ours.recv(16) == bytes([signal.SIGUSR1])
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGUSR1, previous_handler)
        theirs.close()
        ours.close()
