"""A reversal must not overtake a slow original (issue 13 §4).

A bureau that is still working on a settlement when the caller's timeout runs out answers the engine's 2601
"原交易不存在": the original has not been booked yet.  A second later it is.  Taking that first answer as
final would tell the cashier "未生效，可以重新办理" while the bureau holds the money — and the next attempt
settles the visit twice.  The engine keeps such an entry UNKNOWN until the bureau's processing window has
passed, then asks again.

The sandbox's `delayed_commit` fault books the message a while after it arrived, whatever the client does
meanwhile; over a real socket, a plain `latency` longer than the caller's timeout does the same (uvicorn
finishes a request whose client went away).
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from sandbox_support import (
    OUTPATIENT,
    PHARMACY_PURCHASE,
    SETTINGS,
    Flow,
    SandboxBureau,
    assert_ledgers_agree,
    attempt,
    new_visit,
    run_step,
)

from medical_insurance_sdk.exceptions import OutcomeUnknownError
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.storage.database import Database

CALL_TIMEOUT_S = 0.4  # the cashier's client gives up on the settlement after this
BOOKED_AFTER_MS = 1500  # the bureau books it this long after it arrived
WINDOW_S = 2.5  # the profile's processing window: longer than the bureau ever takes
SLOW = replace(SETTINGS, processing_window_s=WINDOW_S)


def _slow_settlement(bureau: SandboxBureau, flow: Flow, money: str, kind: str) -> tuple[dict, object]:
    """A visit brought up to its settlement `money`, which the bureau books only after the caller gave up."""
    visit = new_visit()
    for step in flow.before(money):
        run_step(bureau.counter, step, visit)
    rule = {"scope": money, "kind": kind, "latency_ms": BOOKED_AFTER_MS, "count": 1}
    bureau.state.faults.replace([FaultRule.model_validate(rule)])
    return visit, attempt(bureau.counter, flow.step(money), visit, timeout_s=CALL_TIMEOUT_S)


def _settles_again(bureau: SandboxBureau, flow: Flow, money: str, visit: dict) -> None:
    """The cashier, told the first attempt was undone, settles the visit: exactly one settlement is live."""
    bureau.state.faults.clear()
    run_step(bureau.counter, flow.step(money), visit)
    assert_ledgers_agree(bureau, flow.who)


@pytest.mark.parametrize(("flow", "money"), [(OUTPATIENT, "2207"), (PHARMACY_PURCHASE, "2102")])
def test_the_call_waits_out_the_window_and_reverses_the_late_settlement(
    database: Database, flow: Flow, money: str
) -> None:
    with SandboxBureau(database, settings=SLOW) as bureau:
        visit, answer = _slow_settlement(bureau, flow, money, "delayed_commit")
        error = answer.error
        # "原交易不存在" came first; the engine did not believe it, asked again after the window, and the
        # settlement that had arrived meanwhile was reversed: the cashier may settle again, once
        assert isinstance(error, OutcomeUnknownError) and error.outcome == "reversed", error
        row = bureau.counter.ledger.get(error.msgid)
        assert row is not None and row.state == "REVERSED", row
        reversals = list(bureau.counter.ledger.entries(infno="2601", parent_msgid=error.msgid))
        assert len(reversals) >= 2, "the first 2601 was not taken as final"
        _settles_again(bureau, flow, money, visit)


def test_past_the_budget_it_stays_unknown_and_is_swept_after_the_window(
    database: Database,
) -> None:
    short = replace(SLOW, resolve_budget_s=1.0)
    with SandboxBureau(database, settings=short) as bureau:
        visit, answer = _slow_settlement(bureau, OUTPATIENT, "2207", "delayed_commit")
        error = answer.error
        assert isinstance(error, OutcomeUnknownError) and error.outcome == "unknown", error
        assert error.retry is False  # "请勿重复办理": never "可以重新办理" while the bureau may still book it
        row = bureau.counter.ledger.get(error.msgid)
        assert row is not None and row.state == "UNKNOWN" and row.lease_until is not None
        assert "仍在医保局处理中" in (row.resolution_note or "")
        # held until the window has passed: a sweep now sends nothing
        assert bureau.counter.engine.sweep(bureau.counter.institutions) == {}
        time.sleep(max(0.0, (row.lease_until - row.created_at).total_seconds() - 1.0))
        deadline = time.monotonic() + 10
        report: dict[str, str] = {}
        while error.msgid not in report and time.monotonic() < deadline:
            report = bureau.counter.engine.sweep(bureau.counter.institutions)
            time.sleep(0.1)
        assert report == {error.msgid: "REVERSED"}
        _settles_again(bureau, OUTPATIENT, "2207", visit)


def test_over_a_socket_a_bureau_slower_than_the_timeout_is_not_taken_for_failed(database: Database) -> None:
    with SandboxBureau(database, served=True, settings=SLOW) as bureau:
        visit, answer = _slow_settlement(bureau, PHARMACY_PURCHASE, "2102", "latency")
        error = answer.error
        assert isinstance(error, OutcomeUnknownError) and error.outcome == "reversed", error
        _settles_again(bureau, PHARMACY_PURCHASE, "2102", visit)


def test_a_bureau_that_never_got_it_is_failed_once_the_window_has_passed(database: Database) -> None:
    with SandboxBureau(database, settings=SLOW) as bureau:
        visit = new_visit()
        for step in OUTPATIENT.before("2207"):
            run_step(bureau.counter, step, visit)
        bureau.fault("2207", "reset_before")
        started = time.monotonic()
        answer = attempt(bureau.counter, OUTPATIENT.step("2207"), visit)
        error = answer.error
        assert error is not None and not isinstance(error, OutcomeUnknownError), error
        assert error.retry is True and error.details["outcome"] == "failed"
        assert time.monotonic() - started >= WINDOW_S - 0.1, "concluded before the window had passed"
        _settles_again(bureau, OUTPATIENT, "2207", visit)
