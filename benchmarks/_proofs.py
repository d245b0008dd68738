"""What the reliability proofs share: the HIS's way of handling answers, compensation until quiescent, and
the invariants read from both sides — the sandbox's own database (the bureau's truth) and our ledger.

    outcome = await his_flow(lambda call: outpatient(call, n, tag), gateway.call)
    compensate(database_url, settings)             # engine.sweep until nothing is left to resolve
    facts = invariants(database_url, sandbox_db_url, code)
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
from _common import SANDBOX_ADMIN_HEADERS
from _flows import Call, FlowRefused, GatewayError
from _stack import bench_database
from sqlalchemy import create_engine, func, select

from medical_insurance_sdk.engine.reconcile import Reconciler
from medical_insurance_sdk.gateway.assembly import open_sync_engine
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.protocol.jsoncodec import BEIJING
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.business_state import SettlementRow
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.sandbox.state import Message, Person
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

# The write and money transactions the flows send, plus sign-in and the compensation's own 2601.
FAULTED_INFNOS = (
    "9001",
    "2201",
    "2203",
    "2204",
    "2206",
    "2207",
    "2208",
    "2401",
    "2301",
    "2303",
    "2402",
    "2304",
    "2601",
)
FAULT_KINDS = (
    "latency",
    "timeout_before",
    "timeout_after",
    "reset_before",
    "reset_after",
    "http_5xx",
    "infcode_error",
    "delayed_commit",
)
# delayed_commit books the message this long after it arrived: after the gateway gave up on it (its
# bureau timeout), within the processing window the gateway is told (fault_soak.py)
DELAYED_COMMIT_MS = 2000
# the calls that move a person's account: settlements and their cancellations, as the registry declares
MONEY_MOVES = (*REGISTRY.settlements(), *REGISTRY.settlement_cancellations())
OPEN_STATES = ("UNKNOWN", "PENDING")
STEP_ATTEMPTS = 4
CONNECT_RETRIES = 240  # × 0.25 s: a gateway restart must not take longer than a minute


def fault_rules(total_probability: float = 0.10) -> list[dict[str, Any]]:
    """One rule per (infno, kind), each kind equally likely, so that a message meets some fault with
    probability `total_probability` (the kinds are drawn independently: 1 - (1 - p)^kinds)."""
    each = 1 - (1 - total_probability) ** (1 / len(FAULT_KINDS))
    rules = []
    for infno in FAULTED_INFNOS:
        for kind in FAULT_KINDS:
            rule: dict[str, Any] = {"scope": infno, "kind": kind, "probability": round(each, 5)}
            if kind == "latency":
                rule["latency_ms"] = 200
            if kind == "delayed_commit":
                rule["latency_ms"] = DELAYED_COMMIT_MS
            rules.append(rule)
    return rules


def set_faults(sandbox_url: str, rules: list[dict[str, Any]], seed: int = 7) -> None:
    httpx.put(
        f"{sandbox_url}/sandbox/admin/faults",
        json={"rules": rules, "seed": seed},
        headers=SANDBOX_ADMIN_HEADERS,
        timeout=10,
    ).raise_for_status()


# ------------------------------------------------------------------------------------------- the HIS
class Abandoned(Exception):
    """The HIS stops a flow: the gateway said the outcome is unknown (or could not say anything)."""


def his(call: Call, tally: Counter[str]) -> Call:
    """A Call that behaves as a careful HIS: an unknown outcome ends the flow (never resent: compensation
    decides), a refusal or a reversed/failed outcome is tried again, up to STEP_ATTEMPTS times; a refused
    connection (nothing sent) waits for the gateway; a lost answer ends the flow like an unknown outcome."""

    async def step(infno: str, input_: Mapping[str, Any]) -> Any:
        last: Exception | None = None
        attempt = 0
        refused_connections = 0
        while attempt < STEP_ATTEMPTS:
            attempt += 1
            try:
                return await call(infno, input_)
            except httpx.ConnectError as exc:
                # nothing was sent (the gateway is down, e.g. restarting): wait for it, bounded
                refused_connections += 1
                if refused_connections > CONNECT_RETRIES:
                    raise Abandoned(str(exc)) from exc
                attempt -= 1
                tally["connect_refused"] += 1
                await anyio.sleep(0.25)
                continue
            except GatewayError as exc:
                last = exc
                if exc.outcome == "unknown" or (
                    exc.status >= 500 and exc.outcome is None and exc.code == 60010
                ):
                    tally[f"abandoned_{infno}_{exc.code}_{exc.outcome}"] += 1
                    raise Abandoned(str(exc)) from exc
                tally[f"retried_{infno}_{exc.code}"] += 1
            except httpx.HTTPError as exc:  # the gateway itself went away (the crash proof)
                tally[f"abandoned_{infno}_{type(exc).__name__}"] += 1
                raise Abandoned(str(exc)) from exc
            await anyio.sleep(0.1 * attempt)
        raise FlowRefused(f"{infno}: {last}")

    return step


async def his_flow(flow: Callable[[Call], Awaitable[Any]], call: Call, tally: Counter[str]) -> str:
    """Run one flow as the HIS would; returns "completed", "abandoned" or "refused"."""
    try:
        await flow(his(call, tally))
    except Abandoned:
        return "abandoned"
    except FlowRefused:
        return "refused"
    return "completed"


# ------------------------------------------------------------------------------------- compensation
# Compensation after the load: no call is in flight, so any PENDING row was interrupted.
HOLD_WAIT_S = 120.0
AFTER_LOAD = {"stale_pending_s": 0.0, "backoff_base_s": 0.2, "backoff_max_s": 1.0, "resolve_budget_s": 10.0}


def compensate(database_url: str, gateway: Mapping[str, Any], *, rounds: int = 8) -> dict[str, Any]:
    """engine.sweep (what the gateway's sweeper and `yibao compensate` run, assembled as they are) until a
    round changes nothing or nothing is open; bounded by `rounds`."""
    settings = GatewaySettings(**{**gateway, "database_url": database_url})
    outcomes: Counter[str] = Counter()
    done = 0
    waited = 0.0
    with open_sync_engine(settings, **AFTER_LOAD) as parts:
        institutions = parts.institutions()
        while done < rounds:
            report = parts.engine.sweep(institutions, limit=1000)
            outcomes.update(report.values())
            if not report and _held(parts.database) and waited < HOLD_WAIT_S:
                # entries inside the bureau's processing window are held: wait for it, then sweep again
                time.sleep(0.5)
                waited += 0.5
                continue
            done += 1
            if not report or all(state == "UNKNOWN" for state in report.values()):
                break
    return {"rounds": done, "outcomes": dict(outcomes), "waited_for_window_s": waited}


def _held(database: Database) -> int:
    """UNKNOWN entries nobody may judge yet (a lease or the processing window's hold)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with database.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(LedgerEntry)
                .where(LedgerEntry.state == "UNKNOWN", LedgerEntry.lease_until > now)
            )
            or 0
        )


