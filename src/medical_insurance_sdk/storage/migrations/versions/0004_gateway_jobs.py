"""Gateway jobs: batch_operation_log, batch_operation, async_task, stored_file (spec §4.2, §3.2–§3.4).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Types are spelled out (not imported from gateway/jobs_models.py): a migration records the schema of its day.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _institution_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["institution_id"], ["institution.id"], name=op.f(f"fk_{table}_institution_id_institution")
    )


def upgrade() -> None:
    op.create_table(
        "batch_operation_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=50), nullable=False),
        sa.Column("institution_id", BIG_ID, nullable=False),
        sa.Column("operation_type", sa.String(length=50), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stop_on_error", sa.Boolean(), nullable=False),
        sa.Column("max_concurrent", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=50), nullable=True),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        _institution_fk("batch_operation_log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_operation_log")),
        sa.UniqueConstraint("institution_id", "batch_id", name="uq_batch_operation_log_institution_batch"),
    )
    op.create_index("ix_batch_log_institution_status", "batch_operation_log", ["institution_id", "status"])
    op.create_table(
        "batch_operation",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("batch_log_id", BIG_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("interface_type", sa.String(length=64), nullable=False),
        sa.Column("infno", sa.String(length=8), nullable=False),
        sa.Column("input", JSON_TYPE, nullable=True),
        sa.Column("options", JSON_TYPE, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("msgid", sa.String(length=30), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("output", JSON_TYPE, nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_log_id"],
            ["batch_operation_log.id"],
            name=op.f("fk_batch_operation_batch_log_id_batch_operation_log"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_operation")),
        sa.UniqueConstraint("batch_log_id", "position", name="uq_batch_operation_batch_position"),
    )
    op.create_index("ix_batch_operation_batch_status", "batch_operation", ["batch_log_id", "status"])
    op.create_table(
        "async_task",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=50), nullable=False),
        sa.Column("institution_id", BIG_ID, nullable=False),
        sa.Column("task_type", sa.String(length=50), nullable=False),
        sa.Column("task_data", JSON_TYPE, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("result", JSON_TYPE, nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        _institution_fk("async_task"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_async_task")),
        sa.UniqueConstraint("task_id", name=op.f("uq_async_task_task_id")),
    )
    op.create_index("ix_async_task_institution_status", "async_task", ["institution_id", "status"])
    op.create_index("ix_async_task_status_lease", "async_task", ["status", "lease_until"])
    op.create_table(
        "stored_file",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("file_id", sa.String(length=50), nullable=False),
        sa.Column("institution_id", BIG_ID, nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _institution_fk("stored_file"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("file_id", name=op.f("uq_stored_file_file_id")),
    )
    op.create_index("ix_stored_file_institution_created", "stored_file", ["institution_id", "created_at"])


def downgrade() -> None:
    op.drop_table("stored_file")
    op.drop_table("async_task")
    op.drop_table("batch_operation")
    op.drop_table("batch_operation_log")
