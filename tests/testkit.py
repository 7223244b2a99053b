"""The one Python test kit, shared by ``tests/`` and ``bindings/python/tests/``: both
conftests import its fixtures, and test modules import its helpers.

- ``clean_environment`` (autouse): no test sees the developer's own credentials, profile
  file or proxy;
- ``demo_emulator``: a ``dms-emulator`` serving its built-in demo scenario (module scope),
  and ``running_emulator`` for a module's own scenario, both on ``emulator_harness``;
- the secret canaries (``SK``, ``TOKEN``, ``IAM``, ``PROXY_PASSWORD``) and ``assert_clean``;
- readers of the repository's ``testdata/`` (its README describes the layout):
  ``response_case``/``response_cases`` and ``signing_case``/``signing_cases``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import unquote

import pytest

from emulator_harness import REPO_ROOT, Emulator

TESTDATA = REPO_ROOT / "testdata"

# --- canaries -------------------------------------------------------------------------------

SK = "SK-CANARY-7f3a9c"
TOKEN = "TOKEN-CANARY-5d1e"
IAM = "IAM-CANARY-9b2c"
PROXY_PASSWORD = "PROXYPW-CANARY-11aa"
CANARIES = (SK, TOKEN, IAM, PROXY_PASSWORD)


def assert_clean(what: str, *texts: object) -> None:
    """Asserts that no canary appears in any of ``texts`` (a non-``str`` is taken as its
    ``repr``), ignoring case."""
    for text in texts:
        s = text if isinstance(text, str) else repr(text)
        lower = s.lower()
        for canary in CANARIES:
            assert canary.lower() not in lower, f"{what} shows {canary}:\n{s}"


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's own credentials, profile file, identity settings or
    proxy: every ``HUAWEICLOUD_*`` and ``HC_CONTAINER_*`` variable and every ``*_proxy``
    variable is unset, and ``HOME`` is an empty directory. The credential chain's last resort,
    the ECS metadata service (169.254.169.254), is a closed loopback port, so that no test
    leaves the machine; a test of the metadata source sets its own."""
    for name in list(os.environ):
        if name.startswith(("HUAWEICLOUD_", "HC_CONTAINER_")) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DMS_PROGRESS_METADATA_ENDPOINT", "http://127.0.0.1:9")


def running_emulator(scenario: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Iterator[Emulator]:
    """For a fixture of a module's own: ``yield from running_emulator(SCENARIO, ak=...)``
    yields a started emulator and stops it afterwards."""
    with Emulator(scenario, **kwargs) as emu:
        yield emu


@pytest.fixture(scope="module")
def demo_emulator() -> Iterator[Emulator]:
    """A ``dms-emulator`` serving its built-in demo scenario with the demo credentials."""
    yield from running_emulator()


# --- testdata/ ------------------------------------------------------------------------------


def _split(raw: bytes) -> Tuple[str, List[Tuple[str, str]], bytes]:
    head, sep, body = raw.partition(b"\n\n")
    assert sep, "no empty line after the head"
    first, *lines = head.decode().split("\n")
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return first, headers, body


def _find(headers: List[Tuple[str, str]], name: str) -> Optional[str]:
    return next((v for n, v in headers if n.lower() == name.lower()), None)


@dataclass(frozen=True)
class ResponseCase:
    """``testdata/responses/<name>``: the response as received and what decoding it gives."""

    name: str
    status: int
    headers: List[Tuple[str, str]]
    body: bytes
    expected: Dict[str, Any]

    def header(self, name: str) -> Optional[str]:
        return _find(self.headers, name)


def response_case(name: str) -> ResponseCase:
    d = TESTDATA / "responses" / name
    first, headers, body = _split((d / "response.txt").read_bytes())
    expected = json.loads((d / "expected.json").read_text())
    return ResponseCase(name, int(first.split(" ")[1]), headers, body, expected)


def response_cases() -> List[ResponseCase]:
    return [response_case(d.name) for d in sorted((TESTDATA / "responses").iterdir()) if d.is_dir()]


@dataclass(frozen=True)
class SigningCase:
    """``testdata/signing/<name>``: the stages published for it (``None`` where absent)."""

    name: str
    method: Optional[str] = None
    path: Optional[str] = None  # as sent (percent-encoded), without the query
    query: List[Tuple[str, str]] = field(default_factory=list)  # decoded
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    canonical_request: Optional[str] = None
    string_to_sign: Optional[str] = None
    signature: Optional[str] = None
    credentials: Dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> Optional[str]:
        return _find(self.headers, name)

    @property
    def signed_headers(self) -> Optional[str]:
        return self.canonical_request.split("\n")[-2] if self.canonical_request else None


def signing_case(name: str) -> SigningCase:
    d = TESTDATA / "signing" / name

    def text(file: str) -> Optional[str]:
        p = d / file
        return p.read_text() if p.exists() else None

    credentials = {}
    for line in (text("credentials") or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            credentials[key.strip()] = value.strip()
    fields: Dict[str, Any] = {}
    if (d / "request.txt").exists():
        first, headers, body = _split((d / "request.txt").read_bytes())
        method, target, _ = first.split(" ")
        path, _, query = target.partition("?")
        pairs = [p.partition("=") for p in query.split("&") if p]
        fields = dict(
            method=method,
            path=path,
            query=[(unquote(k), unquote(v)) for k, _, v in pairs],
            headers=headers,
            body=body,
        )
    signature = text("signature.txt")
    return SigningCase(
        name,
        canonical_request=text("canonical-request.txt"),
        string_to_sign=text("string-to-sign.txt"),
        signature=signature.strip() if signature else None,
        credentials=credentials,
        **fields,
    )


def signing_cases() -> List[SigningCase]:
    return [signing_case(d.name) for d in sorted((TESTDATA / "signing").iterdir()) if d.is_dir()]
