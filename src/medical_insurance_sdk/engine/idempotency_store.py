"""The idempotency keys on the product database (`idempotency_record`): the I/O behind `idempotency.py`.

Every write is its own short transaction, as in the ledger: a claimed key is on disk before the call's
first message is recorded, so a second process with the same key finds it.  The unique constraint on
(institution_code, idem_key) decides which of two concurrent claims wins.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from medical_insurance_sdk.engine.effects import (
    AttachMsgId,
    ClaimKey,
    FinishKey,
    KeyRecord,
    LookUpMessage,
    ReleaseKey,
    TakeOverKey,
)
from medical_insurance_sdk.engine.ledger import SessionSource
from medical_insurance_sdk.protocol.jsoncodec import dumps
from medical_insurance_sdk.storage.models import IdempotencyRecord, LedgerEntry

KEY_EFFECTS = (ClaimKey, TakeOverKey, AttachMsgId, FinishKey, ReleaseKey, LookUpMessage)


def _json(value: Any) -> Any:
    # plain JSON; amounts keep their exact text ("350.00") instead of becoming floats
    return json.loads(dumps(value), parse_float=str) if value is not None else None


def _record(row: IdempotencyRecord, *, claimed: bool = False) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        institution_code=row.institution_code,
        key=row.idem_key,
        request_hash=row.request_hash,
        infno=row.infno,
        state=row.state,
        created_at=row.created_at,
        msgid=row.msgid,
        answer=row.answer,
        error=row.error,
        claimed=claimed,
    )


class IdempotencyStore:
    """Read and write `idempotency_record` (and read the ledger row a key names)."""

    def __init__(self, database: SessionSource) -> None:
        self.database = database

    def perform(self, effect: Any) -> Any:
        if isinstance(effect, ClaimKey):
            return self.claim(effect)
        if isinstance(effect, TakeOverKey):
            return self.take_over(effect)
        if isinstance(effect, AttachMsgId):
            return self.attach(effect)
        if isinstance(effect, FinishKey):
            return self.finish(effect)
        if isinstance(effect, ReleaseKey):
            return self.release(effect.record_id)
        if isinstance(effect, LookUpMessage):
            with self.database.session() as s:
                return s.scalars(select(LedgerEntry).where(LedgerEntry.msgid == effect.msgid)).one_or_none()
        raise TypeError(f"unknown effect {effect!r}")

    def claim(self, c: ClaimKey) -> KeyRecord:
        """The new IN_FLIGHT row (claimed=True), or the row another call holds for the key already."""
        for _ in range(3):
            try:
                with self.database.session() as s:
                    row = IdempotencyRecord(
                        institution_code=c.institution_code,
                        idem_key=c.key,
                        request_hash=c.request_hash,
                        infno=c.infno,
                        state="IN_FLIGHT",
                        created_at=c.now,
                    )
                    s.add(row)
                    s.flush()
                    claimed = _record(row, claimed=True)
                return claimed
            except IntegrityError:
                existing = self.get(c.institution_code, c.key)
                if existing is not None:
                    return existing
                # released between our insert and our read: try again
        raise RuntimeError(f"idempotency key {c.key!r} could not be claimed")  # pragma: no cover

    def get(self, institution_code: str, key: str) -> KeyRecord | None:
        with self.database.session() as s:
            row = s.scalars(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.institution_code == institution_code, IdempotencyRecord.idem_key == key
                )
            ).one_or_none()
            return _record(row) if row is not None else None

    def take_over(self, t: TakeOverKey) -> bool:
        with self.database.session() as s:
            taken = s.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.id == t.record_id,
                    IdempotencyRecord.state == "IN_FLIGHT",
                    IdempotencyRecord.msgid.is_(None),
                    IdempotencyRecord.created_at == t.created_at,
                )
                .values(created_at=t.now)
            )
            return bool(getattr(taken, "rowcount", 0) == 1)

    def attach(self, a: AttachMsgId) -> None:
        with self.database.session() as s:
            s.execute(
                update(IdempotencyRecord).where(IdempotencyRecord.id == a.record_id).values(msgid=a.msgid)
            )

    def finish(self, f: FinishKey) -> None:
        values: dict[str, Any] = {
            "state": "DONE",
            "completed_at": f.now,
            "answer": _json(dict(f.answer)) if f.answer is not None else None,
            "error": _json(dict(f.error)) if f.error is not None else None,
        }
        if f.msgid is not None:
            values["msgid"] = f.msgid
        with self.database.session() as s:
            s.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == f.record_id).values(**values))

    def release(self, record_id: int) -> None:
        with self.database.session() as s:
            s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
