"""API5:2023 Broken function level authorization: one admission path for every way in (issue 14 §3).

Probes: a batch operation or an async task gets what a direct call of its transaction gets — the role
(§7.2), the institution's interface switch (404/20002), rate limits and concurrency (429/10004) — and its
results are read only with the permission of the transactions it holds (a data_analyst does not read an
admin's 1101 with certno and name).  Concurrency slots are the institution's own; the §6.2 limits that
were not enforced (query/universal and file_upload rates, course records, inventory rows, text length,
download size) are.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import (
    HOSPITAL,
    JSON,
    Gateway,
    as_pharmacy,
    batch_done,
    operations_gateway,
    person_query,
    task_done,
    wait_until,
)

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import PERSONS

PERSON_INFO = "basic/person-info"  # 1101: person_info:read, data_query, concurrency class query
UPLOAD = "batch/data-upload"
CREATE_TASK = "async/create-task"
SWITCHES = "config/interface-schema/batch"
FINISHED = ("completed", "failed")


def refused(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status and body["error_code"] == code, response.text
    assert body["success"] is False
    return body


def submit_batch(
    gateway: Gateway, batch_id: str, *inputs: dict[str, Any], role: str = "admin"
) -> dict[str, Any]:
    body = {
        "batch_id": batch_id,
        "operations": [{"interface_type": "person_info", "data": data} for data in inputs],
        "options": {"stop_on_error": False, "max_concurrent": len(inputs), "wait": 20},
    }
    response = gateway.post(UPLOAD, role, content=jsoncodec.dumps(body), headers=JSON)
    assert response.status_code in (200, 202), response.text
    return batch_done(gateway, batch_id, role)


def person_task(gateway: Gateway, index: int = 0, role: str = "admin") -> str:
    task = {
        "task_type": "transaction",
        "task_data": {"interface_type": "person_info", "data": person_query(index)},
    }
    response = gateway.post(CREATE_TASK, role, json=task)
    assert response.status_code == 202, response.text
    task_id: str = response.json()["data"]["task_id"]
    task_done(gateway, task_id)
    return task_id


def switch(gateway: Gateway, enabled: bool) -> None:
    entry = {"interface_type": "person_info", "enabled": enabled}
    assert gateway.request("PUT", SWITCHES, json={"interfaces": [entry]}).status_code == 200


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def switched_off(gateway: Gateway) -> Iterator[None]:
    """1101 switched off by the hospital's admin for the test, on again after it."""
    switch(gateway, False)
    try:
        yield
    finally:
        switch(gateway, True)


# ---------------------------------------------------------------------------------- reading results


def test_a_data_analyst_does_not_read_an_admins_1101_task_result(gateway: Gateway) -> None:
    task_id = person_task(gateway, 0)
    answer = gateway.get(f"async/task-result/{task_id}", "data_analyst")
    body = refused(answer, 403, 10009)
    assert PERSONS[0].certno not in answer.text and PERSONS[0].psn_name not in answer.text
    assert "person_info:read" in body["message"]
    mine = gateway.ok("GET", f"async/task-result/{task_id}")["data"]["result"]  # the admin still reads it
    assert mine["data"]["baseinfo"]["certno"] == PERSONS[0].certno


def test_a_data_analyst_does_not_read_the_operations_of_an_admins_1101_batch(gateway: Gateway) -> None:
    view = submit_batch(gateway, "API5-READ-1", person_query(1))
    assert view["success_count"] == 1
    answer = gateway.get("batch/status/API5-READ-1", "data_analyst")
    refused(answer, 403, 10009)
    assert PERSONS[1].certno not in answer.text and PERSONS[1].psn_name not in answer.text
    task = gateway.get(f"async/task-result/{view['task_id']}", "data_analyst")  # nor through its task
    refused(task, 403, 10009)


def test_a_data_analyst_reads_no_stored_1101_answers_through_the_universal_query(gateway: Gateway) -> None:
    gateway.ok("POST", PERSON_INFO, json=person_query(2))  # the admin's call, stored in both tables
    for kind in ("interface_data", "call_log"):
        body = {"query_type": kind, "filters": {"infno": "1101"}, "pagination": {"page_size": 100}}
        assert gateway.ok("POST", "query/universal", json=body)["pagination"]["total"] >= 1  # the admin's
        theirs = gateway.post("query/universal", "data_analyst", json=body)
        assert theirs.status_code == 200 and theirs.json()["pagination"]["total"] == 0, theirs.text
        everything = gateway.post("query/universal", "data_analyst", json={"query_type": kind})
        assert all(row["infno"] != "1101" for row in everything.json()["data"]), everything.text


# --------------------------------------------------------------------------------- interface switch


