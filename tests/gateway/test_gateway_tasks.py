"""Async tasks (spec §3.3) on the in-process executor: the shared task suite, files from 9102 answers,
catalogue syncs, and the claim that makes a task run once however many workers want it.

The same suite runs on a real Celery worker in test_gateway_celery.py; a restart after kill -9 is in
test_gateway_task_crash.py.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import anyio
import pytest
from gateway_support import (
    HOSPITAL,
    STRANGER,
    Gateway,
    check_batch_task_reports_progress,
    check_failed_task_answers_its_error,
    check_tasks_are_the_institutions_own,
    check_transaction_task_runs_once,
    person_query,
    sdk_for,
    task_done,
)

from medical_insurance_sdk.exceptions import BureauRefusalError, DataValidationError
from medical_insurance_sdk.gateway.services import tasks
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.database import Database


def test_a_transaction_task_runs_once(gateway: Gateway) -> None:
    check_transaction_task_runs_once(gateway)


def test_a_failed_task_answers_its_error(gateway: Gateway) -> None:
    check_failed_task_answers_its_error(gateway)


def test_a_batch_task_reports_progress_and_is_not_run_twice(gateway: Gateway) -> None:
    check_batch_task_reports_progress(gateway, "TASK-BATCH-1")


def test_tasks_are_the_institutions_own(gateway: Gateway) -> None:
    check_tasks_are_the_institutions_own(gateway)


def test_a_running_task_answers_202_until_its_result_is_there(gateway: Gateway) -> None:
    body = {"task_type": "catalog_sync", "task_data": {"catalogs": ["1301", "1302", "1303"]}}
    created = gateway.post("async/create-task", json=body)
    assert created.status_code == 202
    task_id = created.json()["data"]["task_id"]
    early = gateway.get(f"async/task-result/{task_id}")
    if early.status_code == 202:  # usually: three catalogues take a moment
        assert early.json()["data"]["result"] is None and early.json()["message"] == "任务处理中"
    status = task_done(gateway, task_id, timeout=60)
    assert status["status"] == "completed" and status["task_type"] == "catalog_sync"
    assert status["batch"]["success_count"] == 3
    result = gateway.ok("GET", f"async/task-result/{task_id}")["data"]["result"]
    assert result["operation_type"] == "catalog_download" and result["total_count"] == 3


def test_a_9102_task_keeps_the_file_for_file_download(gateway: Gateway) -> None:
    catalog = gateway.ok("POST", "catalog/drug-download", json={"ver": "0"})["data"]
    download = {
        "interface_type": "file_download",
        "data": {
            "file_qury_no": catalog["file_qury_no"],
            "filename": catalog["filename"],
            "fixmedins_code": "plc",  # a catalogue file is the bureau's own (reference §3)
        },
    }
    task_id = gateway.post(
        "async/create-task", json={"task_type": "transaction", "task_data": download}
    ).json()["data"]["task_id"]
    assert task_done(gateway, task_id)["status"] == "completed"
    stored = gateway.ok("GET", f"async/task-result/{task_id}")["data"]["result"]["file"]
    response = gateway.get(f"file/download/{stored['file_id']}")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert (
        response.headers["X-Checksum-SHA256"] == stored["sha256"] and len(response.content) == stored["size"]
    )


def test_an_unknown_task_type_or_transaction_is_refused(gateway: Gateway) -> None:
    kind = gateway.post("async/create-task", json={"task_type": "reboot"}).json()
    assert kind["error_code"] == 30003 and kind["data"]["errors"][0]["field"] == "task_type"
    missing = gateway.post("async/create-task", json={"task_type": "transaction", "task_data": {"data": {}}})
    assert missing.json()["error_code"] == 30002
    unknown = gateway.post(
        "async/create-task", json={"task_type": "transaction", "task_data": {"interface_type": "nope"}}
    )
    assert unknown.status_code == 404 and unknown.json()["error_code"] == 20001
    status = gateway.get("async/task-status/TASK00000000000000NOPE")
    assert status.status_code == 404 and status.json()["error_code"] == 30007


# ------------------------------------------------------------------------------------- the claim itself


def _stored_task(database: Database) -> tuple[int, str]:
    institution = add_institution(database, NewInstitution(code=HOSPITAL, name="演示医院", admdvs="430200"))
    body = {"task_type": "transaction", "task_data": {"interface_type": "1101", "data": {}}}
    accepted = tasks.create_task(database, institution.id, body, {}, allow=lambda permission: None)
    return institution.id, accepted.task_id


def test_of_many_workers_claiming_a_task_at_once_one_wins(any_db: Database) -> None:
    _, task_id = _stored_task(any_db)
    now = tasks.utcnow()
    barrier = threading.Barrier(8)
    won: list[str] = []

    def claim(worker: str) -> None:
        barrier.wait()
        if tasks.claim(any_db, task_id, worker, 60, now):
            won.append(worker)

    workers = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert len(won) == 1
    assert not tasks.claim(any_db, task_id, "late", 60, now + timedelta(seconds=59))  # the lease holds
    assert tasks.runnable(any_db, now + timedelta(seconds=30), limit=10) == []


def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(any_db: Database) -> None:
    institution_id, task_id = _stored_task(any_db)
    now = tasks.utcnow()
    assert tasks.claim(any_db, task_id, "crashed", 10, now)
    later = now + timedelta(seconds=11)
    assert tasks.runnable(any_db, later, limit=10) == [task_id]  # its worker died: somebody should run it
    assert tasks.claim(any_db, task_id, "heir", 10, later)
    assert not tasks.renew(any_db, task_id, "crashed", 10, later)
    row = tasks.find_task(any_db, institution_id, task_id)
    assert row.attempts == 2 and row.locked_by == "heir"
    assert not tasks.finish(any_db, row, "crashed", tasks.Ending("completed"), later)
    assert tasks.finish(any_db, row, "heir", tasks.Ending("completed", {"ok": True}), later)
    done = tasks.find_task(any_db, institution_id, task_id)
    assert (done.status, done.result, done.progress) == ("completed", {"ok": True}, 100)


# ------------------------------------------------------------------------------------ the Python SDK


def test_the_sdk_submits_a_batch_and_runs_tasks_through_the_gateway(gateway: Gateway) -> None:
    sdk = sdk_for(gateway)
    operations = [
        {"interface_type": "person_info", "data": person_query(2), "sequence": 1},
        {"interface_type": "person_info", "data": STRANGER, "sequence": 2},
    ]
    result = sdk.submit_batch(operations, batch_id="SDK-BATCH-1", stop_on_error=False)
    assert (result.success_count, result.total_count, result.failed_count) == (1, 2, 1)  # spec §11.2.1
    assert result.items[0].result.raw["baseinfo"]["certno"] == PERSONS[2].certno
    assert result.items[1].error_code == 50001 and not result.stopped_early
    again = sdk.submit_batch(operations[:1], batch_id="SDK-BATCH-1")  # the first run, not a second one
    assert again.total_count == 2
    assert sdk.batch_status("SDK-BATCH-1").data["status"] == "completed"

    task = sdk.create_task("transaction", interface_type="1101", data=person_query(3))
    assert task.status == "pending" and not task.finished
    done = sdk.wait_task(task.task_id, timeout=30, poll=0.1)
    assert done.status == "completed" and done.result["data"]["baseinfo"]["certno"] == PERSONS[3].certno
    failed = sdk.create_task("transaction", {"interface_type": "1101", "data": STRANGER})
    with pytest.raises(BureauRefusalError) as refused:
        sdk.wait_task(failed.task_id, timeout=30, poll=0.1)
    assert refused.value.code == 50001 and refused.value.infcode == -2
    with pytest.raises(DataValidationError) as missing:
        sdk.task_status("TASK00000000000000NOPE")
    assert missing.value.code == 30007


def test_the_async_sdk_has_the_same_methods(gateway: Gateway) -> None:
    sdk = sdk_for(gateway, asynchronous=True)

    async def run() -> Any:
        task = await sdk.create_task("transaction", interface_type="1101", data=person_query(4))
        done = await sdk.wait_task(task.task_id, timeout=30, poll=0.1)
        batch = await sdk.submit_batch(
            [{"interface_type": "1101", "data": person_query(5)}], batch_id="SDK-ASYNC-1"
        )
        await sdk.aclose()
        return done, batch

    done, batch = anyio.run(run)
    assert done.result["data"]["baseinfo"]["certno"] == PERSONS[4].certno
    assert (batch.success_count, batch.total_count) == (1, 1)


def test_the_sdk_queries_the_gateways_stored_data(gateway: Gateway) -> None:
    sdk = sdk_for(gateway)
    sdk.call("1101", person_query(6))
    answer = sdk.universal_query("call_log", page_size=5)
    assert isinstance(answer.data, list) and answer.pagination is not None and answer.pagination["total"] >= 1
