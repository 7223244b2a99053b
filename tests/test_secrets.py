"""The secrets sweep across processes: recognisable canaries for the SK, the security token
and the IAM token go in, every error path is run, and the canaries must appear nowhere:

- Python: API errors (a 401 from an emulator that holds other credentials), configuration
  errors, transport errors (a dead port), timeouts, a wait that times out, a failed task, a
  cancelled wait, refused arguments; ``str``/``repr``/args/attributes of every exception, of
  ``Client`` and of ``Progress``/``Step``; a gateway 401 that echoes the canonical request with
  ``x-security-token:TOKEN-CANARY-5d1e`` (and other ways a server may quote a token);
- the ``dms-progress`` CLI (stdout and stderr, ``--output json`` and text): 401, dead port,
  the echoing gateway, ``watch`` giving up, a configuration error, a success;
- ``dms-emulator``'s own request log (stderr) while it serves all of the above, and its stdout
  when it holds the canary SK itself;
- the Go example command ``dms-progress-go`` (``bindings/go/cmd/dms-progress-go``), linked
  here against the current native library (see ``go_binary``): 401, dead port, the quoting
  gateways, a configuration error, a success.

The Rust types are swept by ``crates/progress-ffi/tests/secrets.rs``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

import dms_progress
from emulator_harness import REPO_ROOT, Emulator, binary_path
from testkit import IAM, SK, TOKEN, assert_clean, running_emulator

AK = "CANARYAK"
PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "11111111-2222-3333-4444-555555555555"
LONG = "long0000000000000000000000000001"
FAILS = "fails000000000000000000000000002"
SCENARIO = {
    "project_id": PROJECT,
    "instances": [
        {
            "instance_id": INSTANCE,
            "tasks": [
                {"task_id": LONG, "steps": [{"name": "rolling_scaling", "seconds": 3600}]},
                {
                    "task_id": FAILS,
                    "steps": [
                        {"name": "pre_check", "seconds": 0.2},
                        {"name": "disk_expansion", "seconds": 0.3, "fails": True},
                        {"name": "rolling_scaling", "seconds": 5},
                    ],
                },
            ],
        }
    ],
}

CLI = REPO_ROOT / "target" / "debug" / "dms-progress"
GO_BIN = REPO_ROOT / "target" / "dms-progress-go"


@pytest.fixture(scope="module")
def other_emulator() -> Iterator[Emulator]:
    """Holds credentials other than the canaries: every canary request gets a 401."""
    yield from running_emulator(SCENARIO, ak="OTHERAK", sk="other-secret-key", iam_token="other-iam-token", quiet=False)


@pytest.fixture(scope="module")
def canary_emulator() -> Iterator[Emulator]:
    """Holds the canaries itself (SK and IAM token): canary requests succeed."""
    yield from running_emulator(SCENARIO, ak=AK, sk=SK, iam_token=IAM, quiet=False)


def dead_endpoint() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# --- a gateway that quotes what it was sent ------------------------------------------------


class QuotingGateway:
    """Answers every request with ``reply(headers)`` -> (status, body); ``headers`` maps
    lower-case names to the values the client sent."""

    def __init__(self, reply: Callable[[Dict[str, str]], "tuple[int, str]"]) -> None:
        self.reply = reply
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.endpoint = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                head = b""
                try:
                    while b"\r\n\r\n" not in head:
                        data = conn.recv(4096)
                        if not data:
                            break
                        head += data
                    lines = head.decode("latin-1").split("\r\n")[1:]
                    headers = {}
                    for line in lines:
                        if ":" in line:
                            name, value = line.split(":", 1)
                            headers[name.strip().lower()] = value.strip()
                    status, body = self.reply(headers)
                    raw = body.encode()
                    conn.sendall(
                        f"HTTP/1.1 {status} X\r\nX-Request-Id: rid-quote\r\nContent-Length: {len(raw)}\r\n"
                        f"Connection: close\r\n\r\n".encode() + raw
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self._sock.close()


def canonical_echo(h: Dict[str, str]) -> "tuple[int, str]":
    """APIGW.0301 as the real gateway words it: the canonical request it computed, `|` for
    newlines, signed header values (the security token) included."""
    signed = sorted(k for k in h if k in ("content-type", "host", "x-project-id", "x-sdk-date", "x-security-token"))
    canonical = "|".join(
        ["GET", f"/v2/{PROJECT}/instances/{INSTANCE}/tasks/{LONG}/progress/", ""]
        + [f"{k}:{h[k]}" for k in signed]
        + ["", ";".join(signed), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]
    )
    msg = f"Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest: {canonical}"
    return 401, json.dumps({"error_code": "APIGW.0301", "error_msg": msg})


def _sent_token(h: Dict[str, str]) -> str:
    return h.get("x-security-token") or h.get("x-auth-token") or ""


Reply = Callable[[Dict[str, str]], "tuple[int, str]"]

#: Ways a server may quote a token it was sent: (name, reply, for which credentials the
#: token lands in the error message, where it must then read ``<redacted>``).
QUOTES: List["tuple[str, Reply, frozenset]"] = [
    ("canonical", canonical_echo, frozenset({"aksk"})),  # only signed headers are echoed
    (
        "equals",
        lambda h: (401, json.dumps({"error_code": "APIGW.0307", "error_msg": f"token expired: X-Auth-Token={_sent_token(h)}"})),
        frozenset({"aksk", "iam"}),
    ),
    (
        "json",
        lambda h: (401, json.dumps({"code": "APIGW.0301", "message": json.dumps({"X-Security-Token": _sent_token(h)})})),
        frozenset({"aksk", "iam"}),
    ),
    (
        "encoded-403",
        lambda h: (403, json.dumps({"error_code": "DMS.403", "error_msg": "denied", "encoded_authorization_message": _sent_token(h)})),
        frozenset(),
    ),
    ("html-502", lambda h: (502, f"<html>upstream refused token {_sent_token(h)}</html>"), frozenset({"aksk", "iam"})),
]


@pytest.fixture
def canonical_gateway() -> Iterator[QuotingGateway]:
    gw = QuotingGateway(canonical_echo)
    yield gw
    gw.close()


# --- Python --------------------------------------------------------------------------------


def temporary_client(endpoint: str, **kw) -> dms_progress.Client:
    kw.setdefault("retries", 0)
    return dms_progress.Client(endpoint=endpoint, project_id=PROJECT, ak=AK, sk=SK, security_token=TOKEN, **kw)


def iam_client(endpoint: str, **kw) -> dms_progress.Client:
    kw.setdefault("retries", 0)
    return dms_progress.Client(endpoint=endpoint, project_id=PROJECT, iam_token=IAM, **kw)


def exception_texts(e: BaseException) -> List[str]:
    """Everything a program or a log could show of ``e``: str, repr, args, attributes, the
    formatted exception, and the same for what it was raised from."""
    texts = [str(e), repr(e), repr(e.args), "".join(traceback.format_exception_only(type(e), e))]
    texts += [f"{k}={v!r}" for k, v in vars(e).items()]
    # What a traceback shows: the cause, and the context unless suppressed (`from None`).
    for attr in ("code_name", "request_id", "status", "error_code", "error_msg", "progress", "step", "timed_out"):
        if hasattr(e, attr):
            texts.append(repr(getattr(e, attr)))
    progress = getattr(e, "progress", None)
    if progress is not None:
        texts += [str(progress)] + [repr(s) for s in progress.steps]
    for inner in (e.__cause__, None if e.__suppress_context__ else e.__context__):
        if inner is not None:
            texts += exception_texts(inner)
    return texts


def sweep_call(what: str, call: Callable[[], object], expected: type) -> BaseException:
    with pytest.raises(expected) as info:
        call()
    assert_clean(what, *exception_texts(info.value))
    return info.value


def test_python_api_errors_from_a_401(other_emulator):
    for make in (temporary_client, iam_client):
        with make(other_emulator.endpoint) as c:
            assert_clean("repr(Client)", repr(c), str(c))
            e = sweep_call("a 401", lambda: c.get_progress(INSTANCE, LONG), dms_progress.ApiError)
            assert e.status == 401 and e.error_code.startswith("APIGW."), e
            assert e.request_id


def test_python_gateway_echo_of_the_security_token(canonical_gateway):
    with temporary_client(canonical_gateway.endpoint) as c:
        e = sweep_call("a gateway echo", lambda: c.get_progress(INSTANCE, LONG), dms_progress.ApiError)
    assert "x-security-token:<redacted>" in e.error_msg, e.error_msg
    assert "x-project-id:" + PROJECT in e.error_msg, "the rest of the echo is kept"


@pytest.mark.parametrize("name,quote,shown_for", QUOTES, ids=[q[0] for q in QUOTES])
def test_python_tokens_quoted_in_any_form(name, quote, shown_for):
    gw = QuotingGateway(quote)
    try:
        for kind, make in (("aksk", temporary_client), ("iam", iam_client)):
            with make(gw.endpoint) as c:
                e = sweep_call(f"a token quoted ({name})", lambda: c.get_progress(INSTANCE, LONG), dms_progress.ApiError)
                if kind in shown_for:
                    assert "<redacted>" in e.error_msg and "<redacted>" in str(e), e
    finally:
        gw.close()


def test_python_transport_and_timeout_errors():
    for make in (temporary_client, iam_client):
        with make(dead_endpoint()) as c:
            e = sweep_call("connection refused", lambda: c.get_progress(INSTANCE, LONG), dms_progress.TransportError)
            assert not e.timed_out
            sweep_call(
                "a wait on a dead port",
                lambda: c.wait(INSTANCE, LONG, interval=0.1, timeout=0.5),
                dms_progress.WaitTimeoutError,
            )
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        for make in (temporary_client, iam_client):
            with make(endpoint, timeout=0.3) as c:
                e = sweep_call("a timeout", lambda: c.get_progress(INSTANCE, LONG), dms_progress.TransportError)
                assert e.timed_out


def test_python_configuration_errors(monkeypatch, tmp_path):
    e = endpoint = "https://dms.cn-north-4.myhuaweicloud.com"
    cases = [
        # an access key pair and an IAM token together
        lambda: dms_progress.Client(endpoint=e, project_id=PROJECT, ak=AK, sk=SK, iam_token=IAM),
        # half a pair
        lambda: dms_progress.Client(endpoint=e, project_id=PROJECT, sk=SK),
        # secrets that cannot cross into C
        lambda: dms_progress.Client(endpoint=e, project_id=PROJECT, ak=AK, sk=SK + "\x00"),
        lambda: dms_progress.Client(endpoint=e, project_id=PROJECT, ak=AK, sk=SK, security_token=TOKEN + "\x00"),
        lambda: dms_progress.Client(endpoint=e, project_id=PROJECT, iam_token=IAM + "\ud800"),
        # no project id anywhere
        lambda: dms_progress.Client(endpoint=e, ak=AK, sk=SK, security_token=TOKEN),
    ]
    for i, case in enumerate(cases):
        sweep_call(f"configuration case {i}", case, dms_progress.Error)

    # From the environment: the SK and the token without an access key.
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", SK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN)
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT)
    e1 = sweep_call("incomplete environment", lambda: dms_progress.Client(endpoint=endpoint), dms_progress.ConfigError)
    assert "HUAWEICLOUD_SDK_AK" in str(e1)
    for name in ("HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"):
        monkeypatch.delenv(name)

    # A profile file whose broken lines hold the secrets.
    profile = tmp_path / "credentials"
    profile.write_text(f"[basic]\nak = {AK}\nsk {SK}\nsecurity_token: {TOKEN}\n")
    monkeypatch.setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", str(profile))
    e2 = sweep_call("a broken profile file", lambda: dms_progress.Client(endpoint=endpoint), dms_progress.ConfigError)
    assert "line 3" in str(e2)

    # The same file, well-formed: the client works and shows no secret.
    profile.write_text(f"[basic]\nak = {AK}\nsk = {SK}\nsecurity_token = {TOKEN}\nproject_id = {PROJECT}\n")
    with dms_progress.Client(endpoint=endpoint) as c:
        assert c.access_key_id == AK
        assert_clean("a client from the profile file", repr(c), str(c), vars(c))


def test_python_success_paths_and_task_errors(canary_emulator):
    for make in (temporary_client, iam_client):
        with make(canary_emulator.endpoint) as c:
            assert_clean("Client", repr(c), str(c), vars(c))
            p = c.get_progress(INSTANCE, LONG)
            # The values are __slots__ classes: every slot of the progress and its steps.
            slots = [repr(getattr(x, n)) for x in (p, *p.steps) for n in type(x).__slots__]
            assert_clean("Progress", repr(p), str(p), *[repr(s) for s in p.steps], *slots)
            page = c.list_tasks(INSTANCE)
            found = c.running_expansion(INSTANCE)
            assert page.tasks and found.task is not None
            task_slots = [repr(getattr(t, n)) for t in page.tasks for n in type(t).__slots__]
            assert_clean("tasks", repr(page), repr(found), *[repr(t) for t in page.tasks], *task_slots)
            e = sweep_call(
                "a failed task",
                lambda: c.wait(INSTANCE, FAILS, interval=0.1, timeout=20),
                dms_progress.TaskFailedError,
            )
            assert e.step.name == "disk_expansion"
            e = sweep_call(
                "a wait timeout",
                lambda: c.wait(INSTANCE, LONG, interval=0.1, timeout=0.4),
                dms_progress.WaitTimeoutError,
            )
            assert e.progress is not None
            sweep_call(
                "a cancelled wait",
                lambda: c.wait(INSTANCE, LONG, interval=0.1, on_progress=lambda p: False),
                dms_progress.CancelledError,
            )
            sweep_call("a bad id", lambda: c.get_progress("a/b", LONG), dms_progress.InvalidArgumentError)
            sweep_call("a 404", lambda: c.get_progress("no-such-instance", LONG), dms_progress.ApiError)
        assert_clean("a closed Client", repr(c))
        sweep_call("a closed client", lambda: c.get_progress(INSTANCE, LONG), dms_progress.Error)


# --- the CLI -------------------------------------------------------------------------------


def cli_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUAWEICLOUD_SDK_")}
    env.update(
        HUAWEICLOUD_SDK_AK=AK,
        HUAWEICLOUD_SDK_SK=SK,
        HUAWEICLOUD_SDK_SECURITY_TOKEN=TOKEN,
        HUAWEICLOUD_SDK_PROJECT_ID=PROJECT,
    )
    env.update(extra)
    return env


def run_cli(args: List[str], env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    assert CLI.is_file(), f"{CLI} missing: `cargo build --workspace --bins` (scripts/test-all.sh does)"
    r = subprocess.run(
        [str(CLI), *args], env=env or cli_env(), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    assert_clean(f"dms-progress {' '.join(args)} (exit {r.returncode})", r.stdout, r.stderr)
    return r


def get_args(endpoint: str, output: str, task: str = LONG) -> List[str]:
    return ["get", "--endpoint", endpoint, "--instance-id", INSTANCE, "--task-id", task,
            "--output", output, "--retries", "0", "--timeout", "2"]  # fmt: skip


def test_cli_error_paths(other_emulator, canonical_gateway):
    dead = dead_endpoint()
    for output in ("text", "json"):
        r = run_cli(get_args(other_emulator.endpoint, output))
        assert r.returncode == 1 and "401" in r.stderr, r.stderr
        r = run_cli(get_args(dead, output))
        assert r.returncode == 1 and r.stderr, r.stderr
        r = run_cli(get_args(canonical_gateway.endpoint, output))
        assert r.returncode == 1 and "x-security-token:<redacted>" in r.stderr, r.stderr
        r = run_cli(
            ["watch", "--endpoint", dead, "--instance-id", INSTANCE, "--task-id", LONG, "--output", output,
             "--interval", "0.2", "--max-wait", "1", "--retries", "0"]
        )  # fmt: skip
        assert r.returncode == 4, r.stderr
    # A configuration error: the SK and the token without an access key.
    env = cli_env()
    del env["HUAWEICLOUD_SDK_AK"]
    r = run_cli(get_args(dead, "json"), env)
    assert r.returncode == 2 and "HUAWEICLOUD_SDK_AK" in r.stderr, r.stderr


def test_cli_tokens_quoted_in_any_form():
    for _name, quote, shown_for in QUOTES:
        gw = QuotingGateway(quote)
        try:
            for output in ("text", "json"):
                r = run_cli(get_args(gw.endpoint, output))
                assert r.returncode == 1, r.stderr
                if "aksk" in shown_for:
                    assert "<redacted>" in r.stderr, r.stderr
        finally:
            gw.close()


def test_cli_success_and_failed_task(canary_emulator):
    for output in ("text", "json"):
        r = run_cli(get_args(canary_emulator.endpoint, output))
        assert r.returncode == 0, r.stderr
        if output == "json":
            assert "steps" in json.loads(r.stdout)
    r = run_cli(
        ["watch", "--endpoint", canary_emulator.endpoint, "--instance-id", INSTANCE, "--task-id", FAILS,
         "--output", "json", "--interval", "0.2", "--max-wait", "20"]
    )  # fmt: skip
    assert r.returncode == 3, r.stderr


# --- the Go example binary -----------------------------------------------------------------


@pytest.fixture(scope="module")
def go_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go example command, linked here against the current target/release/libdms_progress.a.

    Not target/dms-progress-go as it is: the build cache "does not detect changes to C
    libraries imported with cgo" (`go help cache`), and a target/dms-progress-go linked against
    an older native library has been seen here. An `-X` linker flag carrying the library's hash
    makes the link itself new (a few seconds; the compiled packages still come from the cache).
    """
    go = shutil.which("go") or "/usr/local/go/bin/go"
    assert shutil.which(go), "no Go toolchain (go on PATH or /usr/local/go/bin/go)"
    lib = REPO_ROOT / "target" / "release" / "libdms_progress.a"
    assert lib.is_file(), f"{lib} missing: `cargo build --release -p progress-ffi` (scripts/test-all.sh does)"
    digest = hashlib.sha256(lib.read_bytes()).hexdigest()[:16]
    out = tmp_path_factory.mktemp("go") / GO_BIN.name
    r = subprocess.run(
        [go, "build", "-ldflags", f"-X main.nativeLibrarySHA256={digest}", "-o", str(out), "./cmd/dms-progress-go"],
        cwd=REPO_ROOT / "bindings" / "go", env=dict(os.environ, CGO_ENABLED="1"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, f"go build failed:\n{r.stderr}"
    return out


def run_go(binary: Path, endpoint: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    r = subprocess.run(
        [str(binary), "--endpoint", endpoint, "--project-id", PROJECT, "--instance-id", INSTANCE,
         "--task-id", LONG, "--timeout", "2s"],
        env=env or cli_env(), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert_clean(f"dms-progress-go against {endpoint} (exit {r.returncode})", r.stdout, r.stderr)
    return r


def test_go_example_binary(go_binary, other_emulator, canary_emulator, canonical_gateway):
    r = run_go(go_binary, other_emulator.endpoint)
    assert r.returncode == 1 and "401" in r.stderr, r.stderr
    r = run_go(go_binary, dead_endpoint())
    assert r.returncode == 1 and r.stderr, r.stderr
    r = run_go(go_binary, canonical_gateway.endpoint)
    assert r.returncode == 1 and "x-security-token:<redacted>" in r.stderr, r.stderr
    for _name, quote, shown_for in QUOTES:
        gw = QuotingGateway(quote)
        try:
            r = run_go(go_binary, gw.endpoint)
            assert r.returncode == 1, r.stderr
            if "aksk" in shown_for:
                assert "<redacted>" in r.stderr, r.stderr
        finally:
            gw.close()
    env = cli_env()
    del env["HUAWEICLOUD_SDK_AK"]
    r = run_go(go_binary, dead_endpoint(), env)
    assert r.returncode == 2, r.stderr
    r = run_go(go_binary, canary_emulator.endpoint)
    assert r.returncode == 0 and "progress:" in r.stdout, r.stderr


# --- the emulator's own log ----------------------------------------------------------------


def test_emulator_logs_show_no_secret(tmp_path):
    """Both emulators serve canary requests from Python and the CLI (401s, successes), then
    stop; their stderr (the request log) and stdout must hold no canary."""
    other = Emulator(SCENARIO, ak="OTHERAK", sk="other-secret-key", iam_token="other-iam-token", quiet=False).start()
    canary = Emulator(SCENARIO, ak=AK, sk=SK, iam_token=IAM, quiet=False).start()
    try:
        for emu in (other, canary):
            for make in (temporary_client, iam_client):
                with make(emu.endpoint) as c:
                    try:
                        c.get_progress(INSTANCE, LONG)
                    except dms_progress.ApiError:
                        pass
            run_cli(get_args(emu.endpoint, "json"))
            run_cli(get_args(emu.endpoint, "text"))
        time.sleep(0.2)
    finally:
        other.stop()
        canary.stop()
    for emu in (other, canary):
        assert emu.stderr.count("/progress ") >= 4, f"the request log is on:\n{emu.stderr}"
        assert_clean("dms-emulator's stderr", emu.stderr)
    assert " 401 " in other.stderr and " 200 " in canary.stderr

    # The emulator's stdout (its start-up line) when it holds the canary SK.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUAWEICLOUD_SDK_")}
    env.update(HUAWEICLOUD_SDK_AK=AK, HUAWEICLOUD_SDK_SK=SK, DMS_EMULATOR_IAM_TOKEN=IAM)
    r = subprocess.run([str(binary_path()), "--print-scenario"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    with Emulator(ak=AK, sk=SK, iam_token=IAM, quiet=False) as holder:
        assert holder.startup["ak"] == AK and holder.startup["sk"] is None, holder.startup
    assert_clean("dms-emulator's start-up output", holder.startup_line, holder.stderr, r.stdout)
