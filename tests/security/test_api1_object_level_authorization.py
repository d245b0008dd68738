"""API1:2023 Broken object level authorization: an institution reaches only its own files (issue 14 §4).

The bureau's file service (9101 upload, 9102 download) keeps each institution's files under its
fixmedins_code, which its input carries: the gateway sets that field to the caller's own code and refuses
another institution's (403 + 10007), on direct calls, batches and tasks alike.  The gateway's own stored
files (file/upload, file/download/{file_id}, file/parse) are found only by their owner (404 + 40001).
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
from gateway_support import HOSPITAL, PHARMACY, Gateway, as_pharmacy, batch_done, wait_until

CONTENT = b"PK\x03\x04 hospital A's reconciliation detail"


def refused(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False and body["error_code"] == code
    return body


def bureau_upload(gateway: Gateway, content: bytes = CONTENT, **kw: Any) -> dict[str, Any]:
    """A 9101 upload as the demo hospital; the bureau's answer (file_qury_no, filename)."""
    upload = {
        "in": base64.b64encode(content).decode(),
        "filename": "对账明细.zip",
        "fixmedins_code": HOSPITAL,
    }
    data: dict[str, Any] = gateway.ok("POST", "other/file-upload", "hospital_operator", json=upload)["data"]
    return data


def test_another_institution_cannot_download_a_bureau_file_with_its_code(gateway: Gateway) -> None:
    theirs = bureau_upload(gateway)
    query = {
        "file_qury_no": theirs["file_qury_no"],
        "filename": theirs["filename"],
        "fixmedins_code": HOSPITAL,
    }
    response = gateway.get("other/file-download", params=query, headers=as_pharmacy(gateway))
    body = refused(response, 403, 10007)
    assert "fixmedins_code" in body["message"]
    assert CONTENT not in response.content


def test_with_its_own_code_another_institution_finds_no_such_file(gateway: Gateway) -> None:
    theirs = bureau_upload(gateway)
    query = {
        "file_qury_no": theirs["file_qury_no"],
        "filename": theirs["filename"],
        "fixmedins_code": PHARMACY,
    }
    response = gateway.get("other/file-download", params=query, headers=as_pharmacy(gateway))
    assert response.status_code >= 400 and CONTENT not in response.content
    without_code = {"file_qury_no": theirs["file_qury_no"], "filename": theirs["filename"]}
    response = gateway.get("other/file-download", params=without_code, headers=as_pharmacy(gateway))
    assert response.status_code >= 400 and CONTENT not in response.content


def test_the_owner_downloads_its_file_with_or_without_naming_itself(gateway: Gateway) -> None:
    mine = bureau_upload(gateway)
    for query in (
        {"file_qury_no": mine["file_qury_no"], "filename": mine["filename"], "fixmedins_code": HOSPITAL},
        {"file_qury_no": mine["file_qury_no"], "filename": mine["filename"]},  # filled in by the gateway
    ):
        response = gateway.get("other/file-download", "hospital_operator", params=query)
        assert response.status_code == 200 and response.content == CONTENT


def test_nobody_uploads_into_another_institutions_files(gateway: Gateway) -> None:
    upload = {
        "in": base64.b64encode(b"PK\x03\x04 planted").decode(),
        "filename": "x.zip",
        "fixmedins_code": HOSPITAL,
    }
    refused(gateway.post("other/file-upload", json=upload, headers=as_pharmacy(gateway)), 403, 10007)


def test_a_batch_cannot_download_another_institutions_bureau_file(gateway: Gateway) -> None:
    theirs = bureau_upload(gateway)
    query = {
        "file_qury_no": theirs["file_qury_no"],
        "filename": theirs["filename"],
        "fixmedins_code": HOSPITAL,
    }
    operation = {"interface_type": "file_download", "data": query, "sequence": 1}
    body = {"batch_id": "API1-9102", "operations": [operation], "options": {"wait": 20}}
    done = gateway.post("batch/data-upload", json=body, headers=as_pharmacy(gateway))
    assert done.status_code == 200, done.text
    batch = batch_done(gateway, "API1-9102", headers=as_pharmacy(gateway))
    assert (batch["success_count"], batch["failed_count"]) == (0, 1), batch
    assert batch["operations"][0]["error_code"] == 10007


def test_a_task_cannot_download_another_institutions_bureau_file(gateway: Gateway) -> None:
    theirs = bureau_upload(gateway)
    query = {
        "file_qury_no": theirs["file_qury_no"],
        "filename": theirs["filename"],
        "fixmedins_code": HOSPITAL,
    }
    created = gateway.post(
        "async/create-task",
        json={"task_type": "transaction", "task_data": {"interface_type": "file_download", "data": query}},
        headers=as_pharmacy(gateway),
    )
    assert created.status_code == 202, created.text
    task_id = created.json()["data"]["task_id"]
    status = task_status(gateway, task_id)
    assert status["status"] == "failed", status
    result = gateway.get(f"async/task-result/{task_id}", headers=as_pharmacy(gateway))
    assert CONTENT not in result.content and "10007" in result.text, result.text


def task_status(gateway: Gateway, task_id: str) -> dict[str, Any]:
    headers = as_pharmacy(gateway)

    def finished() -> dict[str, Any] | None:
        data: dict[str, Any] = gateway.get(f"async/task-status/{task_id}", headers=headers).json()["data"]
        return data if data["status"] in ("completed", "failed") else None

    result: dict[str, Any] = wait_until(finished, 30.0, f"task {task_id}")
    return result


def test_gateway_files_are_found_only_by_their_owner(gateway: Gateway) -> None:
    stored = gateway.post("file/upload", files={"file": ("mine.csv", b"a,b\n1,2\n")})
    assert stored.status_code == 201, stored.text
    file_id = stored.json()["data"]["file_id"]
    theirs = as_pharmacy(gateway)
    refused(gateway.get(f"file/download/{file_id}", headers=theirs), 404, 40001)
    refused(gateway.post("file/parse", json={"file_id": file_id}, headers=theirs), 404, 40001)
    assert gateway.get(f"file/download/{file_id}").status_code == 200


def test_the_platforms_catalogue_files_stay_everyones_but_plc_opens_no_hospital_file(
    gateway: Gateway,
) -> None:
    catalog = gateway.ok("POST", "catalog/drug-download", json={"ver": "0"}, headers=as_pharmacy(gateway))[
        "data"
    ]
    public = {
        "file_qury_no": catalog["file_qury_no"],
        "filename": catalog["filename"],
        "fixmedins_code": "plc",
    }
    response = gateway.get("other/file-download", params=public, headers=as_pharmacy(gateway))
    assert response.status_code == 200 and response.content[:2] == b"PK"  # reference §3: 9102 names "plc"
    theirs = bureau_upload(gateway)
    query = {"file_qury_no": theirs["file_qury_no"], "filename": theirs["filename"], "fixmedins_code": "plc"}
    response = gateway.get("other/file-download", params=query, headers=as_pharmacy(gateway))
    assert response.status_code >= 400 and CONTENT not in response.content


def test_plc_is_no_upload_target(gateway: Gateway) -> None:
    upload = {
        "in": base64.b64encode(b"PK\x03\x04 planted").decode(),
        "filename": "x.zip",
        "fixmedins_code": "plc",
    }
    refused(gateway.post("other/file-upload", json=upload), 403, 10007)
