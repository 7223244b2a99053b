"""Every response case of ``testdata/responses`` through the package: served by a local
server, fetched with ``Client.get_progress``, and compared with the case's ``expected.json``
(the translation of the native decoder's answer into ``Progress`` and exceptions)."""

from __future__ import annotations

import datetime as dt

import pytest

import dms_progress
from testkit import SK, response_cases

UTC = dt.timezone.utc
CASES = response_cases()


def check_time(value, text, want) -> None:
    if want is None:
        assert (value, text) == (None, None)
    elif isinstance(want, str):
        assert (value, text) == (None, want)
    else:
        assert value == dt.datetime.fromtimestamp(want / 1000, tz=UTC) and text is None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_response_case(local_server, case):
    local_server.reply = lambda _r: (case.status, dict(case.headers), case.body)
    (kind, want), = case.expected.items()
    with dms_progress.Client(endpoint=local_server.endpoint, project_id="p", ak="TESTDATAAK", sk=SK, retries=0) as c:
        if kind == "progress":
            p = c.get_progress("i", "t")
            assert (p.percentage, p.remain_time) == (want["percentage"], want["remain_time"])
            assert [(s.name, s.status) for s in p.steps] == [(s["name"], s["status"]) for s in want["steps"]]
            for got, w in zip(p.steps, want["steps"]):
                assert got.status.is_known == (w["status"] in ("COMPLETED", "IN_PROGRESS", "FAILED", "WAITING"))
                check_time(got.start_time, got.start_time_text, w["start_time"])
                check_time(got.end_time, got.end_time_text, w["end_time"])
            assert p.is_complete == want["complete"]
            assert p.failed_step_index == want["failed_step"]
        elif kind == "decode_error":
            with pytest.raises(dms_progress.DecodeError) as info:
                c.get_progress("i", "t")
            assert info.value.request_id == want["request_id"]
            assert want["message"] in str(info.value)
        else:
            with pytest.raises(dms_progress.ApiError) as info:
                c.get_progress("i", "t")
            e = info.value
            assert (e.status, e.error_code, e.error_msg) == (want["status"], want["code"], want["message"])
            assert e.request_id == want["request_id"]
