"""msgid: 30 characters, never reissued, never wrapped within a second, safe across processes and restarts."""

from __future__ import annotations

import multiprocessing
import pickle
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from medical_insurance_sdk.exceptions import DataValidationError, SystemError_
from medical_insurance_sdk.protocol.jsoncodec import BEIJING
from medical_insurance_sdk.protocol.msgid import (
    MAX_SEQUENCE,
    FileSequenceAllocator,
    MemorySequenceAllocator,
    MsgIdGenerator,
    SequenceAllocator,
    parse_msgid,
)

CODE = "H12345678901"


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_msgid_is_code_beijing_second_and_sequence() -> None:
    clock = FakeClock(datetime(2025, 7, 14, 2, 30, 0, tzinfo=UTC))  # 10:30 in Beijing
    ids = MsgIdGenerator(MemorySequenceAllocator(), CODE, clock=clock, sleep=clock.sleep)
    assert [ids.generate() for _ in range(2)] == [f"{CODE}202507141030000001", f"{CODE}202507141030000002"]


def test_parse_msgid_round_trip() -> None:
    code, moment, seq = parse_msgid(f"{CODE}202507141030054767")
    assert (code, seq) == (CODE, 4767)
    assert moment == datetime(2025, 7, 14, 10, 30, 5, tzinfo=BEIJING)


@pytest.mark.parametrize(
    "msgid",
    [
        "H1234567890120250714103005476",  # 29
        "H12345678901202507141030054767X",  # 31
        "H12345678901202513141030054767",  # month 13
        "H1234567890-202507141030054767",
        12345,
    ],
)
def test_parse_msgid_rejects_malformed(msgid: object) -> None:
    with pytest.raises(DataValidationError) as info:
        parse_msgid(msgid)  # type: ignore[arg-type]
    assert info.value.code == 30003


@pytest.mark.parametrize("code", ["H1234567890", "H123456789012", "H12345678 01", "医院12345678901", ""])
def test_institution_code_must_be_12_characters(code: str) -> None:
    with pytest.raises(DataValidationError) as info:
        MsgIdGenerator(MemorySequenceAllocator(), code)
    assert info.value.errors[0].path == "fixmedins_code"
    assert "12 位" in str(info.value)


def test_exhausted_second_waits_for_the_next_and_never_wraps() -> None:
    clock = FakeClock(datetime(2025, 7, 14, 10, 0, 0, 250_000, tzinfo=BEIJING))
    ids = MsgIdGenerator(MemorySequenceAllocator(), CODE, clock=clock, sleep=clock.sleep)
    issued = [ids.generate() for _ in range(MAX_SEQUENCE + 1)]

    assert len(set(issued)) == len(issued)
    assert issued[0].endswith("202507141000000001")
    assert issued[MAX_SEQUENCE - 1].endswith("202507141000009999")
    assert issued[MAX_SEQUENCE] == f"{CODE}202507141000010001"
    assert clock.sleeps == [0.75]  # slept exactly to the next second, once
    assert not any(m.endswith("0000") for m in issued)


def test_clock_stepping_back_waits_instead_of_reusing_a_second() -> None:
    clock = FakeClock(datetime(2025, 7, 14, 10, 0, 5, tzinfo=BEIJING))
    ids = MsgIdGenerator(MemorySequenceAllocator(), CODE, clock=clock, sleep=clock.sleep)
    first = ids.generate()
    clock.now -= timedelta(seconds=2)  # an NTP step backwards
    second = ids.generate()
    assert clock.sleeps == [1.0, 1.0]
    assert (first[-18:], second[-18:]) == ("202507141000050001", "202507141000050002")


def test_a_clock_that_never_advances_fails_loudly() -> None:
    clock = FakeClock(datetime(2025, 7, 14, 10, 0, 0, tzinfo=BEIJING))
    allocator = MemorySequenceAllocator()
    for _ in range(MAX_SEQUENCE):
        allocator.allocate(CODE, "20250714100000")
    ids = MsgIdGenerator(allocator, CODE, clock=clock, sleep=lambda _: None, max_wait=3)
    with pytest.raises(SystemError_) as info:
        ids.generate()
    assert info.value.code == 60010


class PerSecondCounter:
    """A Redis-style allocator (INCR on msgid:{prefix}:{second}) to show the protocol fits one."""

    def __init__(self) -> None:
        self.counters: Counter[tuple[str, str]] = Counter()

    def allocate(self, prefix: str, second: str) -> int | None:
        self.counters[prefix, second] += 1
        value = self.counters[prefix, second]
        return value if value <= MAX_SEQUENCE else None


