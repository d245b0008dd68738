"""Queries run without the sandbox's write lock on a file database; writes and msgid reuse stay exact.

The sandbox answers 1101 and other queries in a read session (no lock, WAL snapshot) and then records the
message row alone; settlements keep their state change and their `sbx_message` row in one transaction.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from bureau_harness import ZHANG_SAN, Bureau, assert_success, open_bureau, person_query
from sqlalchemy import func, select

from medical_insurance_sdk.protocol.jsoncodec import dumps, loads
from medical_insurance_sdk.sandbox.dispatch import handle_body
from medical_insurance_sdk.sandbox.state import Message

THREADS = 8


def _database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"


def _in_threads(work: Any, count: int = THREADS) -> list[Any]:
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _send(bureau: Bureau, message: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = loads(handle_body(bureau.state, dumps(message), {}).body)
    return answer


def test_file_database_reads_need_no_lock(tmp_path: Path) -> None:
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        assert bureau.state.concurrent_reads
        bureau.sign_in()
        with bureau.state.lock:  # a writer holds the lock: a query still gets its answer
            answer = _send(bureau, bureau.envelope("1101", person_query()))
        assert_success(answer)
        assert bureau.message_row(answer_msgid(bureau, answer)) is not None


def answer_msgid(bureau: Bureau, answer: dict[str, Any]) -> str:
    with bureau.state.transaction() as session:
        rows = session.scalars(select(Message).where(Message.infno == "1101")).all()
    assert len(rows) == 1 and rows[0].infcode == 0, answer
    return rows[0].msgid


def test_in_memory_database_keeps_the_lock(tmp_path: Path) -> None:
    with open_bureau(tmp_path) as bureau:
        assert not bureau.state.concurrent_reads


def test_concurrent_queries_are_each_answered_and_recorded(tmp_path: Path) -> None:
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        bureau.sign_in()
        messages = [[bureau.envelope("1101", person_query()) for _ in range(10)] for _ in range(THREADS)]
        answers = _in_threads(lambda i: [_send(bureau, m) for m in messages[i]])
        assert all(a["infcode"] == 0 for batch in answers for a in batch)
        assert {a["output"]["baseinfo"]["psn_no"] for batch in answers for a in batch} == {ZHANG_SAN.psn_no}
        with bureau.state.transaction() as session:
            recorded = session.scalar(select(func.count()).where(Message.infno == "1101"))
        assert recorded == THREADS * 10


@pytest.mark.parametrize("infno", ["1101", "2201"])
def test_one_msgid_sent_at_once_is_processed_once(tmp_path: Path, infno: str) -> None:
    with open_bureau(tmp_path, database_url=_database(tmp_path)) as bureau:
        bureau.sign_in()
        if infno == "1101":
            message = bureau.envelope("1101", person_query())
        else:
            message = bureau.envelope(
                "2201",
                {
                    "data": {
                        "psn_no": ZHANG_SAN.psn_no,
                        "insutype": ZHANG_SAN.insutype,
                        "begntime": "2025-07-14 09:30:00",
                        "mdtrt_cert_type": "02",
                        "mdtrt_cert_no": ZHANG_SAN.certno,
                        "ipt_otp_no": "MZ-RACE-1",
                        "atddr_no": "D001",
                        "dr_name": "王医生",
                        "dept_code": "A03",
                        "dept_name": "内科",
                        "caty": "A03",
                    }
                },
            )
        answers = _in_threads(lambda _: _send(bureau, dict(message)))
        outcomes = Counter("ok" if a["infcode"] == 0 else a["err_msg"].split("(")[0] for a in answers)
        assert outcomes["ok"] == 1, outcomes
        assert outcomes[f"报文ID重复: {message['msgid']}"] == THREADS - 1, outcomes
        assert bureau.message_row(message["msgid"]) is not None