def test_a_switched_off_interface_is_refused_in_a_batch_per_operation(
    gateway: Gateway, switched_off: None
) -> None:
    refused(gateway.post(PERSON_INFO, json=person_query()), 404, 20002)  # as a direct call
    view = submit_batch(gateway, "API5-OFF-1", person_query(0), person_query(1))
    assert view["success_count"] == 0 and view["failed_count"] == 2
    assert {op["error_code"] for op in view["operations"]} == {20002}
    assert all(op["msgid"] is None for op in view["operations"])  # nothing reached the bureau
    gateway.ok("POST", PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway))  # not the pharmacy's


def test_a_switched_off_interface_is_refused_in_a_task(gateway: Gateway, switched_off: None) -> None:
    task = {
        "task_type": "transaction",
        "task_data": {"interface_type": "person_info", "data": person_query()},
    }
    task_id = gateway.post(CREATE_TASK, json=task).json()["data"]["task_id"]
    status = task_done(gateway, task_id)
    assert status["status"] == "failed" and status["error_code"] == 20002
    body = refused(gateway.get(f"async/task-result/{task_id}"), 404, 20002)
    assert body["data"]["result"]["msgid"] is None


# ------------------------------------------------------------------------------------ rate limits


def test_a_rate_limited_institution_gets_no_more_through_batches_and_tasks(
    database_url: str, data_dir: Path
) -> None:
    overrides = {"rate_limits_enabled": True, "rate_limits": {"per_institution": "3/hour"}}
    with operations_gateway(database_url, data_dir, **overrides) as gateway:
        for _ in range(3):
            gateway.ok("POST", PERSON_INFO, json=person_query())
        refused(gateway.post(PERSON_INFO, json=person_query()), 429, 10004)
        view = submit_batch(gateway, "API5-RATE-1", *(person_query(i % 3) for i in range(10)))
        assert view["success_count"] == 0 and view["failed_count"] == 10
        assert {op["error_code"] for op in view["operations"]} == {10004}
        task = {
            "task_type": "transaction",
            "task_data": {"interface_type": "person_info", "data": person_query()},
        }
        task_id = gateway.post(CREATE_TASK, json=task).json()["data"]["task_id"]
        status = task_done(gateway, task_id)
        assert status["status"] == "failed" and status["error_code"] == 10004
        gateway.ok("POST", PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway))  # its own count


def test_batch_operations_spend_the_institutions_quota(database_url: str, data_dir: Path) -> None:
    overrides = {"rate_limits_enabled": True, "rate_limits": {"per_institution": "3/hour"}}
    with operations_gateway(database_url, data_dir, **overrides) as gateway:
        view = submit_batch(gateway, "API5-RATE-2", person_query(0), person_query(1), person_query(2))
        assert view["success_count"] == 3
        refused(gateway.post(PERSON_INFO, json=person_query()), 429, 10004)


# ------------------------------------------------------------------------------------ concurrency


def _slow_1101(gateway: Gateway) -> None:
    rule = {"scope": "1101", "kind": "latency", "latency_ms": 500}
    gateway.client.post("/sandbox/admin/faults", json=rule, headers=gateway.headers()).raise_for_status()


def test_a_busy_institution_does_not_take_another_institutions_class_slot(
    database_url: str, data_dir: Path
) -> None:
    with operations_gateway(database_url, data_dir, concurrency_limits={"query": 1}) as gateway:
        _slow_1101(gateway)
        slots = gateway.state.extras["concurrency"]
        answers: list[httpx.Response] = []
        first = threading.Thread(
            target=lambda: answers.append(gateway.post(PERSON_INFO, json=person_query()))
        )
        first.start()
        try:
            wait_until(lambda: slots.in_use.get(f"concurrency:institution:{HOSPITAL}"), 10, "A's call")
            body = refused(gateway.post(PERSON_INFO, json=person_query(2)), 429, 10004)  # A's second
            assert "本机构 query 类接口的并发数（上限 1）已满" in body["message"]
            assert slots.in_use.get(f"concurrency:institution:{HOSPITAL}")  # A still busy
            # B's single call, admitted while A is busy: its own query slots, not A's
            gateway.ok("POST", PERSON_INFO, json=person_query(1), headers=as_pharmacy(gateway))
        finally:
            first.join(timeout=30)
        assert answers and answers[0].status_code == 200, answers


def test_batch_operations_hold_concurrency_slots_as_direct_calls_do(
    database_url: str, data_dir: Path
) -> None:
    with operations_gateway(database_url, data_dir, concurrency_limits={"query": 1}) as gateway:
        _slow_1101(gateway)
        view = submit_batch(gateway, "API5-SLOTS-1", person_query(0), person_query(1))
        outcomes = sorted((op["status"], op["error_code"]) for op in view["operations"])
        assert outcomes == [("failed", 10004), ("success", None)], view["operations"]


