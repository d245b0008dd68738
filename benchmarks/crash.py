"""Item 6 — crash: kill -9 the gateway in the middle of a workload, restart it, let compensation finish,
then prove that every operation happened exactly once at the bureau and nothing is lost in our ledger.

    workload   outpatient flows (2201 → 2203 → 2204 → 2206 → 2207), 5 operations each, through the
               gateway process (SQLite product database on disk) to the sandbox process (which survives)
    crash      when half the operations have been sent: SIGKILL, then the same gateway command again on
               the same port and database; clients whose connection is refused wait and go on, a client
               whose answer was lost abandons its flow (it cannot know the outcome)
    after      the restarted gateway's sweeper runs; then engine.sweep until quiescent (a PENDING row of
               the dead process is picked up as interrupted)

Checks (all must be 0):
    lost            messages the bureau processed that our ledger never recorded
    disagreements   originals whose effect differs: effective at the bureau (processed, not reversed)
                    ⇔ SUCCESS/CONFIRMED in our ledger
    duplicates      the same business operation twice at the bureau (a registration per 门诊号, a fee
                    line per feedetl_sn, a live settlement per visit)
    unresolved      UNKNOWN/PENDING originals left in our ledger
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
from _common import ChildServer, scratch_dir
from _flows import GatewayHttp, outpatient
from _proofs import compensate, his_flow, invariants
from _stack import (
    GATEWAY_HOSPITAL,
    gateway_headers,
    gateway_settings,
    prepare_gateway_database,
    product_database,
    sandbox_settings,
)
from sqlalchemy import create_engine, func, select

from medical_insurance_sdk.registry import REGISTRY, Safety
from medical_insurance_sdk.sandbox.business_state import FeeDetail, SettlementRow, Visit
from medical_insurance_sdk.sandbox.state import Message
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

OPERATIONS_PER_FLOW = 5
EFFECTIVE = ("SUCCESS", "CONFIRMED")
CHECKS = ("lost", "disagreements", "duplicates", "unresolved")


class Workload:
    """Counts operations as they are sent, and kills + restarts the gateway at the half-way mark."""

    def __init__(self, operations: int, restart: Any) -> None:
        self.operations, self.restart = operations, restart
        self.sent = 0
        self.crashed = anyio.Event()
        self.crash_at_sent: int | None = None

    def counted(self, gateway: GatewayHttp) -> Any:
        async def call(infno: str, input_: Mapping[str, Any]) -> Any:
            self.sent += 1
            if self.crash_at_sent is None and self.sent >= self.operations // 2:
                self.crash_at_sent = self.sent
                # restart in a thread: the event loop keeps serving the other flows (whose calls now fail)
                await anyio.to_thread.run_sync(self.restart)
                self.crashed.set()
            return await gateway.call(infno, input_)

        return call


async def _load(
    url: str, key: str, operations: int, concurrency: int, tag: str, restart: Any
) -> dict[str, Any]:
    flows = operations // OPERATIONS_PER_FLOW
    outcomes: Counter[str] = Counter()
    tally: Counter[str] = Counter()
    workload = Workload(operations, restart)
    next_flow = iter(range(flows))
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:
        gateway = GatewayHttp(client, url, gateway_headers(GATEWAY_HOSPITAL, key))
        call = workload.counted(gateway)

        async def worker() -> None:
            for n in next_flow:
                outcomes[await his_flow(lambda c, n=n: outpatient(c, n, tag), call, tally)] += 1

        began = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            for _ in range(concurrency):
                tasks.start_soon(worker)
        wall = time.perf_counter() - began
    return {
        "outcomes": dict(outcomes),
        "operations_sent": workload.sent,
        "crash_after_sent": workload.crash_at_sent,
        "wall_s": round(wall, 2),
        "his": dict(tally.most_common(8)),
    }


def _groups_of_more_than_one(connection: Any, columns: tuple[Any, ...], where: tuple[Any, ...]) -> int:
    """How many values of `columns` occur more than once among the rows `where` selects."""
    doubles = select(*columns).where(*where).group_by(*columns).having(func.count() > 1).subquery()
    return int(connection.scalar(select(func.count()).select_from(doubles)) or 0)


def exactly_once(database_url: str, sandbox_db_url: str, code: str) -> dict[str, Any]:
    """Compare every original of our ledger with the bureau's processed messages, and look for doubles."""
    bureau = create_engine(sandbox_db_url)
    with bureau.connect() as s:
        processed = {
            msgid: (infcode == 0 and reversed_by is None)
            for msgid, infcode, reversed_by in s.execute(
                select(Message.msgid, Message.infcode, Message.reversed_by).where(
                    Message.fixmedins_code == code
                )
            )
        }
        # a registration, a fee line or a live settlement the bureau holds more than once
        duplicates = sum(
            _groups_of_more_than_one(s, columns, where)
            for columns, where in (
                ((Visit.ipt_otp_no,), (Visit.fixmedins_code == code, Visit.status != "cancelled")),
                (
                    (FeeDetail.mdtrt_id, FeeDetail.feedetl_sn),
                    (FeeDetail.fixmedins_code == code, FeeDetail.status != "cancelled"),
                ),
                (
                    (SettlementRow.mdtrt_id,),
                    (
                        SettlementRow.fixmedins_code == code,
                        SettlementRow.cancel_of.is_(None),
                        SettlementRow.status != "reversed",
                    ),
                ),
            )
        )
    bureau.dispose()
    database = Database(database_url)
    with database.session() as s:
        rows = s.execute(
            select(LedgerEntry.msgid, LedgerEntry.infno, LedgerEntry.state).where(
                LedgerEntry.parent_msgid.is_(None)
            )
        ).all()
    database.dispose()
    disagreements: Counter[str] = Counter()
    for msgid, infno, state in rows:
        tx = REGISTRY[infno]
        if tx.safety is Safety.QUERY or tx.effect_free:
            continue  # reads and pre-settlements leave nothing at the bureau to agree on
        ours = state in EFFECTIVE
        theirs = processed.get(msgid, False)
        if ours != theirs and state not in ("UNKNOWN", "PENDING"):  # open ones are counted as unresolved
            disagreements[f"{infno} ours={state} bureau={'effective' if theirs else 'none'}"] += 1
    return {
        "duplicates": duplicates,
        "disagreements": sum(disagreements.values()),
        "disagreement_samples": dict(disagreements.most_common(5)),
    }


