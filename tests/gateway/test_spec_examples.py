"""The spec's examples answer as written (issue 15 §4), and real-world requests pass the gateway (§3).

2001 with the body of spec §2.2.1; 1101's baseinfo with poolarea / emp_name / tel (§2.1.1); 1301's
file_info + preview_data beside the bureau fields (§2.1.3); health/check with the envelopes' version
(§3.6.1); a card reader's 266-character number, a date for a datetime, one diseinfo object and an
exp_content object, all through the gateway over ASGI into the sandbox bureau.
"""

from __future__ import annotations

from typing import Any

from gateway_support import (
    DOCTOR,
    DRUG_CODE,
    Gateway,
    ledger_entries,
    person_query,
    register_visit,
)

from medical_insurance_sdk.answer_shapes import API_VERSION
from medical_insurance_sdk.protocol.catalog_file import CatalogReader
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.seed import PERSONS

ZHANG_SAN = PERSONS[0]  # the person of the spec's examples (psn_no 43000030281000128715)


# ------------------------------------------------------------------------------------------- 2001 (§2.2.1)


def test_2001_with_the_specs_rest_body_is_accepted(gateway: Gateway) -> None:
    spec_body = {
        "psn_no": "43000030281000128715",
        "check_items": ["drug_limit", "treatment_limit", "hospitalization"],
        "check_date": "2025-07-14",
    }
    body = gateway.ok("POST", "business/benefit-check", json=spec_body)
    rows = body["data"]["trtinfo"]
    assert rows and all(row["psn_no"] == ZHANG_SAN.psn_no for row in rows)
    assert {row["begndate"] for row in rows} == {"2025-07-14"}
    assert {row["trt_enjymnt_flag"] for row in rows} == {"1"}  # 张三 is insured: entitled


def test_2001_still_refuses_what_is_wrong(gateway: Gateway) -> None:
    response = gateway.post(
        "business/benefit-check", json={"psn_no": ZHANG_SAN.psn_no, "check_date": "14/07/2025"}
    )
    body = response.json()
    assert response.status_code == 422 and body["error_code"] == 30003
    assert [e["field"] for e in body["data"]["errors"]] == ["data.check_date"]


# ------------------------------------------------------------------------------------------- 1101 (§2.1.1)


def test_1101_baseinfo_carries_poolarea_emp_name_and_tel(gateway: Gateway) -> None:
    base = gateway.ok("POST", "basic/person-info", json=person_query(0))["data"]["baseinfo"]
    assert base["psn_no"] == ZHANG_SAN.psn_no and base["psn_name"] == "张三"
    assert (base["poolarea"], base["emp_name"], base["tel"]) == ("4302", ZHANG_SAN.emp_name, ZHANG_SAN.tel)
    declared = {f.name for f in REGISTRY["1101"].schema.response[0].fields}
    assert {"poolarea", "emp_name", "tel"} <= declared


def test_1101_with_a_card_readers_266_character_number(gateway: Gateway) -> None:
    reading = ZHANG_SAN.certno + "|" + "张三|1|01|" + "0" * 266
    reading = reading[:266]
    query = {"mdtrt_cert_type": "03", "mdtrt_cert_no": reading, "card_sn": "C0001", "psn_cert_type": "01"}
    base = gateway.ok("POST", "basic/person-info", json=query)["data"]["baseinfo"]
    assert base["psn_no"] == ZHANG_SAN.psn_no


# ------------------------------------------------------------------------------------------- 1301 (§2.1.3)


def test_1301_answer_carries_file_info_and_preview_data(gateway: Gateway) -> None:
    data = gateway.ok("POST", "catalog/drug-download", json={"ver": "0"})["data"]
    assert data["file_qury_no"] and data["filename"]  # the bureau fields stay
    info = data["file_info"]
    for name in ("file_qury_no", "filename", "dld_end_time", "data_cnt"):
        assert info[name] == data[name]
    assert isinstance(info["file_size"], int) and info["file_size"] > 0
    assert info["file_url"].startswith("/api/v1/medical-insurance/other/file-download?")
    file = gateway.client.get(info["file_url"], headers=gateway.headers())
    assert file.status_code == 200 and len(file.content) == info["file_size"]
    rows = list(CatalogReader(file.content, LAYOUTS["1301"]).rows())
    preview = data["preview_data"]
    assert 0 < len(preview) <= 10
    assert [row["med_list_codg"] for row in preview] == [r.code for r in rows[: len(preview)]]


