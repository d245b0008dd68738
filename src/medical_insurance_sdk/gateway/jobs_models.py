"""Tables of the gateway's jobs (spec §4.2): batches and their operations, async tasks, stored files.

    batch_operation_log   one batch (§4.2, plus institution_id, options and its task)
    batch_operation       one operation of a batch: its input until it is done, then its outcome
    async_task            one task (§4.2, plus attempts and a lease: locked_by / lease_until)
    stored_file           one uploaded (or downloaded) file: where it lies on disk and its SHA-256

Every row belongs to an institution and is only ever read through it: another institution's batch, task
or file does not exist for a caller (404).  Migration: storage/migrations/versions/0004_gateway_jobs.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.storage.models import Base, BigId, JSONType
from medical_insurance_sdk.storage.protection import EncryptedJSON


class BatchOperationLog(Base):
    """A batch (§3.2): data_upload (operations) or catalog_download (one operation per catalogue).

    status: pending → processing → completed (ran to its end; failures are counted) | failed (stopped
    early by stop_on_error, or could not run).  batch_id is unique per institution, not globally: two
    hospitals may both name a batch "BATCH20250714001" without seeing each other's.
    """

    __tablename__ = "batch_operation_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(50))
    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"))
    operation_type: Mapped[str] = mapped_column(String(50))
    total_count: Mapped[int] = mapped_column(Integer)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    stop_on_error: Mapped[bool] = mapped_column(Boolean, default=True)
    max_concurrent: Mapped[int] = mapped_column(Integer, default=5)
    task_id: Mapped[str | None] = mapped_column(String(50), nullable=True)
    start_time: Mapped[datetime] = mapped_column(DateTime)
    end_time: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        UniqueConstraint("institution_id", "batch_id", name="uq_batch_operation_log_institution_batch"),
        Index("ix_batch_log_institution_status", "institution_id", "status"),
    )


class BatchOperation(Base):
    """One operation of a batch.

    status: pending → running → success | failed | unknown (a write/money call whose outcome is not known:
    never re-sent, the compensation sweeper settles it) | skipped (not started: stop_on_error, or an
    earlier operation of the same visit ended unknown).  `running` is written before the call starts, so
    after a crash the ledger (request_id "bop-<id>") tells whether the message left.  `input` holds the
    bureau input until the operation is done, then only its masked copy.
    """

    __tablename__ = "batch_operation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_log_id: Mapped[int] = mapped_column(BigId, ForeignKey("batch_operation_log.id"))
    position: Mapped[int] = mapped_column(Integer)  # index in the request's operations[]
    sequence: Mapped[int] = mapped_column(Integer)
    lane: Mapped[int] = mapped_column(Integer)  # operations of one visit share a lane and run in order
    interface_type: Mapped[str] = mapped_column(String(64))
    infno: Mapped[str] = mapped_column(String(8))
    # the bureau input and the outcome carry personal data: sealed (storage/protection.py)
    input: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("batch_operation.input"))
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(12), nullable=True)  # unknown / reversed / confirmed
    output: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("batch_operation.output"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("batch_log_id", "position", name="uq_batch_operation_batch_position"),
        Index("ix_batch_operation_batch_status", "batch_log_id", "status"),
    )


class AsyncTask(Base):
    """An async task (§3.3): a transaction, a batch or a catalogue sync, run by an executor.

    status: pending → processing → completed | failed.  A worker claims a task by one conditional UPDATE
    (pending, or processing with an expired lease) and renews `lease_until` while it works; a crashed
    worker's lease runs out and another worker resumes the task.  `attempts` counts the claims.
    """

    __tablename__ = "async_task"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(50), unique=True)
    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"))
    task_type: Mapped[str] = mapped_column(String(50))
    # sealed (storage/protection.py): a task's input and result carry personal data
    task_data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("async_task.task_data"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("async_task.result"), nullable=True)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_async_task_institution_status", "institution_id", "status"),
        Index("ix_async_task_status_lease", "status", "lease_until"),
    )


class StoredFile(Base):
    """A file kept by the gateway (§3.4): `path` is relative to the file directory."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    file_id: Mapped[str] = mapped_column(String(50), unique=True)
    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_stored_file_institution_created", "institution_id", "created_at"),)
