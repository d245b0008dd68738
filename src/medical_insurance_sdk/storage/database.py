"""The database handle: one SQLAlchemy engine, its sessions and its migrations, built from a URL.

    db = Database("postgresql://yibao@db/yibao")  # or a file path, or default_database_url()
    db.migrate()
    with db.session() as session:
        session.add(entry)  # committed when the block ends, rolled back if it raises

A SQLite file is the embedded default (WAL, so readers never block the single writer); PostgreSQL is the
production path.  Nothing is created at import time: every engine belongs to a `Database` object.

A URL that cannot be read is a `DatabaseUrlError` (10002), a database that cannot be reached or refuses the
login a `DatabaseUnreachableError` (60001): one Chinese line each, the password masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from medical_insurance_sdk.exceptions import RequestError, SystemError_
from medical_insurance_sdk.storage import migrations
from medical_insurance_sdk.storage.models import Base
from medical_insurance_sdk.storage.protection import KeyRing, attach_key_ring, configured, load_key_ring

DATA_DIR_ENV = "MEDICAL_INSURANCE_DATA_DIR"
DEFAULT_DATA_DIR = "var"
DATABASE_FILE = "yibao.sqlite3"  # the product database's file in a data directory
SQLITE_BUSY_TIMEOUT_MS = 5000
# Every commit reaches the disk before it returns: the ledger's "recorded before sent" must survive a power
# loss.  (WAL's own default would be the same; it is set explicitly because allocators.py relaxes it briefly.)
SQLITE_SYNCHRONOUS = "FULL"
# spec §6.1.2 sizes the database pool at 100 connections in all: 10 + 20 per process leaves room for the
# gateway's workers and the background tasks.
POSTGRES_POOL_SIZE = 10
POSTGRES_MAX_OVERFLOW = 20


class DatabaseUrlError(RequestError):
    """The database URL cannot be read: malformed, an unknown scheme, or its driver is not installed."""

    default_code = 10002


class DatabaseUnreachableError(SystemError_):
    """The database cannot be reached, refuses the login, or its SQLite file cannot be created."""

    default_code = 60001


# what a command that opens the product database reports as a configuration problem
DATABASE_ERRORS = (DatabaseUrlError, DatabaseUnreachableError)
URL_FORMS = "应形如 postgresql://用户:密码@主机:5432/库名、mysql+pymysql://… 或 SQLite 文件路径"
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*):[^/\s]*@")  # to the last @ of the authority


def masked_url(url: str | URL) -> str:
    """The URL for messages, its password shown as ***, whether SQLAlchemy could parse it or not."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _URL_PASSWORD.sub(r"\1:***@", url)


def first_line(message: str, password: str | None) -> str:
    """A driver's message: its first line, without the password should a driver ever repeat it."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line.replace(password, "***") if password else line


def _unreadable(text: str, reason: str) -> DatabaseUrlError:
    return DatabaseUrlError(
        f"请求参数格式错误: 数据库地址无法识别 {masked_url(text)}（{reason}）；{URL_FORMS}"
    )


def _unreachable(url: URL, reason: str) -> DatabaseUnreachableError:
    return DatabaseUnreachableError(f"数据库连接失败: {masked_url(url)}（{reason}）")


def default_data_dir() -> Path:
    """$MEDICAL_INSURANCE_DATA_DIR or ./var, created readable by its owner only (0700)."""
    data_dir = Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return data_dir


def default_database_url() -> str:
    """`sqlite:///<data dir>/yibao.sqlite3`, data dir = $MEDICAL_INSURANCE_DATA_DIR or ./var (created)."""
    return f"sqlite:///{default_data_dir() / DATABASE_FILE}"


def data_dir_key_ring(data_dir: Path) -> KeyRing:
    """The data keys as configured in the environment; in development the generated key of `data_dir`."""
    environment = os.environ.get("MEDICAL_INSURANCE_ENVIRONMENT", "development").strip().lower()
    return load_key_ring(data_dir, environment=environment)


def _private_sqlite_file(url: URL) -> None:
    """Create a SQLite file (and its directory) readable by its owner only: 0600 / 0700."""
    if url.get_backend_name() != "sqlite" or _is_sqlite_memory(url) or not url.database:
        return
    path = Path(url.database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        raise _unreachable(url, f"无法创建数据库文件: {exc.strerror or exc}") from exc


def _engine_for(url: URL, *, echo: bool, pool_size: int | None) -> Engine:
    """`_create_engine`, with an unknown scheme or a missing driver as a DatabaseUrlError."""
    try:
        return _create_engine(url, echo=echo, pool_size=pool_size)
    except ArgumentError as exc:  # NoSuchModuleError among them: no such dialect or driver name
        raise _unreadable(masked_url(url), f"不支持的数据库类型 {url.drivername}") from exc
    except ImportError as exc:
        raise _unreadable(masked_url(url), f"未安装数据库驱动 {exc.name or exc}") from exc


def normalize_url(url: str | os.PathLike[str] | URL) -> URL:
    """A SQLAlchemy URL: bare paths become SQLite files, plain PostgreSQL URLs get the psycopg 3 driver."""
    if isinstance(url, URL):
        parsed = url
    else:
        text = os.fspath(url)
        if text == ":memory:":
            return make_url("sqlite://")
        if "://" not in text:
            return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
        try:
            parsed = make_url(text)
        except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
            raise _unreadable(text, "格式错误") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        # SQLAlchemy's bare "postgresql" means psycopg2, which this project does not install.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_pragmas(*, wal: bool) -> Callable[[Any, Any], None]:
    """A `connect` listener setting the per-connection SQLite options SQLAlchemy cannot pass as arguments."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Writers queue for the lock (other processes included) instead of failing at once.
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    return on_connect


