"""Writing from the event loop without blocking it on the sandbox's write lock.

    answer = await state.write_soon(lambda: work(wait=False))  # `work` opens its write with wait=False

The sandbox answers most messages on its event loop (`dispatch.serve_message`): a worker thread per
message costs more than the message (the GIL changes hands at every SQLite call).  The loop must never
block on the write lock, though: not on this process's (`SandboxState.lock`, held by a worker thread or
the admin API) nor on SQLite's (held by another process on the same database file).  So a write opened
with `wait=False` raises `WriteBusy` at once, before it did anything, when either is taken: the process
lock is tried without blocking and BEGIN IMMEDIATE runs with no busy timeout.

`WriteGate.run` is where a write waits instead.  The writes of one loop take turns (in order).  Between
processes on one database file, SQLite's lock has no queue: a refused writer can only try again later,
and an event loop sleeps a millisecond at the least, which left the lock idle a third of the time when
two processes took turns at settlements.  So a turn also takes an exclusive `flock` on `<file>-writer`
for as long as the write lasts, waited for on a worker thread when another process holds it: the kernel
hands it over the moment it is released.  Only when the write is refused all the same (a worker thread of
this process, or a writer that does not take the file lock, holds SQLite's) does the turn look again,
every millisecond or so.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

try:
    import fcntl
except ImportError:  # not on Windows: writers only take turns by trying again
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
RETRY_FIRST_S = 0.0005
RETRY_MAX_S = 0.005


class WriteBusy(Exception):
    """Another holds the write lock: raised, instead of waiting, by a write opened with `wait=False`."""


def begin_without_waiting(driver: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE on a SQLite connection, or WriteBusy at once when another connection holds the
    write lock (the connection's busy timeout, `busy_timeout_ms`, applies again right after)."""
    driver.execute("PRAGMA busy_timeout=0")
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
        raise WriteBusy(str(exc)) from exc
    finally:
        driver.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")


class WriteGate:
    """Runs writes on event loops, each in its turn (see the module docstring).  `database`: the SQLite
    file whose writers take turns through `<database>-writer`, or None (in memory, another database)."""

    def __init__(self, database: str | None) -> None:
        self._turn_file = f"{database}-writer" if database and fcntl is not None else None
        self._turns: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    async def run(self, work: Callable[[], T]) -> T:
        """`work()` in this loop's turn, again after a wait for as long as it raises WriteBusy.  A
        cancelled request still gets its message processed, as a real server finishes what it received."""
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = asyncio.Lock()
        with anyio.CancelScope(shield=True):
            async with turn:
                with self._turn_file_descriptor() as descriptor:
                    if descriptor is not None:
                        await _lock_file(descriptor)
                    result = await _until_done(work)
        return result

    @contextmanager
    def _turn_file_descriptor(self) -> Iterator[int | None]:
        if self._turn_file is None:
            yield None
            return
        descriptor = os.open(self._turn_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            yield descriptor
        finally:
            os.close(descriptor)  # releases the flock


async def _lock_file(descriptor: int) -> None:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # another process's turn: wait where the kernel can wake us at once
        await anyio.to_thread.run_sync(fcntl.flock, descriptor, fcntl.LOCK_EX)


async def _until_done(work: Callable[[], T]) -> T:
    pause = RETRY_FIRST_S
    while True:
        try:
            return work()
        except WriteBusy:
            await anyio.sleep(pause)
            pause = min(pause * 2, RETRY_MAX_S)