def run(*, operations: int = 1000, concurrency: int = 16) -> dict[str, Any]:
    tag = secrets.token_hex(2).upper()
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-crash-") as tmp:
        folder = Path(tmp)
        sandbox_db = f"sqlite:///{folder / 'bureau.sqlite3'}"
        disk = Path(tempfile.mkdtemp(prefix="yibao-crash-db-"))
        with product_database("sqlite", disk) as url:
            key = prepare_gateway_database(url, [GATEWAY_HOSPITAL])[GATEWAY_HOSPITAL]
            with ChildServer.start("sandbox", sandbox_settings(sandbox_db), logs=folder) as bureau:
                # the sandbox books every message it received before it answers (no delayed faults here)
                settings = gateway_settings(
                    url, folder, bureau.url, sweeper_interval_s=2.0, bureau_processing_window_s=3.0
                )
                servers = [ChildServer.launch("gateway", settings, logs=folder)]
                port = servers[0].port

                def restart() -> None:
                    servers[0].kill()  # SIGKILL: no shutdown code, in-flight calls die with it
                    servers.append(ChildServer.launch("gateway", settings, logs=folder, port=port))

                try:
                    load = anyio.run(_load, servers[0].url, key, operations, concurrency, tag, restart)
                    time.sleep(3.0)  # the restarted gateway's sweeper takes its first passes
                finally:
                    for server in servers:
                        server.stop()
                compensation = compensate(url, settings)
                facts = invariants(url, sandbox_db, GATEWAY_HOSPITAL)
                checks = exactly_once(url, sandbox_db, GATEWAY_HOSPITAL)
        for path in disk.glob("*"):
            path.unlink()
        disk.rmdir()
    result_checks = {
        "lost": facts["bureau_messages_not_in_ledger"],
        "disagreements": checks["disagreements"],
        "duplicates": checks["duplicates"],
        "unresolved": facts["unresolved_unknown"],
    }
    return {
        "operations": operations,
        "concurrency": concurrency,
        **load,
        "restarts": 1,
        "compensation": compensation,
        "checks": result_checks,
        "disagreement_samples": checks["disagreement_samples"],
        "unresolved_by_infno": facts["unresolved_by_infno"],
        "ledger_states": facts["ledger_states"],
        "ok": not any(result_checks.values()),
    }


def summary(result: dict[str, Any]) -> str:
    c = result["checks"]
    return (
        f"crash: {'OK' if result['ok'] else 'VIOLATION'} operations={result['operations']} "
        f"killed_after={result['crash_after_sent']} lost={c['lost']} disagreements={c['disagreements']} "
        f"duplicates={c['duplicates']} unresolved={c['unresolved']}"
    )


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False, default=str))
