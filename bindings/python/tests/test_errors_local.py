"""Errors that need a server the emulator cannot imitate (shapes, bodies, dead ports), and
everything refused before a request is made."""

from __future__ import annotations

import json
import socket

import pytest

import dms_progress
from localserver import json_reply

PROJECT = "0123456789abcdef0123456789abcdef"
SK = "never-show-this-secret-key"
TOKEN = "never-show-this-security-token"


def client(endpoint: str, **kw) -> dms_progress.Client:
    kw.setdefault("retries", 0)
    return dms_progress.Client(endpoint=endpoint, project_id=PROJECT, ak="AK", sk=SK, **kw)


@pytest.mark.parametrize(
    "body,code,msg",
    [
        ({"error_code": "DMS.00404022", "error_msg": "instance does not exist"}, "DMS.00404022", "instance does not exist"),
        ({"errorCode": "APIGW.0101", "errorMsg": "API not found"}, "APIGW.0101", "API not found"),
        ({"error": {"code": "DMS.00400062", "message": "invalid parameter"}}, "DMS.00400062", "invalid parameter"),
        (b"<html>bad gateway</html>", "404", "<html>bad gateway</html>"),
    ],
)
def test_api_error_shapes(local_server, body, code, msg):
    local_server.reply = json_reply(404, body, request_id="req-404-abc")
    with client(local_server.endpoint) as c, pytest.raises(dms_progress.ApiError) as info:
        c.get_progress("i", "t")
    e = info.value
    assert (e.status, e.error_code, e.error_msg, e.request_id) == (404, code, msg, "req-404-abc")
    assert "req-404-abc" in str(e) and "404" in str(e)
    assert isinstance(e, dms_progress.Error)


def test_5xx_is_retried_then_reported(local_server):
    local_server.reply = json_reply(503, {"error_code": "DMS.5000", "error_msg": "busy"})
    with client(local_server.endpoint, retries=1) as c, pytest.raises(dms_progress.ApiError) as info:
        c.get_progress("i", "t")
    assert info.value.status == 503
    assert len(local_server.requests) == 2


def test_undecodable_200_is_a_decode_error(local_server):
    local_server.reply = json_reply(200, b"[1, 2, 3]", request_id="req-decode")
    with client(local_server.endpoint) as c, pytest.raises(dms_progress.DecodeError) as info:
        c.get_progress("i", "t")
    assert info.value.request_id == "req-decode"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_a_transport_error():
    with client(f"http://127.0.0.1:{free_port()}") as c, pytest.raises(dms_progress.TransportError) as info:
        c.get_progress("i", "t")
    assert not info.value.timed_out
    assert SK not in str(info.value)


def test_timeout_is_a_transport_error():
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        with client(f"http://127.0.0.1:{port}", timeout=0.3) as c, pytest.raises(dms_progress.TransportError) as info:
            c.get_progress("i", "t")
    assert info.value.timed_out


BAD_IDS = ["", "a/b", "a?b", "a#b", "a%2Fb", "a b", " a", "a\nb", "a\tb", "x" * 129, "a\0b", "a\ud800b", 42, None, b"bytes"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=[repr(b)[:20] for b in BAD_IDS])
@pytest.mark.parametrize("which", ["instance_id", "task_id"])
def test_bad_ids_are_refused_before_any_request(local_server, which, bad):
    ids = {"instance_id": "11111111-2222-3333-4444-555555555555", "task_id": "t1"}
    ids[which] = bad
    with client(local_server.endpoint) as c:
        with pytest.raises(dms_progress.InvalidArgumentError) as info:
            c.get_progress(ids["instance_id"], ids["task_id"])
        assert isinstance(info.value, ValueError)
        assert which in str(info.value)
        with pytest.raises(dms_progress.InvalidArgumentError):
            c.wait(ids["instance_id"], ids["task_id"], interval=0.1, timeout=1)
    assert local_server.requests == []


def test_bad_ids_are_refused_even_when_the_endpoint_is_dead():
    with client(f"http://127.0.0.1:{free_port()}") as c, pytest.raises(dms_progress.InvalidArgumentError):
        c.get_progress("a/b", "t")


@pytest.mark.parametrize("kw", [{"interval": 0}, {"interval": -1}, {"timeout": 0}, {"timeout": float("nan")}, {"interval": "5"}])
def test_bad_wait_arguments(local_server, kw):
    with client(local_server.endpoint) as c, pytest.raises(dms_progress.InvalidArgumentError):
        c.wait("i", "t", **kw)
    assert local_server.requests == []


