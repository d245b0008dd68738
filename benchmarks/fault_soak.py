"""Item 5 — fault soak: N settlement flows through the gateway while the bureau misbehaves, then
compensation and reconciliation, then the invariants.

    topology     `replicas` gateway processes (3, as spec §10 deploys them) on one product database
                 (PostgreSQL when the local server answers, else SQLite), each with its compensation sweeper
                 on, and `yibao compensate` run again and again beside them during the load (issue 13):
                 every resolver competes for the same unknown outcomes

    flows        outpatient (2201 → 2203 → 2204 → 2206 → 2207, every 10th also 2208) and inpatient
                 (2401 → 2301 → 2303 → 2402 → 2304), alternating, real seed persons, plain HTTP to the gateway
    faults       every kind of `sandbox.faults` on each write and money transaction of the flows, on 9001
                 and on 2601, so that a message meets a fault with probability 10 % (kinds equally likely)
    the HIS      an unknown outcome ends the flow (never resent); refusals and reversed/failed outcomes are
                 tried again, at most 4 times
    afterwards   faults off; engine.sweep until quiescent; Reconciler for the day; invariants from the
                 sandbox's database and the gateway's ledger

Violations (all must be 0): double settlements, originals reversed twice, unresolved UNKNOWN,
reconciliation mismatches, balance drift.  Also reported: flows/s, flows completed / abandoned / refused,
ledger states, how the `yibao compensate` runs ended.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
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
    postgres_available,
    prepare_gateway_database,
    product_database,
    sandbox_settings,
)

VIOLATIONS = (
    "double_settlements",
    "double_reversals",
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


SWEEP_INTERVAL_S = 1.0
LEASE_S = 10.0
CLI_EVERY_S = 3.0


def _cli_environment(settings: dict[str, Any]) -> dict[str, str]:
    """`yibao compensate` configured like the replicas (the variables their GatewaySettings read)."""
    names = {
        "database_url": "DATABASE_URL",
        "data_dir": "MEDICAL_INSURANCE_DATA_DIR",
        "bureau_api_url": "MEDICAL_BUREAU_API_URL",
        "bureau_profile": "MEDICAL_BUREAU_PROFILE",
        "bureau_timeout_s": "MEDICAL_INSURANCE_TIMEOUT",
        "bureau_processing_window_s": "MEDICAL_BUREAU_PROCESSING_WINDOW",
        "compensation_lease_s": "MEDICAL_INSURANCE_COMPENSATION_LEASE",
        "jwt_secret": "MEDICAL_INSURANCE_JWT_SECRET",
        "demo_institution": "MEDICAL_INSURANCE_DEMO_INSTITUTION",
    }
    env = {k: v for k, v in os.environ.items() if k != "MEDICAL_INSURANCE_CONFIG_FILE"}
    for name, variable in names.items():
        value = settings.get(name)
        if value is not None:
            env[variable] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def _cli_beside(settings: dict[str, Any], stop: threading.Event, runs: Counter[str]) -> None:
    """`yibao compensate` every CLI_EVERY_S while the replicas serve (exit 0: all settled, 1: some open)."""
    yibao = str(Path(sys.executable).with_name("yibao"))
    env = _cli_environment(settings)
    while not stop.wait(CLI_EVERY_S):
        done = subprocess.run([yibao, "compensate"], env=env, capture_output=True, timeout=300)
        runs[f"exit_{done.returncode}"] += 1


async def _load(
    urls: list[str], key: str, flows: int, concurrency: int, tag: str, limit_s: float
) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    tally: Counter[str] = Counter()
    next_flow = iter(range(flows))
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:
        headers = gateway_headers(GATEWAY_HOSPITAL, key)
        gateways = [GatewayHttp(client, url, headers) for url in urls]

        async def worker() -> None:
            for n in next_flow:
                if time.monotonic() > deadline:
                    outcomes["not_started"] += 1
                    continue
                if n % 2:
                    flow = lambda call, n=n: inpatient(call, n, tag)  # noqa: E731
                else:
                    flow = lambda call, n=n: outpatient(call, n, tag, cancel=n % 20 == 0)  # noqa: E731
                gateway = gateways[n % len(gateways)]  # a load balancer in front of the replicas
                outcomes[await his_flow(flow, gateway.call, tally)] += 1

        began = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            for _ in range(concurrency):
                tasks.start_soon(worker)
        wall = time.perf_counter() - began
    return {"outcomes": dict(outcomes), "wall_s": round(wall, 2), "his": dict(tally.most_common(12))}


def run(
    *,
    flows: int = 2000,
    concurrency: int = 16,
    fault_rate: float = 0.10,
    limit_s: float = 3600,
    replicas: int = 3,
) -> dict[str, Any]:
    tag = secrets.token_hex(2).upper()
    backend = "postgresql" if postgres_available() else "sqlite"
    cli_runs: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-soak-") as tmp:
        folder = Path(tmp)
        sandbox_db = f"sqlite:///{folder / 'bureau.sqlite3'}"
        disk = Path(tempfile.mkdtemp(prefix="yibao-soak-db-"))
        with product_database(backend, disk) as url:
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
                    sweeper_interval_s=SWEEP_INTERVAL_S,
                    compensation_lease_s=LEASE_S,
                )
                with ExitStack() as stack:
                    gateways = [
                        stack.enter_context(ChildServer.start("gateway", settings, logs=folder))
                        for _ in range(replicas)
                    ]
                    set_faults(bureau.url, fault_rules(fault_rate))
                    stop = threading.Event()
                    beside = threading.Thread(
                        target=_cli_beside, args=(settings, stop, cli_runs), daemon=True
                    )
                    beside.start()
                    try:
                        urls = [g.url for g in gateways]
                        load = anyio.run(_load, urls, key, flows, concurrency, tag, limit_s)
                    finally:
                        set_faults(bureau.url, [])
                        stop.set()
                        beside.join(timeout=300)
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
        "replicas": replicas,
        "database": backend,
        "cli_compensate_runs": dict(cli_runs),
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
        f"completed={result['outcomes'].get('completed', 0)} replicas={result.get('replicas', 1)} "
        f"cli_runs={sum(result.get('cli_compensate_runs', {}).values())} double={v['double_settlements']} "
        f"double_2601={v['double_reversals']} "
        f"unknown={v['unresolved_unknown']} recon={v['reconciliation_mismatches']} "
        f"drift={v['balance_drift_persons']} flows/s={result['flows_per_s']}"
    )


if __name__ == "__main__":
    print(json.dumps(run(flows=200), indent=2, ensure_ascii=False, default=str))
