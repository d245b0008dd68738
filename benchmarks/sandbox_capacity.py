"""Sandbox capacity (issue 16): the 1101 calls and settlement flows per second the sandbox answers.

    .venv/bin/python benchmarks/run.py sandbox
    .venv/bin/python benchmarks/sandbox_capacity.py --duration 5 --workers 2

The sandbox runs as `_serve.py sandbox` (uvicorn, its database a file in a scratch directory, `workers`
processes on one socket).  Within one run:

    1101 floor     wrk (`wrk_sandbox.lua`, a new msgid per request) straight to the null bureau
    1101 sandbox   the same wrk run against the sandbox: every answer must be infcode 0 (checked by wrk)
    flow floor     the Python client (`_flows.RawBureau` over `_rawhttp`) sending 1101 to the null bureau
    flows          the same client running outpatient settlement flows (2201 → 2203 → 2204 → 2206 → 2207)
                   against the sandbox; a flow counts when its 2207 answered a setl_id

Goals (issue 16): 1101 ≥ 1,000 calls/s at c=64 and settlement flows ≥ 100 flows/s, on this 2-core machine
with the load generator sharing it; the ratio to the floor of the same run is what compares across machines.
Without wrk the 1101 rows use the Python client as well (said so in the results).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import anyio
import httpx
from _common import HERE, ChildServer, scratch_dir, server_cpu_s
from _flows import RawBureau, outpatient, person, person_query, query_person
from _load import drive
from _rawhttp import RawClient
from _stack import RAW_HOSPITAL, sandbox_settings
from capacity import null_bureau, wrk_path

GOAL_QUERY_CALLS = 1000.0
GOAL_FLOWS = 100.0
LUA = HERE / "wrk_sandbox.lua"
DISPATCHER = "/fsi/api/rsfComIfsService/callService"
MSGID_MARK = "@MSGID@"


def sign_in(base: str) -> str:
    """9001 at `base` for RAW_HOSPITAL; its sign_no."""

    async def go() -> str:
        async with httpx.AsyncClient(timeout=30) as client:
            bureau = RawBureau(client, base, RAW_HOSPITAL)
            await bureau.sign_in()
            return bureau.sign_no

    return anyio.run(go)


def template(sign_no: str) -> bytes:
    """The 1101 envelope with MSGID_MARK where the msgid goes (wrk fills in a new one per request)."""
    bureau = RawBureau(None, "http://unused", RAW_HOSPITAL)  # type: ignore[arg-type]
    bureau.sign_no = sign_no
    message = json.loads(bureau.envelope("1101", person_query(person(0))))
    message["msgid"] = MSGID_MARK
    return json.dumps(message, ensure_ascii=False).encode()


def run_wrk(base: str, body: bytes, *, concurrency: int, duration_s: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as file:
        file.write(body)
    command = [
        str(wrk_path()),
        f"-t{max(1, min(2, concurrency))}",
        f"-c{concurrency}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base + DISPATCHER,
        "--",
        file.name,
        RAW_HOSPITAL,
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
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout", "refused"))
    ok = max(0, raw["requests"] - raw["status"] - raw["refused"])
    return {
        "client": "wrk",
        "ops": ok,
        "errors": errors,
        "refused": raw["refused"],
        "refused_sample": raw.get("sample", ""),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "calls_per_s": round(ok / seconds, 1) if seconds else float("nan"),
    }


def query_calls(base: str, sign_no: str, *, concurrency: int, duration_s: float) -> dict[str, Any]:
    if wrk_path():
        return run_wrk(base, template(sign_no), concurrency=concurrency, duration_s=duration_s)
    return python_load(base, "query", concurrency=concurrency, duration_s=duration_s)


def python_load(base: str, kind: str, *, concurrency: int, duration_s: float) -> dict[str, Any]:
    """The Python client: 1101 calls (`query`) or outpatient settlement flows (`flow`) for `duration_s`."""

    async def go() -> dict[str, Any]:
        client = RawClient.for_url(base)  # httpx would cost the shared CPU more than the server does
        try:
            bureau = RawBureau(client, base, RAW_HOSPITAL)  # type: ignore[arg-type]
            await bureau.sign_in()

            async def flow(n: int) -> Any:
                result = await outpatient(bureau.call, n, "SC")
                if not result.setl_id:
                    raise RuntimeError("2207 answered without setl_id")
                return result

            async def query(n: int) -> int:
                return await query_person(bureau.call, n)

            load = await drive(
                flow if kind == "flow" else query, concurrency=concurrency, total=10**9, limit_s=duration_s
            )
        finally:
            await client.aclose()
        figures = load.figures()
        rate = figures["ops_per_s"] if kind == "flow" else figures["calls_per_s"]
        return {
            "client": "python",
            "ops": figures["ops"],
            "errors": figures["errors"],
            "error_samples": figures["error_samples"],
            "p50_ms": figures["p50_ms"],
            "p99_ms": figures["p99_ms"],
            "calls_per_s": figures["calls_per_s"],
            "flows_per_s" if kind == "flow" else "rate": rate,
        }

    return anyio.run(go)


def _with_cpu(pid: int, measure: Any) -> dict[str, Any]:
    """Run `measure()` and add the server's CPU milliseconds per operation (call or flow)."""
    before = server_cpu_s(pid)
    figures: dict[str, Any] = measure()
    used = server_cpu_s(pid) - before
    figures["server_cpu_ms_per_op"] = round(used * 1000 / figures["ops"], 3) if figures["ops"] else None
    return figures


