"""The live sandbox: database, clock, fault plan, file store and id sources of one sandbox app.

    state = SandboxState(SandboxSettings())      # tables created and seeded
    with state.transaction() as session: ...     # a write: under the write lock
    with state.session(write=False) as session:  # a read: concurrent with other reads and the writer
    with state.write_connection() as connection:  # a write in Core (the ledger's rows), under the lock
    with state.session(wait=False) as session:   # a write that raises WriteBusy instead of waiting
    await state.write_soon(work)                  # on the event loop: `work` (a write with wait=False)
                                                  # once the lock is free (`sandbox.writelock`)
    await state.ledger.record(row)                # a query's ledger row, from the event loop (batched)
    state.reset()                                 # drop everything, recreate, reseed

One `SandboxState` lives on `app.state.sandbox`; nothing is global.  Writes are serialised: within the
process by one lock, across processes on one database file by SQLite's own write lock, taken when the
transaction begins (BEGIN IMMEDIATE), so a transaction that read first never fails to upgrade.  A write
transaction is one message's state change together with its ledger row.  Reads need neither: on a file
database (WAL journal) each read runs on its own connection and sees the last committed state.  The
in-memory database is one connection (StaticPool): there, reads take the lock too.  Writes made on the
event loop also take turns between processes through a file lock beside the database, `<file>-writer`
(`sandbox.writelock`).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import logging
import os
import pkgutil
import secrets
import shutil
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.jsoncodec import BEIJING, beijing
from medical_insurance_sdk.protocol.profiles import Profile, load_profile
from medical_insurance_sdk.protocol.signing import Signer
from medical_insurance_sdk.protocol.sm_channel import SmChannel
from medical_insurance_sdk.sandbox import handlers as handlers_package
from medical_insurance_sdk.sandbox.answers import RefMsgIds
from medical_insurance_sdk.sandbox.faults import FaultPlan
from medical_insurance_sdk.sandbox.files import FileStore
from medical_insurance_sdk.sandbox.ledger import MessageWriter
from medical_insurance_sdk.sandbox.seed import PERSONS, SEED_DATE, InsuredPerson
from medical_insurance_sdk.sandbox.settings import IN_MEMORY, SandboxSettings
from medical_insurance_sdk.sandbox.state import Identity, Person, SandboxBase
from medical_insurance_sdk.sandbox.writelock import WriteBusy, WriteGate, begin_without_waiting

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)
REJECTIONS_KEPT = 200
BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "sandbox_write"
TRY = "try"  # WRITE_OPTION's value for a write that must not wait for SQLite's lock


def load_handlers() -> None:
    """Import every module of `sandbox.handlers`, so that their `@handles` registrations run."""
    for module in pkgutil.iter_modules(handlers_package.__path__):
        importlib.import_module(f"{handlers_package.__name__}.{module.name}")
    # Business tables live beside the handlers; make sure create_all sees them even if no handler uses them.
    business = "medical_insurance_sdk.sandbox.business_state"
    if importlib.util.find_spec(business) is not None:
        importlib.import_module(business)


def _private_sqlite_file(url: str) -> None:
    """The simulator's state (persons, ID numbers, balances) in a file its owner alone reads: 0600 / 0700."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str) -> Engine:
    """An engine whose JSON columns keep Decimal amounts exact (jsoncodec, not json)."""
    options: dict[str, Any] = {
        "json_serializer": lambda value: jsoncodec.dumps(value).decode("utf-8"),
        "json_deserializer": jsoncodec.loads,
    }
    if not url.startswith("sqlite"):
        return create_engine(url, **options)
    _private_sqlite_file(url)
    options["connect_args"] = {"check_same_thread": False}
    memory = is_in_memory(url)
    if memory:
        options["poolclass"] = StaticPool  # one connection, or each thread would see its own database
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def on_connect(connection: Any, _record: Any) -> None:
        connection.isolation_level = None  # transactions are begun below, not by the driver
        if not memory:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # a write transaction takes SQLite's write lock at once (see the module docstring); on the
        # driver's own connection, as SQLAlchemy's execution path would cost more than the statement
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        driver = connection.connection.driver_connection
        if not write or memory:
            driver.execute("BEGIN")
        elif write != TRY:
            driver.execute("BEGIN IMMEDIATE")
        else:
            begin_without_waiting(driver, BUSY_TIMEOUT_MS)

    return engine


