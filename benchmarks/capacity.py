"""Capacity (issue 16): calls per second through `yibao run` against a bureau that costs nothing.

    .venv/bin/python benchmarks/run.py capacity                      # SQLite and PostgreSQL, c=1 and c=64
    .venv/bin/python benchmarks/capacity.py --duration 5 --backends sqlite

The bureau is `null_bureau.py` (canned valid answers, no state); the client is `wrk` with `wrk_post.lua`
when the machine has it, else a Python load generator (httpx, `_load.drive`), said so in the results.
For each product database the gateway runs as `yibao run` (uvicorn + httptools + uvloop, limits off, no
demo data, sweeper off, production environment) in its own process, pointed at the null bureau.  Within
one run, for each workload (1101 query, 2207 money) and concurrency:

    floor     the client straight to the null bureau (a complete bureau envelope as the body)
    gateway   the client → `yibao run` REST route → engine + ledger → null bureau

Goals (issue 16, this 2-core machine, client, gateway and bureau sharing it): 1101 on PostgreSQL ≥ 1,000
calls/s at c=64 and ≥ 0.08 × the floor; c=64 throughput ≥ c=1 (no collapse); p50 at c=1 ≤ floor + 2 ms;
2207 on PostgreSQL ≥ 400 calls/s at c=64; SQLite ≥ 0.5 × PostgreSQL.  After each 2207 run the ledger is
read: every answered 2207 has its row (record-before-send: the row is durable before the message leaves).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
from _common import HERE, LOOPBACK, ROOT, rounded, scratch_dir, server_cpu_s
from _flows import _settle, person, person_query
from _load import drive
from _stack import (
    GATEWAY_HOSPITAL,
    bench_database,
    gateway_settings,
    institution_config,
    postgres_available,
    prepare_gateway_database,
    product_database,
)
from sqlalchemy import text

from medical_insurance_sdk.protocol.envelope import build_envelope, encode_envelope
from medical_insurance_sdk.protocol.jsoncodec import dumps
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY

WORKLOADS = ("1101", "2207")
GOAL_QUERY_CALLS = 1000.0  # 1101, PostgreSQL, c=64
GOAL_QUERY_FLOOR_RATIO = 0.08
GOAL_MONEY_CALLS = 400.0  # 2207, PostgreSQL, c=64
GOAL_SQLITE_RATIO = 0.5
GOAL_P50_ABOVE_FLOOR_MS = 2.0
LUA = HERE / "wrk_post.lua"
STARTUP_S = 60.0


# ----------------------------------------------------------------------------------------------- bodies
def rest_body(workload: str) -> bytes:
    """The JSON body a HIS posts to the gateway's REST route of `workload`."""
    who = person(0)
    if workload == "1101":
        return dumps(person_query(who))
    total = Decimal("25.00")
    zero = Decimal("0.00")
    parts = {
        "fulamt_ownpay_amt": zero,
        "overlmt_selfpay": zero,
        "preselfpay_amt": zero,
        "inscp_scp_amt": total,
    }
    return dumps(_settle(who, "MDT0000001", total, med_type="11", chrg_bchno="B001", **parts))


def bureau_body(workload: str) -> bytes:
    """A complete bureau envelope of `workload` (the floor's body: what the gateway itself sends)."""
    config = institution_config(GATEWAY_HOSPITAL, "http://unused")
    data = json.loads(rest_body(workload))
    message = build_envelope(
        config.envelope,
        infno=workload,
        msgid=f"{GATEWAY_HOSPITAL}202507141030000001",
        input=data,
        sign_no="SN0001",
    )
    return encode_envelope(message)


def route_url(base: str, workload: str) -> str:
    return f"{base}{API_PREFIX}{REGISTRY[workload].routes[0].path}"


# ---------------------------------------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            httpx.get(url + "/__ready", timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {STARTUP_S:g} s: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


