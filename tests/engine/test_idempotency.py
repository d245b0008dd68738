"""Idempotency keys on write and money calls: a resubmitted 2102 is answered, never sent twice.

Each test runs the pharmacy purchase (2102) against the sandbox bureau and counts the 2102 messages the
bureau received: with one key there is exactly one, whatever the caller does (the same body again, two
tills at once, a lost answer asked about before and after the sweeper).  A different body under a used key
is refused with 30006 (HTTP 409); a failure that never reached the bureau leaves the key free.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import anyio
import pytest
from sandbox_support import (
    FAULTED_CALL_TIMEOUT_S,
    OUTPATIENT,
    PHARMACY_PURCHASE,
    SETTINGS,
    Counter,
    SandboxBureau,
    new_visit,
    run_step,
)
from sqlalchemy import select, update

from medical_insurance_sdk.engine.calls import CallResult
from medical_insurance_sdk.engine.engine import AsyncBureauEngine
from medical_insurance_sdk.engine.flow import utcnow
from medical_insurance_sdk.engine.idempotency import _from_ledger, _rebuilt_error, check_key, request_hash
from medical_insurance_sdk.engine.settings import EngineSettings
from medical_insurance_sdk.exceptions import (
    DataValidationError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    RequestError,
)
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.sandbox.transport import SandboxTransport, SyncSandboxTransport
from medical_insurance_sdk.storage.allocators import allocator_for
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import IdempotencyRecord

FLOW = PHARMACY_PURCHASE
# a lost answer the call cannot resolve by itself (2601 keeps failing): the sweeper resolves it later
QUICK_GIVE_UP = EngineSettings(
    timeout_s=10.0, backoff_base_s=0.01, backoff_max_s=0.02, resolve_budget_s=0.2, processing_window_s=0.0
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Database:
    fixture = {"sqlite": "sqlite_db", "postgresql": "postgres_db"}[request.param]
    db: Database = request.getfixturevalue(fixture)
    return db


@pytest.fixture
def bureau(database: Database) -> Iterator[SandboxBureau]:
    with SandboxBureau(database) as sandbox:
        yield sandbox


def purchase(counter: Counter) -> dict[str, Any]:
    """A visit brought up to the purchase (1101, 2101); returns the 2102 input."""
    visit = new_visit()
    for step in FLOW.before("2102"):
        run_step(counter, step, visit)
    payload: dict[str, Any] = FLOW.step("2102").payload(visit)
    return payload


def sent(bureau: SandboxBureau, infno: str = "2102") -> list[str]:
    return sorted(m.msgid for m in bureau.messages().values() if m.infno == infno)


def buy(counter: Counter, payload: dict[str, Any], key: str | None, **options: Any) -> CallResult:
    return counter.call("2102", payload, at=FLOW.step("2102").at, idempotency_key=key, **options)


def outcome(counter: Counter, payload: dict[str, Any], key: str, **options: Any) -> Any:
    try:
        return buy(counter, payload, key, **options)
    except MedicalInsuranceException as error:
        return error


def keys(database: Database) -> list[IdempotencyRecord]:
    with database.session() as s:
        return list(s.scalars(select(IdempotencyRecord).order_by(IdempotencyRecord.id)))


def test_without_a_key_a_resubmitted_purchase_is_sent_twice(bureau: SandboxBureau) -> None:
    """What the key is for: the bureau settles each 2102 it gets."""
    payload = purchase(bureau.counter)
    first, second = buy(bureau.counter, payload, None), buy(bureau.counter, payload, None)
    assert first.msgid != second.msgid
    assert len(sent(bureau)) == 2


def test_the_same_key_and_body_answer_the_first_outcome_without_sending(
    bureau: SandboxBureau, database: Database
) -> None:
    payload = purchase(bureau.counter)
    first = buy(bureau.counter, payload, "HIS-ORDER-0001")
    again = buy(bureau.counter, payload, "HIS-ORDER-0001")
    assert sent(bureau) == [first.msgid]
    assert (again.msgid, again.state, again.output) == (first.msgid, "SUCCESS", first.output)
    assert again.output["setlinfo"]["setl_id"] == first.output["setlinfo"]["setl_id"]
    [record] = keys(database)
    assert (record.state, record.msgid, record.infno) == ("DONE", first.msgid, "2102")


def test_the_same_key_with_another_body_is_refused_with_409(bureau: SandboxBureau) -> None:
    payload = purchase(bureau.counter)
    first = buy(bureau.counter, payload, "HIS-ORDER-0002")
    changed = {**payload, "druginfo": {**payload["druginfo"], "acct_used_flag": "0"}}
    with pytest.raises(DataValidationError) as refused:
        buy(bureau.counter, changed, "HIS-ORDER-0002")
    assert (refused.value.code, refused.value.http_status) == (30006, 409)
    assert "HIS-ORDER-0002" in refused.value.message and "另一笔请求" in refused.value.message
    assert sent(bureau) == [first.msgid]


def test_the_hash_is_canonical_and_exact() -> None:
    assert request_hash("2102", {"a": 1, "b": {"y": "1", "x": "2"}}) == request_hash(
        "2102", {"b": {"x": "2", "y": "1"}, "a": 1}
    )
    assert request_hash("2102", {"a": "1.0"}) != request_hash("2102", {"a": "1.00"})
    assert request_hash("2102", {"a": Decimal("25.00")}) == request_hash("2102", {"a": "25.00"})
    assert request_hash("2102", {"a": Decimal("25.00")}) != request_hash("2102", {"a": Decimal("25.0")})
    assert request_hash("2102", {"a": 2}) == request_hash("2102", {"a": "2"})
    assert request_hash("2102", {"a": 1}) != request_hash("2103", {"a": 1})


@pytest.mark.parametrize("bad", ["", " ", "订单1", "x" * 256, "a\nb"])
def test_a_malformed_key_is_a_request_error(bad: str) -> None:
    with pytest.raises(RequestError) as refused:
        check_key(bad)
    assert refused.value.code == 10002


def test_two_tills_at_once_send_one_purchase(bureau: SandboxBureau) -> None:
    counter = bureau.counter
    payload = purchase(counter)
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def till(i: int) -> None:
        barrier.wait()
        answers[i] = outcome(counter, payload, "HIS-ORDER-0003")

    threads = [threading.Thread(target=till, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    [msgid] = sent(bureau)
    for answer in answers:
        if isinstance(answer, CallResult):
            assert (answer.msgid, answer.state) == (msgid, "SUCCESS")
        else:
            assert isinstance(answer, DataValidationError), answer
            assert (answer.code, answer.http_status, answer.retry) == (30006, 409, True)
            assert "正在处理中" in answer.message
    assert any(isinstance(answer, CallResult) for answer in answers)


def test_concurrent_async_calls_send_one_purchase(bureau: SandboxBureau, database: Database) -> None:
    payload = purchase(bureau.counter)
    institution = bureau.counter.institutions[FLOW.step("2102").at]

    async def main() -> list[Any]:
        engine = AsyncBureauEngine(
            database, allocator_for(database), transport=SandboxTransport(bureau.app), settings=SETTINGS
        )
        answers: list[Any] = []

        async def one() -> None:
            try:
                answers.append(
                    await engine.call("2102", payload, institution=institution, idempotency_key="ASYNC-1")
                )
            except MedicalInsuranceException as error:
                answers.append(error)

        try:
            async with anyio.create_task_group() as group:
                for _ in range(3):
                    group.start_soon(one)
        finally:
            await engine.aclose()
        return answers

    answers = anyio.run(main)
    [msgid] = sent(bureau)
    assert len(answers) == 3
    for answer in answers:
        assert (isinstance(answer, CallResult) and answer.msgid == msgid) or (
            isinstance(answer, DataValidationError) and answer.code == 30006
        ), answer


def test_a_lost_answer_is_replayed_as_unknown_then_as_its_resolution(
    bureau: SandboxBureau, database: Database
) -> None:
    counter = Counter(database, transport=SyncSandboxTransport(bureau.app), settings=QUICK_GIVE_UP)
    try:
        payload = purchase(counter)
        bureau.state.faults.replace(
            [
                FaultRule.model_validate({"scope": "2102", "kind": "reset_after", "count": 1}),
                FaultRule.model_validate({"scope": "2601", "kind": "http_5xx"}),
            ]
        )
        with pytest.raises(OutcomeUnknownError) as lost:
            buy(counter, payload, "HIS-ORDER-0004", timeout_s=FAULTED_CALL_TIMEOUT_S * 10)
        msgid = lost.value.msgid
        assert msgid and lost.value.outcome == "unknown"

        with pytest.raises(OutcomeUnknownError) as replay:
            buy(counter, payload, "HIS-ORDER-0004")
        assert (replay.value.msgid, replay.value.outcome) == (msgid, "unknown")
        assert "请勿重复办理" in replay.value.message

        # the process died while it was in flight: after stale_pending_s the key answers from the ledger
        with database.session() as s:
            s.execute(
                update(IdempotencyRecord).values(
                    state="IN_FLIGHT", error=None, created_at=datetime(2020, 1, 1)
                )
            )
        with pytest.raises(OutcomeUnknownError) as crashed:
            buy(counter, payload, "HIS-ORDER-0004")
        assert crashed.value.msgid == msgid

        bureau.state.faults.replace([])
        assert counter.sweep_until_resolved() == {msgid: "REVERSED"}
        with pytest.raises(OutcomeUnknownError) as resolved:
            buy(counter, payload, "HIS-ORDER-0004")
        assert (resolved.value.msgid, resolved.value.outcome) == (msgid, "reversed")
        assert "2601" in resolved.value.message
        assert sent(bureau) == [msgid]
    finally:
        counter.close()


def test_a_registration_confirmed_later_is_replayed_with_the_query_row(
    bureau: SandboxBureau, database: Database
) -> None:
    """2201's answer is lost and 5201 fails until the call gives up; the sweeper confirms it by 5201.  The
    same key then answers what a call confirming it itself answers: the 5201 row, with the mdtrt_id."""
    counter = Counter(database, transport=SyncSandboxTransport(bureau.app), settings=QUICK_GIVE_UP)
    try:
        visit = new_visit()
        for step in OUTPATIENT.before("2201"):
            run_step(counter, step, visit)
        step = OUTPATIENT.step("2201")
        payload = step.payload(visit)

        def register() -> CallResult:
            return counter.call("2201", payload, at=step.at, idempotency_key="HIS-REG-0001")

        bureau.state.faults.replace(
            [
                FaultRule.model_validate({"scope": "2201", "kind": "reset_after", "count": 1}),
                FaultRule.model_validate({"scope": "5201", "kind": "http_5xx"}),
            ]
        )
        with pytest.raises(OutcomeUnknownError) as lost:
            register()
        msgid = lost.value.msgid
        assert msgid and lost.value.outcome == "unknown"

        bureau.state.faults.replace([])
        assert counter.sweep_until_resolved() == {msgid: "CONFIRMED"}
        registered = bureau.messages()[msgid].output["data"]  # what the bureau answered, and lost
        queries = set(sent(bureau, "5201"))

        replay = register()
        assert (replay.msgid, replay.state, replay.confirmed_by) == (msgid, "CONFIRMED", "5201")
        assert isinstance(replay.output, dict)
        assert replay.output["mdtrt_id"] == registered["mdtrt_id"]
        assert replay.output["ipt_otp_no"] == payload["data"]["ipt_otp_no"]
        [asked] = set(sent(bureau, "5201")) - queries  # asked once more: a read, recorded under the original
        query_entry = counter.ledger.get(asked)
        assert query_entry is not None and query_entry.parent_msgid == msgid

        # the query fails now: still CONFIRMED (without the row), never an error, never a second 2201
        bureau.state.faults.replace([FaultRule.model_validate({"scope": "5201", "kind": "http_5xx"})])
        blind = register()
        assert (blind.msgid, blind.state, blind.confirmed_by, blind.output) == (
            msgid,
            "CONFIRMED",
            "5201",
            None,
        )
        assert sent(bureau, "2201") == [msgid]
    finally:
        counter.close()


def test_a_key_in_flight_is_not_sent_again(bureau: SandboxBureau, database: Database) -> None:
    payload = purchase(bureau.counter)
    with database.session() as s:
        s.add(
            IdempotencyRecord(
                institution_code=FLOW.step("2102").at,
                idem_key="HIS-ORDER-0005",
                request_hash=request_hash("2102", payload),
                infno="2102",
                state="IN_FLIGHT",
                created_at=utcnow(),  # the flow's clock: naive UTC
            )
        )
    with pytest.raises(DataValidationError) as busy:
        buy(bureau.counter, payload, "HIS-ORDER-0005")
    assert (busy.value.code, busy.value.http_status, busy.value.retry) == (30006, 409, True)
    assert "同一幂等键的请求正在处理中，请稍后查询" in busy.value.message
    assert busy.value.retry_after is not None
    assert sent(bureau) == []


def test_an_abandoned_key_that_sent_nothing_is_taken_over(bureau: SandboxBureau, database: Database) -> None:
    payload = purchase(bureau.counter)
    with database.session() as s:
        s.add(
            IdempotencyRecord(
                institution_code=FLOW.step("2102").at,
                idem_key="HIS-ORDER-0006",
                request_hash=request_hash("2102", payload),
                infno="2102",
                state="IN_FLIGHT",
                created_at=datetime(2020, 1, 1),
            )
        )
    result = buy(bureau.counter, payload, "HIS-ORDER-0006")
    assert sent(bureau) == [result.msgid]
    assert [(r.state, r.msgid) for r in keys(database)] == [("DONE", result.msgid)]


def test_a_validation_failure_releases_the_key(bureau: SandboxBureau, database: Database) -> None:
    payload = purchase(bureau.counter)
    broken = {k: v for k, v in payload.items() if k != "druginfo"}  # 30001: the druginfo node is missing
    with pytest.raises(DataValidationError) as invalid:
        buy(bureau.counter, broken, "HIS-ORDER-0007")
    assert invalid.value.code != 30006
    assert keys(database) == []
    result = buy(bureau.counter, payload, "HIS-ORDER-0007")  # fixed, with the same key
    assert sent(bureau) == [result.msgid]


def test_a_refused_connection_releases_the_key(database: Database) -> None:
    """The purchase never left (nobody listens on the port): the key is free for the same call again."""
    counter = Counter(database, base_url="http://127.0.0.1:9", settings=EngineSettings(max_attempts=1))
    at = FLOW.step("2102").at
    now = utcnow()
    counter.ledger.store_session(at, "OP001", "SIGNED-IN", now, now + timedelta(hours=1))
    try:
        with pytest.raises(MedicalInsuranceException) as refused:
            buy(counter, FLOW.step("2102").payload(new_visit()), "HIS-ORDER-0008")
        assert refused.value.code == 60005, refused.value
        assert [r.state for r in counter.ledger.entries(infno="2102")] == ["FAILED"]
        assert keys(database) == []
    finally:
        counter.close()


def test_a_bureau_refusal_is_remembered(bureau: SandboxBureau, database: Database) -> None:
    payload = purchase(bureau.counter)
    unknown_person = {**payload, "druginfo": {**payload["druginfo"], "psn_no": "43000000000000000000"}}
    with pytest.raises(MedicalInsuranceException) as first:
        buy(bureau.counter, unknown_person, "HIS-ORDER-0009")
    with pytest.raises(MedicalInsuranceException) as again:
        buy(bureau.counter, unknown_person, "HIS-ORDER-0009")
    assert type(again.value) is type(first.value)
    assert (again.value.code, again.value.message, again.value.msgid) == (
        first.value.code,
        first.value.message,
        first.value.msgid,
    )
    assert sent(bureau) == [first.value.msgid]


def test_a_key_on_a_query_is_ignored(bureau: SandboxBureau, database: Database) -> None:
    step = FLOW.step("1101")
    payload = step.payload(new_visit())
    first = bureau.counter.call("1101", payload, at=step.at, idempotency_key="Q-1")
    second = bureau.counter.call("1101", payload, at=step.at, idempotency_key="Q-1")
    assert first.msgid != second.msgid
    assert keys(database) == []


class _Entry:
    """The fields of a ledger row the replay reads."""

    def __init__(self, state: str, *, resolved: bool = False, response: Any = None) -> None:
        self.state, self.response = state, response
        self.resolved_at = datetime(2025, 7, 14) if resolved else None
        self.error_code, self.error_message, self.infcode = 50008, "重复结算", -2


def test_a_key_whose_message_the_ledger_settled_answers_that_settlement() -> None:
    tx = REGISTRY["2102"]
    confirmed = _from_ledger(tx, "M1", _Entry("CONFIRMED"))
    assert (confirmed.msgid, confirmed.state, confirmed.confirmed_by) == ("M1", "CONFIRMED", tx.confirm_by)
    assert confirmed.output is None  # the confirming query could not be asked again
    row = {"setl_id": "S1", "medins_setl_id": "M1"}
    assert _from_ledger(tx, "M1", _Entry("CONFIRMED"), row).output == row
    done = _from_ledger(tx, "M1", _Entry("SUCCESS", response={"output": {"setlinfo": {"setl_id": "S1"}}}))
    assert done.output == {"setlinfo": {"setl_id": "S1"}}
    with pytest.raises(MedicalInsuranceException) as failed:
        _from_ledger(tx, "M1", _Entry("FAILED", resolved=True))
    assert (failed.value.code, failed.value.retry, failed.value.msgid) == (20003, False, "M1")
    assert "新的幂等键" in failed.value.message
    with pytest.raises(OutcomeUnknownError) as pending:
        _from_ledger(tx, "M1", _Entry("PENDING"))
    assert (pending.value.outcome, pending.value.msgid) == ("unknown", "M1")


def test_a_replayed_retryable_error_says_that_the_key_is_spent() -> None:
    stored = {"code": 20006, "message": "系统繁忙", "infno": "2102", "msgid": "M1", "retry": True}
    error = _rebuilt_error(stored)
    assert (error.code, error.retry, error.msgid) == (20006, False, "M1")
    assert error.message.startswith("系统繁忙") and "新的幂等键" in error.message
