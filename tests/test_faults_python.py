"""The fault matrix through the Python package: misbehaving gateways give a typed exception
(or a correct retry) within the configured deadline, and the same ``Client`` object keeps
working against a healthy answer afterwards.

The Rust twin is ``crates/progress-client/tests/faults.rs`` and ``tls.rs``. Here a scripted
server (a thread per connection over plain sockets, optionally TLS) plays one behaviour per
connection; the last behaviour of its script repeats, so a script ``[fault, ok]`` answers the
first attempt with the fault and everything after it healthily. Every response says
``Connection: close``, so one attempt is one connection.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import pytest

import dms_progress
from testkit import SK, assert_clean, response_case

PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "11111111-2222-3333-4444-555555555555"
TASK = "ff8080818d1b2a3c018d1b2a3c4d0001"

RUNNING = response_case("progress-running")  # the healthy answer
OK_BODY = RUNNING.body


# --- the scripted server -------------------------------------------------------------------

Behaviour = Callable[["Connection"], None]


class Connection:
    """One accepted connection: the request head already read, the socket to answer on."""

    def __init__(self, sock: socket.socket, head: bytes, stop: threading.Event) -> None:
        self.sock = sock
        self.head = head
        self.stop = stop

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False


def response(status: int, body: bytes = b"", headers: Sequence[Tuple[str, str]] = (), reason: str = "X") -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n"
    return head.encode() + b"\r\n" + body


def respond(status: int, body: bytes = b"", headers: Sequence[Tuple[str, str]] = ()) -> Behaviour:
    return lambda c: c.send(response(status, body, headers))


def ok() -> Behaviour:
    return respond(RUNNING.status, OK_BODY, RUNNING.headers)


def truncated(declared: int = 500, sent: int = 20) -> Behaviour:
    def play(c: Connection) -> None:
        c.send(f"HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n".encode() + OK_BODY[:sent])

    return play


def huge(length: int) -> Behaviour:
    """A 200 promising ``length`` bytes, written 64 KiB at a time until the peer stops reading."""

    def play(c: Connection) -> None:
        if not c.send(f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n".encode()):
            return
        chunk = b" " * (64 * 1024)
        left = length
        while left > 0 and not c.stop.is_set():
            n = min(left, len(chunk))
            if not c.send(chunk[:n]):
                return
            left -= n

    return play


def trickle(every: float) -> Behaviour:
    """Headers at once, then the body one byte per ``every`` seconds."""

    def play(c: Connection) -> None:
        if not c.send(f"HTTP/1.1 200 OK\r\nContent-Length: {len(OK_BODY)}\r\nConnection: close\r\n\r\n".encode()):
            return
        for i in range(len(OK_BODY)):
            if c.stop.wait(every) or not c.send(OK_BODY[i : i + 1]):
                return

    return play


def delay_headers(seconds: float) -> Behaviour:
    def play(c: Connection) -> None:
        if not c.stop.wait(seconds):
            c.send(response(200, OK_BODY))

    return play


def reset() -> Behaviour:
    """Closes with a TCP RST (SO_LINGER 0) instead of answering."""

    def play(c: Connection) -> None:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.sock.close()

    return play


class ScriptedServer:
    """Plays ``script`` one connection at a time (the last entry repeats) and records every
    connection and request head it received. With ``tls``, a list of ``ssl.SSLContext``
    (again one per connection, the last repeating), it speaks HTTPS."""

    def __init__(self, script: Sequence[Behaviour], tls: Optional[Sequence[ssl.SSLContext]] = None) -> None:
        self.script = list(script)
        self.tls = list(tls) if tls else None
        self.heads: List[bytes] = []
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.heads)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                index = self.connections
                self.connections += 1
            threading.Thread(target=self._serve, args=(sock, index), daemon=True).start()

    def _serve(self, sock: socket.socket, index: int) -> None:
        try:
            sock.settimeout(10)
            if self.tls is not None:
                try:
                    sock = self.tls[min(index, len(self.tls) - 1)].wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client refused our certificate
            head = b""
            while b"\r\n\r\n" not in head:
                data = sock.recv(4096)
                if not data:
                    return
                head += data
            with self._lock:
                self.heads.append(head)
            self.script[min(index, len(self.script) - 1)](Connection(sock, head, self._stop))
            # Let the client read what we sent before the close.
            try:
                sock.settimeout(0.05)
                sock.recv(64)
            except OSError:
                pass
        except OSError:
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def __enter__(self) -> "ScriptedServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def client(endpoint: str, *, retries: int = 0, timeout: float = 5.0, **kw) -> dms_progress.Client:
    return dms_progress.Client(
        endpoint=endpoint, project_id=PROJECT, ak="FAULTAK", sk=SK, retries=retries, timeout=timeout, **kw
    )


def assert_healthy(c: dms_progress.Client) -> None:
    """The same client object answers correctly after the fault."""
    p = c.get_progress(INSTANCE, TASK)
    want = RUNNING.expected["progress"]
    assert p.percentage == want["percentage"] and p.remain_time == want["remain_time"]
    assert [s.name for s in p.steps] == [s["name"] for s in want["steps"]]


# --- the matrix ----------------------------------------------------------------------------


def test_truncated_body_is_a_transport_error():
    with ScriptedServer([truncated(declared=500, sent=20), ok()]) as server, client(server.endpoint) as c:
        with pytest.raises(dms_progress.TransportError) as info:
            c.get_progress(INSTANCE, TASK)
        assert not info.value.timed_out
        assert info.value.code_name == "DMS_PROGRESS_RESULT_TRANSPORT"
        assert_healthy(c)


def _memory_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} missing from /proc/self/status")


def test_64_mib_body_is_refused_at_the_limit_with_bounded_memory():
    rss_before = _memory_kib("VmRSS")
    # Reset the peak (VmHWM) so that it measures this test only; on kernels that refuse, the
    # lifetime peak is still an upper bound of this test's.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with ScriptedServer([huge(64 * 1024 * 1024), ok()]) as server, client(server.endpoint, timeout=20) as c:
        start = time.monotonic()
        with pytest.raises(dms_progress.TransportError) as info:
            c.get_progress(INSTANCE, TASK)
        assert time.monotonic() - start < 15
        assert "1048576" in str(info.value), str(info.value)
        assert not info.value.timed_out
        assert info.value.code_name == "DMS_PROGRESS_RESULT_TRANSPORT"
        peak = _memory_kib("VmHWM")
        rss_after = _memory_kib("VmRSS")
        assert_healthy(c)
    grew_mb = (peak - rss_before) / 1024
    assert grew_mb < 100, f"peak RSS grew by {grew_mb:.0f} MB while a 64 MiB body was refused"
    assert (rss_after - rss_before) / 1024 < 100
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before) / 1024 < 100


def test_non_json_200_is_a_decode_error_with_the_request_id():
    html = response_case("progress-html-200")
    script = [respond(html.status, html.body, html.headers), ok()]
    with ScriptedServer(script) as server, client(server.endpoint, retries=2) as c:
        with pytest.raises(dms_progress.DecodeError) as info:
            c.get_progress(INSTANCE, TASK)
        assert info.value.request_id == html.header("X-Request-Id")
        assert info.value.code_name == "DMS_PROGRESS_RESULT_DECODE"
        assert html.header("X-Request-Id") in str(info.value)
        assert server.requests == 1, "a decode error is not retried"
        assert_healthy(c)


def test_html_502_is_an_api_error_with_the_raw_text():
    html = response_case("error-html-502")
    with ScriptedServer([respond(html.status, html.body, html.headers), ok()]) as server:
        with client(server.endpoint) as c:
            with pytest.raises(dms_progress.ApiError) as info:
                c.get_progress(INSTANCE, TASK)
            e = info.value
            assert (e.status, e.error_code, e.error_msg) == (502, "502", html.body.decode())
            assert e.code_name == "DMS_PROGRESS_RESULT_API"
            assert_healthy(c)


def test_503_twice_then_200_fails_without_retries_and_succeeds_with_two():
    def script():
        return [respond(503), respond(503), ok()]

    with ScriptedServer(script()) as server, client(server.endpoint, retries=0) as c:
        with pytest.raises(dms_progress.ApiError) as info:
            c.get_progress(INSTANCE, TASK)
        assert info.value.status == 503
        assert info.value.code_name == "DMS_PROGRESS_RESULT_API"
        assert server.requests == 1
        with pytest.raises(dms_progress.ApiError):
            c.get_progress(INSTANCE, TASK)  # the second 503
        assert_healthy(c)

    with ScriptedServer(script()) as server, client(server.endpoint, retries=2) as c:
        assert c.get_progress(INSTANCE, TASK).percentage == 40
        assert server.requests == 3
        dates = [h for head in server.heads for h in head.lower().split(b"\r\n") if h.startswith(b"x-sdk-date:")]
        assert len(dates) == 3, "every attempt is signed"
        assert_healthy(c)


def test_429_with_retry_after_waits_and_succeeds():
    script = [respond(429, b"{}", [("Retry-After", "1")]), ok()]
    with ScriptedServer(script) as server, client(server.endpoint, retries=2) as c:
        start = time.monotonic()
        assert c.get_progress(INSTANCE, TASK).percentage == 40
        elapsed = time.monotonic() - start
        assert elapsed >= 1.0, f"Retry-After: 1 not honoured (retried after {elapsed:.3f}s)"
        assert elapsed < 5.0
        assert server.requests == 2
        assert_healthy(c)


def test_302_to_another_server_is_not_followed():
    with ScriptedServer([ok()]) as elsewhere:
        location = f"{elsewhere.endpoint}/v2/{PROJECT}/instances/{INSTANCE}/tasks/{TASK}/progress"
        with ScriptedServer([respond(302, b"", [("Location", location)]), ok()]) as server:
            with client(server.endpoint, retries=2) as c:
                with pytest.raises(dms_progress.ApiError) as info:
                    c.get_progress(INSTANCE, TASK)
                assert info.value.status == 302
                assert info.value.code_name == "DMS_PROGRESS_RESULT_API"
                assert server.requests == 1, "a redirect is neither followed nor retried"
                assert_healthy(c)
        time.sleep(0.1)
        assert elsewhere.connections == 0, "the redirect target received a connection"


def test_connection_reset_is_a_transport_error_and_is_retried():
    with ScriptedServer([reset(), ok()]) as server, client(server.endpoint, retries=0) as c:
        with pytest.raises(dms_progress.TransportError) as info:
            c.get_progress(INSTANCE, TASK)
        assert not info.value.timed_out
        assert info.value.code_name == "DMS_PROGRESS_RESULT_TRANSPORT"
        assert_healthy(c)
    with ScriptedServer([reset(), ok()]) as server, client(server.endpoint, retries=1) as c:
        assert c.get_progress(INSTANCE, TASK).percentage == 40
        assert server.requests == 2


def test_body_trickling_one_byte_per_second_hits_the_attempt_timeout():
    with ScriptedServer([trickle(1.0), ok()]) as server, client(server.endpoint, timeout=1.0) as c:
        start = time.monotonic()
        with pytest.raises(dms_progress.TransportError) as info:
            c.get_progress(INSTANCE, TASK)
        elapsed = time.monotonic() - start
        assert info.value.timed_out, str(info.value)
        assert info.value.code_name == "DMS_PROGRESS_RESULT_TIMEOUT"
        assert elapsed < 4.0, f"took {elapsed:.1f}s with timeout=1"
        assert_healthy(c)


def test_headers_delayed_30_seconds_hit_the_attempt_timeout():
    with ScriptedServer([delay_headers(30.0), ok()]) as server, client(server.endpoint, timeout=1.0) as c:
        start = time.monotonic()
        with pytest.raises(dms_progress.TransportError) as info:
            c.get_progress(INSTANCE, TASK)
        elapsed = time.monotonic() - start
        assert info.value.timed_out, str(info.value)
        assert info.value.code_name == "DMS_PROGRESS_RESULT_TIMEOUT"
        assert elapsed < 4.0, f"took {elapsed:.1f}s with timeout=1"
        assert_healthy(c)


def test_odd_but_valid_shape_decodes():
    body = json.dumps(
        {
            "progress_percentage": "70",
            "remain_time": None,
            "unknown_field": {"x": 1},
            "step_list": [
                {"name": "a", "status": "COMPLETED", "start_time": "1763350067752", "end_time": None},
                {"name": "b", "statue": "ROLLING_BACK", "start_time": "yesterday"},
                {"name": "c", "statue": None, "start_time": None},
            ],
        }
    ).encode()
    with ScriptedServer([respond(200, body), ok()]) as server, client(server.endpoint) as c:
        p = c.get_progress(INSTANCE, TASK)
        assert (p.percentage, p.remain_time, p.is_complete) == (70, None, False)
        a, b, cstep = p.steps
        assert a.status == "COMPLETED" and a.status.is_known
        assert a.start_time == dt.datetime(2025, 11, 17, 3, 27, 47, 752000, tzinfo=dt.timezone.utc)
        assert a.end_time is None and a.end_time_text is None
        assert b.status == "ROLLING_BACK" and not b.status.is_known
        assert (b.start_time, b.start_time_text) == (None, "yesterday")
        assert cstep.status == "" and cstep.start_time is None
        assert_healthy(c)


def test_apigw_401_carries_code_and_request_id():
    denied = response_case("error-apigw-401")
    with ScriptedServer([respond(denied.status, denied.body, denied.headers), ok()]) as server:
        with client(server.endpoint, retries=2) as c:
            with pytest.raises(dms_progress.ApiError) as info:
                c.get_progress(INSTANCE, TASK)
            e = info.value
            rid = denied.header("X-Request-Id")
            assert (e.status, e.error_code, e.request_id) == (401, "APIGW.0301", rid)
            assert e.code_name == "DMS_PROGRESS_RESULT_API"
            assert "verify aksk signature fail" in e.error_msg
            assert rid in str(e)
            assert_clean("a 401", f"{e} {e!r} {e.error_msg}")
            assert server.requests == 1, "a 401 is not retried"
            assert_healthy(c)


def test_connection_refused_is_a_transport_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with client(f"http://127.0.0.1:{port}") as c, pytest.raises(dms_progress.TransportError) as info:
        c.get_progress(INSTANCE, TASK)
    assert not info.value.timed_out
    assert info.value.code_name == "DMS_PROGRESS_RESULT_TRANSPORT"


def test_ids_with_nul_characters_are_refused_before_any_request():
    with ScriptedServer([ok()]) as server, client(server.endpoint) as c:
        for instance, task in [("a\x00b", TASK), (INSTANCE, "t\x00"), (INSTANCE, "x" * (1024 * 1024))]:
            with pytest.raises(dms_progress.InvalidArgumentError):
                c.get_progress(instance, task)
        assert server.connections == 0
        assert_healthy(c)


# --- TLS -----------------------------------------------------------------------------------


def _self_signed(directory: Path, name: str) -> Tuple[Path, Path]:
    """A self-signed certificate for the name ``localhost`` only: (cert.pem, key.pem).

    Made with the ``cryptography`` package (scripts/requirements-test.txt), else with the
    ``openssl`` command; with neither the test fails, it does not skip.
    """
    cert_path, key_path = directory / f"{name}-cert.pem", directory / f"{name}-key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        openssl = shutil.which("openssl")
        assert openssl, "need the cryptography package (scripts/requirements-test.txt) or openssl"
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key_path), "-out", str(cert_path), "-days", "2", "-subj", f"/CN={name}",
             "-addext", "subjectAltName=DNS:localhost",
             "-addext", "basicConstraints=critical,CA:FALSE"],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("tls")
    return {name: _self_signed(d, name) for name in ("trusted", "stranger")}


def test_tls_self_signed_certificate_is_refused_by_default(certificates):
    ctx = _server_context(*certificates["trusted"])
    with ScriptedServer([ok()], tls=[ctx]) as server:
        with client(f"https://localhost:{server.port}") as c:
            for _ in range(2):  # refused every time, consistently
                with pytest.raises(dms_progress.TransportError) as info:
                    c.get_progress(INSTANCE, TASK)
                assert not info.value.timed_out
                assert info.value.code_name == "DMS_PROGRESS_RESULT_TRANSPORT"
        assert server.requests == 0, "no request was sent over an unverified connection"


def test_tls_accepted_with_ca_file_and_usable_after_a_refused_certificate(certificates):
    trusted, stranger = (_server_context(*certificates[n]) for n in ("trusted", "stranger"))
    ca_file = certificates["trusted"][0]
    # First connection presents a certificate the CA file does not vouch for, the next ones
    # the trusted one: the same client fails once, then works.
    with ScriptedServer([ok()], tls=[stranger, trusted]) as server:
        with client(f"https://localhost:{server.port}", ca_file=str(ca_file)) as c:
            with pytest.raises(dms_progress.TransportError):
                c.get_progress(INSTANCE, TASK)
            assert_healthy(c)
            assert server.requests == 1
    # The name must match too: the certificate names localhost, not 127.0.0.1.
    with ScriptedServer([ok()], tls=[trusted]) as server:
        with client(f"https://127.0.0.1:{server.port}", ca_file=ca_file) as c:
            with pytest.raises(dms_progress.TransportError):
                c.get_progress(INSTANCE, TASK)
        assert server.requests == 0


def test_tls_accepted_with_insecure(certificates):
    ctx = _server_context(*certificates["stranger"])
    with ScriptedServer([ok()], tls=[ctx]) as server:
        with client(f"https://localhost:{server.port}", insecure=True) as c:
            assert_healthy(c)
            assert_healthy(c)
