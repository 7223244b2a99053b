"""The official Huawei Cloud Python SDK, unmodified, finds its credentials and its project
through the emulator's identity services, then reads progress.

The SDK's ECS metadata address is hard-coded; the only change made to it is pointing
``MetadataAccessor._METADATA_ENDPOINT`` at the emulator. Everything else goes through the
variables the SDK reads: pod identity (``HC_CONTAINER_*``), OIDC (``HUAWEICLOUD_OIDC_*`` and
``HUAWEICLOUD_SDK_STS_ENDPOINT``), federation (``HUAWEICLOUD_SDK_IDP_ID`` /
``HUAWEICLOUD_SDK_ID_TOKEN_FILE``), and IAM for project discovery
(``HUAWEICLOUD_SDK_IAM_ENDPOINT``). Each source discovers the project in a region of its own,
so that the SDK's per-process project cache never answers for IAM.
"""

from __future__ import annotations

import time

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.auth.internal import MetadataAccessor
from huaweicloudsdkcore.auth.provider import MetadataCredentialProvider, PodIdentityCredentialProvider
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkkafka.v2 import KafkaClient, ShowBackgroundTaskProgressRequest

from emulator_harness import Emulator

PROJECT = "5e4d3c2b1a0918273645f6e7d8c9b0a1"
INSTANCE = "cccccccc-dddd-eeee-ffff-000000000001"
TASK = "cred0000000000000000000000000001"
POD_TOKEN = "pod-service-account-token-3f9c1d"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.id-token-signature-77a1"
REGIONS = {
    "metadata": "cn-north-4",
    "pod": "ap-southeast-1",
    "oidc": "ap-southeast-3",
    "federation": "af-south-1",
    "refresh": "la-south-2",
}

SCENARIO = {
    "project_id": PROJECT,
    "instances": [
        {
            "instance_id": INSTANCE,
            "tasks": [{"task_id": TASK, "steps": [{"name": "pre_check", "seconds": 3600}]}],
        }
    ],
    # IAM knows the project under every region the tests use.
    "projects": [{"name": region, "id": PROJECT} for region in REGIONS.values()],
}


@pytest.fixture(scope="module")
def token_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("tokens")
    (d / "pod-token").write_text(POD_TOKEN + "\n")
    (d / "id-token").write_text(ID_TOKEN + "\n")
    return d


def start(token_files, lifetime: str = "3600") -> Emulator:
    return Emulator(
        scenario=SCENARIO,
        quiet=False,
        extra_args=[
            "--pod-identity-token-file", str(token_files / "pod-token"),
            "--id-token-file", str(token_files / "id-token"),
            "--credential-lifetime", lifetime,
        ],
    ).start()  # fmt: skip


@pytest.fixture(scope="module")
def emu(token_files):
    e = start(token_files)
    yield e
    e.stop()
    assert e.returncode == 0, e.stderr
    # Nothing the emulator issued or was sent is in its log (the log itself is on).
    assert e.stderr.count(" request_id=") >= 10, e.stderr
    for secret in [POD_TOKEN, ID_TOKEN, *ISSUED]:
        assert secret not in e.stderr, "a secret reached the emulator's log"


# Every secret the SDK held during the tests: checked against the log at the end.
ISSUED: list = []