def _database_file(url: str) -> str | None:
    """The SQLite file of a database URL, or None (in memory, another database)."""
    database = make_url(url).database if url.startswith("sqlite") else None
    return None if not database or database == ":memory:" else database


def is_in_memory(url: str) -> bool:
    return url in (IN_MEMORY, "sqlite:///:memory:")


def person_row(person: InsuredPerson) -> Person:
    """The database row of a seed person: live balance and counters, the seed record as `profile`."""
    return Person(
        psn_no=person.psn_no,
        certno=person.certno,
        psn_name=person.psn_name,
        insutype=person.insutype,
        insuplc_admdvs=person.insuplc_admdvs,
        balc=person.balc,
        year=SEED_DATE.year,
        year_to_date={},
        profile={
            "baseinfo": person.baseinfo(),
            "insuinfo": person.insuinfo(),
            "idetinfo": person.idetinfo_rows(),
            "category": person.category,
            "tel": person.tel,
        },
    )


def seed_persons(session: Session) -> int:
    """Insert the seed persons that are missing; returns how many were added (existing rows are kept)."""
    present = set(session.scalars(select(Person.psn_no)))
    missing = [p for p in PERSONS if p.psn_no not in present]
    session.add_all(person_row(p) for p in missing)
    return len(missing)


def own_identity(session: Session, now: datetime) -> str:
    """The database's bureau id, made on first use (several processes on one file agree on the first)."""
    found = session.scalar(select(Identity.bureau_id).order_by(Identity.created_at).limit(1))
    if found is not None:
        return found
    bureau_id = uuid.uuid4().hex
    session.add(Identity(bureau_id=bureau_id, created_at=now.replace(tzinfo=None)))
    return bureau_id


class Ids:
    """Unique business ids (mdtrt_id, setl_id, payOrdId …): admdvs + yyyyMMddHHmmss + 6-digit serial."""

    def __init__(self, admdvs: str) -> None:
        self._admdvs = admdvs
        # from a random point: several processes on one sandbox file (the gateway, `yibao compensate`, a
        # restart within the same second) must not hand out the same id
        self._serial = itertools.count(secrets.randbelow(1_000_000))
        self._lock = threading.Lock()

    def new(self, now: datetime, *, prefix: str | None = None, width: int = 26) -> str:
        with self._lock:
            serial = next(self._serial) % 1_000_000
        text = f"{self._admdvs if prefix is None else prefix}{now:%Y%m%d%H%M%S}{serial:06d}"
        return text[-width:] if len(text) > width else text


def _beijing_now() -> datetime:
    return datetime.now(BEIJING)


