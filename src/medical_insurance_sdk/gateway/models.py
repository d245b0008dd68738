"""Tenancy tables of the gateway: institutions and their API keys (on the product database's `Base`).

Bureau credentials are never stored: an institution names the environment variables that hold them
(`credential_env`, e.g. {"access_key": "HOSP_A_AK", "secret_key": "HOSP_A_SK"}), so secrets stay in the
deployment's secret store and a database dump reveals none.  API keys are stored as the SHA-256 of the key.

Migration: storage/migrations/versions/0002_gateway_tenancy.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.storage.models import Base, BigId, JSONType


class Institution(Base):
    """A 定点医药机构 using the gateway: its bureau identity, province profile and default operator."""

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # fixmedins_code, X-Institution-Code
    name: Mapped[str] = mapped_column(String(200))
    admdvs: Mapped[str] = mapped_column(String(6))  # 就医地医保区划; default 参保地 of local patients
    profile: Mapped[str] = mapped_column(String(500), default="national")  # built-in name or YAML path
    bureau_base_url: Mapped[str | None] = mapped_column(String(500), nullable=True)  # None: gateway default
    credential_env: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    opter: Mapped[str] = mapped_column(String(30), default="OP001")
    opter_name: Mapped[str] = mapped_column(String(50), default="医保接口")
    opter_type: Mapped[str] = mapped_column(String(3), default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiKey(Base):
    """One API key: `mik_<key_id>_<secret>`; only `key_id` (shown in lists) and the hash are kept."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(24), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the whole key
    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"))
    role: Mapped[str] = mapped_column(String(30))
    label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_api_key_institution", "institution_id"),)