def reconcile(database_url: str, gateway: Mapping[str, Any], code: str) -> dict[str, Any]:
    """Reconciler for today (the sandbox stamps settlements with its Beijing clock)."""
    settings = GatewaySettings(**{**gateway, "database_url": database_url})
    day = datetime.now(BEIJING).date()
    with (
        open_sync_engine(settings, **AFTER_LOAD) as parts,
        tempfile.TemporaryDirectory(prefix="yibao-reconcile-") as out,
    ):
        institution = parts.institutions(code)[code]
        report = Reconciler(parts.engine, parts.database).run(institution, day, out_dir=Path(out))
    unbalanced = [g.as_dict() for g in report.groups if not g.balanced]
    return {
        "balanced": report.balanced,
        "groups": len(report.groups),
        "unbalanced_groups": len(unbalanced),
        "discrepancies": len(report.discrepancies),
        "detail_errors": sum(1 for d in report.details if d.error),
        "mismatches": len(report.discrepancies) + len(unbalanced) + sum(1 for d in report.details if d.error),
        "samples": [d.reason for d in report.discrepancies[:5]]
        + [str(g.get("error")) for g in unbalanced[:3]],
    }


# ---------------------------------------------------------------------------------------- invariants
def _acct_pay(entry: LedgerEntry) -> Decimal:
    output = (entry.response or {}).get("output") or {}
    setlinfo = output.get("setlinfo") if isinstance(output, dict) else None
    value = (setlinfo or {}).get("acct_pay")
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")


