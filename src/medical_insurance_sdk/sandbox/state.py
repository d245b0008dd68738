"""The sandbox bureau's state: SQLAlchemy tables on their own metadata (in-memory or file SQLite).

Shared tables live here (insured persons and their accounts, institutions, sign-ins, every processed message,
generic uploads, files).  Business tables of the settlement flows live in `business_state.py` on the same
`SandboxBase`.  The sandbox is a simulator: tables are created with `create_all`, not migrated.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

AMOUNT = Numeric(16, 2)


class SandboxBase(DeclarativeBase):
    """Declarative base of every sandbox table (kept apart from the product's own tables)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON, Decimal: AMOUNT}


class Person(SandboxBase):
    """An insured person (1101) with the account state the fund split reads and moves."""

    __tablename__ = "sbx_person"

    psn_no: Mapped[str] = mapped_column(String(30), primary_key=True)
    certno: Mapped[str] = mapped_column(String(50), unique=True, index=True)
    psn_name: Mapped[str] = mapped_column(String(50))
    insutype: Mapped[str] = mapped_column(String(6))
    insuplc_admdvs: Mapped[str] = mapped_column(String(6))
    balc: Mapped[Decimal] = mapped_column(AMOUNT)
    # the fundsplit.PersonState beyond the balance: year-to-date counters, as {key: "decimal text"}
    year: Mapped[int] = mapped_column(Integer)
    year_to_date: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)  # the seed record (baseinfo/insuinfo/idetinfo)


class Identity(SandboxBase):
    """The sandbox bureau's own name, made when its database is (re)created.  Clients record which bureau
    saw each message: a fresh in-memory sandbox, another data directory or a reset one is another bureau,
    which must never be asked to judge a message it did not receive."""

    __tablename__ = "sbx_identity"

    bureau_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SignIn(SandboxBase):
    """A 9001 sign-in: business messages must carry a live sign_no of their institution and operator."""

    __tablename__ = "sbx_signin"

    sign_no: Mapped[str] = mapped_column(String(30), primary_key=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    opter_no: Mapped[str] = mapped_column(String(30))
    sign_time: Mapped[datetime] = mapped_column(DateTime)
    signed_out: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Message(SandboxBase):
    """Every message the sandbox processed: its own ledger (msgid reuse, 2601 by omsgid, reconciliation)."""

    __tablename__ = "sbx_message"

    msgid: Mapped[str] = mapped_column(String(30), primary_key=True)
    infno: Mapped[str] = mapped_column(String(8), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    opter: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    infcode: Mapped[int] = mapped_column(Integer)
    input: Mapped[dict[str, Any]] = mapped_column(JSON)
    output: Mapped[Any] = mapped_column(JSON, nullable=True)
    err_msg: Mapped[str | None] = mapped_column(Text, nullable=True)
    reversed_by: Mapped[str | None] = mapped_column(String(30), nullable=True)  # msgid of the 2601


class Upload(SandboxBase):
    """What a transaction without a dedicated table recorded (validated input, keyed by msgid)."""

    __tablename__ = "sbx_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    msgid: Mapped[str] = mapped_column(String(30), index=True)
    infno: Mapped[str] = mapped_column(String(8), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    business_key: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    cancelled_by: Mapped[str | None] = mapped_column(String(30), nullable=True)


class StoredFile(SandboxBase):
    """A file the sandbox holds for 9102 (generated catalogs, 3202 results) or received by 9101."""

    __tablename__ = "sbx_file"

    file_qury_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    fixmedins_code: Mapped[str] = mapped_column(String(30))  # "plc" for platform files (13xx)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    dld_end_time: Mapped[datetime] = mapped_column(DateTime)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    path: Mapped[str | None] = mapped_column(String(500), nullable=True)  # large catalogs live on disk
