"""Batches in the database: stored with their operations, their outcomes recorded, their views.

    ref, created = insert_batch(session, institution_id, plan, task_id, now)
    view, operations, page = batch_status(database, institution_id, "BATCH20250714001", page=1)

An operation's outcome and the batch's counters are written in one transaction; a finished operation's
input is kept masked only (spec §7.3.2).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from medical_insurance_sdk.exceptions import (
    DataValidationError,
)
from medical_insurance_sdk.gateway.jobs_models import BatchOperation, BatchOperationLog
from medical_insurance_sdk.gateway.responses import pagination
from medical_insurance_sdk.gateway.services.batch.calls import Outcome
from medical_insurance_sdk.gateway.services.batch.plan import FAILURES, BatchPlan, iso, plain_json
from medical_insurance_sdk.masking import mask_payload
from medical_insurance_sdk.registry import REGISTRY

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Op:
    """What the scheduler knows of an operation; ordered by (sequence, position)."""

    sequence: int
    position: int
    id: int = field(compare=False)
    lane: int = field(compare=False)
    infno: str = field(compare=False)
    status: str = field(compare=False)


# ------------------------------------------------------------------------------------------- storage


@dataclass(frozen=True)
class BatchRef:
    id: int
    batch_id: str
    task_id: str | None
    status: str


def insert_batch(
    session: Session, institution_id: int, plan: BatchPlan, task_id: str, now: datetime
) -> tuple[BatchRef, bool]:
    """Store the batch and its operations in `session`; (existing batch, False) when the id is taken.

    The unique (institution_id, batch_id) makes a concurrent second submit fail at commit; the caller
    then reads the winner with `find_batch`.
    """
    existing = find_batch(session, institution_id, plan.batch_id)
    if existing is not None:
        return existing, False
    row = BatchOperationLog(
        batch_id=plan.batch_id,
        institution_id=institution_id,
        operation_type=plan.operation_type,
        total_count=len(plan.operations),
        success_count=0,
        failed_count=0,
        status="pending",
        stop_on_error=plan.stop_on_error,
        max_concurrent=plan.max_concurrent,
        task_id=task_id,
        start_time=now,
    )
    session.add(row)
    session.flush()
    session.execute(
        insert(BatchOperation),
        [
            {
                "batch_log_id": row.id,
                "position": op.position,
                "sequence": op.sequence,
                "lane": op.lane,
                "interface_type": op.tx.interface_type,
                "infno": op.tx.infno,
                "input": {"data": plain_json(op.data)},
                "options": dict(op.options),
                "status": "pending",
            }
            for op in plan.operations
        ],
    )
    return BatchRef(row.id, row.batch_id, task_id, row.status), True


def find_batch(session: Session, institution_id: int, batch_id: str) -> BatchRef | None:
    row = session.scalar(
        select(BatchOperationLog).where(
            BatchOperationLog.institution_id == institution_id, BatchOperationLog.batch_id == batch_id
        )
    )
    return BatchRef(row.id, row.batch_id, row.task_id, row.status) if row is not None else None


def start_operation(database: Any, op_id: int, now: datetime) -> tuple[Any, dict[str, str]]:
    """Mark the operation running (committed before anything is sent) and hand out its data."""
    with database.session() as s:
        row = s.get(BatchOperation, op_id)
        assert row is not None
        row.status = "running"
        row.started_at = now
        stored = row.input or {}
        return stored.get("data"), dict(row.options or {})


def record_outcome(database: Any, op_id: int, outcome: Outcome, now: datetime) -> None:
    """The operation's outcome and the batch's counters, in one transaction."""
    with database.session() as s:
        row = s.get(BatchOperation, op_id)
        assert row is not None
        _apply(row, outcome, now)
        counter = {"success": "success_count", "failed": "failed_count", "unknown": "failed_count"}.get(
            outcome.status
        )
        if counter is not None:
            column = getattr(BatchOperationLog, counter)
            s.execute(
                update(BatchOperationLog)
                .where(BatchOperationLog.id == row.batch_log_id)
                .values({counter: column + 1})
            )


def _apply(row: BatchOperation, outcome: Outcome, now: datetime) -> None:
    row.status = outcome.status
    row.error_code = outcome.error_code
    row.error_message = outcome.error_message
    row.msgid = outcome.msgid
    row.outcome = outcome.outcome
    row.output = outcome.output
    if outcome.status != "success" and outcome.infcode is not None:
        row.output = {"infcode": outcome.infcode}  # the bureau's code: -2 makes a 5000x code its refusal
    row.finished_at = now
    if row.input is not None:
        # done: the personal data it carried is no longer needed in clear (spec §7.3.2)
        row.input = mask_payload(row.input)


def skip_operations(database: Any, op_ids: Iterable[int], reason: str, now: datetime) -> None:
    ids = list(op_ids)
    if not ids:
        return
    with database.session() as s:
        for row in s.scalars(select(BatchOperation).where(BatchOperation.id.in_(ids))):
            _apply(row, Outcome("skipped", error_message=reason), now)


def finish_batch(database: Any, batch_log_id: int, now: datetime) -> dict[str, Any]:
    with database.session() as s:
        row = s.get(BatchOperationLog, batch_log_id)
        assert row is not None
        counts = count_statuses(s, batch_log_id)
        row.success_count = counts.get("success", 0)
        row.failed_count = counts.get("failed", 0) + counts.get("unknown", 0)
        first = None
        if row.failed_count:
            first = s.scalars(
                select(BatchOperation)
                .where(BatchOperation.batch_log_id == batch_log_id, BatchOperation.status.in_(FAILURES))
                .order_by(BatchOperation.sequence, BatchOperation.position)
                .limit(1)
            ).first()
        stopped = row.stop_on_error and first is not None
        row.status = "failed" if stopped else "completed"
        if first is not None:
            skipped = counts.get("skipped", 0)
            tail = f"，其后 {skipped} 项未执行" if stopped and skipped else ""
            row.error_message = (
                f"第 {first.sequence} 项（{first.infno}）{_STATUS_TEXT[first.status]}: "
                f"{first.error_message or first.error_code}{tail}"
            )
        row.end_time = now
        # the first failure as its operation answers it: a batch task's error keeps its outcome and infcode
        return {
            **batch_view(row, counts),
            "error_code": first.error_code if first is not None else None,
            "failed_operation": operation_view(first) if first is not None else None,
        }


_STATUS_TEXT = {"failed": "失败", "unknown": "结果未知"}

# --------------------------------------------------------------------------------------------- views


def count_statuses(session: Session, batch_log_id: int) -> dict[str, int]:
    rows = session.execute(
        select(BatchOperation.status, func.count())
        .where(BatchOperation.batch_log_id == batch_log_id)
        .group_by(BatchOperation.status)
    ).all()
    return {status: int(n) for status, n in rows}


def batch_view(row: BatchOperationLog, counts: Mapping[str, int]) -> dict[str, Any]:
    """A batch as answered: the §4.2 columns plus how many are unknown, skipped, pending and running."""
    finished = sum(n for status, n in counts.items() if status not in ("pending", "running"))
    return {
        "batch_id": row.batch_id,
        "task_id": row.task_id,
        "operation_type": row.operation_type,
        "status": row.status,
        "total_count": row.total_count,
        "success_count": counts.get("success", 0),
        "failed_count": counts.get("failed", 0) + counts.get("unknown", 0),
        "unknown_count": counts.get("unknown", 0),
        "skipped_count": counts.get("skipped", 0),
        "pending_count": counts.get("pending", 0),
        "running_count": counts.get("running", 0),
        "progress": round(100 * finished / row.total_count) if row.total_count else 100,
        "options": {"stop_on_error": row.stop_on_error, "max_concurrent": row.max_concurrent},
        "start_time": iso(row.start_time),
        "end_time": iso(row.end_time),
        "error_message": row.error_message,
    }


def operation_view(row: BatchOperation) -> dict[str, Any]:
    return {
        "sequence": row.sequence,
        "position": row.position,
        "interface_type": row.interface_type,
        "infno": row.infno,
        "status": row.status,
        "error_code": row.error_code,
        "error_message": row.error_message,
        "msgid": row.msgid,
        "outcome": row.outcome,
        "infcode": _infcode(row),
        "output": row.output,
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
    }


def _infcode(row: BatchOperation) -> int | None:
    if row.status in ("success", "pending", "running", "skipped") or not isinstance(row.output, dict):
        return None
    infcode = row.output.get("infcode")
    return infcode if isinstance(infcode, int) else None


def batch_summary(database: Any, batch_log_id: int) -> dict[str, Any]:
    with database.session() as s:
        row = s.get(BatchOperationLog, batch_log_id)
        assert row is not None
        return batch_view(row, count_statuses(s, batch_log_id))


def batch_status(
    database: Any, institution_id: int, batch_id: str, *, page: int = 1, page_size: int = 100
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """(batch view, one page of its operations in sequence order, §1.4 pagination); 30007 if not this
    institution's."""
    with database.session() as s:
        row = s.scalar(
            select(BatchOperationLog).where(
                BatchOperationLog.institution_id == institution_id, BatchOperationLog.batch_id == batch_id
            )
        )
        if row is None:
            raise DataValidationError(message=f"数据不存在: 批次 {batch_id}", code=30007)
        counts = count_statuses(s, row.id)
        operations = s.scalars(
            select(BatchOperation)
            .where(BatchOperation.batch_log_id == row.id)
            .order_by(BatchOperation.sequence, BatchOperation.position)
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        pages = max(1, math.ceil(row.total_count / page_size))
        return (
            batch_view(row, counts),
            [operation_view(op) for op in operations],
            pagination(total=row.total_count, page=page, page_size=page_size, total_pages=pages),
        )


def load_batch(database: Any, batch_log_id: int) -> BatchOperationLog:
    with database.session() as s:
        row = s.get(BatchOperationLog, batch_log_id)
        if row is None:
            raise DataValidationError(message=f"数据不存在: 批次 {batch_log_id}", code=30007)
        if row.status == "pending":
            row.status = "processing"
        return row


def load_operations(database: Any, batch_log_id: int) -> list[Op]:
    with database.session() as s:
        rows = s.execute(
            select(
                BatchOperation.sequence,
                BatchOperation.position,
                BatchOperation.id,
                BatchOperation.lane,
                BatchOperation.infno,
                BatchOperation.status,
            ).where(BatchOperation.batch_log_id == batch_log_id)
        ).all()
    return sorted(Op(*row) for row in rows)


def batch_permissions(database: Any, institution_id: int, batch_id: str) -> frozenset[str]:
    """The permissions of the transactions a batch holds: reading its results needs every one of them."""
    with database.session() as s:
        infnos = s.scalars(
            select(BatchOperation.infno)
            .join(BatchOperationLog, BatchOperationLog.id == BatchOperation.batch_log_id)
            .where(BatchOperationLog.institution_id == institution_id, BatchOperationLog.batch_id == batch_id)
            .distinct()
        ).all()
    found = (REGISTRY.get(infno) for infno in infnos)
    return frozenset(tx.permission for tx in found if tx is not None)
