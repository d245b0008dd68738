"""Retention (storage/retention.py): the indexes its walks in (time, id) order need.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

- ledger_entry (safety, created_at, id): the query messages older than a year are one index range,
  without reading the write/money rows that stay for decades;
- idempotency_record (created_at, id): old keys without a scan of the table.
The gateway's tables are walked per institution through their existing (institution_id, time, id) indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_safety_created", "ledger_entry", ["safety", "created_at", "id"])
    op.create_index("ix_idempotency_created", "idempotency_record", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_created", table_name="idempotency_record")
    op.drop_index("ix_ledger_safety_created", table_name="ledger_entry")
