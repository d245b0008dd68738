"""The queue's identity: the name its idempotency keys carry ("dbq:<queue_name>:<row id>:<created_at>").

    name = settle_queue_name(conn, config.queue_name)     # install: store it once (or check it)
    name = queue_name(conn)                               # a worker: read it; None before any install

It lives in the HIS database itself (medical_insurance_queue_meta), written once by the first install, so
that every worker — whatever its options, wherever the database server moves — sends a row under the same
key: a key that changed between a crash and the restart could send a row twice.  A mapping that later names
another queue_name is refused; a queue made anew (its tables dropped) gets a new identity with them.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from medical_insurance_sdk.exceptions import exception_for
from medical_insurance_sdk.integrate.dbqueue.tables import QUEUE_NAME, meta


def new_queue_name() -> str:
    return f"his-{secrets.token_hex(6)}"


def queue_name(conn: sa.Connection) -> str | None:
    """The stored name, or None (the tables were not made by `yibao integrate db install`)."""
    value = conn.execute(sa.select(meta.c.value).where(meta.c.name == QUEUE_NAME)).scalar()
    return None if value is None else str(value)


def settle_queue_name(conn: sa.Connection, wanted: str | None) -> str:
    """The stored name; the first time, `wanted` (or a random one) is stored.  Another name: 30006."""
    stored = queue_name(conn)
    if stored is None:
        stored = wanted or new_queue_name()
        conn.execute(meta.insert().values(name=QUEUE_NAME, value=stored))
    elif wanted is not None and wanted != stored:
        raise exception_for(
            30006,
            f"数据重复: 该库的队列名已是 {stored}，映射文件写的是 {wanted}；队列名决定幂等键，安装后不可更改"
            f"（请把映射文件的 queue_name 改回 {stored}）",
        )
    return stored
