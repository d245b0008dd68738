"""The database handle: URL normalisation, engine defaults per backend, sessions, pickling."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from medical_insurance_sdk.storage.database import (
    Database,
    DatabaseUnreachableError,
    DatabaseUrlError,
    masked_url,
    normalize_url,
)
from medical_insurance_sdk.storage.models import SignInSession


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://yibao:pw@db:5432/yibao", "postgresql+psycopg://yibao:pw@db:5432/yibao"),
        ("postgres://yibao@db/yibao", "postgresql+psycopg://yibao@db/yibao"),
        ("postgresql+psycopg2://yibao@db/yibao", "postgresql+psycopg2://yibao@db/yibao"),
        ("sqlite:///var/yibao.sqlite3", "sqlite:///var/yibao.sqlite3"),
        (":memory:", "sqlite://"),
    ],
)
def test_urls_are_normalised(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


def test_a_bare_path_is_an_absolute_sqlite_file(tmp_path: Path) -> None:
    assert str(normalize_url(tmp_path / "x.sqlite3")) == f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert normalize_url("rel.sqlite3").database == str(Path("rel.sqlite3").resolve())


def test_default_url_is_a_file_in_the_data_dir(tmp_path: Path) -> None:
    # A child process: the default depends on the working directory and the environment.
    data = tmp_path / "data"
    code = (
        "import os, sys; from medical_insurance_sdk.storage.database import default_database_url as url; "
        "print(url()); os.environ['MEDICAL_INSURANCE_DATA_DIR'] = sys.argv[1]; print(url())"
    )
    environ = {k: v for k, v in os.environ.items() if k != "MEDICAL_INSURANCE_DATA_DIR"}
    run = subprocess.run(
        [sys.executable, "-c", code, str(data)], cwd=tmp_path, env=environ, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [
        f"sqlite:///{tmp_path / 'var' / 'yibao.sqlite3'}",
        f"sqlite:///{data / 'yibao.sqlite3'}",
    ]
    assert (tmp_path / "var").is_dir()
    assert data.is_dir()


def test_sqlite_file_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        pragmas = [
            connection.exec_driver_sql(f"PRAGMA {p}").scalar() for p in ("journal_mode", "foreign_keys")
        ]
        assert pragmas == ["wal", 1]
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    assert sqlite_db.dialect == "sqlite"


def test_in_memory_sqlite_is_one_database_for_all_threads() -> None:
    database = Database("sqlite://")
    database.create_all()
    with database.session() as session:
        session.add(_signin("OP1"))
    counts: list[int] = []
    worker = threading.Thread(target=lambda: counts.append(_count_signins(database)))
    worker.start()
    worker.join()
    assert counts == [1]


@pytest.mark.postgres
def test_postgres_pool_defaults(postgres_db: Database) -> None:
    pool = postgres_db.engine.pool
    assert postgres_db.dialect == "postgresql"
    assert postgres_db.engine.driver == "psycopg"
    assert (pool.size(), pool._max_overflow, pool._pre_ping) == (10, 20, True)  # type: ignore[attr-defined]
    assert Database(postgres_db.url, pool_size=3).engine.pool.size() == 3  # type: ignore[attr-defined]


def _signin(operator: str) -> SignInSession:
    now = datetime(2025, 7, 14, 10, 30)
    return SignInSession(
        institution_code="H43028110001", operator=operator, sign_no="S1", signed_in_at=now, expires_at=now
    )


def _count_signins(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(SignInSession)) or 0


def test_session_commits_on_success_and_keeps_objects_loaded(any_db: Database) -> None:
    with any_db.session() as session:
        row = _signin("OP1")
        session.add(row)
    assert row.sign_no == "S1"  # expire_on_commit=False: usable after the session closed
    assert _count_signins(any_db) == 1


def test_session_rolls_back_and_reraises_on_error(any_db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"), any_db.session() as session:
        session.add(_signin("OP1"))
        session.flush()  # the row reached the database inside the transaction
        raise RuntimeError("boom")
    assert _count_signins(any_db) == 0


def test_a_pickled_database_reconnects_to_the_same_place(any_db: Database) -> None:
    with any_db.session() as session:
        session.add(_signin("OP1"))
    copy = pickle.loads(pickle.dumps(any_db))
    try:
        assert copy.url == any_db.url
        assert _count_signins(copy) == 1
    finally:
        copy.dispose()


def test_dispose_keeps_the_database_usable(any_db: Database) -> None:
    any_db.dispose()
    with any_db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


# ------------------------------------------------------------------------------- a URL that cannot work


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("pgsql://yibao:s3cret@db/yibao", "不支持的数据库类型 pgsql"),
        ("mysql://yibao:s3cret@db/yibao", "未安装数据库驱动 MySQLdb"),
        ("postgresql://yibao:s3cret@db:port/yibao", "格式错误"),
        ("://yibao:s3cret@db", "格式错误"),
    ],
)
def test_an_unreadable_url_is_10002_with_the_password_masked(url: str, reason: str) -> None:
    with pytest.raises(DatabaseUrlError) as raised:
        Database(url)
    assert raised.value.code == 10002 and raised.value.http_status == 400
    assert reason in raised.value.message and "s3cret" not in str(raised.value) and "***" in str(raised.value)


def test_an_unreachable_server_is_60001_at_the_first_connection() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    database = Database(f"postgresql://yibao:s3cret@127.0.0.1:{port}/yibao")  # nothing is opened yet
    with pytest.raises(DatabaseUnreachableError) as raised:
        database.migrate()
    text = str(raised.value)
    assert text.startswith("60001 - 数据库连接失败: postgresql+psycopg://yibao:***@127.0.0.1")
    assert "s3cret" not in text and "\n" not in text and raised.value.retry is True


def test_a_sqlite_file_that_cannot_be_created_is_60001(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DatabaseUnreachableError, match="无法创建数据库文件"):
        Database(blocker / "yibao.sqlite3")


def test_masked_url_hides_the_password_of_any_text() -> None:
    assert masked_url("weird+x://u:p@ss:w@host/db") == "weird+x://u:***@host/db"
    assert masked_url("postgresql://u@host/db") == "postgresql://u@host/db"
