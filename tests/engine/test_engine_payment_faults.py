"""A lost answer to a mobile-payment order revocation (6401) is resolved by 6301, matched by payOrdId.

6401 revokes an unpaid order: it names the order by payOrdId (`identity_keys`), which the ledger keeps
unmasked (never the person's ID number or name, which the message may also carry), and 6301, asked by that
payOrdId, answers the order with ordStas 7 (已撤销) once revoked (`removed_mark`): CONFIRMED.  An order
6301 still shows in state 0 (uploaded) was not revoked: FAILED once the processing window has passed, and
the revocation is simply made again.  Every fault kind, SQLite; the two lost-answer kinds on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_support import (
    FAULT_KINDS,
    FAULTED_CALL_TIMEOUT_S,
    HANGING_FAULTS,
    PAYER,
    PAYMENT,
    Answer,
    Counter,
    SandboxBureau,
    assert_definite_answer,
    expected_state,
    new_visit,
    run_step,
)

from medical_insurance_sdk.exceptions import BureauError, MedicalInsuranceException
from medical_insurance_sdk.registry.catalog.payment import ORD_REVOKED
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL
from medical_insurance_sdk.storage.database import Database

ORD_UPLOADED = "0"


def _uploaded_order(counter: Counter) -> str:
    """6201: an unpaid order of 陈志强's fee lines; its payOrdId."""
    visit = new_visit()
    run_step(counter, PAYMENT.step("6201"), visit)
    return str(visit["payOrdId"])


def _revocation(pay_ord_id: str) -> dict[str, Any]:
    # idNo/userName are what a real HIS sends beside the order: the ledger must not keep them as keys
    person = {"idNo": PAYER.certno, "userName": PAYER.psn_name, "idType": "01"}
    return {"data": {"payOrdId": pay_ord_id, "orgCodg": DEMO_HOSPITAL} | person}


def _revoke(counter: Counter, pay_ord_id: str, **options: Any) -> Answer:
    try:
        return Answer(result=counter.call("6401", _revocation(pay_ord_id), **options))
    except MedicalInsuranceException as error:
        return Answer(error=error)


def _order_state(counter: Counter, pay_ord_id: str) -> str:
    answer = counter.call("6301", {"data": {"payOrdId": pay_ord_id, "orgCodg": DEMO_HOSPITAL}})
    return str(answer.output["data"]["ordStas"])


def prove(bureau: SandboxBureau, kind: str) -> None:
    counter = bureau.counter
    pay_ord_id = _uploaded_order(counter)
    assert _order_state(counter, pay_ord_id) == ORD_UPLOADED
    bureau.fault("6401", kind)
    wait = {"timeout_s": FAULTED_CALL_TIMEOUT_S} if kind in HANGING_FAULTS else {}
    answer = _revoke(counter, pay_ord_id, **wait)
    state = expected_state("6401", kind)
    assert_definite_answer(answer, "6401", state, kind)
    entry = counter.ledger.get(answer.msgid)
    assert entry is not None and entry.state == state
    assert entry.business_keys["payOrdId"] == pay_ord_id
    assert not {"idNo", "userName", "certno", "psn_name"} & set(entry.business_keys), "no person as a key"
    assert counter.sweep_until_resolved() == {}, "nothing left for the sweeper"
    if state == "CONFIRMED":
        assert _order_state(counter, pay_ord_id) == ORD_REVOKED
        # revoked once: a second revocation is the bureau's refusal, not a second effect
        again = _revoke(counter, pay_ord_id)
        assert isinstance(again.error, BureauError) and "已撤销" in again.error.message, again
    else:
        assert _order_state(counter, pay_ord_id) == ORD_UPLOADED  # it did not take effect
        made_again = _revoke(counter, pay_ord_id)
        assert made_again.result is not None and made_again.result.state == "SUCCESS", made_again.error
        assert _order_state(counter, pay_ord_id) == ORD_REVOKED
    # a revoked order can no longer be paid
    with pytest.raises(BureauError, match="订单已撤销"):
        counter.call("6202", {"data": {"payOrdId": pay_ord_id, "orgCodg": DEMO_HOSPITAL}})


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_a_lost_order_revocation_is_resolved_by_6301(sqlite_db: Database, kind: str) -> None:
    with SandboxBureau(sqlite_db) as bureau:
        prove(bureau, kind)


@pytest.mark.parametrize("kind", ["timeout_after", "timeout_before"])
def test_a_lost_order_revocation_on_postgresql(postgres_db: Database, kind: str) -> None:
    with SandboxBureau(postgres_db) as bureau:
        prove(bureau, kind)


def test_a_revocation_the_centre_never_saw_is_not_taken_for_done(sqlite_db: Database) -> None:
    """Before, 6401 had no key 6301 answers: the sweeper left it UNKNOWN for ever.  Now an order 6301 still
    shows unpaid and unrevoked is FAILED, never CONFIRMED (the order exists: that proves nothing)."""
    with SandboxBureau(sqlite_db) as bureau:
        counter = bureau.counter
        pay_ord_id = _uploaded_order(counter)
        bureau.fault("6401", "timeout_before")
        answer = _revoke(counter, pay_ord_id, timeout_s=FAULTED_CALL_TIMEOUT_S)
        entry = counter.ledger.get(answer.msgid)
        assert entry is not None and entry.state == "FAILED"
        assert entry.resolution_note is not None and "6301" in entry.resolution_note