def _create_engine(url: URL, *, echo: bool, pool_size: int | None) -> Engine:
    backend = url.get_backend_name()
    options: dict[str, Any] = {"echo": echo}
    if backend == "sqlite":
        # Connections move between threads through the pool; SQLite itself is built thread-safe.
        options["connect_args"] = {"check_same_thread": False}
        memory = _is_sqlite_memory(url)
        if memory:
            # Each new connection to ":memory:" would be a new empty database: share one.
            options["poolclass"] = StaticPool
        elif pool_size is not None:
            options["pool_size"] = pool_size
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas(wal=not memory))
        return engine
    options["pool_pre_ping"] = True  # a restarted server or a dropped idle connection is replaced silently
    if backend == "postgresql":
        options["pool_size"] = POSTGRES_POOL_SIZE if pool_size is None else pool_size
        options["max_overflow"] = POSTGRES_MAX_OVERFLOW
        options["connect_args"] = {"application_name": "medical_insurance_sdk"}
    elif pool_size is not None:
        options["pool_size"] = pool_size
    return create_engine(url, **options)


class Database:
    """The engine, session factory and migrations of one product database.

    `url` is a SQLAlchemy URL ("postgresql://…" uses psycopg 3), a file path (SQLite) or ":memory:".
    In-memory SQLite shares one connection among all threads, so it suits tests only.  After `fork` the
    child gets fresh connections on first use: pooled sockets are never shared between processes.

    `key_ring` seals the personal data columns (storage/protection.py); the assembly passes the one of
    its settings.  Without one, the ring is loaded as configured in the environment (in development the
    generated key of the data dir), so that a bare `Database(url)` reads what the gateway wrote there.
    """

    def __init__(
        self,
        url: str | os.PathLike[str] | URL,
        *,
        echo: bool = False,
        pool_size: int | None = None,
        key_ring: KeyRing | None = None,
    ) -> None:
        self.url = normalize_url(url)
        self._echo = echo
        self._pool_size = pool_size
        self.key_ring = key_ring or _default_key_ring(self.url)
        _private_sqlite_file(self.url)
        self._engine = _engine_for(self.url, echo=echo, pool_size=pool_size)
        attach_key_ring(self._engine.dialect, self.key_ring)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled into worker processes as its configuration; each process opens its own connections.
        url = self.url.render_as_string(hide_password=False)
        return (_rebuild, (url, self._echo, self._pool_size, self.key_ring))

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            # A forked child must not talk over the parent's sockets: forget them without closing.
            self._engine.dispose(close=False)
            self._pid = os.getpid()

    @property
    def engine(self) -> Engine:
        self._check_fork()
        return self._engine

    @property
    def dialect(self) -> str:
        """The backend's name: "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed when the block ends and rolled back if it raises."""
        self._check_fork()
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def connect(self) -> Connection:
        """A connection; DatabaseUnreachableError (60001) when the database cannot be reached or refuses
        the login."""
        try:
            return self.engine.connect()
        except DBAPIError as exc:
            raise _unreachable(self.url, first_line(str(exc.orig), self.url.password)) from exc

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema with Alembic to `revision`; concurrent callers wait for each other.
        The first thing every process does with its database: a wrong URL fails here, in one line."""
        with self.connect() as connection:
            migrations.upgrade(connection, revision)

    def create_all(self) -> None:
        """Create the tables straight from the models, without Alembic: for throwaway test databases."""
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection; the object stays usable and reconnects on demand."""
        self._engine.dispose()


def _rebuild(url: str, echo: bool, pool_size: int | None, key_ring: KeyRing) -> Database:
    return Database(url, echo=echo, pool_size=pool_size, key_ring=key_ring)


def _default_key_ring(url: URL) -> KeyRing:
    if _is_sqlite_memory(url) and not configured():
        return KeyRing.generate()  # the data ends with the process, and so may its key
    return data_dir_key_ring(default_data_dir())
