"""Item 4 — 500 concurrent connections to the gateway (spec §6.1.2: total_concurrent_requests 500).

500 HIS clients, 50 for each of 10 institutions (the spec's per-institution figure), each with its own
keep-alive connection, start together and send `requests` 1101 calls one after another through the gateway
process to the sandbox process.  The gateway's §6.1.2 concurrency limits stay on (the rate limits of §6.2
are off: they would turn this into a rate test).  Every answer is counted: 200, deliberate 429, and
anything else — an error.  Goal: 0 errors other than 429.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx
from _common import ChildServer, percentile, scratch_dir
from _flows import person_query
from _stack import (
    gateway_headers,
    gateway_settings,
    prepare_gateway_database,
    product_database,
    sandbox_settings,
)

from medical_insurance_sdk.registry import API_PREFIX

INSTITUTIONS = tuple(f"H4302811{n:04d}" for n in range(201, 211))
PATH = API_PREFIX + "basic/person-info"


async def _clients(url: str, keys: dict[str, str], connections: int, requests: int) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    samples: dict[str, str] = {}
    latencies: list[float] = []
    in_flight = peak = 0
    start = anyio.Event()
    codes = list(keys)

    async def client(number: int) -> None:
        nonlocal in_flight, peak
        code = codes[number % len(codes)]
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
            await start.wait()
            for n in range(requests):
                body = json.dumps(person_query(_person(number * requests + n)), ensure_ascii=False)
                in_flight += 1
                peak = max(peak, in_flight)
                began = time.perf_counter()
                try:
                    response = await http.post(
                        PATH,
                        content=body.encode(),
                        headers={**gateway_headers(code, keys[code]), "content-type": "application/json"},
                    )
                    outcome = str(response.status_code)
                    if response.status_code not in (200, 429):
                        samples.setdefault(outcome, response.text[:300])
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                    samples.setdefault(outcome, str(exc)[:300])
                finally:
                    in_flight -= 1
                statuses[outcome] += 1
                if outcome == "200":
                    latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    async with anyio.create_task_group() as tasks:
        for number in range(connections):
            tasks.start_soon(client, number)
        await anyio.sleep(0.5)  # every client has its pool ready; then all go at once
        start.set()
    wall = time.perf_counter() - began
    errors = sum(n for status, n in statuses.items() if status not in ("200", "429"))
    return {
        "connections": connections,
        "requests": connections * requests,
        "peak_in_flight": peak,
        "statuses": dict(statuses),
        "errors": errors,
        "deliberate_429": statuses.get("429", 0),
        "error_samples": samples,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "wall_s": round(wall, 2),
        "ok_per_s": round(statuses.get("200", 0) / wall, 1),
        "goal": "0 errors other than deliberate 429",
        "goal_met": errors == 0,
    }


def _person(n: int) -> Any:
    from _flows import person

    return person(n)


def _variant(connections: int, requests: int, backend: str, *, limits: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-conc-") as tmp:
        folder = Path(tmp)
        disk = Path(tempfile.mkdtemp(prefix="yibao-conc-db-"))
        with product_database(backend, disk) as url:
            keys = prepare_gateway_database(url, INSTITUTIONS)
            with (
                ChildServer.start("sandbox", sandbox_settings(), logs=folder) as bureau,
                ChildServer.start(
                    "gateway",
                    gateway_settings(url, folder, bureau.url, keep_concurrency_limits=limits),
                    logs=folder,
                ) as gateway,
            ):
                result = anyio.run(_clients, gateway.url, keys, connections, requests)
                result["gateway_peak_rss_kib"] = gateway.peak_rss_kib()
        for path in disk.glob("*"):
            path.unlink()
        disk.rmdir()
    return result


def run(*, connections: int = 500, requests: int = 3, backend: str = "sqlite") -> dict[str, Any]:
    """Twice: with the §6.1.2 concurrency limits on (429s expected) and off (every request processed)."""
    variants = {
        "limits_on": _variant(connections, requests, backend, limits=True),
        "limits_off": _variant(connections, requests, backend, limits=False),
    }
    errors = sum(v["errors"] for v in variants.values())
    return {
        "backend": backend,
        "connections": connections,
        "requests": connections * requests,
        "variants": variants,
        "errors": errors,
        "goal": "0 errors other than deliberate 429",
        "goal_met": errors == 0,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
