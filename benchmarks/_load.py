"""A closed-loop load driver: `concurrency` workers run `total` operations, each timed.

    result = await drive(lambda i: query_person(call, i), concurrency=16, total=400, limit_s=120)
    result.figures()   # {"p50_ms", "p99_ms", "ops_per_s", "calls_per_s", "errors"}

Bounded twice: by the number of operations and by `limit_s` (workers stop taking new operations then).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from _common import percentile

Operation = Callable[[int], Awaitable[Any]]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful operations only
    calls: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    started: int = 0

    def figures(self) -> dict[str, Any]:
        ok = len(self.latencies)
        wall = self.wall_s or float("nan")
        return {
            "ops": ok,
            "errors": sum(self.errors.values()),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2),
            "ops_per_s": round(ok / wall, 2),
            "calls_per_s": round(self.calls / wall, 2),
            "error_samples": dict(self.errors.most_common(3)),
        }


async def drive(op: Operation, *, concurrency: int, total: int, limit_s: float = 300.0) -> LoadResult:
    """Run operations 0..total-1 on `concurrency` workers; an operation returns its number of calls (an int,
    or an object with `.calls`)."""
    result = LoadResult()
    next_index = iter(range(total))
    deadline = time.monotonic() + limit_s

    async def worker() -> None:
        for index in next_index:  # the shared iterator hands each index to exactly one worker
            if time.monotonic() > deadline:
                return
            result.started += 1
            began = time.perf_counter()
            try:
                done = await op(index)
            except Exception as exc:
                result.errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
                continue
            result.latencies.append(time.perf_counter() - began)
            calls = getattr(done, "calls", done)  # a FlowResult knows its calls; 1101 returns 1
            result.calls += calls if isinstance(calls, int) else 1

    began = time.perf_counter()
    async with anyio.create_task_group() as tasks:
        for _ in range(concurrency):
            tasks.start_soon(worker)
    result.wall_s = time.perf_counter() - began
    return result
