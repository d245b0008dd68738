"""The ledger and the sign-in store on the product database (record before send).

Every write is its own short transaction and commits before the flow goes on: the PENDING row must be on
disk before the message leaves, or a crash between send and answer would lose the msgid that 2601 needs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.orm import Session

from medical_insurance_sdk.engine.calls import PendingView
from medical_insurance_sdk.engine.effects import Complete, NewEntry, Record, RecordAnswered, Resolve
from medical_insurance_sdk.exceptions import DuplicateMessageError
from medical_insurance_sdk.protocol.jsoncodec import plain
from medical_insurance_sdk.storage.models import LedgerEntry, SignInSession

logger = logging.getLogger(__name__)

FINAL_STATES = frozenset({"SUCCESS", "FAILED", "REVERSED", "CONFIRMED", "SUPERSEDED"})


class SessionSource(Protocol):
    def session(self) -> AbstractContextManager[Session]: ...


# ORM-enabled UPDATEs of rows nobody holds as objects: nothing in the session to synchronise
_NO_SYNC = {"synchronize_session": False}


def _json(value: Any) -> Any:
    # JSON columns hold plain JSON; amounts keep their exact text ("350.00") instead of becoming floats
    return plain(value) if value is not None else None


@dataclass(frozen=True)
class StoredSession:
    sign_no: str
    signed_in_at: datetime
    expires_at: datetime


class Ledger:
    """Read and write `ledger_entry` and `signin_session`."""

    def __init__(self, database: SessionSource) -> None:
        self.database = database

    # ---------------------------------------------------------------------------------------- entries
    def record(self, entry: NewEntry) -> None:
        """Insert the PENDING row; DuplicateMessageError (20007) when the msgid is in the ledger already."""
        try:
            self._insert(entry)
        except IntegrityError:
            if self.get(entry.msgid) is None:
                raise
            raise DuplicateMessageError(
                f"报文ID重复: {entry.msgid} 已在台账中", msgid=entry.msgid, infno=entry.infno
            ) from None

    def _insert(self, entry: NewEntry) -> None:
        with self.database.session() as s:
            # plain values, no ORM object: the money path's one durable write stays cheap (issue 16)
            s.execute(insert(LedgerEntry), [_values(entry, "PENDING")])

    def record_answered(self, items: Sequence[RecordAnswered]) -> None:
        """Insert queries' rows in their final state, all in one transaction (the background writer's group
        commit); when the batch fails (a msgid already in the ledger) each row is tried alone."""
        try:
            with self.database.session() as s:
                # one executemany of plain values: no unit of work to track objects nobody reads back
                s.execute(insert(LedgerEntry), [_answered_values(item) for item in items])
            return
        except IntegrityError:
            if len(items) == 1:
                logger.warning("报文ID重复，查询台账行未写入: %s", items[0].entry.msgid)
                return
        for item in items:
            try:
                with self.database.session() as s:
                    s.execute(insert(LedgerEntry), [_answered_values(item)])
            except IntegrityError:
                logger.warning("报文ID重复，查询台账行未写入: %s", item.entry.msgid)

    def write_batch(self, items: Sequence[Record | Complete | RecordAnswered]) -> list[Exception | None]:
        """Several writes in one transaction (the writer thread's group commit): PENDING rows, answers and
        queries' final rows, one commit for all.  Each item's outcome in order: None when it is written,
        else the exception it raised alone; when the batch fails, each item is written in its own
        transaction, so one bad row (a msgid already in the ledger) costs no other its write."""
        try:
            with self.database.session() as s:
                rows = [_insert_values(item) for item in items if not isinstance(item, Complete)]
                if rows:
                    s.execute(insert(LedgerEntry), rows)
                for item in items:
                    if isinstance(item, Complete):
                        self._complete_in(s, item)
            return [None] * len(items)
        except Exception:  # every item is tried alone below and gets its own outcome
            pass
        outcomes: list[Exception | None] = []
        for item in items:
            try:
                if isinstance(item, Record):
                    self.record(item.entry)
                elif isinstance(item, Complete):
                    self.complete(item)
                else:
                    self.record_answered([item])
                outcomes.append(None)
            except Exception as exc:  # handed to the item's caller
                outcomes.append(exc)
        return outcomes

    def complete(self, c: Complete) -> None:
        """The answer on its PENDING row: one UPDATE (plus a read of the row's keys when the answer adds
        business keys to merge); NoResultFound when the row is not there."""
        with self.database.session() as s:
            self._complete_in(s, c)

    def _complete_in(self, s: Session, c: Complete) -> None:
        values: dict[str, Any] = dict(
            state=c.state,
            answered_at=c.answered_at,
            infcode=c.infcode,
            error_code=c.error_code,
            error_message=c.error_message,
            response=_json(dict(c.response)) if c.response is not None else None,
        )
        if c.note:
            values["resolution_note"] = c.note
        if c.lease_owner is not None:
            values.update(lease_owner=c.lease_owner, lease_until=c.lease_until)
        where = LedgerEntry.msgid == c.msgid
        if c.business_keys:
            keys, mdtrt_id, setl_id = s.execute(
                select(LedgerEntry.business_keys, LedgerEntry.mdtrt_id, LedgerEntry.setl_id).where(where)
            ).one()
            merged = {**(keys or {}), **_json(dict(c.business_keys))}
            values.update(
                business_keys=merged,
                mdtrt_id=mdtrt_id or merged.get("mdtrt_id"),
                setl_id=setl_id or merged.get("setl_id"),
            )
        done = s.execute(update(LedgerEntry).where(where).values(**values), execution_options=_NO_SYNC)
        if cast(CursorResult[Any], done).rowcount != 1:
            raise NoResultFound(f"no ledger row {c.msgid}")

    def resolve(self, r: Resolve) -> bool:
        """Write a resolver's verdict; False (nothing written) when the entry is final already or its lease
        is held by another resolver now (this one's ran out): one verdict per entry, from its holder."""
        with self.database.session() as s:
            query = select(LedgerEntry).where(LedgerEntry.msgid == r.msgid)
            if s.bind is not None and s.bind.dialect.name == "postgresql":
                query = query.with_for_update()
            row = s.scalars(query).one()
            if row.state in FINAL_STATES:
                return False
            if r.owner is not None and row.lease_owner not in (None, r.owner):
                return False
            row.resolve_attempts = (row.resolve_attempts or 0) + 1
            row.resolution_note = r.note
            if r.resolution_msgid:
                row.resolution_msgid = r.resolution_msgid
            # the verdict ends this resolver's lease; a hold keeps everyone away until the window has passed
            row.lease_owner, row.lease_until = None, r.hold_until
            if r.state != "UNKNOWN":
                row.state = r.state
                row.resolved_at = r.at
                # the compensation's own messages whose answers were lost no longer matter: the original
                # now has its definite outcome
                s.execute(
                    update(LedgerEntry)
                    .where(LedgerEntry.parent_msgid == r.msgid, LedgerEntry.state.in_(("UNKNOWN", "PENDING")))
                    .values(
                        state="SUPERSEDED", resolution_note=f"由原交易 {r.msgid} 的补偿结果 {r.state} 覆盖"
                    )
                )
            return True

    def get(self, msgid: str) -> LedgerEntry | None:
        with self.database.session() as s:
            return s.scalars(select(LedgerEntry).where(LedgerEntry.msgid == msgid)).one_or_none()

    def unresolved(
        self,
        *,
        now: datetime,
        stale_pending_s: float,
        limit: int = 100,
        institutions: frozenset[str] = frozenset(),
    ) -> list[PendingView]:
        """UNKNOWN entries, and PENDING ones old enough to have been interrupted (crash after record), that
        nobody holds (no lease, or one that ran out); of `institutions` when given."""
        stale = now - timedelta(seconds=stale_pending_s)
        query = (
            select(LedgerEntry)
            .where(
                or_(
                    LedgerEntry.state == "UNKNOWN",
                    (LedgerEntry.state == "PENDING") & (LedgerEntry.created_at <= stale),
                ),
                LedgerEntry.safety != "query",
                LedgerEntry.parent_msgid.is_(None),  # compensation messages follow their original
                or_(LedgerEntry.lease_until.is_(None), LedgerEntry.lease_until <= now),
            )
            .order_by(LedgerEntry.created_at)
            .limit(limit)
        )
        if institutions:
            query = query.where(LedgerEntry.institution_code.in_(sorted(institutions)))
        with self.database.session() as s:
            return [view_of(row) for row in s.scalars(query).all()]

    def claim(self, msgid: str, *, owner: str, now: datetime, until: datetime) -> bool:
        """Take an unresolved entry's lease (one conditional UPDATE: of several resolvers, one wins)."""
        with self.database.session() as s:
            taken = s.execute(
                update(LedgerEntry)
                .where(
                    LedgerEntry.msgid == msgid,
                    LedgerEntry.state.in_(("UNKNOWN", "PENDING")),
                    or_(
                        LedgerEntry.lease_until.is_(None),
                        LedgerEntry.lease_until <= now,
                        LedgerEntry.lease_owner == owner,
                    ),
                )
                .values(lease_owner=owner, lease_until=until)
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(taken, "rowcount", 0) == 1)

    def mark_interrupted(self, msgid: str, *, now: datetime) -> None:
        """A PENDING row found by the sweeper: whether it was sent is not known, so it is UNKNOWN."""
        with self.database.session() as s:
            s.execute(
                update(LedgerEntry)
                .where(LedgerEntry.msgid == msgid, LedgerEntry.state == "PENDING")
                .values(state="UNKNOWN", answered_at=now, resolution_note="进程中断，结果未知")
            )

    def counts(self) -> dict[str, int]:
        with self.database.session() as s:
            rows = s.execute(select(LedgerEntry.state, func.count()).group_by(LedgerEntry.state)).all()
            return {state: int(n) for state, n in rows}

    def entries(self, **filters: Any) -> Iterator[LedgerEntry]:
        with self.database.session() as s:
            query = select(LedgerEntry).order_by(LedgerEntry.id)
            for key, value in filters.items():
                query = query.where(getattr(LedgerEntry, key) == value)
            yield from s.scalars(query).all()

    # --------------------------------------------------------------------------------------- sessions
    def load_session(self, institution_code: str, operator: str) -> StoredSession | None:
        with self.database.session() as s:
            row = s.get(SignInSession, (institution_code, operator))
            return StoredSession(row.sign_no, row.signed_in_at, row.expires_at) if row else None

    def store_session(
        self, institution_code: str, operator: str, sign_no: str, signed_in_at: datetime, expires_at: datetime
    ) -> None:
        try:
            self._store_session(institution_code, operator, sign_no, signed_in_at, expires_at)
        except IntegrityError:
            # Concurrent first calls of one operator each signed in and raced to insert the session: the
            # row exists now, so this second try updates it (the later sign_no wins; both are valid).
            self._store_session(institution_code, operator, sign_no, signed_in_at, expires_at)

    def _store_session(
        self, institution_code: str, operator: str, sign_no: str, signed_in_at: datetime, expires_at: datetime
    ) -> None:
        with self.database.session() as s:
            row = s.get(SignInSession, (institution_code, operator))
            if row is None:
                s.add(
                    SignInSession(
                        institution_code=institution_code,
                        operator=operator,
                        sign_no=sign_no,
                        signed_in_at=signed_in_at,
                        expires_at=expires_at,
                    )
                )
            else:
                row.sign_no, row.signed_in_at, row.expires_at = sign_no, signed_in_at, expires_at

    def drop_session(self, institution_code: str, operator: str) -> None:
        with self.database.session() as s:
            row = s.get(SignInSession, (institution_code, operator))
            if row is not None:
                s.delete(row)


def _values(entry: NewEntry, state: str) -> dict[str, Any]:
    return dict(
        msgid=entry.msgid,
        infno=entry.infno,
        safety=entry.safety,
        institution_code=entry.institution_code,
        operator=entry.operator,
        state=state,
        psn_no=entry.business_keys.get("psn_no"),
        mdtrt_id=entry.business_keys.get("mdtrt_id"),
        setl_id=entry.business_keys.get("setl_id"),
        business_keys=_json(dict(entry.business_keys)),
        request=_json(dict(entry.request)),
        request_id=entry.request_id,
        parent_msgid=entry.parent_msgid,
        created_at=entry.created_at,
        bureau=entry.bureau,
    )


def _insert_values(item: Record | RecordAnswered) -> dict[str, Any]:
    return _values(item.entry, "PENDING") if isinstance(item, Record) else _answered_values(item)


def _answered_values(item: RecordAnswered) -> dict[str, Any]:
    """The row a query would have after `Record` then `Complete`, built at once (column values)."""
    c = item.outcome
    row = _values(item.entry, c.state)
    row.update(answered_at=c.answered_at, infcode=c.infcode, error_code=c.error_code)
    row["error_message"] = c.error_message
    row["response"] = _json(dict(c.response)) if c.response is not None else None
    row["resolution_note"] = c.note or None
    if c.business_keys:
        merged = {**(row["business_keys"] or {}), **_json(dict(c.business_keys))}
        row["business_keys"] = merged
        row["mdtrt_id"] = row["mdtrt_id"] or merged.get("mdtrt_id")
        row["setl_id"] = row["setl_id"] or merged.get("setl_id")
    return row


def view_of(row: LedgerEntry) -> PendingView:
    keys: Mapping[str, Any] = row.business_keys or {}
    return PendingView(
        msgid=row.msgid,
        infno=row.infno,
        institution_code=row.institution_code,
        operator=row.operator,
        created_at=row.created_at,
        business_keys=dict(keys),
        error_message=row.error_message,
        bureau=row.bureau,
    )
