"""Ledger rows written off the request path, several per transaction (issue 16).

    writer = LedgerWriter(ledger)
    writer.submit(RecordAnswered(entry, outcome))   # returns at once; a background thread writes it
    writer.flush()                                  # everything submitted so far is in the database
    writer.close()                                  # flush, then stop the thread

Only for what carries no money: a query's one row (`RecordAnswered`), written after its answer went back to
the caller.  Write and money transactions never come here: their PENDING row is committed before the
message leaves (`Record`), and their answer is committed before the call returns (`Complete`).  The thread
takes whatever has queued up since its last write and commits it in one transaction (group commit), so
under load many queries cost one commit.  A query row still queued when the process dies is lost; nothing
depends on it (a read has no outcome to resolve).
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from medical_insurance_sdk.engine.effects import RecordAnswered
from medical_insurance_sdk.engine.ledger import Ledger

logger = logging.getLogger(__name__)

BATCH_MAX = 500  # rows per transaction at most
_STOP = object()


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
            first = self._queue.get()
            batch: list[object] = [first]
            while len(batch) < BATCH_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [item for item in batch if isinstance(item, RecordAnswered)]
            if rows:
                try:
                    self.ledger.record_answered(rows)
                except Exception:  # the thread must outlive a bad batch; the rows are logged, not raised
                    logger.exception("台账写入失败（查询类交易，%d 条）", len(rows))
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if any(item is _STOP for item in batch):
                return
