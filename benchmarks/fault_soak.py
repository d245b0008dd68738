"""Item 5 — fault soak: N settlement flows through the gateway while the bureau misbehaves, then
compensation and reconciliation, then the invariants.

    flows        outpatient (2201 → 2203 → 2204 → 2206 → 2207, every 10th also 2208) and inpatient
                 (2401 → 2301 → 2303 → 2402 → 2304), alternating, real seed persons, plain HTTP to the gateway
    faults       every kind of `sandbox.faults` on each write and money transaction of the flows, on 9001
                 and on 2601, so that a message meets a fault with probability 10 % (kinds equally likely)
    the HIS      an unknown outcome ends the flow (never resent); refusals and reversed/failed outcomes are
                 tried again, at most 4 times
    afterwards   faults off; engine.sweep until quiescent; Reconciler for the day; invariants from the
                 sandbox's database and the gateway's ledger

Violations (all must be 0): double settlements, unresolved UNKNOWN, reconciliation mismatches, balance
drift.  Also reported: flows/s, flows completed / abandoned / refused, ledger states.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx
from _common import ChildServer, scratch_dir
from _flows import GatewayHttp, inpatient, outpatient
from _proofs import compensate, fault_rules, his_flow, invariants, reconcile, set_faults
from _stack import (
    GATEWAY_HOSPITAL,
    gateway_headers,
    gateway_settings,
    prepare_gateway_database,
    product_database,
    sandbox_settings,
)

VIOLATIONS = (
    "double_settlements",
    "unresolved_unknown",
    "reconciliation_mismatches",
    "balance_drift_persons",
)
# The gateway gives up on the bureau after this long; the sandbox's timeout faults hang longer.
BUREAU_TIMEOUT_S = 1.0
HANG_S = 3.0
# The sandbox books a message at the latest DELAYED_COMMIT_MS after it arrived (the delayed_commit fault);
# the gateway is told a processing window beyond that, so "原交易不存在" before it is never final.
PROCESSING_WINDOW_S = 4.0


async def _load(url: str, key: str, flows: int, concurrency: int, tag: str, limit_s: float) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    tally: Counter[str] = Counter()
    next_flow = iter(range(flows))
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:
        gateway = GatewayHttp(client, url, gateway_headers(GATEWAY_HOSPITAL, key))

        async def worker() -> None:
            for n in next_flow:
                if time.monotonic() > deadline:
                    outcomes["not_started"] += 1
                    continue
                if n % 2:
                    flow = lambda call, n=n: inpatient(call, n, tag)  # noqa: E731
                else:
                    flow = lambda call, n=n: outpatient(call, n, tag, cancel=n % 20 == 0)  # noqa: E731
                outcomes[await his_flow(flow, gateway.call, tally)] += 1

        began = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            for _ in range(concurrency):
                tasks.start_soon(worker)
        wall = time.perf_counter() - began
    return {"outcomes": dict(outcomes), "wall_s": round(wall, 2), "his": dict(tally.most_common(12))}


def run(
    *, flows: int = 2000, concurrency: int = 16, fault_rate: float = 0.10, limit_s: float = 3600
) -> dict[str, Any]:
    tag = secrets.token_hex(2).upper()
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-soak-") as tmp:
        folder = Path(tmp)
        sandbox_db = f"sqlite:///{folder / 'bureau.sqlite3'}"
        disk = Path(tempfile.mkdtemp(prefix="yibao-soak-db-"))
        with product_database("sqlite", disk) as url:
            key = prepare_gateway_database(url, [GATEWAY_HOSPITAL])[GATEWAY_HOSPITAL]
            with ChildServer.start(
                "sandbox", sandbox_settings(sandbox_db, hang_s=HANG_S), logs=folder
            ) as bureau:
                settings = gateway_settings(
                    url,
                    folder,
                    bureau.url,
                    bureau_timeout_s=BUREAU_TIMEOUT_S,
                    bureau_processing_window_s=PROCESSING_WINDOW_S,
                )
                with ChildServer.start("gateway", settings, logs=folder) as gateway:
                    set_faults(bureau.url, fault_rules(fault_rate))
                    load = anyio.run(_load, gateway.url, key, flows, concurrency, tag, limit_s)
                    set_faults(bureau.url, [])
                compensation = compensate(url, settings)
                reconciliation = reconcile(url, settings, GATEWAY_HOSPITAL)
                facts = invariants(url, sandbox_db, GATEWAY_HOSPITAL)
        for path in disk.glob("*"):
            path.unlink()
        disk.rmdir()
    facts["reconciliation_mismatches"] = reconciliation["mismatches"]
    violations = {name: facts[name] for name in VIOLATIONS}
    completed = load["outcomes"].get("completed", 0)
    return {
        "flows": flows,
        "concurrency": concurrency,
        "fault_rate": fault_rate,
        "flows_per_s": round(flows / load["wall_s"], 2),
        "completed_per_s": round(completed / load["wall_s"], 2),
        **load,
        "compensation": compensation,
        "reconciliation": reconciliation,
        "facts": facts,
        "violations": violations,
        "ok": not any(violations.values()),
    }


def summary(result: dict[str, Any]) -> str:
    v = result["violations"]
    return (
        f"soak: {'OK' if result['ok'] else 'VIOLATION'} flows={result['flows']} "
        f"completed={result['outcomes'].get('completed', 0)} double={v['double_settlements']} "
        f"unknown={v['unresolved_unknown']} recon={v['reconciliation_mismatches']} "
        f"drift={v['balance_drift_persons']} flows/s={result['flows_per_s']}"
    )


if __name__ == "__main__":
    print(json.dumps(run(flows=200), indent=2, ensure_ascii=False, default=str))