def invariants(database_url: str, sandbox_db_url: str, code: str) -> dict[str, Any]:
    """Double settlements, open outcomes, balance drift and unrecorded messages, from both databases."""
    bureau = create_engine(sandbox_db_url)
    with bureau.connect() as s:
        doubles = s.execute(
            select(SettlementRow.mdtrt_id, func.count())
            .where(SettlementRow.fixmedins_code == code)
            .where(SettlementRow.cancel_of.is_(None), SettlementRow.status != "reversed")
            .group_by(SettlementRow.mdtrt_id)
            .having(func.count() > 1)
        ).all()
        balances = {p.psn_no: Decimal(str(p.balc)) for p in s.execute(select(Person.psn_no, Person.balc))}
        bureau_msgids = set(s.scalars(select(Message.msgid).where(Message.fixmedins_code == code)))
        bureau_settlements = s.scalar(
            select(func.count()).where(
                SettlementRow.fixmedins_code == code, SettlementRow.cancel_of.is_(None)
            )
        )
        reversals = s.execute(
            select(Message.input).where(
                Message.fixmedins_code == code, Message.infno == "2601", Message.infcode == 0
            )
        ).all()
    bureau.dispose()
    reversed_at_bureau = Counter(str((row[0] or {}).get("data", {}).get("omsgid")) for row in reversals)

    database = bench_database(database_url)  # the answers are sealed with the gateways' data key
    spent: Counter[str] = Counter()
    with database.session() as s:
        states = Counter(
            dict(s.execute(select(LedgerEntry.state, func.count()).group_by(LedgerEntry.state)).all())
        )
        open_rows = s.execute(
            select(LedgerEntry.infno, LedgerEntry.state, LedgerEntry.resolution_note).where(
                LedgerEntry.state.in_(OPEN_STATES), LedgerEntry.parent_msgid.is_(None)
            )
        ).all()
        ours = set(s.scalars(select(LedgerEntry.msgid)))
        # a 2601 answered success for an original another 2601 had already reversed with an answer we got:
        # two resolvers acted on one entry (a 2601 resent after its answer was lost is by design)
        double_reversals = s.scalar(
            select(func.count()).select_from(
                select(LedgerEntry.parent_msgid)
                .where(LedgerEntry.infno == "2601", LedgerEntry.state == "SUCCESS")
                .group_by(LedgerEntry.parent_msgid)
                .having(func.count() > 1)
                .subquery()
            )
        )
        money = s.scalars(
            select(LedgerEntry).where(
                LedgerEntry.infno.in_(MONEY_MOVES), LedgerEntry.state.in_(("SUCCESS", "CONFIRMED"))
            )
        ).all()
        for entry in money:
            psn_no = (entry.business_keys or {}).get("psn_no") or entry.psn_no
            spent[psn_no] += _acct_pay(entry)  # a cancel's answer carries the negative amounts
    database.dispose()

    seed = {p.psn_no: p.balc for p in PERSONS}
    drift = {
        psn_no: str(balances[psn_no] - (seed[psn_no] - spent.get(psn_no, Decimal("0"))))
        for psn_no in seed
        if psn_no in balances and balances[psn_no] != seed[psn_no] - spent.get(psn_no, Decimal("0"))
    }
    open_by: Counter[str] = Counter(f"{infno} {state}: {note or ''}"[:90] for infno, state, note in open_rows)
    return {
        "double_settlements": len(doubles),
        "double_reversals": int(double_reversals or 0),
        # originals more than one 2601 reached (a resend after a lost 2601 answer; 2601 is idempotent)
        "reversal_resends_at_bureau": sum(1 for n in reversed_at_bureau.values() if n > 1),
        "unresolved_unknown": len(open_rows),
        "unresolved_by_infno": dict(open_by.most_common(10)),
        "balance_drift_persons": len(drift),
        "balance_drift_samples": dict(list(drift.items())[:5]),
        "bureau_messages_not_in_ledger": len(bureau_msgids - ours),
        "ledger_states": dict(states),
        "bureau_settlements": bureau_settlements,
    }
