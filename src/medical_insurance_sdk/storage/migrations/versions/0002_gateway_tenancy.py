"""Gateway tenancy tables: institutions and API keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

Types are spelled out (not imported from gateway/models.py): a migration records the schema of its day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "institution",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("admdvs", sa.String(length=6), nullable=False),
        sa.Column("profile", sa.String(length=500), nullable=False),
        sa.Column("bureau_base_url", sa.String(length=500), nullable=True),
        sa.Column("credential_env", JSON_TYPE, nullable=False),
        sa.Column("opter", sa.String(length=30), nullable=False),
        sa.Column("opter_name", sa.String(length=50), nullable=False),
        sa.Column("opter_type", sa.String(length=3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution")),
        sa.UniqueConstraint("code", name=op.f("uq_institution_code")),
    )
    op.create_table(
        "api_key",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key_id", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("institution_id", BIG_ID, nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institution.id"], name=op.f("fk_api_key_institution_id_institution")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_id", name=op.f("uq_api_key_key_id")),
    )
    op.create_index("ix_api_key_institution", "api_key", ["institution_id"])


def downgrade() -> None:
    op.drop_table("api_key")
    op.drop_table("institution")
