"""The proxy form (spec §11.3.2 方案二): POST /api/medical-insurance/<interface_type> with the input as body.

One fixed URL per transaction for a HIS that can only POST JSON: the same authentication, role check, limits,
Idempotency-Key, ledger and answer as the transaction's own route.
"""

from __future__ import annotations

from typing import Any

import httpx
from gateway_support import DOCTOR, SERVICE_TIME, Gateway, person_query, ready_to_settle
from sqlalchemy import func, select

from medical_insurance_sdk.gateway.routes.proxy import PROXY_PREFIX
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.models import LedgerEntry


def proxy(gateway: Gateway, name: str, body: Any, role: str = "admin", **headers: str) -> httpx.Response:
    return gateway.client.post(
        f"{PROXY_PREFIX}/{name}",
        content=jsoncodec.dumps(body),
        headers={**gateway.headers(role), "Content-Type": "application/json", **headers},
    )


def sent(gateway: Gateway, infno: str, psn_no: str) -> int:
    with gateway.state.database.session() as s:
        count = s.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.infno == infno, LedgerEntry.psn_no == psn_no)
        )
        return int(count or 0)


def test_person_info_by_interface_type_infno_and_method_answer_alike(gateway: Gateway) -> None:
    direct = gateway.ok("POST", "basic/person-info", json=person_query(0))
    for name in ("person_info", "1101", "query_person_info"):
        answer = proxy(gateway, name, person_query(0))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["success"] is True and body["message"] == "操作成功"
        assert body["data"]["baseinfo"]["psn_name"] == PERSONS[0].psn_name
        assert body["data"]["baseinfo"] == direct["data"]["baseinfo"]
        assert body["interface_info"]["infno"] == "1101"


def test_a_get_query_is_a_post_here(gateway: Gateway) -> None:
    body = proxy(gateway, "5201", {"psn_no": PERSONS[0].psn_no, "begntime": "2025-01-01 00:00:00"}).json()
    direct = gateway.get(
        "query/visit-info", params={"psn_no": PERSONS[0].psn_no, "begntime": "2025-01-01 00:00:00"}
    )
    assert body["success"] is direct.json()["success"], (body, direct.text)
    assert body["interface_info"]["infno"] == "5201"


def test_registration_through_the_proxy_is_recorded_and_keyed(gateway: Gateway) -> None:
    who = PERSONS[3]
    body = {
        "psn_no": who.psn_no,
        "insutype": who.insutype,
        "begntime": SERVICE_TIME,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "ipt_otp_no": "MZPROXY0001",
        "caty": "A03",
        **DOCTOR,
    }
    first = proxy(gateway, "outpatient_register", body, **{"Idempotency-Key": "HIS-PROXY-REG-1"})
    again = proxy(gateway, "outpatient_register", body, **{"Idempotency-Key": "HIS-PROXY-REG-1"})
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json()["data"]["data"]["mdtrt_id"] == again.json()["data"]["data"]["mdtrt_id"]
    assert sent(gateway, "2201", who.psn_no) == 1


def test_settlement_by_proxy_is_sent_once_per_key(gateway: Gateway) -> None:
    who = PERSONS[8]
    body = ready_to_settle(gateway, who)
    first = proxy(gateway, "outpatient_settle", body, **{"Idempotency-Key": "HIS-PROXY-SETTLE-1"})
    again = proxy(gateway, "2207", body, **{"Idempotency-Key": "HIS-PROXY-SETTLE-1"})
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json()["interface_info"]["msgid"] == again.json()["interface_info"]["msgid"]
    assert sent(gateway, "2207", who.psn_no) == 1


def test_unknown_interface_type_is_20001(gateway: Gateway) -> None:
    answer = proxy(gateway, "outpatient_teleport", {})
    assert answer.status_code == 404
    body = answer.json()
    assert body["success"] is False and body["error_code"] == 20001
    assert "不支持的接口类型" in body["message"]


def test_bad_input_gets_the_validation_codes(gateway: Gateway) -> None:
    answer = proxy(gateway, "outpatient_register", {"psn_no": PERSONS[0].psn_no})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["data"]["errors"]}
    assert "data.insutype" in fields
    broken = gateway.client.post(
        f"{PROXY_PREFIX}/person_info", content=b"{not json", headers=gateway.headers()
    )
    assert broken.status_code == 400 and broken.json()["error_code"] == 10002


def test_same_authentication_and_roles_as_the_routes(gateway: Gateway) -> None:
    anonymous = gateway.client.post(f"{PROXY_PREFIX}/person_info", json=person_query(0))
    assert anonymous.status_code == 401 and anonymous.json()["error_code"] == 10007
    # a data analyst may not register visits at the spec's path, nor through the proxy
    refused = proxy(gateway, "outpatient_register", {"psn_no": "x"}, role="data_analyst")
    assert refused.status_code == 403 and refused.json()["error_code"] == 10009


def test_the_proxy_is_in_the_openapi_document(gateway: Gateway) -> None:
    spec = gateway.client.get("/openapi.json").json()
    operation = spec["paths"][f"{PROXY_PREFIX}/{{interface_type}}"]["post"]
    assert operation["security"] == [{"ApiKeyAuth": []}, {"BearerAuth": []}]
    assert any(p["name"] == "interface_type" for p in operation["parameters"])