@contextmanager
def null_bureau(logs: Path) -> Iterator[str]:
    log = logs / "null-bureau.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "null_bureau.py"), "--lifetime", "7200"],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=str(ROOT),
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        if not line.startswith("PORT "):
            raise RuntimeError(f"null bureau did not start: {line!r} {log.read_text()[-2000:]}")
        url = f"http://{LOOPBACK}:{line.split()[1]}"
        _wait_http(url, process, log)
        yield url
    finally:
        _stop(process)


def _environment(settings: Mapping[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "DATABASE_URL"))}
    for name, value in settings.items():
        env[name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@contextmanager
def yibao_run(
    settings: Mapping[str, Any], logs: Path, *, workers: int = 1, source: Path | None = None
) -> Iterator[tuple[str, int]]:
    """`yibao run` as a child process with `settings` in its environment; yields its base URL and pid.

    `source`: another tree's `src` folder (first on PYTHONPATH), to run that version of the gateway."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("yibao")), "run", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    log = logs / f"gateway-{port}.log"
    env = _environment(settings)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(logs))
    try:
        url = f"http://{LOOPBACK}:{port}"
        _wait_http(url, process, log)
        yield url, process.pid
    finally:
        _stop(process)


# ---------------------------------------------------------------------------------------------- clients
def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url: str, body: bytes, headers: Sequence[str], *, concurrency: int, duration_s: float
) -> dict[str, Any]:
    """One wrk run; its figures in the shape of `_load.LoadResult.figures()`."""
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as file:
        file.write(body)
    threads = max(1, min(2, concurrency))
    command = [
        str(wrk_path()),
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        file.name,
        *headers,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 60)
    finally:
        os.unlink(file.name)
    line = next((x for x in done.stdout.splitlines() if x.startswith("CAPACITY ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {done.stdout[-800:]} {done.stderr[-800:]}")
    raw = json.loads(line.split(" ", 1)[1])
    seconds = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    ok = max(0, raw["requests"] - raw["status"])
    return {
        "client": "wrk",
        "ops": ok,
        "errors": errors,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "calls_per_s": round(ok / seconds, 1) if seconds else float("nan"),
        "error_samples": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]},
    }


def run_python(
    url: str, body: bytes, headers: Mapping[str, str], *, concurrency: int, duration_s: float
) -> dict[str, Any]:
    """The fallback client: `concurrency` httpx workers for `duration_s`, each answer checked (HTTP 200)."""

    async def measure() -> dict[str, Any]:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:

            async def post(_: int) -> int:
                response = await client.post(
                    url, content=body, headers={**headers, "content-type": "application/json"}
                )
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:100]}")
                return 1

            load = await drive(post, concurrency=concurrency, total=10**9, limit_s=duration_s)
        figures = load.figures()
        return {
            "client": "python",
            "ops": figures["ops"],
            "errors": figures["errors"],
            "p50_ms": figures["p50_ms"],
            "p99_ms": figures["p99_ms"],
            "calls_per_s": round(figures["calls_per_s"], 1),
            "error_samples": figures["error_samples"],
        }

    return anyio.run(measure)


def measure(
    url: str,
    body: bytes,
    auth: tuple[str, str] | None,
    *,
    concurrency: int,
    duration_s: float,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """One cell; with `server_pid`, also the server's CPU milliseconds per answered call (user + system,
    all its threads and workers): the gateway's own cost, which other load on the machine barely moves."""
    before = server_cpu_s(server_pid) if server_pid else 0.0
    if wrk_path():
        figures = run_wrk(url, body, list(auth or ()), concurrency=concurrency, duration_s=duration_s)
    else:
        headers = {"X-API-Key": auth[0], "X-Institution-Code": auth[1]} if auth else {}
        figures = run_python(url, body, headers, concurrency=concurrency, duration_s=duration_s)
    if server_pid and figures["ops"]:
        used = server_cpu_s(server_pid) - before
        figures["server_cpu_ms_per_call"] = round(used * 1000 / figures["ops"], 2)
    return figures


