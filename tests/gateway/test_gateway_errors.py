"""Errors in the common format with the table's HTTP status: request, validation, routing, bureau outcomes.

Faults are injected through the embedded sandbox's admin API, served by the gateway at /sandbox/admin/
(with the gateway's admin key).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gateway_support import HOSPITAL, JSON, Gateway, person_query, ready_to_settle
from sqlalchemy import select

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.models import LedgerEntry

REGISTER = "business/outpatient/register"  # 2201, one node "data"


def failure(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status, response.text
    assert body["success"] is False and body["error_code"] == code and body["error"]["code"] == code
    assert body["message"] == body["error"]["message"]
    return body


# ------------------------------------------------------------------------------------------ the request


def test_malformed_json_is_400_10002(gateway: Gateway) -> None:
    body = failure(gateway.post(REGISTER, content=b'{"psn_no": ', headers=JSON), 400, 10002)
    assert body["data"] is None
    assert body["interface_info"]["infno"] == "2201"


def test_a_body_that_is_no_object_is_400_10002(gateway: Gateway) -> None:
    failure(gateway.post(REGISTER, content=b'"psn_no"', headers=JSON), 400, 10002)


def test_validation_names_every_field_with_its_code(gateway: Gateway) -> None:
    bad = {
        "psn_no": "4" * 31,  # C30
        "insutype": "999",  # not in the insutype dictionary
        "begntime": "2025-07-14 09:30:00",
        "mdtrt_cert_type": "02",
        # mdtrt_cert_no, ipt_otp_no, atddr_no, dr_name, dept_code, dept_name, caty missing
    }
    response = gateway.post(REGISTER, json=bad)
    body = failure(response, 422, 30010)
    errors = {e["field"]: e["code"] for e in body["data"]["errors"]}
    assert errors["data.psn_no"] == 30004
    assert errors["data.insutype"] == 30003
    for name in ("mdtrt_cert_no", "ipt_otp_no", "atddr_no", "dr_name", "dept_code", "dept_name", "caty"):
        assert errors[f"data.{name}"] == 30002
    assert all(e["message"].startswith(f"{e['code']} - ") for e in body["data"]["errors"])
    # each problem once, in data.errors; message (and error.message) a summary naming the first fields
    assert "errors" not in body["error"]
    assert response.text.count("必填字段缺失: data.dr_name") == 1
    assert body["message"].startswith("数据验证失败: 9 个字段（data.") and body["message"].endswith(
        " 等），见 data.errors"
    )
    insutype = next(e["message"] for e in body["data"]["errors"] if e["field"] == "data.insutype")
    assert (
        "取值 999 不在字典 insutype 中，可选: 310 职工基本医疗保险、" in insutype
        and "510 生育保险" in insutype
    )


def test_a_single_kind_of_problem_carries_its_own_code(gateway: Gateway) -> None:
    sample = sample_message(REGISTRY["2201"].request_nodes)["data"]
    body = failure(gateway.post(REGISTER, json={**sample, "psn_no": ""}), 422, 30002)
    assert body["data"]["errors"] == [
        {"code": 30002, "field": "data.psn_no", "message": "30002 - 必填字段缺失: data.psn_no"}
    ]
    assert body["message"] == "必填字段缺失: data.psn_no"  # one problem: said whole


def test_a_flat_body_for_several_nodes_is_30001_naming_them(gateway: Gateway) -> None:
    body = failure(gateway.post("business/outpatient/visit-upload", json={"mdtrt_id": "M1"}), 422, 30001)
    assert [e["field"] for e in body["data"]["errors"]] == ["mdtrtinfo", "diseinfo"]


VIRTUAL_TRACE_CODE = "institution/inventory/virtual-trace-code"  # 3592B


def test_an_empty_body_for_a_transaction_without_field_list_is_30001(gateway: Gateway) -> None:
    # 4402A and 3592B have no public field table: {} names no field and no node, it never reaches the bureau
    for path in ("upload/inpatient-medical-order-with-doctor", VIRTUAL_TRACE_CODE):
        assert not any(n.fields for n in REGISTRY.by_route("POST", path).request_nodes), path
        body = failure(gateway.post(path, json={}), 422, 30001)
        assert body["data"]["errors"] == [
            {"code": 30001, "field": "data", "message": "30001 - 数据节点缺失: data"}
        ]


def test_a_node_without_field_list_must_be_an_object_or_a_list_of_objects(gateway: Gateway) -> None:
    bad = {"data": [{"fixmedins_bchno": "B1"}, "B2"]}
    body = failure(gateway.post(VIRTUAL_TRACE_CODE, json=bad), 422, 30003)
    assert body["data"]["errors"] == [
        {
            "code": 30003,
            "field": "data",
            "message": "30003 - 字段格式错误: data (应为对象或对象数组)",
        }
    ]


def test_a_file_upload_without_its_data_is_422_not_a_bureau_error(gateway: Gateway) -> None:
    # found by the fuzz: "in": null passed the gateway, was dropped, and the bureau's -1 refusal was a 502
    upload = {"filename": "plc_1309_000000_000002.zip", "fixmedins_code": HOSPITAL, "in": None}
    body = failure(gateway.post("other/file-upload", json=upload), 422, 30002)
    assert [e["field"] for e in body["data"]["errors"]] == ["fsUploadIn.in"]


def test_query_parameters_are_validated_too(gateway: Gateway) -> None:
    body = failure(gateway.get("query/settlement-info", params={"psn_no": "P1"}), 422, 30002)
    assert {e["field"] for e in body["data"]["errors"]} == {"data.setl_id", "data.mdtrt_id"}


# ------------------------------------------------------------------------------------------ routing


def test_an_unknown_route_is_404_20001(gateway: Gateway) -> None:
    body = failure(gateway.get("basic/no-such-interface"), 404, 20001)
    assert body["interface_info"] is None and body["timestamp"].endswith("Z")


def test_a_wrong_method_is_405_20001(gateway: Gateway) -> None:
    body = failure(gateway.get(REGISTER), 405, 20001)
    assert "GET" in body["message"]


def test_the_request_id_of_the_client_is_kept(gateway: Gateway) -> None:
    response = gateway.get("basic/no-such-interface", headers={"X-Request-ID": "HIS-20250714-0001"})
    assert response.json()["request_id"] == "HIS-20250714-0001"
    assert response.headers["X-Request-ID"] == "HIS-20250714-0001"


# ------------------------------------------------------------------------------------------ the bureau


@pytest.fixture
def faults(gateway: Gateway) -> Iterator[httpx.Client]:
    """The sandbox's fault API through the gateway; every rule is removed afterwards."""
    yield gateway.client
    gateway.client.delete("/sandbox/admin/faults", headers=gateway.headers("admin")).raise_for_status()


