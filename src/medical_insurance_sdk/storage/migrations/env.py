"""Alembic environment of the product database; the target is `storage.models.Base.metadata`.

`storage.migrations.upgrade` hands in its connection (already in a transaction) through
`config.attributes["connection"]`.  The `alembic` command (repository alembic.ini, for developers) connects
to `-x url=…`, else the ini's sqlalchemy.url, else `default_database_url()`.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection

import medical_insurance_sdk.gateway.audit.models  # the gateway's operations tables (registered on Base)
import medical_insurance_sdk.gateway.jobs_models  # the gateway's job tables (registered on Base)
import medical_insurance_sdk.gateway.models  # noqa: F401  (registers the gateway's tables on Base)
from medical_insurance_sdk.storage.database import Database, default_database_url, normalize_url
from medical_insurance_sdk.storage.models import Base

config = context.config
# Tables of later modules (the gateway's) must be declared on the same Base and imported before this line.
target_metadata = Base.metadata


def _options(backend: str) -> dict[str, Any]:
    # SQLite cannot ALTER most things in place: batch mode rebuilds the table instead.
    return {"target_metadata": target_metadata, "render_as_batch": backend == "sqlite", "compare_type": True}


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    return normalize_url(url or default_database_url()).render_as_string(hide_password=False)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Write the SQL to stdout (`alembic upgrade head --sql`) for a DBA to apply."""
    url = _url()
    backend = normalize_url(url).get_backend_name()
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"}, **_options(backend))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    database = Database(_url())
    try:
        with database.engine.begin() as own_connection:
            _run(own_connection)
    finally:
        database.dispose()


if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
