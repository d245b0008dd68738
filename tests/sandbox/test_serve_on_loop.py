"""The app answers on its event loop (`dispatch.serve_message`), on a file database as the benchmarks and
`yibao sandbox` run it: queries are answered there and their ledger rows committed together; writes wait
for the write lock without blocking the loop (behind a worker thread of this process, or behind another
process holding SQLite's lock), and every message is processed once.

Messages go concurrently through the async in-process transport; "another process" is a second sandbox
app on the same file, or a plain SQLite connection holding the write lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from bureau_harness import ZHANG_SAN, Bureau, assert_failure, assert_success, open_bureau, person_query
from handlers_support import LI_NA, registration
from sqlalchemy import func, select

from medical_insurance_sdk.protocol.jsoncodec import dumps, loads
from medical_insurance_sdk.sandbox.app import DISPATCHER_PATH, create_sandbox_app
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.state import Message
from medical_insurance_sdk.sandbox.transport import SandboxTransport

HELD_S = 0.4  # how long another holder keeps the write lock


def _database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"


async def _post(client: httpx.AsyncClient, message: Mapping[str, Any]) -> dict[str, Any]:
    response = await client.post(
        DISPATCHER_PATH, content=dumps(message), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = loads(response.content)
    return answer


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=SandboxTransport(app), base_url="http://sandbox.test", timeout=30)


def _send_at_once(app: Any, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All `messages` sent concurrently to `app`; the answers in the same order."""

    async def go() -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = [{}] * len(messages)
        async with _client(app) as client, anyio.create_task_group() as group:
            for index, message in enumerate(messages):

                async def one(index: int = index, message: dict[str, Any] = message) -> None:
                    answers[index] = await _post(client, message)

                group.start_soon(one)
        return answers

    return anyio.run(go)


def _recorded(bureau: Bureau, msgids: list[str]) -> int:
    with bureau.state.transaction() as session:
        count: int = session.scalar(select(func.count()).where(Message.msgid.in_(msgids))) or 0
    return count


def test_concurrent_queries_are_answered_and_each_recorded_once(tmp_path: Path) -> None:
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        bureau.sign_in()
        messages = [bureau.envelope("1101", person_query()) for _ in range(40)]
        answers = _send_at_once(bureau.app, messages)
        assert {assert_success(a)["baseinfo"]["psn_no"] for a in answers} == {ZHANG_SAN.psn_no}
        assert _recorded(bureau, [m["msgid"] for m in messages]) == 40


@pytest.mark.parametrize("infno", ["1101", "2201"])
def test_one_msgid_sent_at_once_is_processed_once(tmp_path: Path, infno: str) -> None:
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        bureau.sign_in()
        input_ = person_query() if infno == "1101" else registration(LI_NA, "MZ-ONCE-1")
        message = bureau.envelope(infno, input_)
        answers = _send_at_once(bureau.app, [dict(message) for _ in range(8)])
        outcomes = Counter("ok" if a["infcode"] == 0 else a["err_msg"].split("(")[0] for a in answers)
        assert outcomes == {"ok": 1, f"报文ID重复: {message['msgid']}": 7}, outcomes
        assert _recorded(bureau, [message["msgid"]]) == 1


def test_a_write_waits_for_another_process_without_blocking_the_loop(tmp_path: Path) -> None:
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        bureau.sign_in()
        other = sqlite3.connect(tmp_path / "sandbox.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing
        write = bureau.envelope("2201", registration(LI_NA, "MZ-WAIT-1"))
        rejected = bureau.envelope("1101", person_query(), opter="")  # check 3: no database needed

        async def go() -> tuple[dict[str, Any], dict[str, Any], bool]:
            async with _client(bureau.app) as client, anyio.create_task_group() as group:
                written: dict[str, Any] = {}

                async def send_write() -> None:
                    written.update(await _post(client, write))

                group.start_soon(send_write)
                await anyio.sleep(HELD_S / 4)
                answered_meanwhile = await _post(client, rejected)
                waited = not written  # the write is still waiting for the lock
                await anyio.sleep(HELD_S)
                other.execute("COMMIT")
            return written, answered_meanwhile, waited

        try:
            written, answered_meanwhile, waited = anyio.run(go)
        finally:
            other.close()
        assert waited
        assert_failure(answered_meanwhile, "opter")
        assert_success(written)
        assert bureau.message_row(write["msgid"]) is not None


def test_a_write_waits_for_a_worker_thread_of_its_own_process(tmp_path: Path) -> None:
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        bureau.sign_in()
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with bureau.state.lock:  # as the admin API or a file transaction does
                held.set()
                release.wait(10)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(10)
        threading.Timer(HELD_S, release.set).start()
        try:
            answers = _send_at_once(
                bureau.app,
                [bureau.envelope("2201", registration(LI_NA, f"MZ-THREAD-{n}")) for n in range(3)],
            )
        finally:
            release.set()
            holder.join(10)
        assert len({assert_success(a)["data"]["mdtrt_id"] for a in answers}) == 3


def test_two_sandboxes_on_one_file_take_turns(tmp_path: Path) -> None:
    """Two apps on one database file, as `_serve.py --workers 2` runs them: every registration of both,
    sent at once, is processed and recorded."""
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        bureau.sign_in()
        second = create_sandbox_app(
            SandboxSettings(file_dir=tmp_path / "files2", database_url=_database(tmp_path))
        )
        try:
            messages = [bureau.envelope("2201", registration(LI_NA, f"MZ-TURN-{n}")) for n in range(24)]

            async def go() -> list[dict[str, Any]]:
                answers: list[dict[str, Any]] = [{}] * len(messages)
                async with (
                    _client(bureau.app) as first_client,
                    _client(second) as second_client,
                    anyio.create_task_group() as group,
                ):
                    for index, message in enumerate(messages):
                        client = first_client if index % 2 else second_client

                        async def one(
                            index: int = index, message: dict[str, Any] = message, client: Any = client
                        ) -> None:
                            answers[index] = await _post(client, message)

                        group.start_soon(one)
                return answers

            answers = anyio.run(go)
        finally:
            second.state.sandbox.close()
        assert len({assert_success(a)["data"]["mdtrt_id"] for a in answers}) == 24
        assert _recorded(bureau, [m["msgid"] for m in messages]) == 24
