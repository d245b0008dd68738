"""The HIS database a trigger queue lives in: its URL as a user writes it, and the SQLAlchemy engine for it.

    engine = connect("postgresql://his:secret@10.0.0.5/his")      # psycopg
    engine = connect("mysql://root@127.0.0.1/his")                 # MySQL 8 / MariaDB ≥ 10.6, PyMySQL

Plain schemes get the drivers this package installs (postgresql → psycopg, mysql/mariadb → PyMySQL); an
explicit driver (`postgresql+psycopg2://`) is kept.  A URL that cannot be read is 10002 — and no message
ever repeats the password.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from medical_insurance_sdk.exceptions import exception_for

DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
# the dialects whose queue a worker can claim from (FOR UPDATE SKIP LOCKED, tested here)
WORKER_DIALECTS = ("postgresql", "mysql", "mariadb")


def database_url(text: str) -> URL:
    """The URL with its driver; 10002 when it is not a database URL."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise exception_for(10002, "请求参数格式错误: --database-url 不是有效的数据库地址") from None
    driver = DRIVERS.get(url.drivername)
    return url.set(drivername=driver) if driver else url


def connect(text: str, *, pool_size: int = 2, **options: Any) -> sa.Engine:
    """An engine on the HIS database (connections checked before use: a HIS database restarts)."""
    url = database_url(text)
    if url.get_backend_name() == "sqlite":
        return sa.create_engine(url, **options)
    return sa.create_engine(
        url, pool_size=pool_size, max_overflow=2, pool_pre_ping=True, pool_recycle=3600, **options
    )