# ------------------------------------------------------------------------------------------------ checks
def warm_up(gateway: str, auth: tuple[str, str]) -> None:
    """Sign-in (9001) and pools: a few calls of each workload, each of which must succeed."""
    headers = {"X-API-Key": auth[0], "X-Institution-Code": auth[1], "content-type": "application/json"}
    for workload in WORKLOADS:
        for _ in range(3):
            answer = httpx.post(
                route_url(gateway, workload), content=rest_body(workload), headers=headers, timeout=30
            )
            if answer.status_code != 200:
                raise RuntimeError(f"warm-up {workload}: HTTP {answer.status_code} {answer.text[:300]}")


def ledger_rows(database_url: str, infno: str) -> dict[str, int]:
    """Ledger rows of `infno` by state (the 2207 check: one durable row per answered call)."""
    database = bench_database(database_url)
    try:
        with database.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT state, COUNT(*) FROM ledger_entry WHERE infno = :infno GROUP BY state"),
                {"infno": infno},
            ).all()
        return {str(state): int(count) for state, count in rows}
    finally:
        database.dispose()


# --------------------------------------------------------------------------------------------------- run
def run(
    *,
    backends: Sequence[str] = ("sqlite", "postgresql"),
    concurrencies: Sequence[int] = (1, 64),
    workloads: Sequence[str] = WORKLOADS,
    duration_s: float = 10.0,
    workers: int = 1,
    baseline_src: Path | str | None = None,
) -> dict[str, Any]:
    """The floor, then each backend's gateway; with `baseline_src` (another tree's `src`, e.g. the last
    commit's from `git archive`), that version's gateway is measured too, right before this one, on a
    database of its own: before and after in the same run."""
    report: dict[str, Any] = {
        "client": "wrk" if wrk_path() else "python (wrk not installed)",
        "duration_s": duration_s,
        "workers": workers,
        "baseline_src": str(baseline_src) if baseline_src else None,
        "floor": {},
        "backends": {},
        "not_run": {},
    }
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-capacity-") as tmp:
        logs = Path(tmp)
        with null_bureau(logs) as bureau:
            for workload in workloads:
                report["floor"][workload] = {
                    str(c): measure(bureau, bureau_body(workload), None, concurrency=c, duration_s=duration_s)
                    for c in concurrencies
                }
            for backend in backends:
                if backend == "postgresql" and not postgres_available():
                    report["not_run"][backend] = "no PostgreSQL server on 127.0.0.1:5432 (BENCH_POSTGRES_URL)"
                    continue
                cells = Cells(bureau, concurrencies, workloads, duration_s, workers)
                baseline = _backend(backend, logs, cells, Path(baseline_src)) if baseline_src else None
                report["backends"][backend] = _backend(backend, logs, cells)
                if baseline is not None:
                    report["backends"][backend]["baseline"] = baseline
    report["goals"] = goals(report, concurrencies)
    return report


