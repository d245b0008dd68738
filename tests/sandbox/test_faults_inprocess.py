"""Every fault kind as an httpx client sees it through the in-process transport, and what it did to state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bureau_harness import Bureau, assert_failure, assert_success, open_bureau, person_query

from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.protocol.result import TransportAnswer, parse_http_answer
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.sandbox.transport import SandboxTransport

HANG_S = 5.0
CLIENT_TIMEOUT = 0.3


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    with open_bureau(tmp_path, hang_s=HANG_S) as opened:
        opened.sign_in()
        yield opened


def _fault(bureau: Bureau, **rule: object) -> None:
    bureau.state.faults.replace([FaultRule(scope="1101", **rule)])  # type: ignore[arg-type]


def test_timeout_before_processing_leaves_no_trace(bureau: Bureau) -> None:
    _fault(bureau, kind="timeout_before")
    message = bureau.envelope("1101", person_query())
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        bureau.post(message, timeout=CLIENT_TIMEOUT)
    assert time.monotonic() - started < HANG_S  # the transport enforced the client's timeout
    assert bureau.message_row(message["msgid"]) is None
    bureau.state.faults.clear()
    assert_success(loads(bureau.post(message).content))  # not processed: the same msgid goes through


def test_timeout_after_commit_changed_the_state(bureau: Bureau) -> None:
    _fault(bureau, kind="timeout_after")
    message = bureau.envelope("1101", person_query())
    with pytest.raises(httpx.ReadTimeout):
        bureau.post(message, timeout=CLIENT_TIMEOUT)
    row = bureau.message_row(message["msgid"])
    assert row is not None and row.infcode == 0  # processed and committed, the answer was lost
    bureau.state.faults.clear()
    assert_failure(loads(bureau.post(message).content), "报文ID重复")


def test_timeout_after_answers_if_the_client_waits(tmp_path: Path) -> None:
    with open_bureau(tmp_path, hang_s=0.2) as bureau:
        bureau.sign_in()
        _fault(bureau, kind="timeout_after")
        assert_success(loads(bureau.post(bureau.envelope("1101", person_query()), timeout=5).content))


def test_timeout_before_ends_in_a_gateway_504(tmp_path: Path) -> None:
    with open_bureau(tmp_path, hang_s=0.2) as bureau:
        bureau.sign_in()
        _fault(bureau, kind="timeout_before")
        response = bureau.post(bureau.envelope("1101", person_query()), timeout=5)
        assert response.status_code == 504 and "text/html" in response.headers["content-type"]


@pytest.mark.parametrize(("kind", "processed"), [("reset_before", False), ("reset_after", True)])
def test_connection_reset(bureau: Bureau, kind: str, processed: bool) -> None:
    _fault(bureau, kind=kind)
    message = bureau.envelope("1101", person_query())
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        bureau.post(message)
    assert (bureau.message_row(message["msgid"]) is not None) is processed


def test_http_5xx_is_an_html_page_and_nothing_is_processed(bureau: Bureau) -> None:
    _fault(bureau, kind="http_5xx", status=503)
    message = bureau.envelope("1101", person_query())
    response = bureau.post(message)
    assert response.status_code == 503 and response.headers["content-type"].startswith("text/html")
    answer = parse_http_answer(503, response.headers["content-type"], response.content, infno="1101")
    assert isinstance(answer, TransportAnswer)
    assert bureau.message_row(message["msgid"]) is None


def test_infcode_error_is_a_realistic_failure(bureau: Bureau) -> None:
    _fault(bureau, kind="infcode_error", err_msg="医保中心数据库连接超时")
    message = bureau.envelope("1101", person_query())
    assert_failure(loads(bureau.post(message).content), "医保中心数据库连接超时")
    assert bureau.message_row(message["msgid"]) is None


def test_default_infcode_error_message(bureau: Bureau) -> None:
    _fault(bureau, kind="infcode_error")
    assert_failure(bureau.call("1101", person_query()), "系统繁忙")


def test_latency(bureau: Bureau) -> None:
    _fault(bureau, kind="latency", latency_ms=300)
    started = time.monotonic()
    assert_success(bureau.call("1101", person_query()))
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert_success(bureau.call("9001", {"signIn": {"opter_no": "1", "ip": "10.0.0.1"}}))  # other infnos
    assert time.monotonic() - started < 0.3


def _pattern(tmp_path: Path, seed: int) -> list[int]:
    rule = FaultRule(scope="1101", kind="infcode_error", probability=0.3)
    with open_bureau(tmp_path, seed=seed, faults=(rule,)) as bureau:
        bureau.sign_in()
        return [bureau.call("1101", person_query())["infcode"] for _ in range(40)]


def test_probability_with_a_seed_is_reproducible(tmp_path: Path) -> None:
    first = _pattern(tmp_path / "a", seed=7)
    assert first == _pattern(tmp_path / "b", seed=7)
    assert first != _pattern(tmp_path / "c", seed=8)
    assert 0 < first.count(-1) < 40


def test_count_then_normal(bureau: Bureau) -> None:
    _fault(bureau, kind="http_5xx", count=2)
    statuses = [bureau.post(bureau.envelope("1101", person_query())).status_code for _ in range(3)]
    assert statuses == [502, 502, 200]


def test_faults_from_the_admin_api(bureau: Bureau) -> None:
    rules = {"rules": [{"scope": "1101", "kind": "http_5xx", "status": 500}], "seed": 1}
    assert bureau.client.put("/sandbox/admin/faults", json=rules).status_code == 200
    assert bureau.post(bureau.envelope("1101", person_query())).status_code == 500
    assert bureau.client.delete("/sandbox/admin/faults").status_code == 200
    assert bureau.post(bureau.envelope("1101", person_query())).status_code == 200


@pytest.mark.anyio
async def test_async_client_sees_the_same(tmp_path: Path) -> None:
    with open_bureau(tmp_path, hang_s=HANG_S) as bureau:
        bureau.sign_in()
        async with httpx.AsyncClient(
            transport=SandboxTransport(bureau.app), base_url="http://sandbox.test"
        ) as client:
            _fault(bureau, kind="timeout_after")
            message = bureau.envelope("1101", person_query())
            with pytest.raises(httpx.ReadTimeout):
                await client.post(
                    "/fsi/api/rsfComIfsService/callService",
                    json=None,
                    content=_body(message),
                    timeout=CLIENT_TIMEOUT,
                )
            assert bureau.message_row(message["msgid"]) is not None
            _fault(bureau, kind="reset_before")
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(
                    "/fsi/api/rsfComIfsService/callService",
                    content=_body(bureau.envelope("1101", person_query())),
                )


def _body(message: dict) -> bytes:
    from medical_insurance_sdk.protocol.jsoncodec import dumps

    return dumps(message)
