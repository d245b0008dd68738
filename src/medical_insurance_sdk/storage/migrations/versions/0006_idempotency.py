"""Idempotency keys of write and money calls: idempotency_record.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

One row per (institution, Idempotency-Key): the request's hash, the ledger msgid that carries its outcome,
IN_FLIGHT until the call ends, then DONE with the answer or the error a replay of the key gets back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("institution_code", sa.String(length=30), nullable=False),
        sa.Column("idem_key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("infno", sa.String(length=8), nullable=False),
        sa.Column("msgid", sa.String(length=30), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("answer", JSON_TYPE, nullable=True),
        sa.Column("error", JSON_TYPE, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("institution_code", "idem_key", name="uq_idempotency_institution_key"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_record")
