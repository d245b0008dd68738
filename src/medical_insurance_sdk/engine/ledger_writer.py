"""The ledger's writer thread: every ledger row the asynchronous engine writes, several per commit (issue 16).

    writer = LedgerWriter(ledger)
    writer.submit(RecordAnswered(entry, outcome))   # a query's row: returns at once, written soon after
    await writer.write(Record(entry))               # a write/money call's PENDING row: returns once committed
    await writer.write(complete)                    # its answer: returns once committed
    writer.flush()                                  # everything submitted so far is in the database
    writer.close()                                  # flush, then stop the thread

One daemon thread takes whatever has queued up since its last commit and writes it in one transaction
(group commit), so under load many calls share one commit instead of each paying its own, and no worker
thread is taken per write.  What each kind of row promises is unchanged:

- a write or money call's PENDING row is committed before its message leaves: `write` returns only after the
  commit that holds it (record-before-send), and raises what writing it raised (DuplicateMessageError …);
- its answer is committed before the call returns (`write(Complete)`);
- a query's row (`submit`) is written after its answer went back to the caller; one still queued when the
  process dies is lost, and nothing depends on it (a read has no outcome to resolve).

A batch that fails is written again item by item (`Ledger.write_batch`), so one bad row costs no other its
write.  A caller cancelled while its row is queued still has it written: the row is there either way, and a
PENDING row that was never sent is resolved by the sweeper like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import threading
from dataclasses import dataclass

import anyio

from medical_insurance_sdk.engine.effects import Complete, Record, RecordAnswered
from medical_insurance_sdk.engine.ledger import Ledger

logger = logging.getLogger(__name__)

BATCH_MAX = 500  # rows per transaction at most
_STOP = object()


@dataclass(frozen=True)
class _Awaited:
    item: Record | Complete
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Exception | None]


class LedgerWriter:
    """One daemon thread that writes submitted rows in batches."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._pid = os.getpid()

    def submit(self, item: RecordAnswered) -> None:
        if self._closed:  # after close (shutdown): write it here rather than drop it
            self.ledger.record_answered([item])
            return
        self._ensure_thread()
        self._queue.put(item)

    async def write(self, item: Record | Complete) -> None:
        """`item` committed, together with whatever else was waiting; raises what writing it raised."""
        if self._closed:
            outcome = (await anyio.to_thread.run_sync(self.ledger.write_batch, [item]))[0]
        else:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[Exception | None] = loop.create_future()
            self._ensure_thread()
            self._queue.put(_Awaited(item, loop, future))
            with anyio.CancelScope(shield=True):  # the row is written either way: wait for its outcome
                outcome = await future
        if outcome is not None:
            raise outcome

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until everything submitted before this call is written."""
        if self._thread is None:
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout_s)

    def close(self, timeout_s: float = 30.0) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout_s)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's thread and queue are not its own
                self._thread, self._queue, self._pid = None, queue.SimpleQueue(), os.getpid()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch: list[object] = [self._queue.get()]
            while len(batch) < BATCH_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if any(item is _STOP for item in batch):
                return

    def _write(self, batch: list[object]) -> None:
        items = [
            x.item if isinstance(x, _Awaited) else x
            for x in batch
            if isinstance(x, (_Awaited, RecordAnswered))
        ]
        if not items:
            return
        try:
            outcomes: list[Exception | None] = self.ledger.write_batch(items)
        except Exception as exc:  # the thread must outlive a bad batch; each waiter is told
            logger.exception("台账写入失败（%d 条）", len(items))
            outcomes = [exc] * len(items)
        awaited = (x for x in batch if isinstance(x, (_Awaited, RecordAnswered)))
        for waiter, outcome in zip(awaited, outcomes, strict=True):
            if isinstance(waiter, _Awaited):
                _tell(waiter, outcome)
            elif outcome is not None:
                logger.error("台账写入失败（查询类交易 %s）: %s", waiter.entry.msgid, outcome)


def _tell(waiter: _Awaited, outcome: Exception | None) -> None:
    def settle() -> None:
        if not waiter.future.done():
            waiter.future.set_result(outcome)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
        waiter.loop.call_soon_threadsafe(settle)
