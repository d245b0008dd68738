"""Fixtures for every test folder: the product database on SQLite and on PostgreSQL, and Redis.

    sqlite_db        a migrated `Database` on a SQLite file in tmp_path
    postgres_db      a migrated `Database` on a fresh PostgreSQL database `yibao_test_<random>`, dropped after
                     (it commits asynchronously: fast, and only durability after a crash differs)
    any_db           parametrised: the test runs twice, ids [sqlite] and [postgresql]
    redis_url        Redis database 15
    redis_namespace  a random key prefix; its keys are deleted after the test
    his_database     parametrised [postgresql] and [mariadb]: the URL of a fresh, empty database
                     `mi_his_<random>` on that server, dropped after (a HIS database for tests/integrate)

They live here, not in a helper module, because tests/ is not a package: pytest finds a conftest.py by
its directory, whereas a helper module would only import when the rootdir happens to be on sys.path.
Servers: $MEDICAL_INSURANCE_TEST_POSTGRES (an admin URL), $MEDICAL_INSURANCE_TEST_MARIADB and
$MEDICAL_INSURANCE_TEST_REDIS, defaulting to the local ones.  An unreachable server skips its tests,
except under $CI, where it fails them: CI must prove both storage paths.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import NoReturn

import pytest
from sqlalchemy import make_url

from medical_insurance_sdk.storage.database import Database

POSTGRES_ADMIN_URL = os.environ.get(
    "MEDICAL_INSURANCE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("MEDICAL_INSURANCE_TEST_REDIS", "redis://127.0.0.1:6379/15")
MARIADB_ADMIN_URL = os.environ.get("MEDICAL_INSURANCE_TEST_MARIADB", "mysql://root@127.0.0.1:3306/")


def _unavailable(server: str, error: BaseException) -> NoReturn:
    reason = f"{server} is not reachable: {error}".strip()
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the tests against a real {server})")
    pytest.skip(reason)


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[Database]:
    database = Database(tmp_path / "yibao.sqlite3")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The admin URL once PostgreSQL has answered; databases are created and dropped through it."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            pass
    except Exception as error:  # ImportError or any connection failure: the server is unusable
        _unavailable("PostgreSQL", error)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_db(postgres_admin_url: str) -> Iterator[Database]:
    import psycopg
    from psycopg import sql

    name = f"yibao_test_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # Crash durability is not under test, and on a shared CI disk each commit's fsync would dominate.
        admin.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name)))
    database = Database(make_url(postgres_admin_url).set(database=name))
    try:
        database.migrate()
        yield database
    finally:
        database.dispose()
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            # FORCE: a test that leaked a connection must not leave the database behind.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> Database:
    fixture = {"sqlite": "sqlite_db", "postgresql": "postgres_db"}[request.param]
    database: Database = request.getfixturevalue(fixture)
    return database


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        from redis import Redis

        client = Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # ImportError or any connection failure: the server is unusable
        _unavailable("Redis", error)
    return REDIS_TEST_URL


@pytest.fixture
def redis_namespace(redis_url: str) -> Iterator[str]:
    from redis import Redis

    namespace = f"test-{secrets.token_hex(6)}"
    yield namespace
    client = Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="session")
def mariadb_admin_url() -> str:
    """The admin URL of MariaDB (or MySQL) once it has answered."""
    try:
        import pymysql

        url = make_url(MARIADB_ADMIN_URL)
        pymysql.connect(
            host=url.host,
            port=url.port or 3306,
            user=url.username,
            password=url.password or "",
            connect_timeout=3,
        ).close()
    except Exception as error:  # ImportError or any connection failure: the server is unusable
        _unavailable("MariaDB", error)
    return MARIADB_ADMIN_URL


def _mariadb_admin(admin_url: str) -> object:
    import pymysql

    url = make_url(admin_url)
    return pymysql.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or "", autocommit=True
    )


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "mariadb"])
def his_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh empty database standing for a HIS's own, on PostgreSQL or MariaDB; its plain URL."""
    name = f"mi_his_{secrets.token_hex(6)}"
    if request.param == "postgresql":
        import psycopg
        from psycopg import sql

        admin_url = request.getfixturevalue("postgres_admin_url")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        return
    admin_url = request.getfixturevalue("mariadb_admin_url")
    connection = _mariadb_admin(admin_url)
    try:
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.close()  # type: ignore[attr-defined]