def test_other_allocators_fit_the_protocol() -> None:
    allocator: SequenceAllocator = PerSecondCounter()
    clock = FakeClock(datetime(2025, 7, 14, 10, 0, 0, 500_000, tzinfo=BEIJING))
    ids = MsgIdGenerator(allocator, CODE, clock=clock, sleep=clock.sleep)
    issued = {ids.generate() for _ in range(MAX_SEQUENCE + 5)}
    assert len(issued) == MAX_SEQUENCE + 5
    assert clock.sleeps == [0.5]


def test_memory_allocator_is_thread_safe() -> None:
    allocator = MemorySequenceAllocator()
    results: list[int | None] = []

    def work() -> None:
        got = [allocator.allocate(CODE, "20250714100000") for _ in range(1500)]
        results.extend(got)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    issued = [n for n in results if n is not None]
    assert sorted(issued) == list(range(1, MAX_SEQUENCE + 1))
    assert results.count(None) == 8 * 1500 - MAX_SEQUENCE


def test_file_allocator_survives_a_restart_within_the_same_second(tmp_path: Path) -> None:
    path = tmp_path / "state" / "msgid.seq"
    with FileSequenceAllocator(path) as before:
        assert [before.allocate(CODE, "20250714100000") for _ in range(3)] == [1, 2, 3]
        assert before.allocate("H99999999999", "20250714100000") == 1

    after = FileSequenceAllocator(path)  # a new process would build exactly this
    assert after.allocate(CODE, "20250714100000") == 4
    assert after.allocate(CODE, "20250714095959") is None  # an earlier second is never reopened
    assert after.allocate(CODE, "20250714100001") == 1
    assert after.allocate("H99999999999", "20250714100000") == 2
    after.close()


def test_file_allocator_keeps_an_exhausted_second_exhausted_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "msgid.seq"
    with FileSequenceAllocator(path) as first:
        issued = [first.allocate(CODE, "20250714100000") for _ in range(MAX_SEQUENCE)]
    assert issued == list(range(1, MAX_SEQUENCE + 1))
    with FileSequenceAllocator(path) as second:
        assert second.allocate(CODE, "20250714100000") is None
        assert second.allocate(CODE, "20250714100001") == 1


def test_file_allocator_refuses_a_damaged_state_file(tmp_path: Path) -> None:
    path = tmp_path / "msgid.seq"
    path.write_text("H12345678901 2025071410 0001\n")
    with pytest.raises(SystemError_) as info:
        FileSequenceAllocator(path).allocate(CODE, "20250714100000")
    assert info.value.code == 60004


def test_file_allocator_pickles_as_its_path(tmp_path: Path) -> None:
    allocator = FileSequenceAllocator(tmp_path / "msgid.seq")
    assert allocator.allocate(CODE, "20250714100000") == 1
    copy = pickle.loads(pickle.dumps(allocator))
    assert copy.allocate(CODE, "20250714100000") == 2
    allocator.close()
    copy.close()


def test_file_allocator_is_thread_safe(tmp_path: Path) -> None:
    allocator = FileSequenceAllocator(tmp_path / "msgid.seq")
    results: list[int | None] = []

    def work() -> None:
        results.extend(allocator.allocate(CODE, "20250714100000") for _ in range(1000))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 4001))  # type: ignore[type-var]
    allocator.close()


def _generate_into(allocator: FileSequenceAllocator, count: int, out: str, barrier: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    ids = MsgIdGenerator(allocator, CODE)
    Path(out).write_text("\n".join(ids.generate() for _ in range(count)))


def test_four_processes_share_one_file_allocator_without_collisions(tmp_path: Path) -> None:
    """The property of the issue: 100,000 msgids from 4 processes, real clock, real shared file."""
    ctx = multiprocessing.get_context("fork")
    allocator = FileSequenceAllocator(tmp_path / "msgid.seq")
    # Open the descriptor before forking: children must not share its flock.
    assert allocator.allocate("H00000000000", "20000101000000") == 1
    barrier = ctx.Barrier(4)
    outs = [tmp_path / f"worker{i}.txt" for i in range(4)]
    workers = [
        ctx.Process(target=_generate_into, args=(allocator, 25_000, str(out), barrier)) for out in outs
    ]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    elapsed = time.monotonic() - started
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]

    issued = [line for out in outs for line in out.read_text().splitlines()]
    assert len(issued) == 100_000
    assert len(set(issued)) == 100_000, "collisions"
    assert all(len(m) == 30 and m.startswith(CODE) for m in issued)
    per_second = Counter(parse_msgid(m).time for m in issued)
    assert max(per_second.values()) <= MAX_SEQUENCE
    assert all(1 <= parse_msgid(m).seq <= MAX_SEQUENCE for m in issued)
    # 9999 per second is the ceiling, so at least 10 distinct seconds were needed.
    assert len(per_second) >= 11
    assert elapsed < 60
