"""Outcomes of `yibao reconcile`: reconcile_run.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

One row per run: institution, day, scope ("" for the whole day), BALANCED / UNBALANCED / FAILED, the
number of discrepant settlements and the failure text.  postgres-exporter reads it for the alerts
YibaoReconciliationUnbalanced and YibaoReconciliationStale (deploy/prometheus).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reconcile_run",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("institution_code", sa.String(length=30), nullable=False),
        sa.Column("stmt_date", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("discrepancies", sa.Integer(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconcile_run")),
    )
    op.create_index(
        "ix_reconcile_run_latest", "reconcile_run", ["institution_code", "stmt_date", "scope", "finished_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_reconcile_run_latest", table_name="reconcile_run")
    op.drop_table("reconcile_run")
