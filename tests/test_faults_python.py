"""Translation tests: every result code of the C API becomes the right Python exception, with
every field it carries, through the installed package.

What misbehaving gateways do to a call (truncated and oversized bodies, resets, redirects,
Retry-After, trickling bodies, TLS) is proven once, where it is decided: in Rust
(``crates/progress-client/tests/faults.rs`` and ``tls.rs``). Python only translates, so
each test here produces one result code by its cheapest real cause and checks what the
package makes of it: the exception class, ``code`` / ``code_name``, the message (the
library's, never a secret), ``retryable``, ``request_id``, the API fields, the attached
progress. The one table itself is checked against the header by
``bindings/python/tests/test_error_table.py``; the translation of the package's own
arguments (``retries``, ``timeout``, ``ca_file``, ``insecure``) is checked here too, by what
reaches the wire.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import pytest

import dms_progress
from dms_progress import _error, _ffi
from testkit import SK, assert_clean, response_case

PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "11111111-2222-3333-4444-555555555555"
TASK = "ff8080818d1b2a3c018d1b2a3c4d0001"

RUNNING = response_case("progress-running")  # the healthy answer
RUNNING_PCT = RUNNING.expected["progress"]["percentage"]
FAILED = {
    "progress_percentage": 45,
    "step_list": [
        {"name": "pre_check", "status": "COMPLETED"},
        {"name": "disk_expansion", "status": "FAILED"},
        {"name": "rolling_scaling", "status": "WAITING"},
    ],
}


# --- a server that answers every request alike ----------------------------------------------


def response(status: int, body: bytes = b"", headers: Sequence[Tuple[str, str]] = ()) -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n"
    return head.encode() + b"\r\n" + body


def json_body(value: object) -> bytes:
    return json.dumps(value).encode()


def case_response(case) -> bytes:
    """A response case of testdata/ as the server sends it."""
    return response(case.status, case.body, case.headers)


def healthy() -> bytes:
    return case_response(RUNNING)


class Server:
    """Answers every request with the next of ``answers`` (the last one repeats), one
    connection per request, and records the request heads. With ``tls`` (one context per
    connection, the last repeating), it speaks HTTPS."""

    def __init__(self, answers: Sequence[bytes], tls: Sequence[ssl.SSLContext] = ()) -> None:
        self.answers = list(answers)
        self.tls = list(tls)
        self.connections = 0
        self.heads: List[bytes] = []
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.heads)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                index, self.connections = self.connections, self.connections + 1
            threading.Thread(target=self._serve, args=(sock, index), daemon=True).start()

    def _serve(self, sock: socket.socket, index: int) -> None:
        try:
            sock.settimeout(10)
            if self.tls:
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
                answer = self.answers[min(len(self.heads), len(self.answers) - 1)]
                self.heads.append(head)
            sock.sendall(answer)
        except OSError:
            pass
        finally:
            sock.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()


def client(endpoint: str, **kw) -> dms_progress.Client:
    kw.setdefault("retries", 0)
    return dms_progress.Client(endpoint=endpoint, project_id=PROJECT, ak="FAULTAK", sk=SK, **kw)


def assert_translated(e: dms_progress.Error, code: int, cls: type) -> None:
    """What every exception carries: its class, the C code and its name, a message."""
    assert type(e) is cls, type(e)
    assert e.code == code and e.code_name == _ffi.DMS_PROGRESS_RESULT_NAMES[code]
    assert e.message and str(e) == e.message
    assert_clean(f"the {cls.__name__}", str(e), repr(e), vars(e))


def dead_endpoint() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# --- one test per result code ----------------------------------------------------------------


def test_invalid_argument_names_the_argument_and_sends_nothing():
    with Server([healthy()]) as server, client(server.endpoint) as c:
        with pytest.raises(dms_progress.InvalidArgumentError) as info:
            c.get_progress(INSTANCE, "a/b")
        assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_INVALID_ARGUMENT, dms_progress.InvalidArgumentError)
        assert "task_id" in str(info.value) and not info.value.retryable
        assert isinstance(info.value, ValueError)
        # What C cannot carry is refused by the package itself, before any request too.
        for instance, task in [("a\x00b", TASK), (INSTANCE, "t\x00"), (INSTANCE, "x" * (1024 * 1024))]:
            with pytest.raises(dms_progress.InvalidArgumentError):
                c.get_progress(instance, task)
        assert server.requests == 0


def test_null_parameter_is_an_invalid_argument_naming_the_parameter():
    # The package never passes NULL; the C call shows what it would become.
    out = ctypes.POINTER(_ffi.dms_progress_progress)()
    with pytest.raises(dms_progress.InvalidArgumentError) as info:
        _error.call(_ffi.lib.dms_progress_client_get_progress, None, b"i", b"t", None, ctypes.byref(out))
    assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_NULL_PARAMETER, dms_progress.InvalidArgumentError)
    assert str(info.value) == "client is NULL"


def test_invalid_utf8_is_an_invalid_argument_naming_the_parameter():
    # The package always encodes UTF-8; the C call shows what a stray byte would become.
    config = _ffi.lib.dms_progress_config_new()
    try:
        with pytest.raises(dms_progress.InvalidArgumentError) as info:
            _error.call(_ffi.lib.dms_progress_config_set_endpoint, config, b"http://\xff")
    finally:
        _ffi.lib.dms_progress_config_free(config)
    assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_INVALID_UTF8, dms_progress.InvalidArgumentError)
    assert "endpoint is not valid UTF-8" in str(info.value)


def test_config_errors_carry_the_librarys_message():
    with pytest.raises(dms_progress.ConfigError) as info:
        dms_progress.Client(endpoint="http://127.0.0.1:1", project_id=PROJECT)
    assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_CONFIG, dms_progress.ConfigError)
    assert "HUAWEICLOUD_SDK_AK" in str(info.value)
    # Half an access key pair: the library's one rule, in its words.
    with pytest.raises(dms_progress.ConfigError) as info:
        dms_progress.Client(endpoint="http://127.0.0.1:1", project_id=PROJECT, ak="AK")
    assert "ak is set but sk is not" in str(info.value)
    with pytest.raises(dms_progress.ConfigError) as info:
        dms_progress.Client(endpoint="http://127.0.0.1:1", project_id=PROJECT, sk=SK)
    assert "sk is set but ak is not" in str(info.value)
    assert_clean("a half pair", str(info.value))


def test_transport_error_is_retryable_and_not_a_timeout():
    with client(dead_endpoint()) as c, pytest.raises(dms_progress.TransportError) as info:
        c.get_progress(INSTANCE, TASK)
    assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_TRANSPORT, dms_progress.TransportError)
    assert not info.value.timed_out and info.value.retryable and info.value.request_id is None


def test_timeout_is_a_transport_error_that_timed_out_within_the_given_timeout():
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with client(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3) as c:
            start = time.monotonic()
            with pytest.raises(dms_progress.TransportError) as info:
                c.get_progress(INSTANCE, TASK)
            assert time.monotonic() - start < 3
    assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_TIMEOUT, dms_progress.TransportError)
    assert info.value.timed_out and info.value.retryable


def test_api_error_carries_status_code_message_and_request_id():
    denied = response_case("error-apigw-401")
    with Server([case_response(denied)]) as server, client(server.endpoint) as c:
        with pytest.raises(dms_progress.ApiError) as info:
            c.get_progress(INSTANCE, TASK)
    e = info.value
    rid = denied.header("X-Request-Id")
    assert_translated(e, _ffi.DMS_PROGRESS_RESULT_API, dms_progress.ApiError)
    assert (e.status, e.error_code, e.request_id, e.retryable) == (401, "APIGW.0301", rid, False)
    assert "verify aksk signature fail" in e.error_msg
    assert rid in str(e) and "HTTP 401" in str(e)

    html = response_case("error-html-502")
    with Server([case_response(html)]) as server, client(server.endpoint) as c:
        with pytest.raises(dms_progress.ApiError) as info:
            c.get_progress(INSTANCE, TASK)
    e = info.value
    assert (e.status, e.error_code, e.error_msg, e.request_id, e.retryable) == (
        502, "502", html.body.decode(), html.header("X-Request-Id"), True,
    )


def test_decode_error_carries_the_request_id():
    html = response_case("progress-html-200")
    rid = html.header("X-Request-Id")
    with Server([case_response(html)]) as server:
        with client(server.endpoint, retries=2) as c, pytest.raises(dms_progress.DecodeError) as info:
            c.get_progress(INSTANCE, TASK)
        assert server.requests == 1
    assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_DECODE, dms_progress.DecodeError)
    assert info.value.request_id == rid and rid in str(info.value) and not info.value.retryable


def test_task_failed_carries_the_progress_and_the_failed_step():
    with Server([response(200, json_body(FAILED))]) as server, client(server.endpoint) as c:
        with pytest.raises(dms_progress.TaskFailedError) as info:
            c.wait(INSTANCE, TASK, interval=0.05, timeout=10)
    e = info.value
    assert_translated(e, _ffi.DMS_PROGRESS_RESULT_TASK_FAILED, dms_progress.TaskFailedError)
    assert e.step_index == 1 and e.step is not None and e.step.name == "disk_expansion"
    assert e.progress is not None and e.progress.percentage == 45 and e.progress.failed_step_index == 1
    assert [s.status for s in e.progress.steps] == ["COMPLETED", "FAILED", "WAITING"]
    assert "disk_expansion" in str(e)


def test_wait_timeout_carries_the_last_progress():
    with Server([healthy()]) as server, client(server.endpoint) as c:
        with pytest.raises(dms_progress.WaitTimeoutError) as info:
            c.wait(INSTANCE, TASK, interval=0.05, timeout=0.3)
    e = info.value
    assert_translated(e, _ffi.DMS_PROGRESS_RESULT_WAIT_TIMEOUT, dms_progress.WaitTimeoutError)
    assert isinstance(e, TimeoutError)
    assert e.progress is not None and e.progress.percentage == RUNNING_PCT
    assert e.progress.current_step_index == RUNNING.expected["progress"]["current_step"]


def test_cancelled_when_on_progress_returns_false():
    with Server([healthy()]) as server, client(server.endpoint) as c:
        with pytest.raises(dms_progress.CancelledError) as info:
            c.wait(INSTANCE, TASK, interval=0.05, timeout=10, on_progress=lambda p: False)
        assert server.requests == 1
    assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_CANCELLED, dms_progress.CancelledError)


def test_panic_is_an_internal_error():
    # The library has no way to panic on purpose; what the package does with the code is
    # all there is to check (the table test checks the mapping against the header).
    with pytest.raises(dms_progress.InternalError) as info:
        _error.check(_ffi.DMS_PROGRESS_RESULT_PANIC, None)
    assert info.value.code == _ffi.DMS_PROGRESS_RESULT_PANIC
    assert info.value.code_name == "DMS_PROGRESS_RESULT_PANIC"


# --- what the package's own arguments become ------------------------------------------------


def test_a_progress_is_translated_field_by_field():
    body = json_body(
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
    )
    with Server([response(200, body)]) as server, client(server.endpoint) as c:
        p = c.get_progress(INSTANCE, TASK)
    assert (p.percentage, p.remain_time, p.is_complete) == (70, None, False)
    assert (p.failed_step_index, p.current_step_index) == (None, None)
    a, b, cstep = p.steps
    assert a.status == "COMPLETED" and a.status.is_known
    assert a.start_time == dt.datetime(2025, 11, 17, 3, 27, 47, 752000, tzinfo=dt.timezone.utc)
    assert a.end_time is None and a.end_time_text is None
    assert b.status == "ROLLING_BACK" and not b.status.is_known
    assert (b.start_time, b.start_time_text) == (None, "yesterday")
    assert cstep.status == "" and cstep.start_time is None


def test_retries_reach_the_library():
    answers = [response(503), response(503), healthy()]
    with Server(answers) as server, client(server.endpoint, retries=0) as c:
        with pytest.raises(dms_progress.ApiError) as info:
            c.get_progress(INSTANCE, TASK)
        assert (info.value.status, info.value.retryable, server.requests) == (503, True, 1)
    with Server(answers) as server, client(server.endpoint, retries=2) as c:
        assert c.get_progress(INSTANCE, TASK).percentage == RUNNING_PCT
        assert server.requests == 3


def _self_signed(directory: Path, name: str) -> Tuple[Path, Path]:
    """A self-signed certificate for the name ``localhost``: (cert.pem, key.pem), made with
    the ``cryptography`` package (scripts/requirements-test.txt), else ``openssl``."""
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
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_ca_file_and_insecure_reach_the_library(tmp_path: Path):
    contexts = {}
    for name in ("trusted", "stranger"):
        cert, key = _self_signed(tmp_path, name)
        contexts[name] = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        contexts[name].load_cert_chain(str(cert), str(key))
    trusted_cert = tmp_path / "trusted-cert.pem"
    with Server([healthy()], tls=[contexts["trusted"]]) as server:
        endpoint = f"https://localhost:{server.port}"
        with client(endpoint) as c, pytest.raises(dms_progress.TransportError) as info:
            c.get_progress(INSTANCE, TASK)
        assert_translated(info.value, _ffi.DMS_PROGRESS_RESULT_TRANSPORT, dms_progress.TransportError)
        assert not info.value.retryable, "a refused certificate is not worth a retry"
        assert server.requests == 0
        with client(endpoint, insecure=True) as c:
            assert c.get_progress(INSTANCE, TASK).percentage == RUNNING_PCT
    # The first connection presents a certificate the CA file does not vouch for, the next
    # ones the trusted one: the same client fails once, then works.
    with Server([healthy()], tls=[contexts["stranger"], contexts["trusted"]]) as server:
        with client(f"https://localhost:{server.port}", ca_file=trusted_cert) as c:
            with pytest.raises(dms_progress.TransportError):
                c.get_progress(INSTANCE, TASK)
            assert c.get_progress(INSTANCE, TASK).percentage == RUNNING_PCT
            assert server.requests == 1
