"""备案 filings 2501-2507, their cancellations, and the queries 5301 / 5302 / 5304 that read them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from handlers_support import LI_NA, SUSPENDED, Desk

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, InsuredPerson


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def chronic(who: InsuredPerson = LI_NA, code: str = "M03900") -> dict[str, Any]:
    return {
        "data": {
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "opsp_dise_code": code,
            "opsp_dise_name": "高血压病",
            "insu_optins": "430200",
            "ide_fixmedins_no": DEMO_HOSPITAL,
            "ide_fixmedins_name": "湘潭市第一人民医院",
            "hosp_ide_date": "2025-07-01",
            "diag_dr_codg": "D430302000102",
            "diag_dr_name": "王医生",
            "begndate": "2025-07-01",
        }
    }


def designation(biz_appy_type: str = "01") -> dict[str, Any]:
    return {
        "data": {
            "psn_no": LI_NA.psn_no,
            "biz_appy_type": biz_appy_type,
            "begndate": "2025-07-01",
            "fix_srt_no": "1",
            "fixmedins_code": DEMO_HOSPITAL,
            "fixmedins_name": "湘潭市第一人民医院",
        }
    }


def referral() -> dict[str, Any]:
    return {
        "refmedin": {
            "psn_no": LI_NA.psn_no,
            "insutype": "310",
            "diag_code": "C34.900",
            "diag_name": "肺恶性肿瘤",
            "reflin_medins_no": "H43010500001",
            "reflin_medins_name": "湖南省示例肿瘤医院",
            "mdtrtarea_admdvs": "430100",
            "refl_type": "1",
            "refl_date": "2025-07-14",
            "refl_rea": "病情需要",
            "refl_opnn": "同意转院",
        }
    }


def test_chronic_disease_filing_and_its_cancellation(desk: Desk) -> None:
    sn = desk.ok("2503", chronic())["result"]["trt_dcla_detl_sn"]
    desk.refused("2503", chronic(), "该人员已有有效的慢特病备案")
    desk.refused("2503", chronic(SUSPENDED), "参保人员参保状态异常")
    rows = desk.ok("5301", {"data": {"psn_no": LI_NA.psn_no}})["feedetail"]
    assert rows == [
        {"opsp_dise_code": "M03900", "opsp_dise_name": "高血压病", "begndate": "2025-07-01", "enddate": None}
    ]
    cancel = {"data": {"trt_dcla_detl_sn": sn, "psn_no": LI_NA.psn_no, "memo": "诊断变更"}}
    desk.refused("2504", cancel, "备案信息不存在", fixmedins_code="H44030500001")
    desk.ok("2504", cancel)
    desk.refused("2504", cancel, "该备案已撤销")
    assert desk.ok("5301", {"data": {"psn_no": LI_NA.psn_no}})["feedetail"] == []
    desk.refused("2506", cancel, "备案信息不存在")  # a 定点 cancel does not cancel a 慢特病 filing
    assert desk.ok("2503", chronic())["result"]["trt_dcla_detl_sn"] != sn


def test_designated_institution_filing(desk: Desk) -> None:
    desk.ok("2505", designation("01"))
    desk.refused("2505", designation("01"), "该人员已有有效的定点备案")
    rows = desk.ok("5302", {"data": {"psn_no": LI_NA.psn_no, "biz_appy_type": "01"}})["psnfixmedin"]
    assert [(r["fixmedins_code"], r["fix_srt_no"], r["insutype"]) for r in rows] == [
        (DEMO_HOSPITAL, "1", "310")
    ]
    assert desk.ok("5302", {"data": {"psn_no": LI_NA.psn_no, "biz_appy_type": "02"}})["psnfixmedin"] == []


def test_referral_filing(desk: Desk) -> None:
    sn = desk.ok("2501", referral())["result"]["trt_dcla_detl_sn"]
    query = {"data": {"psn_no": LI_NA.psn_no, "begntime": "2025-07-01 00:00:00"}}
    rows = desk.ok("5304", query)["refmedin"]
    assert [(r["reflin_medins_no"], r["refl_date"], r["psn_name"], r["out_flag"]) for r in rows] == [
        ("H43010500001", "2025-07-14", LI_NA.psn_name, "1")
    ]
    later = {"data": {"begntime": "2025-08-01 00:00:00", "endtime": "2025-08-31 23:59:59"}}
    assert desk.ok("5304", later)["refmedin"] == []
    desk.ok("2502", {"data": {"trt_dcla_detl_sn": sn, "psn_no": LI_NA.psn_no}})
    assert desk.ok("5304", query)["refmedin"] == []


def test_accident_filing_answers_its_filing_number(desk: Desk) -> None:
    filing = {
        "psn_no": LI_NA.psn_no,
        "insutype": LI_NA.insutype,
        "fixmedins_code": DEMO_HOSPITAL,
        "trum_time": "2025-07-13 09:30:00",
        "trum_site": "家中",
        "trum_rea": "跌倒致左前臂受伤",
        "begndate": "2025-07-13",
    }
    output = desk.ok("2507", {"data": filing})
    assert output["result"]["trt_dcla_detl_sn"]
    # the registry refuses a filing without 人员编号 before it leaves; the bureau refuses it too
    with pytest.raises(DataValidationError) as caught:
        REGISTRY["2507"].validate_input({"data": {"trum_site": "家中"}})
    assert [(e.code, e.path) for e in caught.value.errors] == [(30002, "data.psn_no")]
    desk.refused("2507", {"data": {"trum_site": "家中"}}, "人员编号不能为空", validate=False)
