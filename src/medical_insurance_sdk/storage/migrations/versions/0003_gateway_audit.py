"""Gateway operations tables: interface call log, interface data (spec §4.2) and interface config overrides.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Types are spelled out (not imported from gateway/audit/models.py): a migration records the schema of its day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "interface_call_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("institution_id", BIG_ID, nullable=False),
        sa.Column("interface_type", sa.String(length=50), nullable=False),
        sa.Column("infno", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("msgid", sa.String(length=30), nullable=True),
        sa.Column("key_id", sa.String(length=24), nullable=True),
        sa.Column("request_data", JSON_TYPE, nullable=True),
        sa.Column("response_data", JSON_TYPE, nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("response_time", sa.Integer(), nullable=False),
        sa.Column("call_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_interface_call_log_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interface_call_log")),
    )
    op.create_index(
        "ix_call_log_institution_time", "interface_call_log", ["institution_id", "call_time", "id"]
    )
    op.create_index(
        "ix_call_log_institution_interface",
        "interface_call_log",
        ["institution_id", "interface_type", "call_time"],
    )
    op.create_index(
        "ix_call_log_institution_success", "interface_call_log", ["institution_id", "success", "call_time"]
    )
    op.create_index("ix_call_log_request_id", "interface_call_log", ["request_id"])

    op.create_table(
        "interface_data",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("institution_id", BIG_ID, nullable=False),
        sa.Column("interface_type", sa.String(length=50), nullable=False),
        sa.Column("infno", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("business_key", sa.String(length=100), nullable=True),
        sa.Column("data_type", sa.String(length=50), nullable=False),
        sa.Column("raw_data", JSON_TYPE, nullable=False),
        sa.Column("parsed_data", JSON_TYPE, nullable=True),
        sa.Column("data_version", sa.String(length=20), nullable=False),
        sa.Column("data_status", sa.String(length=20), nullable=False),
        sa.Column("call_log_id", BIG_ID, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("expired_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institution.id"], name=op.f("fk_interface_data_institution_id_institution")
        ),
        sa.ForeignKeyConstraint(
            ["call_log_id"],
            ["interface_call_log.id"],
            name=op.f("fk_interface_data_call_log_id_interface_call_log"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interface_data")),
    )
    op.create_index(
        "ix_interface_data_institution_time", "interface_data", ["institution_id", "created_at", "id"]
    )
    op.create_index(
        "ix_interface_data_institution_interface",
        "interface_data",
        ["institution_id", "interface_type", "created_at"],
    )
    op.create_index(
        "ix_interface_data_institution_status",
        "interface_data",
        ["institution_id", "data_status", "created_at"],
    )
    op.create_index(
        "ix_interface_data_institution_business_key", "interface_data", ["institution_id", "business_key"]
    )
    op.create_index("ix_interface_data_call_log", "interface_data", ["call_log_id"])

    op.create_table(
        "interface_config",
        sa.Column("institution_id", BIG_ID, nullable=False),
        sa.Column("interface_type", sa.String(length=50), nullable=False),
        sa.Column("infno", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_interface_config_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("institution_id", "interface_type", name=op.f("pk_interface_config")),
    )


def downgrade() -> None:
    op.drop_table("interface_config")
    op.drop_table("interface_data")
    op.drop_table("interface_call_log")
