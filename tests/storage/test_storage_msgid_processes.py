"""The property of the shared allocators: 4 processes × 5,000 msgids through MsgIdGenerator, 0 collisions.

Real clock, real servers: SQLite file, PostgreSQL and Redis.  The allocator is created in the parent and
inherited by forked children, which must open their own connections.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medical_insurance_sdk.protocol.msgid import MAX_SEQUENCE, MsgIdGenerator, SequenceAllocator, parse_msgid
from medical_insurance_sdk.storage.allocators import DatabaseSequenceAllocator, RedisSequenceAllocator

CODE = "H43028110001"
PROCESSES = 4
PER_PROCESS = 5_000


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "redis"])
def shared_allocator(request: pytest.FixtureRequest) -> Iterator[SequenceAllocator]:
    if request.param == "redis":
        namespace = request.getfixturevalue("redis_namespace")
        redis = RedisSequenceAllocator(request.getfixturevalue("redis_url"), namespace=namespace)
        yield redis
        redis.close()
        return
    database_fixture = {"sqlite": "sqlite_db", "postgresql": "postgres_db"}[request.param]
    yield DatabaseSequenceAllocator(request.getfixturevalue(database_fixture))


def _generate_into(allocator: SequenceAllocator, count: int, out: Path, barrier: Any) -> None:
    barrier.wait()
    ids = MsgIdGenerator(allocator, CODE)
    out.write_text("\n".join(ids.generate() for _ in range(count)))


def test_four_processes_share_an_allocator_without_collisions(
    shared_allocator: SequenceAllocator, tmp_path: Path
) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    outs = [tmp_path / f"worker{i}.txt" for i in range(PROCESSES)]
    workers = [
        ctx.Process(target=_generate_into, args=(shared_allocator, PER_PROCESS, out, barrier)) for out in outs
    ]
    started = time.monotonic()
    for w in workers:
        w.start()
    try:
        for w in workers:
            w.join(timeout=120)
    finally:
        for w in workers:
            if w.is_alive():
                w.kill()  # a hung worker must not outlive the test
    elapsed = time.monotonic() - started
    assert [w.exitcode for w in workers] == [0] * PROCESSES

    issued = [line for out in outs for line in out.read_text().splitlines()]
    assert len(issued) == PROCESSES * PER_PROCESS
    assert len(set(issued)) == len(issued), "collisions"
    parsed = [parse_msgid(m) for m in issued]
    assert all(p.fixmedins_code == CODE and 1 <= p.seq <= MAX_SEQUENCE for p in parsed)
    assert max(Counter(p.time for p in parsed).values()) <= MAX_SEQUENCE
    print(f"{len(issued) / elapsed:,.0f} msgids/s")  # shown with -s
