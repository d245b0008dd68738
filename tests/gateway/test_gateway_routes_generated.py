"""Every registry route, called once through the gateway to the embedded sandbox, answers in the spec's shape.

One case per route (207: 3603 has PUT and DELETE), with the registry's sample input: node form in the body,
or the single node's fields as query parameters for GET.  The sandbox may refuse a sample for a business
reason (no such visit …); then the answer is a failure with a table code and a Chinese message.  Never a 500.
Then the outpatient flow 1101 → 2201 → 2203 → 2204 → 2206 → 2207 with a real sandbox person.
"""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from gateway_support import (
    HOSPITAL,
    JSON,
    Gateway,
    pre_settle,
    register_visit,
    upload_fees,
    upload_visit,
)
from sqlalchemy import select

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.errors import ERRORS
from medical_insurance_sdk.registry import REGISTRY, Route, Transaction
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.models import LedgerEntry

COMMON_FIELDS = {
    "success",
    "data",
    "message",
    "error",
    "error_code",
    "timestamp",
    "request_id",
    "version",
    "interface_info",
}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ROUTES = [(tx, route) for tx in REGISTRY.transactions for route in tx.routes]


def _query_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def call_with_sample(gateway: Gateway, tx: Transaction, route: Route) -> Any:
    sample = sample_message(tx.request_nodes)
    if route.method == "GET":
        (node,) = tx.request_nodes
        params = {name: _query_text(value) for name, value in sample[node.name].items()}
        return gateway.request("GET", route.path, params=params)
    body = jsoncodec.dumps(sample)
    return gateway.request(
        route.method, route.path, content=body, headers={"Content-Type": "application/json"}
    )


def assert_common_shape(body: dict[str, Any], tx: Transaction) -> None:
    assert COMMON_FIELDS <= set(body) <= COMMON_FIELDS | {"pagination"}, sorted(body)
    assert body["version"] == "1.0.0"
    assert TIMESTAMP.match(body["timestamp"])
    assert body["request_id"].startswith("REQ")
    info = body["interface_info"]
    assert (info["infno"], info["interface_type"], info["category"]) == (
        tx.infno,
        tx.interface_type,
        tx.category.value,
    )


@pytest.mark.parametrize(("tx", "route"), ROUTES, ids=[f"{tx.infno}-{route.method}" for tx, route in ROUTES])
def test_every_route_answers_in_the_common_format(gateway: Gateway, tx: Transaction, route: Route) -> None:
    response = call_with_sample(gateway, tx, route)
    assert response.status_code < 500 or response.status_code in (502, 504), response.text
    if response.headers["content-type"] == "application/octet-stream":
        assert tx.infno == "9102" and response.status_code == 200
        return
    body = response.json()
    assert_common_shape(body, tx)
    if body["success"]:
        assert response.status_code == 200
        assert body["message"] in ("操作成功", "查询成功")
        assert body["error"] is None and body["error_code"] is None
        assert body["interface_info"]["msgid"].startswith("H43028110001")
        if "pagination" in body:
            assert isinstance(body["data"], list)
    else:
        code = body["error_code"]
        assert code in ERRORS and code // 10000 != 3, body  # a valid sample passes validation
        assert response.status_code == ERRORS[code].http_status or body["error"].get("outcome"), body
        assert CHINESE.search(body["message"]), body["message"]
        assert body["error"]["code"] == code


# ------------------------------------------------------------------------------------ the outpatient flow


