"""Start and stop a ``dms-emulator`` process from Python tests.

Usage::

    from emulator_harness import Emulator

    with Emulator() as emu:                      # the built-in demo scenario
        emu.endpoint                             # "http://127.0.0.1:PORT"
        emu.ak, emu.sk, emu.project_id           # demo credentials, scenario project
        emu.tasks[0].instance_id, emu.tasks[0].task_id
        emu.startup                              # the start-up line, parsed (a dict)

    scenario = {"project_id": "p", "instances": [{"instance_id": "i", "tasks": [
        {"task_id": "t", "steps": [{"name": "pre_check", "seconds": 1}]}]}]}
    with Emulator(scenario=scenario, ak="AK", sk="SK", iam_token="TOKEN") as emu:
        ...

The binary is ``$DMS_EMULATOR_BIN``, else ``<repo>/target/debug/dms-emulator`` (build it with
``cargo build -p progress-emulator``). A missing binary raises ``FileNotFoundError``: tests
that need the emulator fail rather than skip. The emulator listens on ``127.0.0.1:0`` (a free
port) with ``--quiet``; its stderr is kept in :attr:`Emulator.stderr` after it stops. What it
says about itself comes from its one JSON start-up line (documented in docs/emulator.md).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_AK = "DMSEMULATORDEMOAK00001"
DEMO_SK = "dms-emulator-demo-secret-key"
DEMO_PROJECT_ID = "0123456789abcdef0123456789abcdef"
DEMO_INSTANCE_ID = "11111111-2222-3333-4444-555555555555"
DEMO_TASK_RUNNING = "ff8080818d1b2a3c018d1b2a3c4d0001"
DEMO_TASK_FINISHED = "ff8080818d1b2a3c018d1b2a3c4d0002"
DEMO_TASK_FAILING = "ff8080818d1b2a3c018d1b2a3c4d0003"


def binary_path() -> Path:
    """The dms-emulator binary to run: ``$DMS_EMULATOR_BIN`` or the debug build."""
    path = Path(os.environ.get("DMS_EMULATOR_BIN") or REPO_ROOT / "target" / "debug" / "dms-emulator")
    if not path.is_file():
        raise FileNotFoundError(
            f"dms-emulator binary not found at {path}: run `cargo build -p progress-emulator` "
            "or set DMS_EMULATOR_BIN"
        )
    return path


@dataclass(frozen=True)
class Task:
    """One task of the emulator's scenario, from its start-up line."""

    project_id: str
    instance_id: str
    task_id: str


class EmulatorError(RuntimeError):
    """The emulator did not start (the message includes its stderr)."""


class Emulator:
    """A running ``dms-emulator`` process; a context manager that stops it on exit."""

    def __init__(
        self,
        scenario: Union[None, str, os.PathLike, Dict[str, Any]] = None,
        *,
        ak: Optional[str] = None,
        sk: Optional[str] = None,
        iam_token: Optional[str] = None,
        binary: Union[None, str, os.PathLike] = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 30.0,
        quiet: bool = True,
    ) -> None:
        if (ak is None) != (sk is None):
            raise ValueError("give both ak and sk, or neither (for the demo credentials)")
        self._scenario = scenario
        self._binary = Path(binary) if binary is not None else None
        self._extra_args = list(extra_args)
        self._startup_timeout = startup_timeout
        self._quiet = quiet
        self._iam_token = iam_token
        self.ak: Optional[str] = ak
        self.sk: Optional[str] = sk
        self.endpoint: str = ""
        self.host: str = ""
        self.port: int = 0
        self.tasks: List[Task] = []
        self.startup: Dict[str, Any] = {}
        self.startup_line: str = ""
        self.stderr: str = ""
        self.returncode: Optional[int] = None
        self._proc: Optional[subprocess.Popen] = None
        self._scenario_file: Optional[str] = None
        self._stderr_file = None

    @property
    def project_id(self) -> str:
        """The scenario's project id, as the emulator announced it."""
        return self.startup["project_id"]

    def task(self, task_id: str) -> Task:
        """The announced task with this id."""
        for t in self.tasks:
            if t.task_id == task_id:
                return t
        raise KeyError(task_id)

    def start(self) -> "Emulator":
        """Starts the process and waits for its start-up line."""
        args = [str(self._binary or binary_path()), "--listen", "127.0.0.1:0"]
        if self._quiet:
            args.append("--quiet")
        if isinstance(self._scenario, dict):
            fd, self._scenario_file = tempfile.mkstemp(prefix="dms-emulator-scenario-", suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump(self._scenario, f)
            args += ["--scenario", self._scenario_file]
        elif self._scenario is not None:
            args += ["--scenario", str(self._scenario)]
        env = dict(os.environ)
        for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "DMS_EMULATOR_IAM_TOKEN"):
            env.pop(name, None)
        if self.ak is not None:
            # Through the environment, so that the secret key is not on the command line.
            env["HUAWEICLOUD_SDK_AK"] = self.ak
            env["HUAWEICLOUD_SDK_SK"] = self.sk or ""
        if self._iam_token is not None:
            env["DMS_EMULATOR_IAM_TOKEN"] = self._iam_token
        args += self._extra_args

        self._stderr_file = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            env=env,
            text=True,
        )
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def pump(stream) -> None:
            for line in stream:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=pump, args=(self._proc.stdout,), daemon=True).start()
        try:
            self._read_startup(lines)
        except BaseException:
            self.stop()
            raise
        return self

    def _read_startup(self, lines: "queue.Queue[Optional[str]]") -> None:
        try:
            line = lines.get(timeout=self._startup_timeout)
        except queue.Empty:
            raise EmulatorError(
                f"dms-emulator printed no start-up line within {self._startup_timeout}s{self._stderr_excerpt()}"
            ) from None
        if line is None:
            code = self._proc.wait(timeout=10) if self._proc else None
            raise EmulatorError(f"dms-emulator exited with status {code} before it was ready{self._stderr_excerpt()}")
        try:
            startup = json.loads(line)
        except ValueError:
            raise EmulatorError(f"dms-emulator's start-up line is not JSON: {line!r}") from None
        self.startup_line, self.startup = line, startup
        self.endpoint = startup["endpoint"]
        self.host, _, port = self.endpoint.split("://", 1)[1].rpartition(":")
        self.port = int(port)
        self.ak = startup["ak"]
        if startup["sk"] is not None:
            self.sk = startup["sk"]
        self.tasks = [
            Task(startup["project_id"], inst["instance_id"], task_id)
            for inst in startup["instances"]
            for task_id in inst["task_ids"]
        ]

    def _stderr_excerpt(self) -> str:
        if self._stderr_file is None:
            return ""
        self._stderr_file.seek(0)
        text = self._stderr_file.read().decode("utf-8", "replace").strip()
        return f"; stderr:\n{text[-4000:]}" if text else ""

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """Stops the process (SIGTERM, then SIGKILL after ``timeout``); returns its status."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self.returncode = proc.returncode
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr_file is not None:
            self._stderr_file.seek(0)
            self.stderr = self._stderr_file.read().decode("utf-8", "replace")
            self._stderr_file.close()
            self._stderr_file = None
        if self._scenario_file is not None:
            try:
                os.unlink(self._scenario_file)
            except OSError:
                pass
            self._scenario_file = None
        return self.returncode

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_emulator(scenario=None, **kwargs) -> Emulator:
    """Starts an emulator (the caller stops it, or uses it as a context manager)."""
    return Emulator(scenario, **kwargs).start()
