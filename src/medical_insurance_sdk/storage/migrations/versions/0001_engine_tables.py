"""Engine tables: ledger, msgid sequences, sign-in sessions, catalogs.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

The types are spelled out here rather than imported from models.py: a migration records the schema of its
day, and the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("msgid", sa.String(length=30), nullable=False),
        sa.Column("infno", sa.String(length=8), nullable=False),
        sa.Column("safety", sa.String(length=8), nullable=False),
        sa.Column("institution_code", sa.String(length=30), nullable=False),
        sa.Column("operator", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("psn_no", sa.String(length=30), nullable=True),
        sa.Column("mdtrt_id", sa.String(length=30), nullable=True),
        sa.Column("setl_id", sa.String(length=30), nullable=True),
        sa.Column("business_keys", JSON_TYPE, nullable=False),
        sa.Column("request", JSON_TYPE, nullable=False),
        sa.Column("response", JSON_TYPE, nullable=True),
        sa.Column("infcode", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("parent_msgid", sa.String(length=30), nullable=True),
        sa.Column("resolution_msgid", sa.String(length=30), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolve_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("msgid", name=op.f("uq_ledger_entry_msgid")),
    )
    op.create_index("ix_ledger_state_created", "ledger_entry", ["state", "created_at"])
    op.create_index("ix_ledger_institution_created", "ledger_entry", ["institution_code", "created_at"])
    op.create_index("ix_ledger_setl_id", "ledger_entry", ["setl_id"])
    op.create_index("ix_ledger_mdtrt_id", "ledger_entry", ["mdtrt_id"])
    op.create_index("ix_ledger_parent", "ledger_entry", ["parent_msgid"])

    op.create_table(
        "msgid_sequence",
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("second", sa.String(length=14), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "second", name=op.f("pk_msgid_sequence")),
    )

    op.create_table(
        "signin_session",
        sa.Column("institution_code", sa.String(length=30), nullable=False),
        sa.Column("operator", sa.String(length=30), nullable=False),
        sa.Column("sign_no", sa.String(length=30), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("institution_code", "operator", name=op.f("pk_signin_session")),
    )

    op.create_table(
        "catalog_item",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("ver", sa.String(length=40), nullable=True),
        sa.Column("ver_name", sa.String(length=60), nullable=True),
        sa.Column("valid", sa.String(length=3), nullable=True),
        sa.Column("data", JSON_TYPE, nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_item")),
        sa.UniqueConstraint("kind", "code", name="uq_catalog_kind_code"),
    )

    op.create_table(
        "catalog_sync_state",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("last_ver_name", sa.String(length=60), nullable=True),
        sa.Column("pending_file_qury_no", sa.String(length=40), nullable=True),
        sa.Column("pending_filename", sa.String(length=200), nullable=True),
        sa.Column("rows_done", BIG_ID, nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_catalog_sync_state")),
    )


def downgrade() -> None:
    op.drop_table("catalog_sync_state")
    op.drop_table("catalog_item")
    op.drop_table("signin_session")
    op.drop_table("msgid_sequence")
    # Dropping the table drops its indexes too, on both backends.
    op.drop_table("ledger_entry")