class SandboxState:
    """Everything one sandbox app holds; built from settings, torn down with `close()`."""

    def __init__(self, settings: SandboxSettings, *, clock: Clock | None = None) -> None:
        load_handlers()
        self.settings = settings
        self.profile: Profile = load_profile(settings.profile)
        self.verifier: Signer = settings.verifier()
        self._clock = clock or _beijing_now
        # Without a configured directory the sandbox owns a temporary one, removed by close().
        self._own_dir = None if settings.file_dir else Path(tempfile.mkdtemp(prefix="yibao-sandbox-"))
        directory = settings.file_dir or self._own_dir
        assert directory is not None
        self.files = FileStore(directory, timedelta(hours=settings.file_ttl_hours))
        self.faults = FaultPlan(settings.faults, seed=settings.seed)
        self.refmsgids = RefMsgIds(settings.admdvs)
        self.ids = Ids(settings.admdvs)
        self.lock = threading.RLock()
        self.rejections: deque[dict[str, Any]] = deque(maxlen=REJECTIONS_KEPT)
        self._deferred: list[threading.Timer] = []
        self.sm_channel = self._sm_channel(settings)
        self.engine = make_engine(settings.database_url)
        # reads run without the lock where the database allows concurrent connections (not in memory)
        self.concurrent_reads = self.engine.dialect.name != "sqlite" or not is_in_memory(
            settings.database_url
        )
        self._write_engines = {
            wait: self.engine.execution_options(**{WRITE_OPTION: True if wait else TRY})
            for wait in (True, False)
        }
        self._sessions = {
            wait: sessionmaker(engine, expire_on_commit=False) for wait, engine in self._write_engines.items()
        }
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        with self.lock:
            SandboxBase.metadata.create_all(self.engine)
            with self.transaction() as session:
                seed_persons(session)
                self.bureau_id = own_identity(session, self.now())
        self.write_soon = WriteGate(_database_file(settings.database_url)).run
        self.ledger = MessageWriter(self.write_soon, self.write_connection)

    @staticmethod
    def _sm_channel(settings: SandboxSettings) -> SmChannel | None:
        if not settings.sm_configured:
            return None
        return SmChannel(
            settings.sm_app_id or "",
            settings.sm_app_secret or "",
            private_key=settings.sm_private_key or "",
            peer_public_key=settings.sm_peer_public_key or "",
        )

    def now(self) -> datetime:
        """Current Beijing wall-clock time, naive (as the tables store it)."""
        return beijing(self._clock()).replace(tzinfo=None)

    def services(self) -> dict[str, Any]:
        """The shared helpers a handler finds in `ctx.services`."""
        return {"files": self.files, "ids": self.ids}

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction under the sandbox lock: committed on success, else rolled back."""
        with self.lock, self._sessions[True]() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self, *, wait: bool = True) -> Iterator[Connection]:
        """A Core connection in one write transaction under the sandbox lock: committed on success.  With
        `wait=False`, WriteBusy instead of waiting for the lock (see the module docstring)."""
        with self._locked(wait), self._write_engines[wait].begin() as connection:
            yield connection

    @contextmanager
    def session(self, *, write: bool = True, wait: bool = True) -> Iterator[Session]:
        """A session whose transactions the caller manages (the dispatcher).  A write session holds the
        lock (with `wait=False`: WriteBusy instead of waiting for it, or for SQLite's, at its first
        statement); a read session (`write=False`) holds nothing where reads may run concurrently, and
        must not write (the dispatcher checks and takes a write session for a handler that does)."""
        if write or not self.concurrent_reads:
            with self._locked(wait), self._sessions[wait]() as session:
                yield session
        else:
            with self._read_sessions() as session:
                yield session

    @contextmanager
    def _locked(self, wait: bool) -> Iterator[None]:
        if not self.lock.acquire(blocking=wait):
            raise WriteBusy("sandbox write lock is taken")
        try:
            yield
        finally:
            self.lock.release()

    def reset(self) -> None:
        """Drop every table, recreate, reseed; the fault plan restarts from the configured rules and seed."""
        with self.lock:
            SandboxBase.metadata.drop_all(self.engine)
            SandboxBase.metadata.create_all(self.engine)
            with self.transaction() as session:
                seed_persons(session)
                self.bureau_id = own_identity(session, self.now())
        self.faults.replace(self.settings.faults, seed=self.settings.seed)
        self.rejections.clear()

    def note_rejection(self, entry: dict[str, Any]) -> None:
        """Remember a message refused before processing (not in the ledger), for the admin API."""
        self.rejections.appendleft(entry)

    def defer(self, seconds: float, work: Callable[[], Any]) -> None:
        """Run `work` after `seconds` on a thread of its own, whatever the request that asked for it does
        meantime (the `delayed_commit` fault: the bureau finishes what it received)."""

        def run() -> None:
            try:
                work()
            except Exception:
                log.exception("deferred sandbox work failed")

        timer = threading.Timer(seconds, run)
        timer.daemon = True
        with self.lock:
            self._deferred = [t for t in self._deferred if t.is_alive()] + [timer]
        timer.start()

    def close(self) -> None:
        for timer in self._deferred:
            timer.cancel()
        self.engine.dispose()
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)