@pytest.mark.parametrize(
    "kw,exc",
    [
        ({"endpoint": "ftp://x"}, dms_progress.InvalidArgumentError),
        ({"endpoint": "http://"}, dms_progress.InvalidArgumentError),
        ({"region": "xx-nowhere-9"}, dms_progress.InvalidArgumentError),
        ({"endpoint": "http://127.0.0.1:1", "timeout": 0}, dms_progress.InvalidArgumentError),
        ({"endpoint": "http://127.0.0.1:1", "retries": -1}, dms_progress.InvalidArgumentError),
        ({"endpoint": "http://127.0.0.1:1", "project_id": "a/b"}, dms_progress.InvalidArgumentError),
        ({"endpoint": "http://127.0.0.1:1", "ca_file": "/nonexistent/ca.pem"}, dms_progress.ConfigError),
        ({}, dms_progress.ConfigError),
    ],
)
def test_bad_configuration(kw, exc):
    kw.setdefault("project_id", PROJECT)
    with pytest.raises(exc) as info:
        dms_progress.Client(ak="AK", sk=SK, **kw)
    assert SK not in str(info.value)


def test_no_credentials_anywhere_is_a_config_error():
    with pytest.raises(dms_progress.ConfigError) as info:
        dms_progress.Client(endpoint="http://127.0.0.1:1", project_id=PROJECT)
    assert "HUAWEICLOUD_SDK_AK" in str(info.value) or "credentials" in str(info.value)


def test_ak_without_sk_is_a_config_error():
    with pytest.raises(dms_progress.ConfigError):
        dms_progress.Client(endpoint="http://127.0.0.1:1", project_id=PROJECT, ak="AK")


def test_secrets_never_appear_in_repr_or_errors(local_server):
    local_server.reply = json_reply(401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"})
    c = client(local_server.endpoint, security_token=TOKEN)
    text = repr(c)
    assert "AK" in text and local_server.endpoint in text and PROJECT in text
    assert SK not in text and TOKEN not in text and "(temporary)" in text
    with pytest.raises(dms_progress.ApiError) as info:
        c.get_progress("i", "t")
    for s in (str(info.value), repr(info.value), info.value.error_msg):
        assert SK not in s and TOKEN not in s
    c.close()
    assert SK not in repr(c) and "closed" in repr(c)


def test_close_is_idempotent_and_later_calls_raise(local_server):
    c = client(local_server.endpoint)
    assert not c.closed
    c.close()
    c.close()
    assert c.closed
    with pytest.raises(dms_progress.Error, match="closed"):
        c.get_progress("i", "t")
    with pytest.raises(dms_progress.Error, match="closed"):
        c.wait("i", "t")
    with client(local_server.endpoint) as c2:
        c2.get_progress("i", "t")
    assert c2.closed


def test_garbage_collected_client_frees_its_handle(local_server):
    import gc
    import weakref

    c = client(local_server.endpoint)
    ref = weakref.ref(c)
    del c
    gc.collect()
    assert ref() is None


def test_exception_hierarchy():
    E = dms_progress
    for cls in (E.ApiError, E.TransportError, E.DecodeError, E.ConfigError, E.InvalidArgumentError,
                E.TaskFailedError, E.WaitTimeoutError, E.CancelledError):
        assert issubclass(cls, E.Error)
    assert issubclass(E.InvalidArgumentError, ValueError)
    assert issubclass(E.WaitTimeoutError, TimeoutError)


def test_a_gateway_message_echoing_the_security_token_is_redacted(local_server):
    """APIGW.0301 messages echo the canonical request, signed header values included."""

    def reply(received):
        token = received.header("X-Security-Token")
        msg = f"signature does not match, canonical request: GET|/v2/p/...|x-project-id:p|x-security-token:{token}|x-sdk-date:1|"
        return 401, {"X-Request-Id": "echo-1"}, json.dumps({"error_code": "APIGW.0301", "error_msg": msg}).encode()

    local_server.reply = reply
    with client(local_server.endpoint, security_token=TOKEN) as c, pytest.raises(dms_progress.ApiError) as info:
        c.get_progress("i", "t")
    e = info.value
    assert TOKEN not in str(e) and TOKEN not in e.error_msg
    assert "x-security-token:<redacted>|x-sdk-date:1|" in e.error_msg
    assert e.request_id == "echo-1" and "x-project-id:p" in str(e)


def test_unencodable_secret_is_not_kept_in_the_exception_chain() -> None:
    secret = "SK-CANARY-\ud800-surrogate"
    with pytest.raises(dms_progress.InvalidArgumentError) as info:
        dms_progress.Client(endpoint="http://127.0.0.1:9", project_id="p", ak="AK", sk=secret)
    err = info.value
    assert err.__context__ is None and err.__cause__ is None
    assert "SK-CANARY" not in repr(err) and "SK-CANARY" not in str(err)
