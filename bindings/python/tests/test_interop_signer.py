"""Every request the package sends verifies with the official SDK's signer.

A local server receives the request; the test rebuilds it as a huaweicloudsdkcore
``SdkRequest`` from the method, the raw path and the headers our client chose to sign, signs
it with ``huaweicloudsdkcore.signer.signer.Signer`` and the same AK/SK, and requires the
official Authorization header to be byte-for-byte the one we sent.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

import dms_progress

signer_mod = pytest.importorskip("huaweicloudsdkcore.signer.signer")
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.sdk_request import SdkRequest  # noqa: E402

AK = "InteropAccessKey01"
SK = "interop/secret+key=="
PROJECT = "0123456789abcdef0123456789abcdef"
AUTH_RE = re.compile(r"^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")

IDS = [
    ("11111111-2222-3333-4444-555555555555", "ff8080818d1b2a3c018d1b2a3c4d0001"),
    ("inst~tilde", "task.with.dots"),
    ("under_score", "dash-dash"),
    ("k\u00f6nig-\u00e9t\u00e9", "\u4efb\u52a1_\u0437\u0430\u0434\u0430\u0447\u0430"),
    ("~._-", "A~b.C_d-E\u00df"),
]


def official_authorization(received, sk: str) -> str:
    match = AUTH_RE.match(received.header("Authorization") or "")
    assert match, f"no SDK-HMAC-SHA256 Authorization header: {received.headers}"
    ak, signed, _ = match.groups()
    names = signed.split(";")
    headers = {}
    for name in names:
        value = received.header(name)
        assert value is not None, f"{name} is listed in SignedHeaders but was not sent"
        headers[name] = value
    host = received.header("Host")
    request = SdkRequest(
        method=received.method,
        schema="http",
        host=host,
        resource_path=received.path,
        query_params=[],
        header_params=headers,
        body="",
    )
    signed_request = signer_mod.Signer(BasicCredentials(ak, sk, PROJECT)).sign(request)
    return signed_request.header_params["Authorization"]


@pytest.mark.parametrize("security_token", [None, "temporary-token/with+chars=="], ids=["aksk", "with-token"])
@pytest.mark.parametrize("instance_id,task_id", IDS, ids=[f"ids{i}" for i in range(len(IDS))])
def test_official_signer_accepts_our_signature(local_server, instance_id, task_id, security_token):
    with dms_progress.Client(
        endpoint=local_server.endpoint, project_id=PROJECT, ak=AK, sk=SK, security_token=security_token
    ) as client:
        progress = client.get_progress(instance_id, task_id)
    assert progress.percentage == 40

    (received,) = local_server.requests
    # The path on the wire names exactly our ids, percent-encoded as the gateway expects.
    assert received.path.isascii()
    segments = received.path.split("/")
    assert [unquote(s) for s in segments] == ["", "v2", PROJECT, "instances", instance_id, "tasks", task_id, "progress"]

    sent = received.header("Authorization")
    assert official_authorization(received, SK) == sent

    signed = AUTH_RE.match(sent).group(2).split(";")
    assert {"host", "x-sdk-date", "x-project-id"} <= set(signed)
    assert received.header("X-Project-Id") == PROJECT
    if security_token is None:
        assert received.header("X-Security-Token") is None
    else:
        assert received.header("X-Security-Token") == security_token
        assert "x-security-token" in signed


def test_a_wrong_secret_does_not_verify(local_server):
    """The check above has teeth: the official signer with another SK disagrees."""
    with dms_progress.Client(endpoint=local_server.endpoint, project_id=PROJECT, ak=AK, sk=SK) as client:
        client.get_progress("i", "t")
    (received,) = local_server.requests
    assert official_authorization(received, SK + "x") != received.header("Authorization")


def test_iam_token_is_sent_instead_of_a_signature(local_server):
    with dms_progress.Client(endpoint=local_server.endpoint, project_id=PROJECT, iam_token="iam-token-value") as client:
        client.get_progress("i", "t")
    (received,) = local_server.requests
    assert received.header("X-Auth-Token") == "iam-token-value"
    assert received.header("Authorization") is None
    assert "iam-token-value" not in repr(client)
