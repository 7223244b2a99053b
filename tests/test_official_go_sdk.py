"""The official Go SDK (huaweicloud-sdk-go-v3), unmodified, against a running dms-emulator,
next to our Go package: what a Go user is choosing between.

The service sends step times as integers (epoch milliseconds) while the Go SDK declares
``StepDetail.StartTime``/``EndTime`` as strings, so its ``ShowBackgroundTaskProgress``
fails to decode any task whose first step has started. Our packages decode the same bytes.
The Go SDK is built from ``bench/go-sdk`` (the same program ``bench/run.sh`` times); a
missing Go toolchain or module is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from emulator_harness import Emulator

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
RUNNING = "running00000000000000000000000001"
NOT_STARTED = "waiting00000000000000000000000001"

SCENARIO = {
    "project_id": PROJECT,
    "instances": [
        {
            "instance_id": INSTANCE,
            "tasks": [
                {
                    "task_id": RUNNING,
                    "started_seconds_ago": 60,
                    "steps": [
                        {"name": "pre_check", "seconds": 30},
                        {"name": "disk_expansion", "seconds": 3600},
                    ],
                },
                {
                    "task_id": NOT_STARTED,
                    "started_seconds_ago": -3600,
                    "steps": [{"name": "pre_check", "seconds": 30}],
                },
            ],
        }
    ],
}


def go() -> str:
    found = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    assert found, "Go is needed for this test (scripts/test-all.sh runs it with Go on PATH)"
    return found


@pytest.fixture(scope="module")
def go_sdk(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("go-sdk") / "bench-go-sdk"
    subprocess.run([go(), "build", "-o", str(out), "."], cwd=ROOT / "bench" / "go-sdk", check=True)
    return out


@pytest.fixture(scope="module")
def emu():
    with Emulator(scenario=SCENARIO, ak="GOSDKTESTAK", sk="go-sdk-test-secret") as e:
        yield e


def once(binary: Path, emu: Emulator, task: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "HUAWEICLOUD_SDK_AK": emu.ak,
        "HUAWEICLOUD_SDK_SK": emu.sk,
    }
    return subprocess.run(
        [str(binary), "once", emu.endpoint, PROJECT, INSTANCE, task],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_official_go_sdk_cannot_decode_integer_step_times(go_sdk, emu):
    r = once(go_sdk, emu, RUNNING)
    assert r.returncode == 1, r.stdout
    # The HTTP call succeeded (status 200); the SDK's JSON decoding of start_time failed.
    assert '"status_code":200' in r.stderr, r.stderr
    assert "StartTime" in r.stderr and "ReadString" in r.stderr, r.stderr


def test_the_official_go_sdk_decodes_a_task_with_no_step_times(go_sdk, emu):
    r = once(go_sdk, emu, NOT_STARTED)
    assert r.returncode == 0, r.stderr
    assert '"progress_percentage":0' in r.stdout, r.stdout


def test_our_cli_decodes_the_same_response(emu):
    cli = ROOT / "target" / "debug" / "dms-progress"
    assert cli.exists(), f"{cli} missing: cargo build --workspace --bins (scripts/test-all.sh does)"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": "/nonexistent",
        "HUAWEICLOUD_SDK_AK": emu.ak,
        "HUAWEICLOUD_SDK_SK": emu.sk,
    }
    r = subprocess.run(
        [str(cli), "get", "--endpoint", emu.endpoint, "--project-id", PROJECT, "--instance-id", INSTANCE,
         "--task-id", RUNNING, "--output", "json"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert r.returncode == 0, r.stderr
    import json

    doc = json.loads(r.stdout)
    started = doc["steps"][0]["start_time"]
    assert isinstance(started, int) and started > 1_700_000_000_000, doc