def _prepare(url: str, source: Path | None) -> str:
    """The gateway's database migrated and its institution's API key, by the version that will serve it
    (another tree's migrations may differ from this one's)."""
    if source is None:
        return prepare_gateway_database(url, [GATEWAY_HOSPITAL])[GATEWAY_HOSPITAL]
    script = (
        f"import sys; sys.path.insert(0, {str(HERE)!r}); from _stack import prepare_gateway_database; "
        f"print(prepare_gateway_database({url!r}, [{GATEWAY_HOSPITAL!r}])[{GATEWAY_HOSPITAL!r}])"
    )
    env = {**_environment({}), "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"preparing the database with {source} failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


@dataclass(frozen=True)
class Cells:
    """What each gateway is measured with: the bureau, the concurrencies, workloads, seconds a cell."""

    bureau: str
    concurrencies: Sequence[int]
    workloads: Sequence[str]
    duration_s: float
    workers: int


def _backend(backend: str, logs: Path, cells: Cells, source: Path | None = None) -> dict[str, Any]:
    disk = Path(tempfile.mkdtemp(prefix="yibao-capacity-db-"))
    try:
        return _gateway_cells(backend, disk, logs, cells, source)
    finally:
        shutil.rmtree(disk, ignore_errors=True)


def _gateway_cells(backend: str, disk: Path, logs: Path, cells: Cells, source: Path | None) -> dict[str, Any]:
    concurrencies, workloads = cells.concurrencies, cells.workloads
    out: dict[str, Any] = {"results": {}}
    with product_database(backend, disk) as url:
        key = _prepare(url, source)
        auth = (key, GATEWAY_HOSPITAL)
        settings = gateway_settings(
            url,
            logs,
            cells.bureau,
            environment="production",
            docs_enabled=False,
            jwt_secret=secrets.token_urlsafe(48),
        )
        with yibao_run(settings, logs, workers=cells.workers, source=source) as (gateway, pid):
            warm_up(gateway, auth)
            for workload in workloads:
                out["results"][workload] = {}
                for c in concurrencies:
                    figures = measure(
                        route_url(gateway, workload),
                        rest_body(workload),
                        auth,
                        concurrency=c,
                        duration_s=cells.duration_s,
                        server_pid=pid,
                    )
                    out["results"][workload][str(c)] = figures
        if "2207" in workloads:
            rows = ledger_rows(url, "2207")
            answered = sum(out["results"]["2207"][str(c)]["ops"] for c in concurrencies) + 3  # + warm-up
            out["ledger_2207"] = {
                "rows_by_state": rows,
                "answered": answered,
                "ok": sum(rows.values()) >= answered,
            }
    return out


def goals(report: dict[str, Any], concurrencies: Sequence[int]) -> dict[str, Any]:
    low, high = str(min(concurrencies)), str(max(concurrencies))
    out: dict[str, Any] = {}
    for backend, data in report["backends"].items():
        for workload, by_c in data["results"].items():
            floor = report["floor"][workload]
            top, bottom = by_c[high], by_c[low]
            ratio = (
                top["calls_per_s"] / floor[high]["calls_per_s"]
                if floor[high]["calls_per_s"]
                else float("nan")
            )
            entry: dict[str, Any] = {
                "calls_per_s_high": top["calls_per_s"],
                "floor_ratio_high": rounded(ratio, 3),
                "no_collapse": top["calls_per_s"] >= bottom["calls_per_s"],
                "p50_above_floor_ms_low": rounded(bottom["p50_ms"] - floor[low]["p50_ms"], 2),
                "errors": sum(by_c[c]["errors"] for c in by_c),
            }
            entry["p50_met"] = entry["p50_above_floor_ms_low"] <= GOAL_P50_ABOVE_FLOOR_MS
            if workload == "1101":
                entry["target"] = GOAL_QUERY_CALLS
                entry["floor_ratio_met"] = ratio >= GOAL_QUERY_FLOOR_RATIO
            else:
                entry["target"] = GOAL_MONEY_CALLS
            entry["target_met"] = top["calls_per_s"] >= entry["target"]
            out.setdefault(backend, {})[workload] = entry
    if "sqlite" in out and "postgresql" in out:
        for workload in out["sqlite"]:
            pg = out["postgresql"].get(workload, {}).get("calls_per_s_high")
            if pg:
                share = out["sqlite"][workload]["calls_per_s_high"] / pg
                out["sqlite"][workload]["over_postgresql"] = rounded(share, 2)
                out["sqlite"][workload]["over_postgresql_met"] = share >= GOAL_SQLITE_RATIO
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="another version's src folder, measured in the same run (git archive HEAD src | tar -x -C DIR)",
    )
    args = parser.parse_args()
    report = run(
        backends=args.backends,
        duration_s=args.duration,
        workers=args.workers,
        baseline_src=args.baseline_src,
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