# ------------------------------------------------------------------------------------- health (§3.6.1)


def test_health_check_and_envelopes_say_one_version(gateway: Gateway) -> None:
    health = gateway.client.get("/api/v1/medical-insurance/health/check").json()
    answer = gateway.ok("POST", "basic/person-info", json=person_query(0))
    assert health["version"] == answer["version"] == API_VERSION == "1.0.0"


# -------------------------------------------------------------------------- §3 through the gateway


def _visit(who: Any, mdtrt_id: str, **mdtrtinfo: Any) -> dict[str, Any]:
    return {
        "mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": who.psn_no, "med_type": "11", **mdtrtinfo},
        "diseinfo": {  # one object, not a list
            "diag_type": "1",
            "diag_srt_no": 1,
            "diag_code": "J06.900",
            "diag_name": "急性上呼吸道感染",
            "diag_dept": "普通内科",
            "dise_dor_no": DOCTOR["atddr_no"],
            "dise_dor_name": DOCTOR["dr_name"],
            "diag_time": "2025-07-14 09:40:00",
            "vali_flag": "1",
        },
    }


def test_a_visit_with_one_diseinfo_object_and_a_date_begntime_is_accepted(gateway: Gateway) -> None:
    who = PERSONS[3]
    mdtrt_id = register_visit(gateway, who)
    visit = _visit(who, mdtrt_id, begntime="2025-07-14")
    body = gateway.ok("POST", "business/outpatient/visit-upload", "hospital_operator", json=visit)
    sent = _sent_input(gateway, body["request_id"], "2203")
    assert sent["mdtrtinfo"]["begntime"] == "2025-07-14 00:00:00"  # as the bureau reads a date
    assert sent["diseinfo"] == [visit["diseinfo"]]  # a list of one
    wrong = gateway.post(
        "business/outpatient/visit-upload", "hospital_operator", json={**visit, "diseinfo": "J06"}
    )
    assert wrong.status_code == 422 and wrong.json()["error_code"] == 30003


def test_a_fee_row_with_exp_content_as_an_object_is_accepted(gateway: Gateway) -> None:
    who = PERSONS[4]
    mdtrt_id = register_visit(gateway, who)
    fee = {
        "feedetl_sn": f"FD{mdtrt_id[-10:]}",
        "mdtrt_id": mdtrt_id,
        "psn_no": who.psn_no,
        "chrg_bchno": "B001",
        "rx_circ_flag": "0",
        "fee_ocur_time": "2025-07-14",  # a date where a datetime is declared
        "med_list_codg": DRUG_CODE,
        "medins_list_codg": "H" + DRUG_CODE[:10],
        "det_item_fee_sumamt": "25.00",
        "cnt": "2",
        "pric": "12.50",
        "bilg_dept_codg": DOCTOR["dept_code"],
        "bilg_dept_name": DOCTOR["dept_name"],
        "bilg_dr_codg": DOCTOR["atddr_no"],
        "bilg_dr_name": DOCTOR["dr_name"],
        "hosp_appr_flag": "1",
        "exp_content": {"elec_rx_flag": "0"},
    }
    body = gateway.ok(
        "POST", "business/outpatient/expense-upload", "hospital_operator", json={"feedetail": fee}
    )
    assert [row["feedetl_sn"] for row in body["data"]["result"]] == [fee["feedetl_sn"]]
    sent = _sent_input(gateway, body["request_id"], "2204")["feedetail"][0]
    assert sent["exp_content"] == '{"elec_rx_flag":"0"}'  # text, as the bureau stores it
    assert sent["fee_ocur_time"] == "2025-07-14 00:00:00"


def _sent_input(gateway: Gateway, request_id: str, infno: str) -> dict[str, Any]:
    """The `input` the engine sent to the bureau for one gateway request (from its ledger)."""
    gateway.state.engine.flush_ledger()  # a query's row is written after its answer, off the request path
    entries = [e for e in ledger_entries(gateway.state.database, request_id) if e.infno == infno]
    assert len(entries) == 1
    sent: dict[str, Any] = entries[0].request["input"]
    return sent
