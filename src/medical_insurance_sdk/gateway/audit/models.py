"""Operations tables of the gateway: the call log and business data of spec §4.2, and interface overrides.

Every row belongs to one institution (`institution_id`), and every read filters on it first, so the indexes
lead with it: a query over one institution's calls in a date range reads one index range, however many
rows the others have (benchmarks/universal_query.py).

Deviations from §4.2, each on purpose:
- `request_id` is indexed, not unique: the SDK sends one request id for all attempts of a call (retries),
  and every attempt is logged;
- `msgid`, `key_id` and `http_status` are added: the bureau message (to join the ledger), which API key
  called, and the HTTP status answered;
- `response_time` is in milliseconds;
- no GIN index on `parsed_data`: no query filters inside it yet, and it would cost every insert.

Migration: storage/migrations/versions/0003_gateway_audit.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.gateway.audit.periods import iso_utc
from medical_insurance_sdk.storage.models import Base, BigId, JSONType
from medical_insurance_sdk.storage.protection import BlindIndex, EncryptedJSON


class InterfaceCallLog(Base):
    """One call of a transaction route by an authenticated caller, whatever its outcome (masked)."""

    __tablename__ = "interface_call_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"))
    interface_type: Mapped[str] = mapped_column(String(50))
    infno: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(50))
    request_id: Mapped[str] = mapped_column(String(64))
    msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(24), nullable=True)
    request_data: Mapped[Any] = mapped_column(JSONType, nullable=True)
    response_data: Mapped[Any] = mapped_column(JSONType, nullable=True)
    success: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    response_time: Mapped[int] = mapped_column(Integer)  # milliseconds
    call_time: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive like every other table

    __table_args__ = (
        Index("ix_call_log_institution_time", "institution_id", "call_time", "id"),
        Index("ix_call_log_institution_interface", "institution_id", "interface_type", "call_time"),
        Index("ix_call_log_institution_success", "institution_id", "success", "call_time"),
        Index("ix_call_log_request_id", "request_id"),
    )

    def summary(self) -> dict[str, Any]:
        """What a reader is shown of a call (error logs, the universal query's call_log rows)."""
        return {
            "request_id": self.request_id,
            "interface_type": self.interface_type,
            "infno": self.infno,
            "category": self.category,
            "http_status": self.http_status,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "msgid": self.msgid,
            "response_time_ms": self.response_time,
            "call_time": iso_utc(self.call_time),
        }


class InterfaceData(Base):
    """The business data of one successful call: the bureau's answer as received and as answered (masked)."""

    __tablename__ = "interface_data"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"))
    interface_type: Mapped[str] = mapped_column(String(50))
    infno: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(50))
    business_key: Mapped[str | None] = mapped_column(String(100), nullable=True)  # setl_id, mdtrt_id …
    data_type: Mapped[str] = mapped_column(String(50))  # the §4.1 data model: PersonInfo, DrugCatalog …
    # {"input": …, "output": …} as exchanged with the bureau, and the answer's `data`: masked and sealed
    raw_data: Mapped[Any] = mapped_column(EncryptedJSON("interface_data.raw_data"))
    parsed_data: Mapped[Any] = mapped_column(EncryptedJSON("interface_data.parsed_data"), nullable=True)
    # keyed HMAC of the input's ID number (certno …): query/universal finds a person's rows by it
    cert_index: Mapped[str | None] = mapped_column(BlindIndex(), nullable=True)
    data_version: Mapped[str] = mapped_column(String(20), default="1.0")
    data_status: Mapped[str] = mapped_column(String(20), default="active")
    call_log_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interface_call_log.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_interface_data_institution_time", "institution_id", "created_at", "id"),
        Index("ix_interface_data_institution_interface", "institution_id", "interface_type", "created_at"),
        Index("ix_interface_data_institution_status", "institution_id", "data_status", "created_at"),
        Index("ix_interface_data_institution_business_key", "institution_id", "business_key"),
        Index("ix_interface_data_call_log", "call_log_id"),
        Index("ix_interface_data_institution_cert_index", "institution_id", "cert_index"),
    )


class InterfaceConfig(Base):
    """An institution's override of one transaction (spec §3.1.3): switched off, or another timeout.

    Per institution on purpose: an institution's admin steers its own calls and never another hospital's.
    """

    __tablename__ = "interface_config"

    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"), primary_key=True)
    interface_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    infno: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    timeout_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: the registry's
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(24), nullable=True)  # the admin's key_id
