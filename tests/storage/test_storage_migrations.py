"""Alembic migrations: they build exactly the models' schema, on SQLite and PostgreSQL, concurrently too."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.migrations import alembic_config
from medical_insurance_sdk.storage.models import Base

ENGINE_TABLES = {"ledger_entry", "msgid_sequence", "signin_session", "catalog_item", "catalog_sync_state"}


def _model_tables() -> set[str]:
    # Every table declared on Base, the engine's and those of later modules (env.py imports them all).
    return set(Base.metadata.tables)


def _tables(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def _revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _downgrade_to_base(database: Database) -> None:
    with database.engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()


def test_models_declare_the_engine_tables() -> None:
    assert _model_tables() >= ENGINE_TABLES


def test_migrate_creates_the_model_tables_at_head(any_db: Database) -> None:
    assert _tables(any_db) == _model_tables() | {"alembic_version"}
    assert _revision(any_db) == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_models_and_migrations_agree(any_db: Database) -> None:
    with any_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_twice_changes_nothing(any_db: Database) -> None:
    any_db.migrate()
    assert _tables(any_db) == _model_tables() | {"alembic_version"}


def test_downgrade_removes_the_tables_and_upgrade_restores_them(any_db: Database) -> None:
    _downgrade_to_base(any_db)
    assert _tables(any_db) == {"alembic_version"}
    assert _revision(any_db) is None
    any_db.migrate()
    assert _tables(any_db) == _model_tables() | {"alembic_version"}


def _migrate_after(database: Database, barrier: Any) -> None:
    barrier.wait()
    database.migrate()


def test_processes_starting_together_migrate_once(any_db: Database) -> None:
    """Gateway workers all call migrate() at startup: a lock makes the late ones find the schema current."""
    _downgrade_to_base(any_db)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    workers = [ctx.Process(target=_migrate_after, args=(any_db, barrier)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert _tables(any_db) == _model_tables() | {"alembic_version"}


def test_in_memory_sqlite_migrates_on_its_single_connection() -> None:
    database = Database("sqlite://")
    database.migrate()
    seen: list[set[str]] = []
    worker = threading.Thread(target=lambda: seen.append(_tables(database)))
    worker.start()
    worker.join()
    assert seen == [_model_tables() | {"alembic_version"}]


def test_create_all_builds_the_same_tables_without_alembic() -> None:
    database = Database("sqlite://")
    database.create_all()
    assert _tables(database) == _model_tables()
