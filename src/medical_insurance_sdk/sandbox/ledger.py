"""The sandbox's ledger of processed messages (`sbx_message`), read and written without the ORM.

    processed(connection, msgid)           check 6 of the dispatcher: was this msgid processed before?
    sign_in_refusal(connection, no, code)  check 7: None for a live sign-in of that institution, else the text
    message_row(message, infno, …)         a processed message's row
    record(connection, row)                the row, in the caller's transaction
    record_alone(write_connection, row)    the row, in a write transaction of its own
    inserted = await state.ledger.record(row)   on the event loop: a query's row, committed in a batch

These run once or twice per message, so they are Core statements on the session's connection (a tenth of
an ORM `session.get` or flush), with the same column types (JSON through the engine's codec, DateTime).

`LedgerWriter` is how a query answered on the event loop records its row: the rows handed over while the
loop runs what is ready are committed together, in one write transaction on the loop once it is free
(`sandbox.writelock`), then their requests answer.  A request does not answer before its row is
committed, and a msgid met twice (before or within the batch) is recorded once: the second is told it was
a duplicate, as check 6 would say.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from functools import partial
from typing import Any, cast

import anyio
from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from medical_insurance_sdk.sandbox.files import FileBody
from medical_insurance_sdk.sandbox.state import Message, SignIn

Row = dict[str, Any]
WriteConnection = Callable[..., AbstractContextManager[Connection]]
Waiter = asyncio.Future[bool | Exception]

_MESSAGES = cast(Table, Message.__table__)
_SIGN_INS = cast(Table, SignIn.__table__)
_PROCESSED = select(_MESSAGES.c.msgid).where(_MESSAGES.c.msgid == bindparam("msgid"))
_SIGN_IN = select(_SIGN_INS.c.fixmedins_code, _SIGN_INS.c.signed_out).where(
    _SIGN_INS.c.sign_no == bindparam("sign_no")
)
_INSERT = insert(_MESSAGES)


def processed(connection: Connection, msgid: str) -> bool:
    return connection.execute(_PROCESSED, {"msgid": msgid}).first() is not None


def sign_in_refusal(connection: Connection, sign_no: str, fixmedins_code: str) -> str | None:
    """Why `sign_no` does not let this institution trade (check 7), or None when it does."""
    if not sign_no:
        return "交易签到流水号(sign_no)不能为空，请先签到(9001)"
    found = connection.execute(_SIGN_IN, {"sign_no": sign_no}).first()
    if found is None or found.fixmedins_code != fixmedins_code:
        return f"签到流水号[{sign_no}]无效，请重新签到(9001)"
    if found.signed_out is not None:
        return f"签到流水号[{sign_no}]已签退，请重新签到(9001)"
    return None


def message_row(
    message: Mapping[str, Any],
    infno: str,
    received: datetime,
    infcode: int,
    output: Any,
    err_msg: str | None,
) -> Row:
    """The row of a processed message (`infno`: its transaction's, used when the envelope has none)."""
    return {
        "msgid": str(message["msgid"]),
        "infno": str(message.get("infno") or infno),  # as sent: a province variant (2206A) as itself
        "fixmedins_code": str(message.get("fixmedins_code") or ""),
        "opter": str(message.get("opter") or ""),
        "received_at": received,
        "infcode": infcode,
        "input": message.get("input"),
        "output": _ledger_output(output),
        "err_msg": err_msg,
        "reversed_by": None,
    }


def _ledger_output(output: Any) -> Any:
    if isinstance(output, FileBody):  # a file answered (9102): its name and size, not its bytes
        return {"filename": output.filename, "size": output.size}
    return output


def record(connection: Connection, row: Row) -> None:
    """Insert one message's row in the caller's transaction (IntegrityError: the msgid is taken)."""
    connection.execute(_INSERT, row)


def record_alone(write_connection: WriteConnection, row: Row) -> bool | Exception:
    """`row` in a short write transaction of its own: recorded (True), its msgid taken (False), or what
    failed (the caller answers it as an internal error)."""
    try:
        with write_connection() as connection:
            record(connection, row)
    except IntegrityError:
        return False
    except Exception as exc:
        return exc
    return True


def record_batch(connection: Connection, rows: list[Row]) -> list[bool | Exception]:
    """Insert the rows whose msgid is new, in the caller's write transaction; per row, whether it was."""
    fresh: dict[str, Row] = {}
    inserted: list[bool | Exception] = []
    for row in rows:
        new = row["msgid"] not in fresh and not processed(connection, row["msgid"])
        if new:
            fresh[row["msgid"]] = row
        inserted.append(new)
    if fresh:
        connection.execute(_INSERT, list(fresh.values()))
    return inserted


class MessageWriter:
    """Records the rows of queries answered on an event loop, in batches, on that loop (see the module
    docstring)."""

    def __init__(
        self, write_soon: Callable[[Callable[[], Any]], Awaitable[Any]], write_connection: WriteConnection
    ) -> None:
        # the sandbox state's `write_soon` and `write_connection` (runtime.py), passed in: no import back
        self._write_soon, self._write_connection = write_soon, write_connection
        self._waiting: dict[asyncio.AbstractEventLoop, list[tuple[Row, Waiter]]] = {}
        self._writing: set[asyncio.Task[None]] = set()

    async def record(self, row: Row) -> bool | Exception:
        """Commit `row`, as `record_alone` answers: True, False when its msgid was processed already, or
        what failed.  A cancelled request still waits for the commit, as a real server finishes what it
        started."""
        loop = asyncio.get_running_loop()
        done: Waiter = loop.create_future()
        waiting = self._waiting.get(loop)
        if waiting is None:
            # the first row since the last batch: the batch is written once the loop has run what is
            # ready now, so the rows of every request answered meanwhile go into the same transaction
            waiting = self._waiting[loop] = []
            loop.call_soon(self._start_writing, loop)
        waiting.append((row, done))
        with anyio.CancelScope(shield=True):
            result = await done
        return result

    def _start_writing(self, loop: asyncio.AbstractEventLoop) -> None:
        task = loop.create_task(self._write(loop))
        self._writing.add(task)  # a task nothing refers to may be collected before it is done
        task.add_done_callback(self._writing.discard)

    async def _write(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._waiting.pop(loop)
        rows = [row for row, _ in batch]
        try:
            outcome = await self._write_soon(lambda: self._commit(rows))
            if outcome is None:
                # another process took one of the msgids between the look-up and the insert (a database
                # without SQLite's whole-file write lock): each row on its own
                outcome = []
                for row in rows:
                    alone = await self._write_soon(partial(self._commit, [row]))
                    outcome.append(False if alone is None else alone[0])
        except Exception as exc:
            outcome = [exc] * len(rows)
        for (_, done), result in zip(batch, outcome, strict=True):
            if not done.done():
                done.set_result(result)

    def _commit(self, rows: list[Row]) -> list[bool | Exception] | None:
        """`record_batch` in a write transaction of its own that does not wait for the lock (WriteBusy);
        None when a msgid turned out to be taken (nothing written)."""
        try:
            with self._write_connection(wait=False) as connection:
                return record_batch(connection, rows)
        except IntegrityError:
            return None
