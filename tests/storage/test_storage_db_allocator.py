"""DatabaseSequenceAllocator: 1..9999 per second, never reissued, earlier seconds refused; both backends."""

from __future__ import annotations

import pickle
import secrets
import threading
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from medical_insurance_sdk.protocol.msgid import SECOND_FORMAT, MemorySequenceAllocator
from medical_insurance_sdk.storage.allocators import (
    BlockSequenceAllocator,
    DatabaseSequenceAllocator,
    RedisSequenceAllocator,
    allocator_for,
)
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import MsgIdSequence

PREFIX = "H43028110001"
START = datetime(2025, 7, 14, 10, 30, 0)


def _second(offset: float) -> str:
    return (START + timedelta(seconds=offset)).strftime(SECOND_FORMAT)


def _stored_seconds(database: Database, prefix: str) -> list[str]:
    with database.session() as session:
        query = select(MsgIdSequence.second).where(MsgIdSequence.prefix == prefix).order_by("second")
        return list(session.scalars(query))


def test_a_second_counts_from_1_and_stops_after_9999(any_db: Database) -> None:
    allocator = DatabaseSequenceAllocator(any_db)
    assert [allocator.allocate(PREFIX, _second(0)) for _ in range(100)] == list(range(1, 101))
    with any_db.session() as session:  # skip ahead, as 9890 more allocations would
        session.get_one(MsgIdSequence, (PREFIX, _second(0))).last_seq = 9990
    assert [allocator.allocate(PREFIX, _second(0)) for _ in range(9)] == list(range(9991, 10_000))
    assert allocator.allocate(PREFIX, _second(0)) is None
    assert allocator.allocate(PREFIX, _second(0)) is None
    assert allocator.allocate(PREFIX, _second(1)) == 1


def test_allocation_leaves_pooled_connections_as_the_ledger_needs_them(any_db: Database) -> None:
    """The allocator autocommits (and on SQLite skips fsync); the pooled connection gets both back."""
    assert DatabaseSequenceAllocator(any_db).allocate(PREFIX, _second(0)) == 1
    with any_db.engine.connect() as connection:
        assert connection.get_isolation_level() != "AUTOCOMMIT"
        if any_db.dialect == "sqlite":
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    with pytest.raises(RuntimeError), any_db.session() as session:
        session.get_one(MsgIdSequence, (PREFIX, _second(0))).last_seq = 5000
        session.flush()
        raise RuntimeError("rolled back")
    assert DatabaseSequenceAllocator(any_db).allocate(PREFIX, _second(0)) == 2


def test_an_earlier_second_is_refused(any_db: Database) -> None:
    allocator = DatabaseSequenceAllocator(any_db)
    assert allocator.allocate(PREFIX, _second(5)) == 1
    assert allocator.allocate(PREFIX, _second(4)) is None  # the clock stepped back
    assert allocator.allocate(PREFIX, _second(5)) == 2
    assert allocator.allocate("H43028110002", _second(4)) == 1  # another prefix has its own history


def test_a_restarted_process_continues_after_the_last_number(any_db: Database) -> None:
    first = DatabaseSequenceAllocator(any_db)
    assert [first.allocate(PREFIX, _second(0)) for _ in range(3)] == [1, 2, 3]
    restarted = Database(any_db.url)
    try:
        allocator = DatabaseSequenceAllocator(restarted)
        assert allocator.allocate(PREFIX, _second(0)) == 4
        assert allocator.allocate(PREFIX, _second(-1)) is None
    finally:
        restarted.dispose()


def test_rows_older_than_a_day_are_pruned_yet_stay_refused(any_db: Database) -> None:
    allocator = DatabaseSequenceAllocator(any_db)
    for offset in (0, 1, 2):
        allocator.allocate(PREFIX, _second(offset))
    day_later = 86_400 + 2
    assert allocator.allocate(PREFIX, _second(day_later)) == 1
    assert _stored_seconds(any_db, PREFIX) == [_second(2), _second(day_later)]  # 0 and 1 are a day old
    assert allocator.allocate(PREFIX, _second(0)) is None


