"""Item 2 — end to end over real sockets: 1101 and the whole outpatient flow at concurrency 1, 16 and 64.

    (a) raw httpx: a hand-built envelope POSTed to the standalone sandbox (the floor: the bureau's own time)
    (b) engine → sandbox: AsyncBureauEngine with its ledger on the product database
    (c) SDK → gateway → sandbox: AsyncMedicalInsuranceSDK against the gateway process

The sandbox and the gateway are separate processes on 127.0.0.1; the load generator, (a) and (b) run in this
process.  For each product database (SQLite file, PostgreSQL database) the three modes are measured in turn
within each run, so drift hits them alike; each figure is the median over the runs.
Goals: (c)/(b) p50 ≤ 1.5 at concurrency 1; (c) throughput ≥ 0.5 × (b) at concurrency 64.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import httpx
from _common import ChildServer, median_record, rounded, scratch_dir
from _flows import Call, RawBureau, engine_call, outpatient, query_person, sdk_call
from _load import drive
from _stack import (
    ENGINE_HOSPITAL,
    GATEWAY_HOSPITAL,
    RAW_HOSPITAL,
    bench_database,
    gateway_settings,
    institution_config,
    postgres_available,
    prepare_gateway_database,
    product_database,
    sandbox_settings,
)

from medical_insurance_sdk import AsyncMedicalInsuranceSDK
from medical_insurance_sdk.engine.engine import AsyncBureauEngine
from medical_insurance_sdk.storage.allocators import allocator_for

MODES = ("a_raw", "b_engine", "c_sdk_gateway")
WORKLOADS = ("1101", "outpatient")
GOAL_P50_RATIO = 1.5  # (c)/(b) at concurrency 1
GOAL_THROUGHPUT_RATIO = 0.5  # (c)/(b) at concurrency 64
POOL = httpx.Limits(max_connections=100, max_keepalive_connections=100)


def operations(workload: str, concurrency: int, scale: float) -> int:
    """How many operations one measurement runs: enough for a stable p99 at each concurrency."""
    per_worker = 10 if workload == "1101" else 2
    floor = 100 if workload == "1101" else 10
    return max(4, int(max(floor, per_worker * concurrency) * scale))


async def _measure_backend(
    sandbox_url: str, gateway_url: str, database_url: str, key: str, plan: dict[str, Any]
) -> dict[str, Any]:
    database = bench_database(database_url)  # the same data key as the gateway on this database
    engine = AsyncBureauEngine(database, allocator_for(database, None))
    sdk = AsyncMedicalInsuranceSDK(
        api_base_url=gateway_url,
        api_key=key,
        institution_code=GATEWAY_HOSPITAL,
        cache_enabled=False,  # every 1101 must reach the bureau, as in (a) and (b)
        max_attempts=1,  # a failure is counted, not hidden by a retry
        log_level="WARNING",
    )
    async with httpx.AsyncClient(limits=POOL, timeout=60) as client:
        raw = RawBureau(client, sandbox_url, RAW_HOSPITAL)
        await raw.sign_in()
        calls: dict[str, Call] = {
            "a_raw": raw.call,
            "b_engine": engine_call(engine, institution_config(ENGINE_HOSPITAL, sandbox_url)),
            "c_sdk_gateway": sdk_call(sdk),
        }
        for mode, call in calls.items():  # warm up: sign-ins, pools, caches
            for n in range(3):
                await query_person(call, n)
            await outpatient(call, 0, f"W{mode[0]}")
        results: dict[str, Any] = {}
        try:
            for workload in plan["workloads"]:
                results[workload] = {}
                for concurrency in plan["concurrencies"]:
                    total = operations(workload, concurrency, plan["scale"])
                    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
                    for number in range(plan["runs"]):
                        for mode in MODES:
                            op = _operation(workload, calls[mode], f"{mode[0]}{concurrency}x{number}")
                            load = await drive(
                                op, concurrency=concurrency, total=total, limit_s=plan["limit_s"]
                            )
                            runs[mode].append(load.figures())
                    results[workload][str(concurrency)] = {
                        mode: median_record(figures) for mode, figures in runs.items()
                    }
        finally:
            await sdk.aclose()
            await engine.aclose()
            database.dispose()
    return results


def _operation(workload: str, call: Call, tag: str) -> Callable[[int], Any]:
    if workload == "1101":
        return lambda n: query_person(call, n)
    return lambda n: outpatient(call, n, tag)


def _goals(results: dict[str, Any], concurrencies: Sequence[int]) -> dict[str, Any]:
    """(c)/(b) p50 at the lowest concurrency and throughput at the highest, per workload."""
    low, high = str(min(concurrencies)), str(max(concurrencies))
    goals: dict[str, Any] = {}
    for workload, by_concurrency in results.items():
        b_low, c_low = by_concurrency[low]["b_engine"], by_concurrency[low]["c_sdk_gateway"]
        b_high, c_high = by_concurrency[high]["b_engine"], by_concurrency[high]["c_sdk_gateway"]
        p50_ratio = c_low["p50_ms"] / b_low["p50_ms"] if b_low["p50_ms"] else float("nan")
        tput_ratio = c_high["ops_per_s"] / b_high["ops_per_s"] if b_high["ops_per_s"] else float("nan")
        goals[workload] = {
            f"c_over_b_p50_at_{low}": rounded(p50_ratio, 2),
            "p50_goal_met": p50_ratio <= GOAL_P50_RATIO,
            f"c_over_b_throughput_at_{high}": rounded(tput_ratio, 2),
            "throughput_goal_met": tput_ratio >= GOAL_THROUGHPUT_RATIO,
        }
    return goals


def run(
    *,
    backends: Sequence[str] = ("sqlite", "postgresql"),
    concurrencies: Sequence[int] = (1, 16, 64),
    workloads: Sequence[str] = WORKLOADS,
    runs: int = 3,
    scale: float = 1.0,
    limit_s: float = 120.0,
) -> dict[str, Any]:
    """Measure every mode × workload × concurrency for each backend; PostgreSQL is skipped (and said so)
    when no server answers on 127.0.0.1."""
    plan = {
        "workloads": list(workloads),
        "concurrencies": list(concurrencies),
        "runs": runs,
        "scale": scale,
        "limit_s": limit_s,
    }
    report: dict[str, Any] = {"plan": plan, "backends": {}, "not_run": {}}
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            report["not_run"][backend] = "no PostgreSQL server on 127.0.0.1:5432 (BENCH_POSTGRES_URL)"
            continue
        with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-e2e-") as tmp:
            folder = Path(tmp)
            # the product database is on the real disk (its fsyncs are part of the cost); the rest is scratch
            disk = Path(tempfile.mkdtemp(prefix="yibao-e2e-db-"))
            with product_database(backend, disk) as url:
                key = prepare_gateway_database(url, [GATEWAY_HOSPITAL])[GATEWAY_HOSPITAL]
                with (
                    ChildServer.start("sandbox", sandbox_settings(), logs=folder) as bureau,
                    ChildServer.start(
                        "gateway", gateway_settings(url, folder, bureau.url), logs=folder
                    ) as gateway,
                ):
                    results = anyio.run(_measure_backend, bureau.url, gateway.url, url, key, plan)
            _remove(disk)
        report["backends"][backend] = {"results": results, "goals": _goals(results, concurrencies)}
    return report


def _remove(folder: Path) -> None:
    for path in sorted(folder.glob("**/*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    folder.rmdir()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
