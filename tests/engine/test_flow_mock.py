"""The engine's rules against a scripted bureau (httpx.MockTransport): every branch of the flow."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from sqlalchemy import select
from tests_engine_support import FAST, Bureau

from medical_insurance_sdk.engine.engine import AsyncBureauEngine, BureauEngine
from medical_insurance_sdk.exceptions import (
    BureauError,
    BureauTimeoutError,
    DataValidationError,
    OutcomeUnknownError,
)
from medical_insurance_sdk.storage.models import LedgerEntry


def settle_input() -> dict:
    return {
        "data": {
            "psn_no": "43000030281000128715",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "430281199001010011",
            "med_type": "11",
            "medfee_sumamt": "350.00",
            "psn_setlway": "01",
            "mdtrt_id": "MDT0001",
            "chrg_bchno": "B0001",
            "acct_used_flag": "1",
            "insutype": "310",
            "fulamt_ownpay_amt": "50.00",
            "overlmt_selfpay": "0.00",
            "preselfpay_amt": "20.00",
            "inscp_scp_amt": "280.00",
        }
    }


PERSON = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "430281199001010011", "psn_cert_type": "01"}}


def engine(database, allocator, bureau: Bureau) -> BureauEngine:
    return BureauEngine(database, allocator, transport=httpx.MockTransport(bureau), settings=FAST)


def test_signs_in_once_and_reuses_the_sign_no(database, allocator, institution):
    bureau = Bureau()
    with engine(database, allocator, bureau) as e:
        e.call("1101", PERSON, institution=institution)
        e.call("1101", PERSON, institution=institution)
    assert [m["infno"] for m in bureau.seen] == ["9001", "1101", "1101"]
    assert {m["sign_no"] for m in bureau.seen[1:]} == {"S0001"}


def test_every_message_is_in_the_ledger_with_the_msgid_on_the_wire(database, allocator, institution):
    bureau = Bureau()
    with engine(database, allocator, bureau) as e:
        result = e.call("1101", PERSON, institution=institution)
        rows = {r.msgid: r for r in e.ledger.entries()}
    assert set(rows) == {m["msgid"] for m in bureau.seen}
    assert rows[result.msgid].state == "SUCCESS"
    assert rows[result.msgid].request["input"]["data"]["mdtrt_cert_no"] == "430281********0011"  # masked


def test_invalid_input_is_refused_before_anything_is_sent(database, allocator, institution):
    bureau = Bureau()
    with engine(database, allocator, bureau) as e, pytest.raises(DataValidationError) as info:
        e.call("2207", {"data": {"psn_no": "1"}}, institution=institution)
    assert bureau.seen == []
    assert any(err.path == "data.mdtrt_id" and err.code == 30002 for err in info.value.errors)


def test_query_is_retried_after_a_lost_answer(database, allocator, institution):
    bureau = Bureau(lose={"1101": 2})
    with engine(database, allocator, bureau) as e:
        result = e.call("1101", PERSON, institution=institution)
        states = [r.state for r in e.ledger.entries(infno="1101")]
    assert result.state == "SUCCESS"
    assert states == ["FAILED", "FAILED", "SUCCESS"]  # each attempt its own msgid


def test_money_call_is_never_resent_and_a_lost_settlement_is_reversed(database, allocator, institution):
    bureau = Bureau(lose={"2207": 1}, process_lost=True)
    with engine(database, allocator, bureau) as e:
        with pytest.raises(OutcomeUnknownError) as info:
            e.call("2207", settle_input(), institution=institution)
        original = e.ledger.get(info.value.msgid)
    assert info.value.outcome == "reversed"
    assert [m["infno"] for m in bureau.seen].count("2207") == 1
    reversal = next(m for m in bureau.seen if m["infno"] == "2601")
    assert reversal["input"]["data"] == {
        "psn_no": "43000030281000128715",
        "omsgid": info.value.msgid,
        "oinfno": "2207",
    }
    assert original.state == "REVERSED" and original.resolution_msgid == reversal["msgid"]
    assert bureau.settled == set()  # the bureau's net state: nothing settled


def test_a_settlement_that_never_arrived_is_failed_and_safe_to_retry(database, allocator, institution):
    bureau = Bureau(lose={"2207": 1}, process_lost=False)
    with engine(database, allocator, bureau) as e:
        with pytest.raises(Exception) as info:
            e.call("2207", settle_input(), institution=institution)
        assert e.ledger.get(info.value.msgid).state == "FAILED"
    assert info.value.retry is True and info.value.details["outcome"] == "failed"


def test_refused_connection_is_safe_to_resend_even_for_money(database, allocator, institution):
    bureau = Bureau(refuse={"2207": 1})
    with engine(database, allocator, bureau) as e:
        result = e.call("2207", settle_input(), institution=institution)
    assert result.state == "SUCCESS"


def test_2601_itself_is_retried_until_answered(database, allocator, institution):
    bureau = Bureau(lose={"2207": 1, "2601": 2}, process_lost=True)
    with engine(database, allocator, bureau) as e, pytest.raises(OutcomeUnknownError) as info:
        e.call("2207", settle_input(), institution=institution)
    assert info.value.outcome == "reversed"
    assert [m["infno"] for m in bureau.seen].count("2601") == 3
    assert bureau.settled == set()


def test_unresolved_within_budget_stays_unknown_then_the_sweeper_finishes(database, allocator, institution):
    bureau = Bureau(lose={"2207": 1, "2601": 1000}, process_lost=True)
    e = engine(database, allocator, bureau)
    with pytest.raises(OutcomeUnknownError) as info:
        e.call("2207", settle_input(), institution=institution)
    assert info.value.outcome == "unknown"
    assert e.ledger.get(info.value.msgid).state == "UNKNOWN"
    bureau.lose.clear()
    report = e.sweep({institution.code: institution})
    assert report == {info.value.msgid: "REVERSED"}
    assert bureau.settled == set()
    e.close()


def test_business_refusal_is_a_bureau_error(database, allocator, institution):
    bureau = Bureau(refusals={"1101": (-2, "该参保人的基本信息为空")})
    with engine(database, allocator, bureau) as e, pytest.raises(BureauError) as info:
        e.call("1101", PERSON, institution=institution)
    assert info.value.message == "该参保人的基本信息为空" and info.value.infcode == -2


def test_stale_sign_no_is_renewed_once(database, allocator, institution):
    bureau = Bureau(refusals={"1101": (-1, "签到信息无效，请重新签到")}, refusal_times=1)
    with engine(database, allocator, bureau) as e:
        e.call("1101", PERSON, institution=institution)
    assert [m["infno"] for m in bureau.seen] == ["9001", "1101", "9001", "1101"]


def test_timeout_on_a_query_finally_raises_a_timeout(database, allocator, institution):
    bureau = Bureau(lose={"1101": 100})
    with engine(database, allocator, bureau) as e, pytest.raises(BureauTimeoutError):
        e.call("1101", PERSON, institution=institution)
    assert [m["infno"] for m in bureau.seen].count("1101") == FAST.max_attempts


@pytest.mark.anyio
async def test_async_engine_runs_the_same_flow(database, allocator, institution):
    bureau = Bureau(lose={"2207": 1}, process_lost=True)
    e = AsyncBureauEngine(database, allocator, transport=httpx.MockTransport(bureau), settings=FAST)
    with pytest.raises(OutcomeUnknownError) as info:
        await e.call("2207", settle_input(), institution=institution)
    assert info.value.outcome == "reversed"
    result = await e.call("1101", PERSON, institution=institution)
    assert result.state == "SUCCESS"
    await e.aclose()
    assert json.loads(json.dumps(bureau.seen[0]))["infno"] == "9001"


@pytest.fixture
def anyio_backend():
    return "asyncio"


class RepeatingAllocator:
    """Hands out 1, 1, 2, 3 …: the second 1 is a msgid the ledger holds already (as after switching from the
    database allocator to Redis within one second)."""

    def __init__(self) -> None:
        self.numbers = iter([1, 1, *range(2, 100)])

    def allocate(self, prefix: str, second: str) -> int | None:
        return next(self.numbers)


def test_a_msgid_the_ledger_holds_already_is_skipped_before_anything_is_sent(database, institution):
    bureau = Bureau()
    # recorded before sending (every write and money call; a query when its row is not deferred)
    settings = dataclasses.replace(FAST, query_ledger_after_answer=False)
    transport = httpx.MockTransport(bureau)
    with BureauEngine(database, RepeatingAllocator(), transport=transport, settings=settings) as e:
        result = e.call("1101", PERSON, institution=institution)
        rows = {r.msgid: r for r in e.ledger.entries()}
    sent = [m["msgid"] for m in bureau.seen]
    assert len(sent) == len(set(sent)) == 2, sent  # 9001 and 1101, each sent once with its own msgid
    assert set(rows) == set(sent) and rows[result.msgid].state == "SUCCESS"


def test_a_query_row_written_after_its_answer_never_fails_the_call(database, institution, caplog):
    """A deferred query row whose msgid clashes (allocators switched within a second) is logged, not
    raised: the caller has its answer, and a read has no outcome to resolve."""
    bureau = Bureau()
    with engine(database, RepeatingAllocator(), bureau) as e:
        result = e.call("1101", PERSON, institution=institution)
        rows = {r.msgid: r for r in e.ledger.entries()}
    assert result.state == "SUCCESS" and [m["infno"] for m in bureau.seen] == ["9001", "1101"]
    assert rows[result.msgid].infno == "9001"  # the first holder keeps its row
    assert "报文ID重复" in caplog.text


class LedgerWatchingBureau(Bureau):
    """Notes, for each message it receives, the ledger state its msgid has at that moment."""

    def __init__(self, database) -> None:
        super().__init__()
        self.database = database
        self.state_at_send: dict[str, str | None] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        msgid = json.loads(request.content)["msgid"]
        with self.database.session() as s:
            self.state_at_send[msgid] = s.scalar(select(LedgerEntry.state).where(LedgerEntry.msgid == msgid))
        return super().__call__(request)


@pytest.mark.anyio
async def test_money_is_recorded_before_sending_and_a_query_after_its_answer(
    database, allocator, institution
):
    bureau = LedgerWatchingBureau(database)
    e = AsyncBureauEngine(database, allocator, transport=httpx.MockTransport(bureau), settings=FAST)
    query = await e.call("1101", PERSON, institution=institution)
    money = await e.call("2207", settle_input(), institution=institution)
    assert bureau.state_at_send[money.msgid] == "PENDING"  # durable before the message left
    assert bureau.state_at_send[query.msgid] is None  # a read holds no write on its path
    with database.session() as s:
        assert (
            s.scalar(select(LedgerEntry.state).where(LedgerEntry.msgid == money.msgid)) == "SUCCESS"
        )  # its answer is written before it returns
    e.flush_ledger()
    with database.session() as s:
        row = s.scalars(select(LedgerEntry).where(LedgerEntry.msgid == query.msgid)).one()
        assert row.state == "SUCCESS" and row.infcode == 0 and row.answered_at is not None
    await e.aclose()
