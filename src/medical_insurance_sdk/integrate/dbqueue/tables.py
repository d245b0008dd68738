"""The queue and result tables in the HIS database (spec §11.3.2: medical_insurance_queue / _result).

    medical_insurance_queue    one row per operation a trigger queued
        id, operation_type (INSERT/UPDATE), interface_type (2201 or outpatient_register …), data_json (the
        transaction input), group_key (rows of one key are sent in id order, one at a time: one visit),
        mapping_name, created_at, status, attempts, next_attempt_at, updated_at
    medical_insurance_result   one row per queue row, written by the worker
        queue_id (unique), interface_type, infno, status, error_code, error_message, msgid, result_json
        (the gateway's §1.3 answer document), created_at, updated_at
    medical_insurance_queue_meta   name → value; "queue_name": this queue's identity in idempotency keys,
        set once by `yibao integrate db install` (the mapping's queue_name, or a random one) and read by
        every worker, so that keys never change with a worker's options or the database server's address

Queue status: pending (new) → done | failed (final), or retry (nothing happened yet: asked again at
next_attempt_at) or unknown (a write/money call whose outcome is not known: asked again, with the same
idempotency key, until the engine's compensation has resolved it — never sent twice).
Result status: success | failed | unknown | retry (the last attempt's error, while the row waits).

Times are the database's own clock for created_at (the trigger's NOW()); the worker writes UTC.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import mssql, mysql

QUEUE_TABLE = "medical_insurance_queue"
RESULT_TABLE = "medical_insurance_result"
META_TABLE = "medical_insurance_queue_meta"
QUEUE_NAME = "queue_name"  # the meta row naming the queue

metadata = sa.MetaData()

# BIGINT ids everywhere but SQLite (whose autoincrement key must be INTEGER)
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# a JSON document of any size: LONGTEXT on MySQL/MariaDB (TEXT stops at 64 KB), NVARCHAR(max) on SQL Server
_Document = (
    sa.UnicodeText()
    .with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
    .with_variant(mssql.NVARCHAR(None), "mssql")
)


class QueueStatus(StrEnum):
    PENDING = "pending"
    RETRY = "retry"
    UNKNOWN = "unknown"
    DONE = "done"
    FAILED = "failed"


# the rows a worker may take (subject to next_attempt_at and the group order)
OPEN_STATUSES = (QueueStatus.PENDING, QueueStatus.RETRY, QueueStatus.UNKNOWN)

queue = sa.Table(
    QUEUE_TABLE,
    metadata,
    sa.Column("id", _Id, sa.Identity(), primary_key=True),
    sa.Column("operation_type", sa.String(16), nullable=False, server_default="INSERT"),
    sa.Column("interface_type", sa.String(64), nullable=False),
    sa.Column("data_json", _Document, nullable=False),
    sa.Column("group_key", sa.Unicode(128), nullable=True),
    sa.Column("mapping_name", sa.Unicode(64), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False, server_default=sa.func.current_timestamp()),
    sa.Column("status", sa.String(16), nullable=False, server_default=QueueStatus.PENDING.value),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
    sa.Column("updated_at", sa.DateTime(), nullable=True),
    sa.Index("ix_medical_insurance_queue_status", "status", "id"),
    sa.Index("ix_medical_insurance_queue_group", "group_key", "id"),
    # MySQL/MariaDB tables in utf8mb4 (Chinese names, and any character a HIS may hold)
    mysql_charset="utf8mb4",
    mariadb_charset="utf8mb4",
)

result = sa.Table(
    RESULT_TABLE,
    metadata,
    sa.Column("id", _Id, sa.Identity(), primary_key=True),
    sa.Column("queue_id", _Id, nullable=False, unique=True),
    sa.Column("interface_type", sa.String(64), nullable=False),
    sa.Column("infno", sa.String(8), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error_code", sa.Integer(), nullable=True),
    sa.Column("error_message", sa.Unicode(1000), nullable=True),
    sa.Column("msgid", sa.String(64), nullable=True),
    sa.Column("result_json", _Document, nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    # MySQL/MariaDB tables in utf8mb4 (Chinese names, and any character a HIS may hold)
    mysql_charset="utf8mb4",
    mariadb_charset="utf8mb4",
)

meta = sa.Table(
    META_TABLE,
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Unicode(255), nullable=False),
    mysql_charset="utf8mb4",
    mariadb_charset="utf8mb4",
)
