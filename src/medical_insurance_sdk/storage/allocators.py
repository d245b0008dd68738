"""Msgid sequence allocators shared by hosts: the product database's msgid_sequence table, or Redis.

Both keep the rule of `protocol.msgid`: a number issued for (prefix, second) is never issued again, and a
second earlier than the latest one issued for the prefix is refused (None), so a clock that steps back
makes `MsgIdGenerator` wait instead of reissuing.

    ids = MsgIdGenerator(allocator_for(database, redis_url), "H12345678901")
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Integer, String, bindparam, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from medical_insurance_sdk.protocol.msgid import MAX_SEQUENCE, SECOND_FORMAT, SequenceAllocator, _check_key
from medical_insurance_sdk.storage.database import SQLITE_SYNCHRONOUS, Database
from medical_insurance_sdk.storage.models import MsgIdSequence

if TYPE_CHECKING:
    from redis import Redis

logger = logging.getLogger(__name__)


class DatabaseSequenceAllocator:
    """Allocates from table msgid_sequence: one row per (prefix, second), two autocommitted statements.

    The number comes from one `INSERT … ON CONFLICT DO UPDATE … RETURNING` upsert, so callers of the same
    second queue on that row's lock (PostgreSQL: across hosts) or on the database write lock (a SQLite
    file: across the processes of a host, each waiting up to busy_timeout).  A second query refuses the
    number if the prefix already has a later second.  Rows older than `retention` are deleted when a new
    second starts; the latest row of a prefix is never among them, and it is what makes an earlier second
    refusable.  The table must exist (`Database.migrate()`).

    On SQLite these statements commit without fsync (synchronous=NORMAL, restored afterwards), the
    argument of `FileSequenceAllocator`: a process crash loses nothing, and an OS crash takes longer than a
    second to recover from, so the seconds of any lost numbers are past.  PostgreSQL commits stay
    synchronous: a crashed backend can restart within the same second.
    """

    def __init__(self, database: Database, *, retention: timedelta = timedelta(days=1)) -> None:
        if database.dialect not in ("postgresql", "sqlite"):
            raise ValueError(f"msgid allocation needs SQLite or PostgreSQL, not {database.dialect}")
        self.database = database
        self._retention = retention
        table = MsgIdSequence
        prefix, second = bindparam("prefix", type_=String()), bindparam("second", type_=String())
        insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
        self._next = (
            insert(table)
            .values(prefix=prefix, second=second, last_seq=1)
            .on_conflict_do_update(
                index_elements=[table.prefix, table.second],
                set_={"last_seq": table.last_seq + 1},
                where=table.last_seq < MAX_SEQUENCE,  # no row comes back: the second is exhausted
            )
            .returning(table.last_seq)
        )
        size = bindparam("size", type_=Integer())
        self._next_block = (  # `size` numbers at once; no row comes back when fewer are left this second
            insert(table)
            .values(prefix=prefix, second=second, last_seq=size)
            .on_conflict_do_update(
                index_elements=[table.prefix, table.second],
                set_={"last_seq": table.last_seq + size},
                where=table.last_seq + size <= MAX_SEQUENCE,
            )
            .returning(table.last_seq)
        )
        # The primary key (prefix, second) answers this with one index seek.
        self._later = select(literal(1)).where(table.prefix == prefix, table.second > second).limit(1)
        self._prune = delete(table).where(table.prefix == prefix, table.second < bindparam("cutoff"))

    def __reduce__(self) -> tuple[Any, ...]:
        return (partial(type(self), retention=self._retention), (self.database,))

    def allocate(self, prefix: str, second: str) -> int | None:
        _check_key(prefix, second)
        key = {"prefix": prefix, "second": second}
        with self._autocommit() as connection:
            # Each statement commits on its own, so the row lock lasts one statement, not a transaction.
            seq = connection.execute(self._next, key).scalar_one_or_none()
            # Checked after the upsert has committed: a pruner that held this row committed before the
            # upsert could proceed, and the newer second it kept is visible to this later statement.  A
            # number consumed for a refused second is merely skipped: gaps are harmless, reissues are not.
            if seq is None or connection.execute(self._later, key).first() is not None:
                return None
            if seq == 1:
                self._prune_before(connection, prefix, second)
        return seq

    def allocate_block(self, prefix: str, second: str, size: int) -> tuple[int, int] | None:
        """`size` consecutive numbers of `second` in one upsert, as (first, last); near the end of the
        second's numbers one at a time.  The same refusals as `allocate`."""
        _check_key(prefix, second)
        key = {"prefix": prefix, "second": second}
        if size > 1:
            with self._autocommit() as connection:
                last = connection.execute(self._next_block, {**key, "size": size}).scalar_one_or_none()
                if last is not None:
                    if connection.execute(self._later, key).first() is not None:
                        return None
                    if last == size:  # this call opened the second
                        self._prune_before(connection, prefix, second)
                    return last - size + 1, last
        seq = self.allocate(prefix, second)
        return None if seq is None else (seq, seq)

    @contextmanager
    def _autocommit(self) -> Iterator[Connection]:
        with self.database.engine.connect() as pooled:
            connection = pooled.execution_options(isolation_level="AUTOCOMMIT")
            if self.database.dialect != "sqlite":
                yield connection
                return
            # A per-connection setting, read at each commit; put back before the ledger uses the connection.
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            try:
                yield connection
            finally:
                try:
                    connection.exec_driver_sql(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
                except SQLAlchemyError:
                    connection.invalidate()  # never pool a connection that skips fsync
                    raise

    def _prune_before(self, connection: Connection, prefix: str, second: str) -> None:
        """Delete the prefix's rows older than `retention` before `second`; a failure only delays it."""
        try:
            cutoff = (datetime.strptime(second, SECOND_FORMAT) - self._retention).strftime(SECOND_FORMAT)
        except ValueError:
            return  # 14 digits that are no date: nothing sensible to compare with
        try:
            connection.execute(self._prune, {"prefix": prefix, "cutoff": cutoff})
        except SQLAlchemyError:
            logger.warning("pruning msgid_sequence of %s failed; retried next second", prefix, exc_info=True)


# KEYS[1] = the second's counter, KEYS[2] = the prefix's latest second; ARGV = second, max, ttl (seconds).
# Seconds are compared as numbers: 14 digits fit exactly in a Lua double.
_REDIS_ALLOCATE = """
local second = tonumber(ARGV[1])
local latest = tonumber(redis.call('GET', KEYS[2]) or '0')
if second < latest then return false end
local used = redis.call('GET', KEYS[1])
if not used and second == latest then return false end
if used and tonumber(used) >= tonumber(ARGV[2]) then return false end
local seq = redis.call('INCR', KEYS[1])
if seq == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
if second > latest then redis.call('SET', KEYS[2], ARGV[1]) end
return seq
"""


class RedisSequenceAllocator:
    """Allocates with Redis: `INCR {namespace}:{prefix}:<second>` and a per-prefix latest second, atomically.

    One Lua script per number: it refuses a second earlier than `{namespace}:{prefix}:latest` (kept without
    expiry), increments the second's counter (expires after `ttl`) and refuses past 9999.  A missing
    counter for the latest second means it expired or was evicted, so that second is refused too.  The
    braces are a Redis Cluster hash tag: both keys of a prefix share a slot, as a script requires.  Run
    Redis with persistence and `maxmemory-policy noeviction`: losing both keys could reissue numbers.
    """

    def __init__(
        self, redis: str | Redis, *, namespace: str = "msgid", ttl: timedelta = timedelta(days=2)
    ) -> None:
        if isinstance(redis, str):
            from redis import Redis  # an optional dependency: only this allocator needs it

            self._url: str | None = redis
            self._client = Redis.from_url(redis)
        else:
            self._url, self._client = None, redis
        self.namespace = namespace
        self._ttl = int(ttl.total_seconds())
        self._script = self._client.register_script(_REDIS_ALLOCATE)

    def __reduce__(self) -> tuple[Any, ...]:
        if self._url is None:
            raise TypeError("a RedisSequenceAllocator built on a client cannot be pickled; pass a URL")
        return (partial(type(self), namespace=self.namespace, ttl=timedelta(seconds=self._ttl)), (self._url,))

    def allocate(self, prefix: str, second: str) -> int | None:
        _check_key(prefix, second)
        keys = [f"{self.namespace}:{{{prefix}}}:{second}", f"{self.namespace}:{{{prefix}}}:latest"]
        seq = self._script(keys=keys, args=[second, MAX_SEQUENCE, self._ttl])
        return None if seq is None else int(seq)

    def close(self) -> None:
        """Close the connections of a client this allocator created from a URL."""
        if self._url is not None:
            self._client.close()


class BlockSequenceAllocator:
    """Takes numbers from a `DatabaseSequenceAllocator` `size` at a time and hands them out one by one
    (issue 16: one database round trip per block instead of per message).

    Every block is reserved in msgid_sequence before any of its numbers is used, so processes sharing the
    database never issue the same number; a block is used only for the second it was taken for, and the
    numbers left of it when the second changes are skipped (gaps are harmless, reissues are not).
    """

    def __init__(self, inner: DatabaseSequenceAllocator, size: int = 16) -> None:
        self.inner, self.size = inner, size
        self._held: dict[str, tuple[str, int, int]] = {}  # prefix → (second, next, last)
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.inner, self.size))

    def take_held(self, prefix: str, second: str) -> int | None:
        """The next number of the block held for `second`, or None (no I/O: the caller then allocates)."""
        with self._lock:
            return self._take(prefix, second)

    def _take(self, prefix: str, second: str) -> int | None:
        held = self._held.get(prefix)
        if held is not None and held[0] == second and held[1] <= held[2]:
            self._held[prefix] = (second, held[1] + 1, held[2])
            return held[1]
        return None

    def allocate(self, prefix: str, second: str) -> int | None:
        with self._lock:
            seq = self._take(prefix, second)
            if seq is not None:
                return seq
            block = self.inner.allocate_block(prefix, second, self.size)
            if block is None:
                self._held.pop(prefix, None)
                return None
            first, last = block
            self._held[prefix] = (second, first + 1, last)
            return first


def allocator_for(
    database: Database | str | os.PathLike[str], redis_url: str | None = None, *, block: int = 1
) -> SequenceAllocator:
    """Redis when `redis_url` is given (one round trip per number), else the database's msgid_sequence
    (`block` > 1: that many numbers per round trip, `BlockSequenceAllocator`)."""
    if redis_url:
        return RedisSequenceAllocator(redis_url)
    inner = DatabaseSequenceAllocator(database if isinstance(database, Database) else Database(database))
    return BlockSequenceAllocator(inner, block) if block > 1 else inner
