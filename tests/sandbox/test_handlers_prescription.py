"""The sandbox's prescription centre: 7101 预核验 → 7102 签名 → 7103 上传/审核 → pharmacy → 7207 出库 → 撤销.

Bodies come from the registry's tables (`sample_message` / `sample_node`) with the fields each step sets,
so a table change shows up here rather than silently passing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from handlers_support import Desk
from sqlalchemy import select

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message, sample_node
from medical_insurance_sdk.registry.schemas.prescription import (
    DISEINFO_ROWS,
    MDTRTINFO_ROWS,
    RXDRUGDETAIL_ROWS,
)
from medical_insurance_sdk.sandbox.handlers.prescription import signature_of
from medical_insurance_sdk.sandbox.prescription_state import (
    CANCELLED,
    DISPENSED,
    SIGNED,
    UPLOADED,
    Prescription,
)
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS

ZHANG_SAN = PERSONS[0]
PHARMACY = "P43020000001"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    d = Desk(tmp_path)
    yield d
    d.close()


def _body(infno: str) -> dict[str, Any]:
    message = sample_message(REGISTRY[infno].request_nodes, optional=False)
    assert isinstance(message, dict)
    return message


def pre_verify_message(hosp_rxno: str = "RX20250714001", **changes: Any) -> dict[str, Any]:
    message = _body("7101")
    drug = sample_node(RXDRUGDETAIL_ROWS, optional=False) | {
        "medListCodg": "XA01BA001A001010100001",
        "drugGenname": "阿司匹林肠溶片",
        "medcBegntime": "2025-07-14 09:30:00",
        "medcEndtime": "2025-07-21 09:30:00",
        "drugCnt": "30",
        "hospApprFlag": "1",
    }
    mdtrt = sample_node(MDTRTINFO_ROWS, optional=False) | {
        "fixmedinsCode": DEMO_HOSPITAL,
        "mdtrtId": "430200202507140001",
        "psnNo": ZHANG_SAN.psn_no,
        "patnName": ZHANG_SAN.psn_name,
        "psnCertType": "01",
        "certno": ZHANG_SAN.certno,
        "gend": "1",
        "medType": "11",
    }
    disease = sample_node(DISEINFO_ROWS, optional=False) | {"diagType": "1"}
    message["data"].update(
        {
            "mdtrtCertType": "02",
            "mdtrtCertNo": ZHANG_SAN.certno,
            "hospRxno": hosp_rxno,
            "prscTime": "2025-07-14 09:30:00",
            "valiDays": 3,
            "valiEndTime": "2025-07-17 09:30:00",
            "rxdrugdetail": [drug],
            "mdtrtinfo": mdtrt,
            "diseinfo": [disease],
        }
        | changes
    )
    return message


def original_value(hi_rxno: str, trace: str) -> str:
    info = {"rxTraceCode": trace, "hiRxno": hi_rxno, "certno": ZHANG_SAN.certno}
    return base64.b64encode(json.dumps(info, ensure_ascii=False).encode()).decode()


def sign_message(hi_rxno: str, trace: str) -> dict[str, Any]:
    message = _body("7102")
    message["data"].update(
        fixmedinsCode=DEMO_HOSPITAL,
        originalValue=original_value(hi_rxno, trace),
        originalRxFile="UERGLTEuNw==",
    )
    return message


def upload_message(hi_rxno: str, trace: str, digest: str) -> dict[str, Any]:
    message = _body("7103")
    message["data"].update(
        rxTraceCode=trace,
        hiRxno=hi_rxno,
        certno=ZHANG_SAN.certno,
        patnName=ZHANG_SAN.psn_name,
        fixmedinsCode=DEMO_HOSPITAL,
        pharName="王药师",
        pharCode="HY430200000001",
        signDigest=digest,
    )
    return message


def by_rx(infno: str, hi_rxno: str, **changes: Any) -> dict[str, Any]:
    """A 7104-7107 message (registry table) or a pharmacy message (no table: hiRxno and the given fields)."""
    message = _body(infno)
    message["data"].update(hiRxno=hi_rxno, fixmedinsCode=DEMO_HOSPITAL, certno=ZHANG_SAN.certno)
    if "psnName" in message["data"]:
        message["data"]["psnName"] = ZHANG_SAN.psn_name
    message["data"].update(changes)
    return message


def prescribe(desk: Desk, hosp_rxno: str = "RX20250714001", **changes: Any) -> str:
    """7101 → 7102 → 7103; returns the hiRxno of the filed prescription."""
    verified = desk.ok("7101", pre_verify_message(hosp_rxno, **changes))["data"]
    hi_rxno, trace = verified["hiRxno"], verified["rxTraceCode"]
    signed = desk.ok("7102", sign_message(hi_rxno, trace))["data"]
    filed = desk.ok("7103", upload_message(hi_rxno, trace, signed["signDigest"]))["data"]
    assert filed == {"hiRxno": hi_rxno, "rxStasCodg": "1", "rxStasName": "有效"}
    return str(hi_rxno)


def row(desk: Desk, hi_rxno: str) -> Prescription:
    rx = desk.session.get(Prescription, hi_rxno)
    assert rx is not None
    desk.session.refresh(rx)
    return rx


def sale(hi_rxno: str) -> dict[str, Any]:
    rows = [{"medListCodg": "XA01BA001A001010100001", "cnt": "30"}]
    return {"data": {"hiRxno": hi_rxno, "seltdelts": rows}}


# ------------------------------------------------------------------------------------------- 7101


def test_pre_verify_refuses_what_the_centre_refuses(desk: Desk) -> None:
    desk.refused("7101", pre_verify_message(mdtrtCertNo=""), "就诊凭证编号不能为空")
    desk.refused("7101", pre_verify_message(mdtrtCertType="03", cardSn=""), "卡识别码不能为空")
    message = pre_verify_message()
    message["data"]["mdtrtinfo"]["psnNo"] = "43000030281099999999"
    desk.refused("7101", message, "人员信息不存在")
    desk.refused("7101", pre_verify_message(valiEndTime="2025-07-14 09:00:00"), "有效截止时间应晚于开方时间")
    assert desk.session.scalars(select(Prescription)).all() == []  # nothing was kept


def test_pre_verify_rows_are_checked_by_the_registry_before_the_centre(desk: Desk) -> None:
    # the nested tables of 7101 (registry), applied before any handler: 3000x at the row's full path
    message = pre_verify_message(rxdrugdetail=[], diseinfo=[{"diagType": "9"}])
    del message["data"]["mdtrtinfo"]["psnNo"]
    with pytest.raises(DataValidationError) as caught:
        desk.call("7101", message)
    assert [(e.code, e.path) for e in caught.value.errors][:3] == [
        (30002, "data.rxdrugdetail"),
        (30002, "data.mdtrtinfo.psnNo"),
        (30003, "data.diseinfo[0].diagType"),
    ]
    assert desk.session.scalars(select(Prescription)).all() == []


def test_one_diagnosis_object_is_taken_as_a_list_of_one(desk: Desk) -> None:
    message = pre_verify_message()
    message["data"]["diseinfo"] = message["data"]["diseinfo"][0]  # as real clients send it (issue 15 §3)
    hi_rxno = desk.ok("7101", message)["data"]["hiRxno"]
    assert [d["diagType"] for d in row(desk, hi_rxno).info["diseinfo"]] == ["1"]


def test_a_repeated_pre_verification_keeps_the_number_until_upload(desk: Desk) -> None:
    first = desk.ok("7101", pre_verify_message())["data"]
    again = desk.ok("7101", pre_verify_message())["data"]
    assert again["hiRxno"] == first["hiRxno"] and again["rxTraceCode"] != first["rxTraceCode"]
    signed = desk.ok("7102", sign_message(again["hiRxno"], again["rxTraceCode"]))["data"]
    desk.ok("7103", upload_message(again["hiRxno"], again["rxTraceCode"], signed["signDigest"]))
    desk.refused("7101", pre_verify_message(), "已上传，不能重复上传")


# -------------------------------------------------------------------------------------- 7102/7103


def test_sign_then_upload_files_and_audits_the_prescription(desk: Desk) -> None:
    verified = desk.ok("7101", pre_verify_message())["data"]
    hi_rxno, trace = verified["hiRxno"], verified["rxTraceCode"]
    stale = upload_message(hi_rxno, trace, "0" * 64)
    desk.refused("7103", stale, "处方未进行医保电子签名")
    desk.refused("7102", sign_message(hi_rxno, "WRONGTRACECODE000000"), "处方追溯码与预核验结果不符")
    bad = sign_message(hi_rxno, trace)
    bad["data"]["originalValue"] = "not base64!"
    desk.refused("7102", bad, "不是有效的base64")

    signed = desk.ok("7102", sign_message(hi_rxno, trace))["data"]
    assert signed["signDigest"] == signature_of(DEMO_HOSPITAL, original_value(hi_rxno, trace))
    assert signed["rxFile"] == "UERGLTEuNw==" and row(desk, hi_rxno).status == SIGNED
    desk.refused("7103", upload_message(hi_rxno, trace, "0" * 64), "签名值与医保电子签名结果不一致")
    desk.ok("7103", upload_message(hi_rxno, trace, signed["signDigest"]))
    desk.refused("7103", upload_message(hi_rxno, trace, signed["signDigest"]), "处方已上传，不能重复上传")

    rx = row(desk, hi_rxno)
    assert (rx.status, rx.rx_stas, rx.chk_stas) == (UPLOADED, "1", "1")
    assert "rxFile" not in rx.upload  # the file is not kept in the row
    audit = desk.ok("7106", by_rx("7106", hi_rxno))["data"]
    assert (audit["rxChkStasCodg"], audit["rxChkStasName"], audit["pharName"]) == ("1", "审核通过", "王药师")


def test_the_audit_fails_a_drug_whose_use_ends_before_it_begins_and_blocks_dispensing(desk: Desk) -> None:
    message = pre_verify_message()
    message["data"]["rxdrugdetail"][0]["medcEndtime"] = "2025-07-13 09:30:00"
    verified = desk.ok("7101", message)["data"]
    hi_rxno, trace = verified["hiRxno"], verified["rxTraceCode"]
    signed = desk.ok("7102", sign_message(hi_rxno, trace))["data"]
    desk.ok("7103", upload_message(hi_rxno, trace, signed["signDigest"]))
    audit = desk.ok("7106", by_rx("7106", hi_rxno))["data"]
    assert audit["rxChkStasCodg"] == "2" and "早于用药开始时间" in audit["rxChkOpnn"]
    desk.refused("7204", {"data": {"hiRxno": hi_rxno}}, "处方审核未通过")
    desk.refused("7207", sale(hi_rxno), "处方审核未通过")


# ------------------------------------------------------------------------------- queries and cancel


def test_query_shows_the_prescription_and_its_state(desk: Desk) -> None:
    hi_rxno = prescribe(desk)
    info = desk.ok("7105", by_rx("7105", hi_rxno))["data"]
    assert (info["hiRxno"], info["rxStasCodg"], info["rxUsedStasCodg"]) == (hi_rxno, "1", "0")
    assert info["rxDetlList"][0]["drugGenname"] == "阿司匹林肠溶片"
    assert info["rxDetlList"][0]["takeDrugFlag"] == "0"
    assert info["rxOtpinfo"]["patnName"] == ZHANG_SAN.psn_name
    desk.refused("7105", by_rx("7105", hi_rxno, certno="430302199001010025"), "人员信息与处方信息不符")
    desk.refused("7105", by_rx("7105", "430200209901010000000000000000"), "处方不存在")
    desk.refused("7107", by_rx("7107", hi_rxno), "处方未取药，暂无结算结果")


def test_cancel_refuses_twice_and_after_dispensing(desk: Desk) -> None:
    hi_rxno = prescribe(desk)
    cancelled = desk.ok("7104", by_rx("7104", hi_rxno))["data"]
    assert cancelled == {"hiRxno": hi_rxno, "rxStasCodg": "3", "rxStasName": "已撤销"}
    assert row(desk, hi_rxno).status == CANCELLED
    desk.refused("7104", by_rx("7104", hi_rxno), "处方已撤销，不能重复撤销")
    assert desk.ok("7105", by_rx("7105", hi_rxno))["data"]["rxStasName"] == "已撤销"
    desk.refused("7204", {"data": {"hiRxno": hi_rxno}}, "处方已撤销")
    desk.refused("7207", sale(hi_rxno), "处方已撤销")

    other = prescribe(desk, "RX20250714002")
    desk.ok("7207", sale(other), fixmedins_code=PHARMACY)
    desk.refused("7104", by_rx("7104", other), "处方已取药，不能撤销")
    desk.refused("7104", by_rx("7104", other), "处方已取药", fixmedins_code=PHARMACY)


# ---------------------------------------------------------------------------------- pharmacy side


def test_pharmacy_downloads_verifies_dispenses_and_undoes(desk: Desk) -> None:
    hi_rxno = prescribe(desk)
    trace = row(desk, hi_rxno).rx_trace_code
    found = desk.ok("7202", {"data": {"psnNo": ZHANG_SAN.psn_no}}, fixmedins_code=PHARMACY)["data"]
    assert [r["hiRxno"] for r in found] == [hi_rxno]
    decoded = desk.ok("7203", {"data": {"rxTraceCode": trace}}, fixmedins_code=PHARMACY)["data"]
    assert decoded["hiRxno"] == hi_rxno
    auth = desk.ok("7201", {"data": {"hiRxno": hi_rxno}}, fixmedins_code=PHARMACY)["data"]
    assert auth["authRxno"]
    downloaded = desk.ok("7204", {"data": {"hospRxno": "RX20250714001"}}, fixmedins_code=PHARMACY)["data"]
    assert downloaded["hiRxno"] == hi_rxno and downloaded["rxDetlList"][0]["drugCnt"] == "30"
    stranger = {"data": {"hiRxno": hi_rxno, "certno": "430302199001010025"}}
    desk.refused("7205", stranger, "人员信息与处方信息不符")
    desk.ok("7205", {"data": {"hiRxno": hi_rxno, "certno": ZHANG_SAN.certno}}, fixmedins_code=PHARMACY)
    with pytest.raises(DataValidationError, match=r"data\.pharName"):  # the registry refuses it first
        desk.call("7206", {"data": {"hiRxno": hi_rxno}})
    desk.refused("7206", {"data": {"hiRxno": hi_rxno}}, "审方药师姓名不能为空", validate=False)
    review = _body("7206")
    review["data"].update(hiRxno=hi_rxno, pharName="李药师", rxChkStasCodg="1", fixmedinsCode=PHARMACY)
    reviewed = desk.ok("7206", review, fixmedins_code=PHARMACY)["data"]
    assert reviewed["msgCode"] == "0" and reviewed["rxChkBizSn"]
    assert row(desk, hi_rxno).pharmacy["review"]["rxChkBizSn"] == reviewed["rxChkBizSn"]

    desk.refused("7207", {"data": {"hiRxno": hi_rxno}}, "出库明细不能为空")
    dispensed = desk.ok("7207", sale(hi_rxno), fixmedins_code=PHARMACY)["data"]
    assert dispensed["setlId"] and dispensed["rxUsedStasCodg"] == "1"
    rx = row(desk, hi_rxno)
    assert (rx.status, rx.used_stas, rx.setl_time) == (DISPENSED, "1", rx.updated_at)
    desk.refused("7207", sale(hi_rxno), "处方已取药，不能重复出库")
    desk.refused("7204", {"data": {"hiRxno": hi_rxno}}, "处方已取药")
    settled = desk.ok("7107", by_rx("7107", hi_rxno))["data"]
    assert settled["rxUsedStasName"] == "已使用" and settled["seltdelts"][0]["cnt"] == "30"
    desk.ok("7109", {"data": {"hiRxno": hi_rxno}})

    desk.ok("7208", {"data": {"hiRxno": hi_rxno}}, fixmedins_code=PHARMACY)
    assert (row(desk, hi_rxno).status, row(desk, hi_rxno).sale) == (UPLOADED, {})
    desk.refused("7208", {"data": {"hiRxno": hi_rxno}}, "处方未出库")
    desk.refused("7109", {"data": {"hiRxno": hi_rxno}}, "处方未取药")
    desk.ok("7207", sale(hi_rxno), fixmedins_code=PHARMACY)  # may be dispensed again


def test_delivery_is_synced_then_signed_once_and_blocks_undoing_the_sale(desk: Desk) -> None:
    hi_rxno = prescribe(desk)
    desk.refused("7209", {"data": {"hiRxno": hi_rxno, "expressNo": "SF1"}}, "处方未出库，不能配送")
    desk.refused("7210", {"data": {"hiRxno": hi_rxno}}, "无配送信息")
    desk.ok("7207", sale(hi_rxno), fixmedins_code=PHARMACY)
    desk.ok("7209", {"data": {"hiRxno": hi_rxno, "expressNo": "SF1"}}, fixmedins_code=PHARMACY)
    signed = desk.ok("7210", {"data": {"hiRxno": hi_rxno}}, fixmedins_code=PHARMACY)["data"]
    assert signed["dlvStas"] == "2"
    desk.refused("7210", {"data": {"hiRxno": hi_rxno}}, "不能重复确认")
    desk.refused("7208", {"data": {"hiRxno": hi_rxno}}, "药品已签收，不能撤销出库")
    assert row(desk, hi_rxno).pharmacy["delivery"]["expressNo"] == "SF1"


def test_an_expired_prescription_cannot_be_dispensed(desk: Desk) -> None:
    hi_rxno = prescribe(desk)
    desk.tick(days=4)
    desk.refused("7207", sale(hi_rxno), "处方已超过有效期")
    found = desk.ok("7202", {"data": {"certno": ZHANG_SAN.certno}}, fixmedins_code=PHARMACY)["data"]
    assert found == []