def add_fault(gateway: Gateway, **rule: Any) -> None:
    admin = gateway.headers("admin")
    gateway.client.post("/sandbox/admin/faults", json=rule, headers=admin).raise_for_status()


def ledger_entry(gateway: Gateway, msgid: str) -> LedgerEntry:
    with gateway.state.database.session() as session:
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.msgid == msgid))
        assert entry is not None
        return entry


def test_a_bureau_refusal_answers_the_bureau_message(gateway: Gateway) -> None:
    # infcode -2 is the bureau's business verdict: a 4xx with the 5000x code its text names, not a 502
    stranger = {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199003070012", "psn_cert_type": "01"}
    body = failure(gateway.post("basic/person-info", json=stranger), 404, 50001)
    assert body["message"] and "(" not in body["message"]  # the bureau's words, trace suffix split off
    assert body["interface_info"]["msgid"].startswith(HOSPITAL)
    assert (body["error"]["infcode"], body["error"]["kind"], body["error"]["retry"]) == (
        -2,
        "business",
        False,
    )
    assert body["data"] is None


def test_settling_twice_is_409_50008(gateway: Gateway) -> None:
    settle = ready_to_settle(gateway, PERSONS[4])
    first = gateway.post("business/outpatient/settle", content=jsoncodec.dumps(settle), headers=JSON)
    assert first.status_code == 200, first.text
    again = gateway.post("business/outpatient/settle", content=jsoncodec.dumps(settle), headers=JSON)
    body = failure(again, 409, 50008)
    assert "重复结算" in body["message"] and body["error"]["infcode"] == -2
    assert ledger_entry(gateway, body["interface_info"]["msgid"]).state == "FAILED"  # nothing took effect


def test_a_bureau_system_failure_stays_502_20006(gateway: Gateway, faults: httpx.Client) -> None:
    # -1 leaves the outcome unknown, so even a text that reads like a business verdict stays 20006
    add_fault(gateway, scope="1101", kind="infcode_error", err_msg="人员信息不存在")
    body = failure(gateway.post("basic/person-info", json=person_query(0)), 502, 20006)
    assert (body["error"]["infcode"], body["error"]["kind"]) == (-1, "system")
    assert body["message"] == "人员信息不存在"


def test_a_bureau_timeout_is_504_20005_and_never_success(gateway: Gateway, faults: httpx.Client) -> None:
    add_fault(gateway, scope="4301", kind="timeout_before", count=1)
    sample = sample_message(REGISTRY["4301"].request_nodes)
    response = gateway.post(
        "upload/outpatient-treatment-record", content=jsoncodec.dumps(sample), headers=JSON
    )
    body = failure(response, 504, 20005)
    msgid = body["data"]["msgid"]
    assert body["data"] == {"msgid": msgid, "outcome": "unknown"}
    assert body["interface_info"]["msgid"] == msgid
    assert ledger_entry(gateway, msgid).state == "UNKNOWN"


def test_an_unknown_money_outcome_answers_msgid_and_reversed(gateway: Gateway, faults: httpx.Client) -> None:
    settle = ready_to_settle(gateway, PERSONS[2])
    add_fault(gateway, scope="2207", kind="timeout_after", count=1)  # the bureau settles, the answer is lost
    response = gateway.post("business/outpatient/settle", content=jsoncodec.dumps(settle), headers=JSON)
    body = failure(response, 504, 20005)
    msgid = body["data"]["msgid"]
    assert body["data"] == {"msgid": msgid, "outcome": "reversed"}
    assert body["error"]["outcome"] == "reversed" and body["error"]["retry"] is False
    assert msgid in body["message"] and "冲正" in body["message"]
    assert ledger_entry(gateway, msgid).state == "REVERSED"

    admin = gateway.headers("admin")
    ledger = gateway.client.get(
        "/sandbox/admin/ledger", params={"infno": "2207", "limit": 5}, headers=admin
    ).json()
    original = next(m for m in ledger if m["msgid"] == msgid)
    assert original["infcode"] == 0 and original["reversed_by"]  # settled at the bureau, then undone

    retried = gateway.post("business/outpatient/settle", content=jsoncodec.dumps(settle), headers=JSON)
    assert retried.status_code == 200 and retried.json()["success"] is True  # the visit can be settled again


def test_the_embedded_sandbox_pages_are_served(gateway: Gateway) -> None:
    page = gateway.client.get("/sandbox/", headers=gateway.headers("admin"))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    persons = gateway.client.get("/sandbox/admin/persons", headers=gateway.headers("admin")).json()
    assert persons[0]["certno"] == PERSONS[0].certno
    # the bureau's own endpoints stay inside: the engine reaches them through its transport only
    assert gateway.client.post("/fsi/api/rsfComIfsService/callService", json={}).status_code == 404
