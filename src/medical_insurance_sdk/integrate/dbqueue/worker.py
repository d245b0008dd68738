"""`yibao integrate db run`: take queued operations from the HIS database and send each to the bureau once.

    worker = QueueWorker(connect(url), sdk, WorkerSettings(queue_name="his_main"))
    worker.run(stop)                       # until `stop` is set; worker.drain() for what is due now

One row at a time, inside one transaction of the HIS database that holds the row's lock:

    SELECT … FROM medical_insurance_queue WHERE status IN (pending, retry, unknown) AND due
        AND no earlier open row of the same group_key  ORDER BY id LIMIT 1  FOR UPDATE SKIP LOCKED
    → dispatch (the SDK call, idempotency key "dbq:<queue_name>:<id>:<created_at>")
    → the result row (insert or update) and the queue row's new status, committed together

Several workers (threads or processes, on one machine or several) never take the same row: SKIP LOCKED
passes over rows another worker holds.  A worker killed mid-call leaves its transaction uncommitted: the
database releases the lock, the row is still open, and the next worker asks again with the same key — the
engine answers the first outcome, so a row becomes at most one bureau message (a query is simply asked again:
it changes nothing at the bureau).  A write or money call whose outcome is unknown is marked `unknown` and
asked again every `unknown_recheck_s` with its key until the engine's compensation (2601 or the confirm query,
run by the gateway's sweeper or `yibao compensate`) has resolved it; it is never sent again.

Rows of one group_key (one visit: register, upload, settle) are sent in id order, one at a time; an open
earlier row (pending, retry or unknown) holds the later ones back.  A failed row does not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from medical_insurance_sdk.integrate.dbqueue.tables import OPEN_STATUSES, QueueStatus, queue, result
from medical_insurance_sdk.integrate.dispatch import Answer, Disposition, dispatch, refusal, retry_delay
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.sdk import MedicalInsuranceSDK

log = logging.getLogger(__name__)

# what a queue row becomes, by what became of its call
QUEUE_STATUS = {
    Disposition.SUCCESS: QueueStatus.DONE,
    Disposition.FAILED: QueueStatus.FAILED,
    Disposition.UNKNOWN: QueueStatus.UNKNOWN,
    Disposition.RETRY: QueueStatus.RETRY,
}
MESSAGE_MAX = 1000  # result.error_message


@dataclass(frozen=True)
class WorkerSettings:
    # names this HIS database in idempotency keys: "dbq:<queue_name>:<row id>:<created_at>" (the creation
    # time too, so that a queue table made anew, its ids counting from 1 again, never meets an old key)
    queue_name: str
    poll_s: float = 1.0  # how long an idle worker waits before looking again
    unknown_recheck_s: float = 30.0  # how often an unknown outcome is asked about again
    threads: int = 1


@dataclass
class Tally:
    """What one worker has done (per disposition), for its log and `--once`'s summary."""

    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, disposition: Disposition) -> None:
        with self.lock:
            self.counts[disposition.value] = self.counts.get(disposition.value, 0) + 1


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def claim_statement(now: datetime) -> sa.Select[Any]:
    """The next open, due row whose group has no earlier open row, locked, skipping rows others hold."""
    earlier = queue.alias("earlier")
    blocked = (
        sa.select(earlier.c.id)
        .where(
            earlier.c.group_key == queue.c.group_key,
            earlier.c.id < queue.c.id,
            earlier.c.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .exists()
    )
    return (
        sa.select(queue.c.id, queue.c.interface_type, queue.c.data_json, queue.c.attempts, queue.c.created_at)
        .where(
            queue.c.status.in_([s.value for s in OPEN_STATUSES]),
            sa.or_(queue.c.next_attempt_at.is_(None), queue.c.next_attempt_at <= now),
            sa.or_(queue.c.group_key.is_(None), ~blocked),
        )
        .order_by(queue.c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=queue)
    )


class QueueWorker:
    def __init__(
        self,
        engine: sa.Engine,
        sdk: MedicalInsuranceSDK,
        settings: WorkerSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        report: Callable[[int, str, Answer, float], None] | None = None,
    ) -> None:
        self.engine = engine
        self.sdk = sdk
        self.settings = settings
        self.clock = clock
        self.report = report
        self.tally = Tally()

    def key(self, row_id: int, created_at: datetime) -> str:
        return f"dbq:{self.settings.queue_name}:{row_id}:{created_at:%Y%m%d%H%M%S}"

    # ----------------------------------------------------------------------------------------- one row
    def process_one(self) -> bool:
        """Take one due row and settle what became of it; False when none is due."""
        with self.engine.begin() as conn:
            row = conn.execute(claim_statement(self.clock())).first()
            if row is None:
                return False
            started = time.monotonic()
            answer = self._send(self.key(row.id, row.created_at), row.interface_type, row.data_json)
            self._record(conn, row.id, row.interface_type, row.attempts + 1, answer)
        self.tally.add(answer.disposition)
        if self.report is not None:
            self.report(row.id, row.interface_type, answer, (time.monotonic() - started) * 1000)
        return True

    def _send(self, key: str, interface_type: str, data_json: str) -> Answer:
        try:
            data = jsoncodec.loads(data_json)
        except (ValueError, RecursionError, TypeError):
            return refusal(10002, "请求参数格式错误: data_json 不是有效的 JSON", interface_type)
        return dispatch(self.sdk, interface_type, data, key=key)

    def _record(
        self, conn: sa.Connection, row_id: int, interface_type: str, attempts: int, answer: Answer
    ) -> None:
        now = self.clock()
        status = QUEUE_STATUS[answer.disposition]
        due: datetime | None = None
        if answer.disposition is Disposition.RETRY:
            due = now + timedelta(seconds=retry_delay(attempts, answer.retry_after))
        elif answer.disposition is Disposition.UNKNOWN:
            due = now + timedelta(seconds=self.settings.unknown_recheck_s)
        conn.execute(
            queue.update()
            .where(queue.c.id == row_id)
            .values(status=status.value, attempts=attempts, next_attempt_at=due, updated_at=now)
        )
        values = _result_values(interface_type, answer, now)
        updated = conn.execute(result.update().where(result.c.queue_id == row_id).values(**values))
        if updated.rowcount == 0:  # the row's lock is ours: nobody else writes its result meanwhile
            conn.execute(result.insert().values(queue_id=row_id, created_at=now, **values))

    # ------------------------------------------------------------------------------------------- loops
    def drain(self, stop: threading.Event | None = None) -> int:
        """Process rows until none is due (or `stop` is set); the number processed."""
        done = 0
        while not (stop is not None and stop.is_set()) and self.process_one():
            done += 1
        return done

    def run(self, stop: threading.Event) -> None:
        """`settings.threads` loops until `stop` is set; each finishes the row in hand first."""
        threads = [
            threading.Thread(target=self._loop, args=(stop,), name=f"dbqueue-{n}", daemon=True)
            for n in range(self.settings.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.drain(stop) == 0:
                    stop.wait(self.settings.poll_s)
            except sa.exc.SQLAlchemyError as exc:  # the HIS database restarting: wait, then look again
                log.warning("队列数据库不可用，稍后重试: %s", type(exc).__name__)
                stop.wait(max(self.settings.poll_s, 5.0))


def _result_values(interface_type: str, answer: Answer, now: datetime) -> dict[str, Any]:
    document: Mapping[str, Any] = answer.document
    message = None if answer.disposition is Disposition.SUCCESS else str(document.get("message") or "")
    return {
        "interface_type": interface_type,
        "infno": answer.infno,
        "status": answer.disposition.value,
        "error_code": answer.error_code,
        "error_message": message[:MESSAGE_MAX] if message else None,
        "msgid": answer.msgid,
        "result_json": jsoncodec.dumps(document).decode("utf-8"),
        "updated_at": now,
    }
