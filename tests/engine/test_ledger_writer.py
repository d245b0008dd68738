"""The ledger's writer thread (engine/ledger_writer.py): group commit without weakening record-before-send.

Each awaited write must be in the database when `write` returns, and a bad row must fail alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import anyio
import pytest
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from medical_insurance_sdk.engine.effects import Complete, NewEntry, Record, RecordAnswered
from medical_insurance_sdk.engine.ledger import Ledger
from medical_insurance_sdk.engine.ledger_writer import LedgerWriter
from medical_insurance_sdk.exceptions import DuplicateMessageError
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 12, 8, 10, 0, 0)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def entry(n: int, infno: str = "2207") -> NewEntry:
    return NewEntry(
        msgid=f"H43010300001202612081000{n:06d}",
        infno=infno,
        safety="money",
        institution_code="H43010300001",
        operator="OP001",
        request={"infno": infno, "input": {"data": {"psn_no": f"P{n}"}}},
        business_keys={"psn_no": f"P{n}", "mdtrt_id": f"MDT{n}"},
        created_at=NOW,
    )


def rows(database: Database) -> dict[str, LedgerEntry]:
    with database.session() as s:
        return {row.msgid: row for row in s.scalars(select(LedgerEntry))}


async def test_each_awaited_row_is_committed_when_write_returns(database: Database) -> None:
    writer = LedgerWriter(Ledger(database))
    seen_at_return: dict[str, bool] = {}

    async def record(n: int) -> None:
        await writer.write(Record(entry(n)))
        # a separate session (another connection) sees the row at once: it is committed, not only flushed
        seen_at_return[entry(n).msgid] = entry(n).msgid in rows(database)

    async with anyio.create_task_group() as tasks:
        for n in range(40):
            tasks.start_soon(record, n)
    writer.close()
    assert len(seen_at_return) == 40 and all(seen_at_return.values())
    assert {row.state for row in rows(database).values()} == {"PENDING"}


async def test_a_duplicate_msgid_fails_alone_and_the_others_are_written(database: Database) -> None:
    ledger = Ledger(database)
    ledger.record(entry(7))  # already in the ledger
    writer = LedgerWriter(ledger)
    outcomes: dict[int, BaseException | None] = {}

    async def record(n: int) -> None:
        try:
            await writer.write(Record(entry(n)))
            outcomes[n] = None
        except Exception as exc:
            outcomes[n] = exc

    async with anyio.create_task_group() as tasks:
        for n in range(5, 10):
            tasks.start_soon(record, n)
    writer.close()
    assert isinstance(outcomes.pop(7), DuplicateMessageError)
    assert outcomes == {5: None, 6: None, 8: None, 9: None}
    assert set(rows(database)) == {entry(n).msgid for n in range(5, 10)}


async def test_answers_merge_their_keys_and_a_missing_row_is_an_error(database: Database) -> None:
    ledger = Ledger(database)
    ledger.record(entry(1))
    writer = LedgerWriter(ledger)
    answer = Complete(
        msgid=entry(1).msgid,
        state="SUCCESS",
        answered_at=NOW + timedelta(seconds=1),
        infcode=0,
        response={"output": {"setlinfo": {"setl_id": "S1"}}},
        business_keys={"setl_id": "S1"},
    )
    await writer.write(answer)
    with pytest.raises(NoResultFound):
        await writer.write(Complete(msgid="H43010300001202612089999999999", state="SUCCESS", answered_at=NOW))
    writer.close()
    row = rows(database)[entry(1).msgid]
    assert (row.state, row.infcode, row.setl_id, row.mdtrt_id) == ("SUCCESS", 0, "S1", "MDT1")
    assert row.business_keys == {"psn_no": "P1", "mdtrt_id": "MDT1", "setl_id": "S1"}


async def test_queries_rows_and_money_rows_share_the_thread(database: Database) -> None:
    writer = LedgerWriter(Ledger(database))
    done = Complete(msgid=entry(2, "1101").msgid, state="SUCCESS", answered_at=NOW, infcode=0)
    writer.submit(RecordAnswered(entry(2, "1101"), done))
    await writer.write(Record(entry(3)))
    writer.flush()
    writer.close()
    states = {msgid: row.state for msgid, row in rows(database).items()}
    assert states == {entry(2, "1101").msgid: "SUCCESS", entry(3).msgid: "PENDING"}


async def test_after_close_a_write_is_still_committed(database: Database) -> None:
    writer = LedgerWriter(Ledger(database))
    writer.close()
    await writer.write(Record(entry(4)))
    assert entry(4).msgid in rows(database)