def test_threads_sharing_an_allocator_get_distinct_numbers(any_db: Database) -> None:
    allocator = DatabaseSequenceAllocator(any_db)
    results: list[int | None] = []
    lock = threading.Lock()

    def work() -> None:
        got = [allocator.allocate(PREFIX, _second(0)) for _ in range(250)]
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 1001))  # type: ignore[type-var]


# A few steps of one second, and a jump of two days that prunes what came before.
_STEPS = st.lists(st.tuples(st.sampled_from("AB"), st.sampled_from([0, 1, 2, 3, 2 * 86_400])), max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_STEPS)
def test_behaves_like_the_reference_allocator(any_db: Database, steps: list[tuple[str, int]]) -> None:
    run = secrets.token_hex(5)  # fresh prefixes: the database outlives the examples
    allocator, reference = DatabaseSequenceAllocator(any_db), MemorySequenceAllocator()
    for letter, offset in steps:
        prefix, second = f"{letter}{run}", _second(offset)
        assert allocator.allocate(prefix, second) == reference.allocate(prefix, second)


@pytest.mark.parametrize(
    ("prefix", "second"), [("", "20250714103000"), ("H 1", "20250714103000"), (PREFIX, "1")]
)
def test_malformed_keys_are_rejected(sqlite_db: Database, prefix: str, second: str) -> None:
    with pytest.raises(ValueError):
        DatabaseSequenceAllocator(sqlite_db).allocate(prefix, second)


def test_a_pickled_allocator_continues_the_sequence(any_db: Database) -> None:
    allocator = DatabaseSequenceAllocator(any_db, retention=timedelta(hours=2))
    assert allocator.allocate(PREFIX, _second(0)) == 1
    copy = pickle.loads(pickle.dumps(allocator))
    try:
        assert copy.allocate(PREFIX, _second(0)) == 2
        assert copy._retention == timedelta(hours=2)
    finally:
        copy.database.dispose()


def test_allocator_for_uses_the_database_without_redis(sqlite_db: Database) -> None:
    assert isinstance(allocator_for(sqlite_db), DatabaseSequenceAllocator)
    by_url = allocator_for(sqlite_db.url.render_as_string(hide_password=False))
    assert isinstance(by_url, DatabaseSequenceAllocator)
    try:
        assert by_url.allocate(PREFIX, _second(0)) == 1
    finally:
        by_url.database.dispose()


def test_allocator_for_prefers_redis(sqlite_db: Database, redis_url: str) -> None:
    allocator = allocator_for(sqlite_db, redis_url)
    assert isinstance(allocator, RedisSequenceAllocator)
    allocator.close()


def test_block_allocators_sharing_a_database_never_issue_a_number_twice(any_db: Database) -> None:
    """Two processes' worth of block allocators (16 numbers per round trip) and one single-number one, all
    on the same second: every number is issued once, and the blocks are reserved in the table."""
    first = allocator_for(any_db, block=16)
    second = allocator_for(any_db, block=16)
    single = DatabaseSequenceAllocator(any_db)
    assert isinstance(first, BlockSequenceAllocator)
    issued = []
    for n in range(100):
        issued.append(
            (first if n % 3 == 0 else second if n % 3 == 1 else single).allocate(PREFIX, _second(0))
        )
    assert None not in issued and len(set(issued)) == len(issued) == 100
    with any_db.session() as session:
        reserved = session.scalars(select(MsgIdSequence.last_seq).where(MsgIdSequence.prefix == PREFIX)).one()
    assert reserved >= max(n for n in issued if n is not None)


def test_a_block_allocator_refuses_an_earlier_second_and_ends_at_9999(any_db: Database) -> None:
    blocks = BlockSequenceAllocator(DatabaseSequenceAllocator(any_db), 16)
    assert blocks.allocate(PREFIX, _second(1)) == 1
    assert blocks.allocate(PREFIX, _second(0)) is None  # a later second was issued already
    numbers = [blocks.allocate(PREFIX, _second(2)) for _ in range(9999)]
    assert numbers == list(range(1, 10000))  # one at a time once fewer than a block are left
    assert blocks.allocate(PREFIX, _second(2)) is None