def run(
    *,
    duration_s: float = 10.0,
    concurrency: int = 64,
    flow_concurrency: int = 16,
    workers: int = 2,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "client": "wrk" if wrk_path() else "python (wrk not installed)",
        "duration_s": duration_s,
        "concurrency": concurrency,
        "flow_concurrency": flow_concurrency,
        "workers": workers,
    }
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-sbxcap-") as tmp:
        logs = Path(tmp)
        with null_bureau(logs) as floor_url:
            floor_sign = sign_in(floor_url)
            report["floor_1101"] = query_calls(
                floor_url, floor_sign, concurrency=concurrency, duration_s=duration_s
            )
            report["floor_python"] = python_load(
                floor_url, "query", concurrency=flow_concurrency, duration_s=duration_s
            )
        database = f"sqlite:///{logs / 'sandbox.sqlite3'}"
        settings = sandbox_settings(database, sign_in_required=True)
        with ChildServer.start("sandbox", settings, logs=logs, workers=workers) as sandbox:
            sandbox_sign = sign_in(sandbox.url)
            query_calls(sandbox.url, sandbox_sign, concurrency=4, duration_s=1)  # warm-up
            pid, url = sandbox.process.pid, sandbox.url
            report["sandbox_1101"] = _with_cpu(
                pid, lambda: query_calls(url, sandbox_sign, concurrency=concurrency, duration_s=duration_s)
            )
            report["sandbox_flows"] = _with_cpu(
                pid, lambda: python_load(url, "flow", concurrency=flow_concurrency, duration_s=duration_s)
            )
        shutil.rmtree(logs / "files", ignore_errors=True)
    report["goals"] = goals(report)
    return report


def goals(report: dict[str, Any]) -> dict[str, Any]:
    query, floor = report["sandbox_1101"], report["floor_1101"]
    flows, floor_python = report["sandbox_flows"], report["floor_python"]
    calls = query["calls_per_s"]
    return {
        "query_calls_per_s": calls,
        "query_floor_ratio": round(calls / floor["calls_per_s"], 3) if floor["calls_per_s"] else None,
        "query_ok": calls >= GOAL_QUERY_CALLS and query["errors"] == 0,
        "flows_per_s": flows["flows_per_s"],
        "flows_floor_ratio": (
            round(flows["flows_per_s"] / floor_python["rate"], 3) if floor_python["rate"] else None
        ),
        "flows_ok": flows["flows_per_s"] >= GOAL_FLOWS and flows["errors"] == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    report = run(duration_s=args.duration, concurrency=args.concurrency, workers=args.workers)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
