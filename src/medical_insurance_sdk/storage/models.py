"""Tables of the product database (not the sandbox's): ledger, msgid sequences, sign-in sessions, catalogs.

Every change here needs an Alembic migration (storage/migrations); `make test` checks that the models and
the migrations agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from medical_insurance_sdk.storage.protection import EncryptedJSON

# JSONB on PostgreSQL (indexable, spec §4.2), JSON text elsewhere
JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGSERIAL
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    # Constraints get predictable names, so a later migration can drop or alter them (SQLite batch mode
    # cannot address an unnamed one).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType}


class LedgerEntry(Base):
    """One message to the bureau, recorded before it is sent (spec: record before send).

    state: PENDING (recorded, answer not yet classified) → SUCCESS | FAILED | UNKNOWN; UNKNOWN is resolved
    later to REVERSED (a 2601 undid it), CONFIRMED (a query showed it took effect) or FAILED (it never
    arrived).  A compensation message (2601 or query, `parent_msgid` set) whose answer was lost becomes
    SUPERSEDED once its original is resolved.  `msgid` is the one on the wire.
    """

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    msgid: Mapped[str] = mapped_column(String(30), unique=True)
    infno: Mapped[str] = mapped_column(String(8))
    safety: Mapped[str] = mapped_column(String(8))
    institution_code: Mapped[str] = mapped_column(String(30))
    operator: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(12), default="PENDING")
    # business keys that compensation and reconciliation need, unmasked but never personal data
    psn_no: Mapped[str | None] = mapped_column(String(30), nullable=True)
    mdtrt_id: Mapped[str | None] = mapped_column(String(30), nullable=True)
    setl_id: Mapped[str | None] = mapped_column(String(30), nullable=True)
    business_keys: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # masked copies, sealed with AES-256-GCM (storage/protection.py)
    request: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("ledger_entry.request"))
    response: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("ledger_entry.response"))
    infcode: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # gateway correlation
    parent_msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)  # 2601 / query: the original
    resolution_msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)  # the 2601 / query used
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolve_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # the bureau the message went to (engine.bureau.BureauIdentity); compensation asks no other bureau
    bureau: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # one resolver at a time: who holds the entry and until when (a dead resolver's lease runs out)
    lease_owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_ledger_state_created", "state", "created_at"),
        Index("ix_ledger_institution_created", "institution_code", "created_at"),
        Index("ix_ledger_setl_id", "setl_id"),
        Index("ix_ledger_mdtrt_id", "mdtrt_id"),
        Index("ix_ledger_parent", "parent_msgid"),
        # retention (storage/retention.py) walks one safety class in (created_at, id) order
        Index("ix_ledger_safety_created", "safety", "created_at", "id"),
    )


class MsgIdSequence(Base):
    """Last sequence issued per (institution prefix, second): the shared msgid allocator's state."""

    __tablename__ = "msgid_sequence"

    prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    second: Mapped[str] = mapped_column(String(14), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class SignInSession(Base):
    """The live 9001 sign_no of one institution + operator (renewed after a day or when refused)."""

    __tablename__ = "signin_session"

    institution_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    operator: Mapped[str] = mapped_column(String(30), primary_key=True)
    sign_no: Mapped[str] = mapped_column(String(30))
    signed_in_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class CatalogItem(Base):
    """One row of a downloaded bureau catalog (1301-1315), upserted by its code."""

    __tablename__ = "catalog_item"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # the infno of the download, e.g. "1301"
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    ver: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ver_name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    valid: Mapped[str | None] = mapped_column(String(3), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("kind", "code", name="uq_catalog_kind_code"),)


class CatalogSyncState(Base):
    """Where the sync of one catalog kind stands: the version to ask for next, and a resumable file."""

    __tablename__ = "catalog_sync_state"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_ver_name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    pending_file_qury_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    pending_filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    rows_done: Mapped[int] = mapped_column(BigId, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class IdempotencyRecord(Base):
    """One `Idempotency-Key` of one institution: the write/money call it stands for, and its outcome.

    state: IN_FLIGHT (claimed, the call is running or its process died) → DONE.  `request_hash` is the
    sha256 of the canonical infno + input, so the same key with another body is refused; `msgid` is the
    ledger message that carries the outcome; `answer` (a success) or `error` (a failure) is what a replay
    of the key gets back without sending anything.
    """

    __tablename__ = "idempotency_record"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    institution_code: Mapped[str] = mapped_column(String(30))
    idem_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    infno: Mapped[str] = mapped_column(String(8))
    msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)
    state: Mapped[str] = mapped_column(String(12), default="IN_FLIGHT")
    # the answer a replay gets back, unmasked: sealed (storage/protection.py)
    answer: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("idempotency_record.answer"))
    error: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("idempotency_record.error"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("institution_code", "idem_key", name="uq_idempotency_institution_key"),
        Index("ix_idempotency_created", "created_at", "id"),  # retention walks (created_at, id)
    )


class DataKeyRotation(Base):
    """How far `yibao data-key rotate` has re-sealed one table for one target key (storage/rotation.py).

    `last_id`: every row up to this primary key is sealed with `target_kid`; a restarted rotation goes on
    after it.  A new target key starts the table again.
    """

    __tablename__ = "data_key_rotation"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    target_kid: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_sealed: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ReconcileRun(Base):
    """The outcome of one `yibao reconcile` run (storage/reconcile_runs.py), for the operators' alerts.

    outcome: BALANCED (平), UNBALANCED (不平) or FAILED (对账失败, no verdict).  `scope` is "" for the whole
    day, else the --insutype / --clr-type codes it was narrowed to; the latest run of a (day, scope) is
    the one that counts.  The report itself stays in the files `yibao reconcile` writes.
    """

    __tablename__ = "reconcile_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    institution_code: Mapped[str] = mapped_column(String(30))
    stmt_date: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(12))
    discrepancies: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC, as every time of this schema

    __table_args__ = (
        Index("ix_reconcile_run_latest", "institution_code", "stmt_date", "scope", "finished_at"),
    )
