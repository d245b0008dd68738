"""Alembic migrations of the product database, configured in code: no alembic.ini is needed at runtime.

    upgrade(connection)  # what Database.migrate() runs
    command.revision(alembic_config("sqlite:///var/yibao.sqlite3"), "add x", autogenerate=True)

Every change to the models gets a new file in versions/ (`alembic revision --autogenerate` with the
repository's alembic.ini, then read and fix it by hand); tests/storage checks that the two agree.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, func, select

MIGRATIONS_DIR = Path(__file__).resolve().parent
# Any fixed number works: every process migrating this database takes the same PostgreSQL advisory lock.
_POSTGRES_LOCK_KEY = 0x59424D49  # "YBMI"
# Alembic's `context` and `op` are module-level proxies: one migration per process at a time.
_PROCESS_LOCK = threading.Lock()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at this directory; `url` only matters when Alembic opens the connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolation
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind `connection` to `revision` in one transaction, one process at a time."""
    with _PROCESS_LOCK:
        _upgrade(connection, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations rebuild tables, which foreign keys would block; SQLite ignores this pragma
        # inside a transaction, so it is set (and restored) outside one.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        if sqlite:
            # SQLite DDL is transactional: take the write lock first so a second process waits, then
            # finds the schema already current.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_POSTGRES_LOCK_KEY)))
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
            raise RuntimeError(f"migration to {revision} left rows violating foreign keys: {broken[:5]}")
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
