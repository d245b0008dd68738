"""Writing from the event loop without blocking it on the sandbox's write lock.

    answer = await state.write_soon(lambda: work(wait=False))  # `work` opens its write with wait=False

The sandbox answers most messages on its event loop (`dispatch.serve_message`): a worker thread per
message costs more than the message (the GIL changes hands at every SQLite call).  The loop must never
block on the write lock, though: not on this process's (`SandboxState.lock`, held by a worker thread or
the admin API) nor on SQLite's (held by another process on the same database file).  So a write opened
with `wait=False` raises `WriteBusy` at once, before it did anything, when either is taken: the process
lock is tried without blocking and BEGIN IMMEDIATE runs with no busy timeout.

`WriteGate.run` is where a write waits instead: it queues the write for its loop, and one task per loop
takes turns for the queue, running the waiting writes back to back (each its own transaction), at most
STREAK of them per turn.  Between processes on one database file, SQLite's lock has no queue: a refused
writer can only try again later, an event loop sleeps a millisecond at the least, and two processes
taking turns write by write left the lock idle a third of the time.  So a turn also holds an exclusive
`flock` on `<file>-writer`, waited for on a worker thread when another process holds it (the kernel hands
it over the moment it is released), and covers a run of writes rather than one.  Only when a write is
refused all the same (a worker thread of this process, or a writer that takes no file lock, holds
SQLite's) does the turn try again after 0.5 ms, then less often, up to every 5 ms.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

try:
    import fcntl
except ImportError:  # not on Windows: writers only take turns by trying again
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
RETRY_FIRST_S = 0.0005
RETRY_MAX_S = 0.005
STREAK = 16  # writes of one loop run back to back in one turn of the file lock, at most


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
        self._queues: dict[asyncio.AbstractEventLoop, _Queue] = {}

    async def run(self, work: Callable[[], T]) -> T:
        """`work()` in this loop's turn, again after a wait for as long as it raises WriteBusy.  A
        cancelled request still gets its message processed, as a real server finishes what it received."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        done: asyncio.Future[Any] = loop.create_future()
        queue.jobs.append((work, done))
        if queue.runner is None:
            queue.runner = loop.create_task(self._take_turns(queue))
        with anyio.CancelScope(shield=True):
            result: T = await done
        return result

    async def _take_turns(self, queue: _Queue) -> None:
        """Run the loop's waiting writes, STREAK at most in one turn of the file lock, back to back."""
        try:
            while queue.jobs:
                descriptor = self._open_turn_file()
                try:
                    if descriptor is not None:
                        await _lock_file(descriptor)
                    for _ in range(STREAK):
                        if not queue.jobs:
                            break
                        work, done = queue.jobs.popleft()
                        failure: Exception | None = None
                        try:
                            result: Any = await _until_done(work)
                        except Exception as exc:
                            failure = exc
                        if done.done():  # its request is gone (the loop is closing)
                            continue
                        if failure is not None:
                            done.set_exception(failure)
                        else:
                            done.set_result(result)
                finally:
                    if descriptor is not None:
                        os.close(descriptor)  # releases the flock
                await anyio.sleep(0)  # the loop's other work, and another process's turn, come first
        finally:
            queue.runner = None

    def _open_turn_file(self) -> int | None:
        if self._turn_file is None:
            return None
        try:
            return os.open(self._turn_file, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a read-only directory, say: writers take turns by trying again only
            self._turn_file = None
            return None


class _Queue:
    """A loop's writes waiting for their turn, and the task taking turns for them, if one is."""

    def __init__(self) -> None:
        self.jobs: deque[tuple[Callable[[], Any], asyncio.Future[Any]]] = deque()
        self.runner: asyncio.Task[None] | None = None


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
