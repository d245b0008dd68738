"""The trigger queue's worker against a live gateway, on real PostgreSQL and MariaDB HIS databases.

Rows are put in the queue as a trigger would (test_db_install.py proves the triggers themselves); the worker
claims them with FOR UPDATE SKIP LOCKED and writes every outcome back to medical_insurance_result.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from integrate_support import (
    LiveGateway,
    add_fault,
    bureau_messages,
    clear_faults,
    live_gateway,
    person_query,
    registration,
    sdk_env,
)

from medical_insurance_sdk.integrate.dbqueue.database import connect
from medical_insurance_sdk.integrate.dbqueue.tables import metadata, queue, result
from medical_insurance_sdk.integrate.dbqueue.worker import QueueWorker, WorkerSettings, utc_now
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.sdk import MedicalInsuranceSDK


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    # a short bureau timeout and hang, and a sweeper: unknown outcomes are resolved while the tests wait
    with live_gateway(
        tmp_path_factory.mktemp("dbqueue-gateway"),
        hang_s=3.0,
        bureau_timeout_s=1.0,
        bureau_processing_window_s=0.3,
        sweeper_interval_s=0.5,
    ) as gateway:
        yield gateway


@pytest.fixture
def his(his_database: str) -> Iterator[sa.Engine]:
    engine = connect(his_database, pool_size=4)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sdk(gateway: LiveGateway) -> Iterator[MedicalInsuranceSDK]:
    env = sdk_env(gateway, MEDICAL_INSURANCE_MAX_RETRIES="1")
    with MedicalInsuranceSDK(env=env) as client:
        yield client


def enqueue(engine: sa.Engine, interface_type: str, data: Any, group_key: str | None = None) -> int:
    text = data if isinstance(data, str) else jsoncodec.dumps(data).decode("utf-8")
    with engine.begin() as conn:
        inserted = conn.execute(
            queue.insert().values(interface_type=interface_type, data_json=text, group_key=group_key)
        )
        key = inserted.inserted_primary_key
        assert key is not None
        return int(key[0])


def results(engine: sa.Engine) -> dict[int, Any]:
    with engine.connect() as conn:
        return {r.queue_id: r for r in conn.execute(sa.select(result))}


def statuses(engine: sa.Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return {r.id: r.status for r in conn.execute(sa.select(queue.c.id, queue.c.status))}


def worker(
    his: sa.Engine, sdk: MedicalInsuranceSDK, clock: Callable[[], datetime] = utc_now, **settings: Any
) -> QueueWorker:
    # every test's HIS database is new and its ids start at 1: a queue name of its own keeps keys apart
    name = f"his-{secrets.token_hex(4)}"
    return QueueWorker(his, sdk, WorkerSettings(queue_name=name, **settings), clock=clock)


def test_each_row_is_answered_in_the_result_table(his: sa.Engine, sdk: MedicalInsuranceSDK) -> None:
    visit = f"MZQ{datetime.now():%H%M%S%f}"
    person = enqueue(his, "person_info", person_query(0))
    register = enqueue(his, "2201", registration(1, visit))
    unreadable = enqueue(his, "outpatient_register", "{not json")
    unknown_type = enqueue(his, "outpatient_teleport", {})
    invalid = enqueue(his, "outpatient_register", {"psn_no": PERSONS[1].psn_no})

    assert worker(his, sdk).drain() == 5

    answers = results(his)
    assert answers[person].status == "success" and answers[person].infno == "1101"
    assert jsoncodec.loads(answers[person].result_json)["data"]["baseinfo"]["psn_name"] == PERSONS[0].psn_name
    assert answers[register].status == "success" and answers[register].msgid
    assert jsoncodec.loads(answers[register].result_json)["data"]["data"]["mdtrt_id"]
    assert (answers[unreadable].status, answers[unreadable].error_code) == ("failed", 10002)
    assert (answers[unknown_type].status, answers[unknown_type].error_code) == ("failed", 20001)
    assert "不支持的接口类型" in answers[unknown_type].error_message
    assert (answers[invalid].status, answers[invalid].error_code) == ("failed", 30002)
    fields = {e["field"] for e in jsoncodec.loads(answers[invalid].result_json)["data"]["errors"]}
    assert "data.insutype" in fields
    assert statuses(his) == {
        person: "done",
        register: "done",
        unreadable: "failed",
        unknown_type: "failed",
        invalid: "failed",
    }


def test_locked_rows_and_their_group_are_passed_over(his: sa.Engine, sdk: MedicalInsuranceSDK) -> None:
    first = enqueue(his, "person_info", person_query(0), group_key="visit-A")
    second = enqueue(his, "person_info", person_query(0), group_key="visit-A")
    other = enqueue(his, "person_info", person_query(2), group_key="visit-B")
    busy = worker(his, sdk)
    holder = his.connect()
    try:
        transaction = holder.begin()
        # another worker holds the first row of visit A, as during its bureau call
        locked = holder.execute(sa.select(queue.c.id).where(queue.c.id == first).with_for_update()).scalar()
        assert locked == first
        assert busy.process_one() is True  # visit B's row: visit A's second waits for its first
        assert set(results(his)) == {other}
        assert busy.process_one() is False
        transaction.rollback()
    finally:
        holder.close()
    assert busy.drain() == 2
    assert set(results(his)) == {first, second, other}


def test_an_unknown_outcome_is_written_back_and_resolved_without_resending(
    his: sa.Engine, sdk: MedicalInsuranceSDK, gateway: LiveGateway
) -> None:
    visit = f"MZU{datetime.now():%H%M%S%f}"
    row = enqueue(his, "outpatient_register", registration(4, visit))
    # the bureau registers the visit but the answer is lost, and its confirm query fails for a while
    add_fault(gateway, scope="2201", kind="timeout_after", count=1)
    add_fault(gateway, scope="5201", kind="http_5xx")
    now = [utc_now()]
    waiting = worker(his, sdk, clock=lambda: now[0], unknown_recheck_s=5)
    try:
        assert waiting.drain() == 1
        answer = results(his)[row]
        assert answer.status == "unknown" and answer.error_code == 20005 and answer.msgid
        assert jsoncodec.loads(answer.result_json)["data"] == {"msgid": answer.msgid, "outcome": "unknown"}
        assert statuses(his)[row] == "unknown"
        assert waiting.drain() == 0  # not due yet
    finally:
        clear_faults(gateway)

    def registered() -> bool:
        now[0] += timedelta(seconds=6)
        waiting.drain()
        return results(his)[row].status == "success"

    stop = threading.Event()
    for _ in range(100):
        if registered():
            break
        stop.wait(0.3)
    final = results(his)[row]
    assert final.status == "success", final
    assert statuses(his)[row] == "done"
    sent = [m for m in bureau_messages(gateway, "2201") if m["input"]["data"]["ipt_otp_no"] == visit]
    assert len(sent) == 1 and sent[0]["msgid"] == final.msgid


def test_a_gateway_that_is_down_is_retried_later(his: sa.Engine, tmp_path: Path) -> None:
    row = enqueue(his, "person_info", person_query(0))
    env = {
        "MEDICAL_INSURANCE_API_URL": "http://127.0.0.1:9/api/v1/medical-insurance/",  # nothing listens
        "MEDICAL_INSURANCE_API_KEY": "k",
        "MEDICAL_INSURANCE_INSTITUTION_CODE": "H43028110001",
        "MEDICAL_INSURANCE_MAX_RETRIES": "1",
    }
    with MedicalInsuranceSDK(env=env) as down:
        assert worker(his, down).drain() == 1
    answer = results(his)[row]
    assert answer.status == "retry" and answer.error_code is not None
    with his.connect() as conn:
        waiting = conn.execute(sa.select(queue).where(queue.c.id == row)).one()
    assert waiting.status == "retry" and waiting.attempts == 1
    assert waiting.next_attempt_at > utc_now() - timedelta(seconds=1)
