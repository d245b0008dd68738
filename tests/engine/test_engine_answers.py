"""Answers the engine must not misread (issue 13 §7), against a scripted bureau (httpx.MockTransport).

- an `output` the bureau sent as ciphertext (SM4 channel provinces) is never an empty success;
- a read retried after lost answers spends the transaction's timeout once, in total (spec §6.1.1);
- a failed sign-in names the business call the caller asked for, not the 9001's msgid.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import httpx
import pytest
from test_flow_mock import PERSON, settle_input
from tests_engine_support import FAST, Bureau

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.exceptions import (
    BureauError,
    BureauTimeoutError,
    OutcomeUnknownError,
    ResponseFormatError,
)

CIPHERTEXT = "q8Vb1m3YQe6o0yJkQ2x5mYV9c2l0ZVRleHQ="


def encrypting(bureau: Bureau, infnos: set[str]) -> httpx.MockTransport:
    """The scripted bureau, but the `output` of `infnos` arrives as ciphertext."""

    def handle(request: httpx.Request) -> httpx.Response:
        response = bureau(request)
        message = json.loads(request.content)
        body = json.loads(response.content)
        if message["infno"] in infnos and body["infcode"] == 0:
            body["output"] = CIPHERTEXT
        return httpx.Response(response.status_code, json=body)

    return httpx.MockTransport(handle)


def test_a_ciphertext_output_of_a_query_is_an_error_not_an_empty_success(database, allocator, institution):
    bureau = Bureau()
    with BureauEngine(database, allocator, transport=encrypting(bureau, {"1101"}), settings=FAST) as e:
        with pytest.raises(ResponseFormatError) as info:
            e.call("1101", PERSON, institution=institution)
        states = {r.state for r in e.ledger.entries(infno="1101")}
    assert info.value.code == 20004 and "加密文本" in info.value.message
    assert states == {"FAILED"}


def test_a_ciphertext_settlement_is_unknown_and_compensated(database, allocator, institution):
    bureau = Bureau()
    with BureauEngine(database, allocator, transport=encrypting(bureau, {"2207"}), settings=FAST) as e:
        with pytest.raises(OutcomeUnknownError) as info:
            e.call("2207", settle_input(), institution=institution)
        row = e.ledger.get(info.value.msgid)
    # it reached the bureau and settled: reversed by 2601, never "success" with nothing in it
    assert info.value.outcome == "reversed" and row is not None and row.state == "REVERSED"
    assert bureau.settled == set()


def test_one_deadline_covers_every_attempt_of_a_read(database, allocator, institution):
    asked: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)
        if message["infno"] == "9001":
            return Bureau().answer(message, Bureau().process(message))
        read = float(request.extensions["timeout"]["read"])
        asked.append(read)
        time.sleep(read)
        raise httpx.ReadTimeout("timed out", request=request)

    with BureauEngine(database, allocator, transport=httpx.MockTransport(slow), settings=FAST) as e:
        started = time.monotonic()
        with pytest.raises(BureauTimeoutError):
            e.call("1101", PERSON, institution=institution, timeout_s=1.0)
        spent = time.monotonic() - started
    assert asked[0] == 1.0  # the first attempt has the whole timeout
    assert sum(asked) <= 1.0 + 0.1 * len(asked), asked  # later ones only what is left of it
    assert spent < 1.6, f"a 1 s call took {spent:.1f} s"


def test_a_failed_sign_in_names_the_business_call(database, allocator, institution):
    bureau = Bureau(refusals={"9001": (-1, "系统繁忙，请稍后再试")})
    with BureauEngine(database, allocator, transport=httpx.MockTransport(bureau), settings=FAST) as e:
        with pytest.raises(BureauError) as info:
            e.call("2207", settle_input(), institution=institution)
        sign_in = [r.msgid for r in e.ledger.entries(infno="9001")]
    error = info.value
    assert error.infno == "2207" and error.msgid is None
    assert "签到（9001）失败" in error.message and "2207 未发送" in error.message
    assert error.details["sign_in_msgid"] in sign_in
    assert "outcome" not in error.details  # nothing of 2207 was sent: no unknown outcome to wait for
    assert [m["infno"] for m in bureau.seen] == ["9001"]


def test_a_sweep_for_no_institution_touches_nothing(database, allocator, institution):
    bureau = Bureau(lose={"2207": 1, "2601": 5}, process_lost=False)  # the 2601 goes unanswered too
    settings = replace(FAST, resolve_budget_s=0.0)
    with BureauEngine(database, allocator, transport=httpx.MockTransport(bureau), settings=settings) as e:
        with pytest.raises(OutcomeUnknownError):
            e.call("2207", settle_input(), institution=institution)
        assert e.sweep({}) == {}  # an empty gateway (no active institution) sweeps nothing, fails nothing
        assert [r.state for r in e.ledger.entries(infno="2207")] == ["UNKNOWN"]
