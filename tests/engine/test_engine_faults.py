"""Every money transaction under every fault, against the sandbox bureau: never settle twice, lose nothing.

For each money call the sandbox keeps state for (pre-settlements 2206 / 2303 / 2101 / 2163,
settlements 2207 / 2304 / 2102, cancellations 2208 / 2305 / 2103, 异地购药 退费 2162 / 取消 2164, mobile
payment 6202 / 6203) and each fault (the bureau times out before processing, times out after
committing, resets the connection before or after processing, answers a gateway 5xx, or answers
infcode -1), a fresh visit runs its flow and the fault hits that call's first message only. Then:

1. the caller gets a definite answer within the call: REVERSED (OutcomeUnknownError "reversed"),
   CONFIRMED (a result proved by a query) or FAILED (an error that is safe to retry), as docs/engine.md
   promises, and the money call itself was sent once;
2. after the sweeper, our ledger and the sandbox's books agree, and the person's account shows exactly
   our live settlements (`assert_ledgers_agree`);
3. the business finishes its flow (what did not take effect is simply made again) and ends with the
   hand-derived balance and one live settlement for the visit, or none after a cancellation.

One bureau and one ledger serve every visit of a fault kind (each visit ends with the person's account
back at its seed balance).  The engine's ledger is on SQLite and on PostgreSQL (`any_db`); the sandbox
keeps its own in-memory database.  The matrix runs in process, and a reduced one over a real socket.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sandbox_support import (
    FAULT_KINDS,
    FAULTED_CALL_TIMEOUT_S,
    HANGING_FAULTS,
    LIU_FANG,
    MONEY_STEPS,
    OFFSITE_REFUND,
    ORDER_FLOWS,
    SETTLEMENTS,
    SandboxBureau,
    Step,
    assert_definite_answer,
    assert_ledgers_agree,
    assert_messages_agree,
    attempt,
    expected_state,
    fault_step,
    new_visit,
    run_step,
)

from medical_insurance_sdk.sandbox.seed import DEMO_PHARMACY
from medical_insurance_sdk.storage.database import Database

TARGETS = (
    *("2206", "2207", "2208", "2303", "2304", "2305", "2101", "2102", "2103"),
    *("2163", "2162", "2164"),  # 异地就医购药: 试算, 退费, 取消订单 (confirmed by 2165)
    *("6202", "6203"),  # mobile payment: 支付下单, 医保退费 (confirmed by 6301)
)
# over the socket the question is the transport's (timeouts, resets, 5xx on a real TCP connection), which
# is the same for every transaction: the settlement of the 单边账 story stands for them
SOCKET_TARGETS = ("2207",)


@contextmanager
def scenario(infno: str, kind: str) -> Iterator[None]:
    """Name the visit in a failure: many run in one test."""
    try:
        yield
    except AssertionError as failure:
        raise AssertionError(f"[{kind} on {infno}] {failure}") from failure


def prove_compensation(bureau: SandboxBureau, infno: str, kind: str) -> None:
    """One visit of `infno`'s flow with `kind` on its first `infno` message (the module docstring's 1-3)."""
    flow = MONEY_STEPS[infno]
    if flow in ORDER_FLOWS:
        prove_order_compensation(bureau, infno, kind)
        return
    counter = bureau.counter
    faulted = fault_step(bureau, flow, infno, kind)
    visit, answer = faulted.visit, faulted.answer
    state = expected_state(infno, kind)
    assert_definite_answer(answer, infno, state, kind)
    counter.sweep_until_resolved()
    sent = faulted.sent(counter, infno)
    assert [(r.msgid, r.state) for r in sent] == [(answer.msgid, state)], "sent once, resolved as promised"
    assert_ledgers_agree(bureau, flow.who)

    # the business finishes its flow: what did not take effect is simply made again
    last = flow.finish(infno)
    if state != "CONFIRMED":
        run_step(counter, flow.step(infno), visit)
    for step in flow.after(infno, until=last):
        run_step(counter, step, visit)
    assert_ledgers_agree(bureau, flow.who)
    assert bureau.balance(flow.who) == flow.balance_after[last]
    settled = [s for s in bureau.live_settlements(flow.who) if s.mdtrt_id == visit["mdtrt_id"]]
    assert len(settled) == (1 if last in SETTLEMENTS else 0)

    # and gives the money back, so that the next visit starts from the seed balance
    for step in flow.after(last, until=flow.steps[-1].infno):
        run_step(counter, step, visit)
    assert bureau.live_settlements(flow.who) == []
    assert bureau.balance(flow.who) == flow.who.balc


def prove_order_compensation(bureau: SandboxBureau, infno: str, kind: str) -> None:
    """The same for a mobile-payment order, whose ledger rows name the order, not the person: each message
    stands at the bureau as our ledger says, and the account and the person's live settlements show
    exactly the payments made (one after 6202, none after 6203)."""
    flow = MONEY_STEPS[infno]
    counter = bureau.counter
    faulted = fault_step(bureau, flow, infno, kind)
    state = expected_state(infno, kind)
    assert_definite_answer(faulted.answer, infno, state, kind)
    counter.sweep_until_resolved()
    sent = faulted.sent(counter, infno)
    assert [(r.msgid, r.state) for r in sent] == [(faulted.answer.msgid, state)], (
        "sent once, resolved as promised"
    )
    assert_messages_agree(bureau)

    last = flow.finish(infno)
    if state != "CONFIRMED":
        run_step(counter, flow.step(infno), faulted.visit)
    for step in flow.after(infno, until=last):
        run_step(counter, step, faulted.visit)
    assert_messages_agree(bureau)
    assert bureau.balance(flow.who) == flow.balance_after[last]
    assert len(bureau.live_settlements(flow.who)) == (1 if last == "6202" else 0), "paid once"

    for step in flow.after(last, until=flow.steps[-1].infno):
        run_step(counter, step, faulted.visit)
    assert bureau.live_settlements(flow.who) == []
    assert bureau.balance(flow.who) == flow.who.balc


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_every_money_call_is_compensated_after_the_fault(any_db: Database, kind: str) -> None:
    with SandboxBureau(any_db) as bureau:
        for infno in TARGETS:
            with scenario(infno, kind):
                prove_compensation(bureau, infno, kind)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_the_same_over_a_real_socket(any_db: Database, kind: str) -> None:
    with SandboxBureau(any_db, served=True) as bureau:
        for infno in SOCKET_TARGETS:
            with scenario(infno, kind):
                prove_compensation(bureau, infno, kind)


def _reversal_of(refund_msgid: str) -> Step:
    data = {"psn_no": LIU_FANG.psn_no, "omsgid": refund_msgid, "oinfno": "2162"}
    return Step("2181", lambda visit: {"data": data}, at=DEMO_PHARMACY)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_the_offsite_reversal_is_resolved_after_the_fault(any_db: Database, kind: str) -> None:
    """2181 冲正 of a 2162 refund meets `kind`: the caller gets a definite answer (CONFIRMED by 2165, or
    FAILED and made again), sent once, and the settlement stands again exactly once (762.10), then is
    refunded.

    Its own bureau and ledger: the engine's ledger keeps the reversed 2162 as it answered (SUCCESS), so the
    shared matrix's ledger agreement does not apply once a 2181 took effect."""
    with SandboxBureau(any_db) as bureau, scenario("2181", kind):
        counter, visit = bureau.counter, new_visit()
        for step in OFFSITE_REFUND.steps[:-1]:
            run_step(counter, step, visit)
        refund = run_step(counter, OFFSITE_REFUND.step("2162"), visit)
        assert bureau.balance(LIU_FANG) == OFFSITE_REFUND.balance_after["2162"]
        before = {r.msgid for r in counter.ledger.entries(infno="2181")}
        bureau.fault("2181", kind)
        wait = {"timeout_s": FAULTED_CALL_TIMEOUT_S} if kind in HANGING_FAULTS else {}
        answer = attempt(counter, _reversal_of(refund.msgid), visit, **wait)
        state = expected_state("2181", kind)
        assert_definite_answer(answer, "2181", state, kind)
        counter.sweep_until_resolved()
        sent = [r for r in counter.ledger.entries(infno="2181", parent_msgid=None) if r.msgid not in before]
        assert [(r.msgid, r.state) for r in sent] == [(answer.msgid, state)], (
            "sent once, resolved as promised"
        )
        if state != "CONFIRMED":
            run_step(counter, _reversal_of(refund.msgid), visit)
        live = [s for s in bureau.live_settlements(LIU_FANG) if s.mdtrt_id == visit["mdtrt_id"]]
        assert len(live) == 1 and bureau.balance(LIU_FANG) == OFFSITE_REFUND.balance_after["2102"]
        run_step(counter, OFFSITE_REFUND.step("2162"), visit)  # and refunded again
        assert bureau.live_settlements(LIU_FANG) == []
        assert bureau.balance(LIU_FANG) == LIU_FANG.balc
