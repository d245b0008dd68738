"""Ledger: the bureau each message was sent to, and the compensation lease.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

- `bureau`: the identity of the bureau a message went to (profile + URL, or the embedded sandbox's own
  persistent id).  Compensation and reconciliation never judge a message against another bureau.
- `lease_owner` / `lease_until`: one resolver (gateway replica, worker, `yibao compensate`) at a time works
  on an unresolved entry; a resolver that dies leaves a lease that runs out and is taken over.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(sa.Column("bureau", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
        batch.drop_column("bureau")