# ------------------------------------------------------------------------------------- §6.2 limits


def test_query_universal_is_rate_limited(database_url: str, data_dir: Path) -> None:
    overrides = {"rate_limits_enabled": True, "rate_limits": {"data_query": "2/hour"}}
    with operations_gateway(database_url, data_dir, **overrides) as gateway:
        for _ in range(2):
            gateway.ok("POST", "query/universal", json={"query_type": "call_log"})
        refused(gateway.post("query/universal", json={"query_type": "call_log"}), 429, 10004)


def test_file_upload_is_rate_limited_per_minute(database_url: str, data_dir: Path) -> None:
    overrides = {"rate_limits_enabled": True, "rate_limits": {"file_upload": "2/hour"}}
    with operations_gateway(database_url, data_dir, **overrides) as gateway:
        for index in range(2):
            response = gateway.post("file/upload", files={"file": (f"f{index}.csv", b"a,b\n1,2\n")})
            assert response.status_code == 201, response.text
        body = refused(gateway.post("file/upload", files={"file": ("f.csv", b"a,b\n1,2\n")}), 429, 10004)
        assert "file_upload" in body["message"]


def test_file_upload_is_counted_at_twenty_a_minute_by_default(database_url: str, data_dir: Path) -> None:
    with operations_gateway(database_url, data_dir, rate_limits_enabled=True) as gateway:
        for index in range(20):
            response = gateway.post("file/upload", files={"file": (f"f{index}.csv", b"a,b\n1,2\n")})
            assert response.status_code == 201, response.text
        refused(gateway.post("file/upload", files={"file": ("f.csv", b"a,b\n1,2\n")}), 429, 10004)


def _medical_record(course_records: int) -> dict[str, Any]:
    """A complete 4701 (its published table) with `course_records` rows as the spec's example names them."""
    record = sample_message(REGISTRY["4701"].request_nodes)
    record["adminfo"]["psn_no"] = PERSONS[0].psn_no
    row = {"dept_code": "001", "rcd_time": "2024-01-01 14:00:00", "cas_ftur": "胸痛"}
    return {**record, "course_records": [row] * course_records}


def test_more_than_100_course_records_are_refused(gateway: Gateway) -> None:
    path = "upload/electronic-medical-record"  # 4701
    body = refused(
        gateway.post(path, content=jsoncodec.dumps(_medical_record(101)), headers=JSON), 422, 30004
    )
    assert "course_records" in body["message"] and "100" in body["message"]
    assert gateway.post(path, content=jsoncodec.dumps(_medical_record(100)), headers=JSON).status_code != 422


def test_more_than_5000_inventory_rows_are_refused(gateway: Gateway) -> None:
    row = {"med_list_codg": "XJ01CAA040A001010100001", "fixmedins_hilist_id": "H1", "invdate": "2025-07-14"}
    path = "institution/inventory/stock-count-batch"
    batch = gateway.post(path, content=jsoncodec.dumps({"data": [row] * 5001}), headers=JSON)
    body = refused(batch, 422, 30004)
    assert "5000" in body["message"]


def test_a_text_over_10000_characters_is_refused(gateway: Gateway) -> None:
    body = refused(gateway.post(PERSON_INFO, json={**person_query(), "memo": "x" * 10_001}), 422, 30004)
    assert "10000" in body["message"]
    gateway.ok("POST", PERSON_INFO, json={**person_query(), "memo": "x" * 10_000})
    # in a batch operation too
    view = submit_batch(gateway, "API5-TEXT-1", {**person_query(), "memo": "x" * 10_001})
    assert [op["error_code"] for op in view["operations"]] == [30004]


def test_a_download_over_the_limit_is_refused(database_url: str, data_dir: Path) -> None:
    content = b"PK\x03\x04 sandbox reconciliation detail, more than 64 bytes of it: " + b"x" * 64
    upload = {"in": base64.b64encode(content).decode(), "filename": "detail.zip", "fixmedins_code": HOSPITAL}
    with operations_gateway(database_url, data_dir, download_max_bytes=64) as gateway:
        answer = gateway.ok("POST", "other/file-upload", json=upload)["data"]
        query = {"file_qury_no": answer["file_qury_no"], "filename": answer["filename"]}
        body = refused(gateway.get("other/file-download", params=query), 413, 40003)
        assert "MB" in body["message"] or "字节" in body["message"]
        task = {"task_type": "transaction", "task_data": {"interface_type": "file_download", "data": query}}
        task_id = gateway.post(CREATE_TASK, json=task).json()["data"]["task_id"]
        status = task_done(gateway, task_id)
        assert status["status"] == "failed" and status["error_code"] == 40003