def test_outpatient_flow_through_the_gateway(gateway: Gateway) -> None:
    """1101 → 2201 → 2203 → 2204 → 2206 → 2207 with a seeded person, as a hospital operator."""
    who = PERSONS[1]
    person = gateway.ok(
        "POST",
        "basic/person-info",
        "hospital_operator",
        json={"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "psn_cert_type": "01"},
    )
    assert person["data"]["baseinfo"]["psn_no"] == who.psn_no

    mdtrt_id = register_visit(gateway, who)
    upload_visit(gateway, who, mdtrt_id)
    total = upload_fees(gateway, who, mdtrt_id)
    settle = pre_settle(gateway, who, mdtrt_id, total)

    raw = gateway.post(
        "business/outpatient/settle", "hospital_operator", content=jsoncodec.dumps(settle), headers=JSON
    )
    assert raw.status_code == 200, raw.text
    settled = jsoncodec.loads(raw.content)  # amounts stay exact on the wire: Decimal, never float
    info = settled["data"]["setlinfo"]
    assert settled["success"] is True and info["setl_id"]
    assert isinstance(info["medfee_sumamt"], Decimal) and info["medfee_sumamt"] == total
    assert info["fund_pay_sumamt"] + info["psn_part_amt"] + info["hosp_part_amt"] == total
    assert settled["interface_info"]["infno"] == "2207"

    again = gateway.post(
        "business/outpatient/settle", "hospital_operator", content=jsoncodec.dumps(settle), headers=JSON
    )
    assert again.status_code >= 400 and again.json()["success"] is False  # never settled twice


def test_file_upload_then_download_streams_the_bytes(gateway: Gateway) -> None:
    content = b"PK\x03\x04 sandbox reconciliation detail"
    upload = {
        "in": base64.b64encode(content).decode(),
        "filename": "对账明细.zip",
        "fixmedins_code": HOSPITAL,
    }
    answer = gateway.ok("POST", "other/file-upload", "hospital_operator", json=upload)["data"]

    query = {
        "file_qury_no": answer["file_qury_no"],
        "filename": answer["filename"],
        "fixmedins_code": HOSPITAL,
    }
    response = gateway.get("other/file-download", "hospital_operator", params=query)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert "filename*=UTF-8''%E5%AF%B9" in response.headers["content-disposition"]
    assert response.content == content


def test_the_spec_example_of_1101_works_as_written(gateway: Gateway) -> None:
    """Spec §2.1.1's body: flat fields plus need_baseinfo / need_insuinfo, with a seeded person."""
    who = PERSONS[0]
    body = {
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "psn_cert_type": "01",
        "certno": who.certno,
        "psn_name": who.psn_name,
        "need_baseinfo": True,
        "need_insuinfo": True,
    }
    answer = gateway.ok("POST", "basic/person-info", "hospital_operator", json=body)
    assert answer["message"] == "操作成功"
    assert answer["data"]["baseinfo"]["psn_name"] == who.psn_name
    assert answer["data"]["insuinfo"][0]["balc"] == float(who.balc)
    assert answer["interface_info"]["interface_type"] == "person_info"


def _ledger_request(gateway: Gateway, msgid: str) -> tuple[str, dict[str, Any]]:
    gateway.state.engine.flush_ledger()  # a query's row is written after its answer, off the request path
    with gateway.state.database.session() as session:
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.msgid == msgid))
        assert entry is not None
        return entry.operator, entry.request


def test_reserved_keys_and_headers_become_envelope_fields(gateway: Gateway) -> None:
    who = PERSONS[0]
    query = {"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "psn_cert_type": "01"}
    body = gateway.ok(
        "POST", "basic/person-info", json={**query, "operator": "OP777", "insuplc_admdvs": "430300"}
    )
    operator, request = _ledger_request(gateway, body["interface_info"]["msgid"])
    assert operator == "OP777" and request["opter"] == "OP777"
    assert request["insuplc_admdvs"] == "430300"
    assert "operator" not in request["input"]["data"] and "insuplc_admdvs" not in request["input"]["data"]

    headers = {"X-Operator": "OP778", "X-Operator-Name": "%E6%9D%8E%E6%94%B6%E8%B4%B9"}  # 李收费
    body = gateway.ok("POST", "basic/person-info", json=query, headers=headers)
    operator, request = _ledger_request(gateway, body["interface_info"]["msgid"])
    assert operator == "OP778" and request["insuplc_admdvs"] == "430200"  # the institution's own by default
    assert request["opter_name"].startswith("李")  # masked in the ledger, but the header was decoded


def test_the_bureau_input_may_also_come_wrapped(gateway: Gateway) -> None:
    who = PERSONS[0]
    wrapped = {
        "input": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "psn_cert_type": "01"}}
    }
    body = gateway.ok("POST", "basic/person-info", json=wrapped)
    assert body["data"]["baseinfo"]["psn_no"] == who.psn_no


def test_a_paged_bureau_answer_is_answered_as_spec_1_4(gateway: Gateway) -> None:
    tx = REGISTRY["1316"]  # 医疗目录与医保目录匹配信息查询: PageHelper fields beside data[]
    sample = sample_message(tx.request_nodes)
    sample["data"].update(page_num=1, page_size=10)
    body = gateway.ok("POST", tx.routes[0].path, content=jsoncodec.dumps(sample), headers=JSON)
    assert body["message"] == "查询成功" and isinstance(body["data"], list)
    page = body["pagination"]
    assert set(page) == {"total", "page", "page_size", "total_pages", "has_next", "has_previous"}
    assert page["page"] == 1 and page["has_previous"] is False
    assert page["has_next"] == (page["page"] < page["total_pages"])
