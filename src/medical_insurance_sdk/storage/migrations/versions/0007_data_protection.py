"""Personal data at rest: the blind index of interface_data's ID number.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

The sealed columns (ledger_entry.request/response, interface_data.raw_data/parsed_data, batch_operation
input/output, async_task.task_data/result, idempotency_record.answer/error) keep their JSON type: a sealed
value is a JSON object {"enc", "kid", "ct"} (storage/protection.py).  Rows written before are sealed by
`yibao data-key rotate`.  New: interface_data.cert_index, the keyed HMAC of the input's ID number, so that
query/universal finds a person's rows without a plaintext ID number in the database; and
data_key_rotation, how far a rotation has re-sealed each table (a restarted rotation goes on from there).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_key_rotation",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("target_kid", sa.String(length=64), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("rows_sealed", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_data_key_rotation")),
    )
    with op.batch_alter_table("interface_data") as batch:
        batch.add_column(sa.Column("cert_index", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_interface_data_institution_cert_index", "interface_data", ["institution_id", "cert_index"]
    )


def downgrade() -> None:
    op.drop_table("data_key_rotation")
    op.drop_index("ix_interface_data_institution_cert_index", table_name="interface_data")
    with op.batch_alter_table("interface_data") as batch:
        batch.drop_column("cert_index")