@pytest.fixture(autouse=True)
def sdk_environment(clean_environment, monkeypatch):
    """On top of the shared ``clean_environment`` (only what a test sets reaches the SDK; no
    profile file, no proxy): UTC, since the SDK reads expiry times as local time."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def kafka(region: str, endpoint: str, credentials=None) -> KafkaClient:
    builder = KafkaClient.new_builder().with_region(Region(region, endpoint))
    if credentials is not None:
        builder = builder.with_credentials(credentials)
    return builder.build()


def read_progress(c: KafkaClient) -> int:
    r = c.show_background_task_progress(ShowBackgroundTaskProgressRequest(instance_id=INSTANCE, task_id=TASK))
    assert [s.name for s in r.step_list] == ["pre_check"]
    return r.progress_percentage


def check_temporary(c: KafkaClient) -> BasicCredentials:
    creds = c.get_credentials()
    assert creds.project_id == PROJECT, "the project came from the emulator's IAM"
    assert creds.ak.startswith("DMSEMUTMP") and creds.security_token, "temporary credentials"
    ISSUED.extend([creds.sk, creds.security_token])
    return creds


def test_ecs_metadata_then_iam_project_discovery(emu, monkeypatch):
    monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", emu.endpoint)
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.startup["identity"]["iam_endpoint"])
    # No credentials given: the SDK's default chain falls through to the metadata service.
    c = kafka(REGIONS["metadata"], emu.endpoint)
    assert read_progress(c) < 100
    creds = check_temporary(c)
    ISSUED.append(creds.sts_accessor._token)  # the metadata session token


def test_the_metadata_service_without_an_agency_is_reported(token_files, monkeypatch):
    e = Emulator(scenario=SCENARIO, extra_args=["--metadata-no-agency"]).start()
    try:
        monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", e.endpoint)
        with pytest.raises(ClientRequestException) as info:
            MetadataCredentialProvider.get_basic().get_credentials()
        assert info.value.status_code == 401
        assert "Please configure Cloud Service Agency first" in str(info.value)
    finally:
        e.stop()


def test_cce_pod_identity(emu, token_files, monkeypatch):
    monkeypatch.setenv("HC_CONTAINER_CREDENTIALS_FULL_URI", emu.startup["identity"]["pod_identity_uri"])
    monkeypatch.setenv("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_files / "pod-token"))
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.endpoint)
    # The SDK's chain tries the real metadata address before pod identity; ask pod identity.
    credentials = PodIdentityCredentialProvider.get_basic().get_credentials()
    c = kafka(REGIONS["pod"], emu.endpoint, credentials)
    assert read_progress(c) < 100
    check_temporary(c)

    monkeypatch.setenv("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_files / "id-token"))
    with pytest.raises(Exception, match="401"):
        PodIdentityCredentialProvider.get_basic().get_credentials()


def test_oidc_through_sts(emu, token_files, monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_OIDC_PROVIDER_URN", "iam::0a1b2c:identity-provider:github-actions")
    monkeypatch.setenv("HUAWEICLOUD_OIDC_AGENCY_URN", "iam::0a1b2c:agency:deployer")
    monkeypatch.setenv("HUAWEICLOUD_OIDC_TOKEN_FILE", str(token_files / "id-token"))
    monkeypatch.setenv("HUAWEICLOUD_SDK_STS_ENDPOINT", emu.startup["identity"]["sts_endpoint"])
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.endpoint)
    c = kafka(REGIONS["oidc"], emu.endpoint)  # the chain's first source
    assert read_progress(c) < 100
    check_temporary(c)


def test_iam_federation_with_an_id_token(emu, token_files, monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_SDK_IDP_ID", emu.startup["identity"]["idp_id"])
    monkeypatch.setenv("HUAWEICLOUD_SDK_ID_TOKEN_FILE", str(token_files / "id-token"))
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", emu.endpoint)
    c = kafka(REGIONS["federation"], emu.endpoint)  # the environment source, federation pair
    assert read_progress(c) < 100
    check_temporary(c)


def test_short_lived_credentials_are_refreshed_and_expired_ones_refused(token_files, monkeypatch):
    e = start(token_files, lifetime="3")
    try:
        monkeypatch.setattr(MetadataAccessor, "_METADATA_ENDPOINT", e.endpoint)
        monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", e.endpoint)
        c = kafka(REGIONS["refresh"], e.endpoint)
        read_progress(c)
        first = check_temporary(c)
        first_pair = (first.ak, first.sk, first.security_token)
        # 3 s is under the SDK's 40-minute threshold: it fetches new credentials before each
        # request, and each works.
        read_progress(c)
        assert c.get_credentials().ak != first_pair[0]
        check_temporary(c)

        # The first credential, once expired, is refused like a bad signature would be; the
        # emulator's long-lived pair still works.
        time.sleep(3.5)
        stale = BasicCredentials(first_pair[0], first_pair[1], PROJECT).with_security_token(first_pair[2])
        with pytest.raises(ClientRequestException) as info:
            read_progress(kafka(REGIONS["refresh"], e.endpoint, stale))
        assert (info.value.status_code, info.value.error_code) == (401, "APIGW.0301")
        assert "expired at" in info.value.error_msg
        assert first_pair[1] not in info.value.error_msg and first_pair[2] not in info.value.error_msg
        unknown = BasicCredentials("DMSEMUTMPNEVERISSUED", first_pair[1], PROJECT).with_security_token("x")
        with pytest.raises(ClientRequestException) as info:
            read_progress(kafka(REGIONS["refresh"], e.endpoint, unknown))
        assert info.value.status_code == 401 and "does not exist" in info.value.error_msg
        long_lived = BasicCredentials(e.ak, e.sk, PROJECT)
        assert read_progress(kafka(REGIONS["refresh"], e.endpoint, long_lived)) < 100
    finally:
        e.stop()
    for secret in first_pair[1:]:
        assert secret not in e.stderr
