"""Every write of the settlement flows under every fault: the lost answer is resolved, nothing is lost.

The money matrix (test_engine_faults.py) proves the settlements; the writes before them (registration 2201,
visit information 2203, fee upload 2204 / 2301, admission 2401, discharge 2402) carry no money but the
business cannot go on without knowing whether they took effect.  For each of them and each fault kind, a
fresh visit runs its flow with the fault on the write's first message, and then:

1. the caller gets a definite answer within the call: CONFIRMED by the write's query (`confirm_by`, matched
   by a business key or, for 2203 / 2402 which create none, by `confirm_evidence`), REVERSED by 2601 (2401),
   or FAILED and safe to make again;
2. the write was sent once, and the sweeper finds nothing left to resolve;
3. the business finishes the visit (settles and cancels), and our ledger and the sandbox's books agree.
"""

from __future__ import annotations

import pytest
from sandbox_support import (
    FAULT_KINDS,
    FAULTED_CALL_TIMEOUT_S,
    INPATIENT,
    OUTPATIENT,
    Flow,
    SandboxBureau,
    assert_definite_answer,
    assert_ledgers_agree,
    attempt,
    expected_state,
    fault_step,
    new_visit,
    run_step,
)

from medical_insurance_sdk.registry import REGISTRY, Safety
from medical_insurance_sdk.storage.database import Database

WRITES = {
    infno: flow
    for flow in (OUTPATIENT, INPATIENT)
    for infno in (s.infno for s in flow.steps)
    if REGISTRY[infno].safety is Safety.WRITE
}


def test_the_matrix_covers_the_writes_that_need_evidence() -> None:
    assert set(WRITES) == {"2201", "2203", "2204", "2401", "2301", "2402"}
    assert {i for i in WRITES if REGISTRY[i].confirm_evidence} == {"2203", "2402"}


def prove(bureau: SandboxBureau, flow: Flow, infno: str, kind: str) -> None:
    counter = bureau.counter
    faulted = fault_step(bureau, flow, infno, kind)
    visit, answer = faulted.visit, faulted.answer
    state = expected_state(infno, kind)
    assert_definite_answer(answer, infno, state, kind)
    assert counter.sweep_until_resolved() == {}, "nothing left for the sweeper"
    sent = faulted.sent(counter, infno)
    assert [(r.msgid, r.state) for r in sent] == [(answer.msgid, state)], "sent once, resolved as promised"

    if state != "CONFIRMED":
        run_step(counter, flow.step(infno), visit)  # it did not take effect: the business makes it again
    for step in flow.after(infno, until=flow.steps[-1].infno):
        run_step(counter, step, visit)
    assert_ledgers_agree(bureau, flow.who)
    assert bureau.live_settlements(flow.who) == []
    assert bureau.balance(flow.who) == flow.who.balc


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_every_write_is_resolved_after_the_fault(sqlite_db: Database, kind: str) -> None:
    with SandboxBureau(sqlite_db) as bureau:
        for infno, flow in WRITES.items():
            try:
                prove(bureau, flow, infno, kind)
            except AssertionError as failure:
                raise AssertionError(f"[{kind} on {infno}] {failure}") from failure


def test_a_lost_discharge_is_confirmed_by_the_discharge_diagnoses_it_sent(sqlite_db: Database) -> None:
    """2402 creates no key of its own: the ledger keeps its evidence, 5202's discharge diagnosis proves it."""
    flow = INPATIENT
    with SandboxBureau(sqlite_db) as bureau:
        counter, visit = bureau.counter, new_visit()
        for step in flow.before("2402"):
            run_step(counter, step, visit)
        bureau.fault("2402", "timeout_after")
        answer = attempt(counter, flow.step("2402"), visit, timeout_s=FAULTED_CALL_TIMEOUT_S)
        assert answer.result is not None, answer.error
        row = answer.result.output
        assert (row["mdtrt_id"], row["inout_diag_type"]) == (visit["mdtrt_id"], "2")
        entry = counter.ledger.get(answer.msgid)
        assert entry is not None
        assert entry.business_keys["evidence"]["inout_diag_type"] == "2"
