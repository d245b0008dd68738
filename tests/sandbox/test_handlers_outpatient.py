"""Outpatient flow through the handlers: 2201 → 2203 → 2204 → 2206 → 2207 → 2208, with amounts by hand.

Policy numbers used (src/medical_insurance_sdk/sandbox/policy.yaml): 310 职工 门诊 年度起付线 1000, 统筹 60 %
(在职), 门诊年度限额 5000; 乙类 先行自付 per catalog; the personal account pays the whole personal part
(covers_out_of_scope).  Catalog (seed.py): 普通门诊诊查费 甲 限价 10.00; 阿莫西林胶囊 甲; 人血白蛋白注射液
乙 先行自付 20 % 限价 380.00 限制使用; 复合维生素片 丙.

The basket of 李娜 (310/1101, 个人账户 2680.50):
  L1 普通门诊诊查费  1 × 10.00  = 10.00    in scope 10.00
  L2 阿莫西林胶囊    2 × 12.50  = 25.00    in scope 25.00
  L3 人血白蛋白      4 × 420.00 = 1680.00  capped 4 × 380 = 1520.00 → 超限价 160.00;
                                           先行自付 1520.00 × 20 % = 304.00; in scope 1216.00
  L4 复合维生素片    1 × 60.00  = 60.00    丙类 全自费 60.00
  medfee 1775.00 = 全自费 60.00 + 超限价 160.00 + 先行自付 304.00 + 政策范围内 1251.00
Settlement: 起付线 min(1251.00, 1000) = 1000.00; 统筹 (1251.00 − 1000.00) × 60 % = 150.60 (within 5000);
  fund_pay_sumamt 150.60; psn_part_amt 1775.00 − 150.60 = 1624.40; 个人账户 min(2680.50, 1624.40) = 1624.40;
  cash 0.00; balance after 2680.50 − 1624.40 = 1056.10.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import LI_NA, SUSPENDED, Desk, fee_row, registration, settle_request, visit_info

from medical_insurance_sdk.sandbox.business_state import FeeDetail, SettlementRow
from medical_insurance_sdk.sandbox.seed import PERSONS

D = Decimal
CONSULT, AMOXICILLIN = "001102000010000-110200001", "XJ01CAA040A001010100001"
ALBUMIN, VITAMINS = "XB05AAA010B002010100013", "XA11JAF000A001010100015"
TOTALS = {
    "medfee_sumamt": D("1775.00"),
    "fulamt_ownpay_amt": D("60.00"),
    "overlmt_selfpay": D("160.00"),
    "preselfpay_amt": D("304.00"),
    "inscp_scp_amt": D("1251.00"),
}
SETTLED = {
    **TOTALS,
    "act_pay_dedc": D("1000.00"),
    "hifp_pay": D("150.60"),
    "pool_prop_selfpay": D("0.6000"),
    "cvlserv_pay": D("0.00"),
    "hifmi_pay": D("0.00"),
    "hifob_pay": D("0.00"),
    "maf_pay": D("0.00"),
    "fund_pay_sumamt": D("150.60"),
    "psn_part_amt": D("1624.40"),
    "acct_pay": D("1624.40"),
    "psn_cash_pay": D("0.00"),
    "hosp_part_amt": D("0.00"),
    "balc": D("1056.10"),
}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def open_visit(desk: Desk) -> str:
    """2201 + 2203 + 2204 of the basket above; returns the mdtrt_id."""
    mdtrt_id = desk.ok("2201", registration(LI_NA))["data"]["mdtrt_id"]
    desk.ok("2203", visit_info(LI_NA, mdtrt_id))
    rows = [
        fee_row(LI_NA, mdtrt_id, "F1", CONSULT, "1", "10.00"),
        fee_row(LI_NA, mdtrt_id, "F2", AMOXICILLIN, "2", "12.50"),
        fee_row(LI_NA, mdtrt_id, "F3", ALBUMIN, "4", "420.00"),
        fee_row(LI_NA, mdtrt_id, "F4", VITAMINS, "1", "60.00"),
    ]
    desk.ok("2204", {"feedetail": rows})
    return mdtrt_id


def amounts(setlinfo: dict[str, Any], names: Any) -> dict[str, Any]:
    return {name: setlinfo[name] for name in names}


def test_registration_answers_the_new_visit(desk: Desk) -> None:
    output = desk.ok("2201", registration(LI_NA, "MZ0001"))
    data = output["data"]
    assert data["psn_no"] == LI_NA.psn_no and data["ipt_otp_no"] == "MZ0001"
    assert len(data["mdtrt_id"]) <= 30
    assert desk.ok("2201", registration(LI_NA, "MZ0002"))["data"]["mdtrt_id"] != data["mdtrt_id"]


def test_fee_upload_prices_every_line(desk: Desk) -> None:
    mdtrt_id = desk.ok("2201", registration(LI_NA))["data"]["mdtrt_id"]
    rows = [
        fee_row(LI_NA, mdtrt_id, "F3", ALBUMIN, "4", "420.00"),
        fee_row(LI_NA, mdtrt_id, "F4", VITAMINS, "1", "60.00"),
        # 限制使用 without the hospital's approval: fully self-paid
        fee_row(LI_NA, mdtrt_id, "F5", ALBUMIN, "1", "380.00", hosp_appr_flag="0"),
    ]
    result = desk.ok("2204", {"feedetail": rows})["result"]
    albumin, vitamins, unapproved = result
    assert albumin["feedetl_sn"] == "F3"
    assert (albumin["det_item_fee_sumamt"], albumin["overlmt_amt"], albumin["preselfpay_amt"]) == (
        D("1680.00"),
        D("160.00"),
        D("304.00"),
    )
    assert (albumin["inscp_scp_amt"], albumin["fulamt_ownpay_amt"]) == (D("1216.00"), D("0.00"))
    assert (albumin["pric_uplmt_amt"], albumin["selfpay_prop"], albumin["chrgitm_lv"]) == (
        D("380.000000"),
        D("0.2000"),
        "02",
    )
    assert str(albumin["cnt"]) == "4.0000" and str(albumin["pric"]) == "420.000000"
    assert (vitamins["fulamt_ownpay_amt"], vitamins["inscp_scp_amt"], vitamins["chrgitm_lv"]) == (
        D("60.00"),
        D("0.00"),
        "03",
    )
    assert (unapproved["fulamt_ownpay_amt"], unapproved["inscp_scp_amt"]) == (D("380.00"), D("0.00"))
    assert unapproved["memo"] == "限制使用未审批，全自费"


def test_the_outpatient_flow_with_exact_amounts(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)

    pre = desk.ok("2206", settle_request(LI_NA, mdtrt_id, TOTALS, parts=False))
    assert amounts(pre["setlinfo"], SETTLED) == SETTLED
    assert desk.balance(LI_NA) == D("2680.50")  # a pre-settlement moves nothing

    output, msgid = desk.ok_with_msgid("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    info = output["setlinfo"]
    assert amounts(info, SETTLED) == SETTLED
    assert info["mdtrt_id"] == mdtrt_id and info["setl_id"] and info["medins_setl_id"] == msgid
    assert (info["psn_name"], info["certno"], info["psn_type"], info["clr_type"]) == (
        LI_NA.psn_name,
        LI_NA.certno,
        "1101",
        "11",
    )
    assert info["clr_optins"] == "430200" and info["med_type"] == "11" and info["insutype"] == "310"
    detail = {row["fund_pay_type"]: row for row in output["setldetail"]}
    assert set(detail) == {"310100", "310200"}
    assert (detail["310100"]["inscp_scp_amt"], detail["310100"]["crt_payb_lmt_amt"]) == (
        D("251.00"),
        D("5000.00"),
    )
    assert detail["310100"]["fund_payamt"] == D("150.60")
    assert (detail["310200"]["crt_payb_lmt_amt"], detail["310200"]["fund_payamt"]) == (
        D("2680.50"),
        D("1624.40"),
    )
    person = desk.person(LI_NA)
    assert person.balc == D("1056.10")
    assert person.year_to_date == {
        "310.dedc.outpatient": "1000.00",
        "310.pool.outpatient": "150.60",
        "fund.310100": "150.60",
    }
    lines = desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id).all()
    assert {fd.status for fd in lines} == {"settled"} and {fd.setl_id for fd in lines} == {info["setl_id"]}

    cancel = desk.ok(
        "2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}}
    )
    negative = cancel["setlinfo"]
    assert negative["setl_id"] != info["setl_id"]
    assert (negative["medfee_sumamt"], negative["hifp_pay"], negative["acct_pay"]) == (
        D("-1775.00"),
        D("-150.60"),
        D("-1624.40"),
    )
    assert negative["fund_pay_sumamt"] == D("-150.60") and negative["psn_cash_pay"] == D("0.00")
    assert negative["balc"] == D("2680.50")
    assert {row["fund_payamt"] for row in cancel["setldetail"]} == {D("-150.60"), D("-1624.40")}
    person = desk.person(LI_NA)
    assert person.balc == D("2680.50") and person.year_to_date == {}
    original = desk.session.get(SettlementRow, info["setl_id"])
    assert original is not None and original.status == "cancelled"
    assert original.cancelled_by == negative["setl_id"]
    assert {fd.status for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id)} == {"uploaded"}

    # cancelled: the visit can be settled again, with the same amounts
    again = desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))["setlinfo"]
    assert amounts(again, SETTLED) == SETTLED and again["setl_id"] not in (
        info["setl_id"],
        negative["setl_id"],
    )


def test_a_settled_visit_cannot_be_settled_twice(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    desk.refused("2207", settle_request(LI_NA, mdtrt_id, TOTALS), "该就诊已结算，不能重复结算")
    desk.refused("2206", settle_request(LI_NA, mdtrt_id, TOTALS, parts=False), "该就诊已结算")
    desk.refused("2204", {"feedetail": [fee_row(LI_NA, mdtrt_id, "F9", CONSULT, "1", "10.00")]}, "已结算")
    desk.refused(
        "2202",
        {"data": {"psn_no": LI_NA.psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": "MZ20250714001"}},
        "该就诊已结算，不能撤销挂号",
    )
    assert desk.balance(LI_NA) == D("1056.10")


@pytest.mark.parametrize(
    ("name", "value"),
    [("medfee_sumamt", D("1775.01")), ("inscp_scp_amt", D("1250.00")), ("overlmt_selfpay", D("0.00"))],
)
def test_settlement_echo_must_match_the_lines(desk: Desk, name: str, value: Decimal) -> None:
    mdtrt_id = open_visit(desk)
    # validate=False: the registry refuses totals that disagree with their parts before sending (30005,
    # tests/registry/test_relations.py); the bureau checks them against the uploaded lines on its own too
    text = desk.refused(
        "2207", settle_request(LI_NA, mdtrt_id, {**TOTALS, name: value}), "费用总额与明细不符", validate=False
    )
    assert f"{value:f}" in text
    assert desk.balance(LI_NA) == D("2680.50")
    assert desk.session.query(SettlementRow).count() == 0


def test_fee_serial_numbers_are_unique_per_visit(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    row = fee_row(LI_NA, mdtrt_id, "F1", CONSULT, "1", "10.00")
    desk.refused("2204", {"feedetail": [row]}, "费用明细流水号重复")
    twice = [fee_row(LI_NA, mdtrt_id, "F7", CONSULT, "1", "10.00")] * 2
    desk.refused("2204", {"feedetail": twice}, "费用明细流水号重复：F7")
    # 2205 "0000" cancels every unsettled line; their numbers may then be used again
    desk.ok("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": LI_NA.psn_no}})
    assert desk.ok("2204", {"feedetail": [row]})["result"][0]["feedetl_sn"] == "F1"
    desk.refused("2207", settle_request(LI_NA, mdtrt_id, TOTALS), "费用总额与明细不符")


def test_line_amount_must_equal_count_times_price(desk: Desk) -> None:
    mdtrt_id = desk.ok("2201", registration(LI_NA))["data"]["mdtrt_id"]
    row = {**fee_row(LI_NA, mdtrt_id, "F1", AMOXICILLIN, "2", "12.50"), "det_item_fee_sumamt": D("24.00")}
    # validate=False: the registry refuses it before sending (30005); the bureau refuses it on its own too
    desk.refused("2204", {"feedetail": [row]}, "明细项目费用总额24.00与数量×单价25.00不符", validate=False)


def test_fee_cancellation_by_batch(desk: Desk) -> None:
    mdtrt_id = desk.ok("2201", registration(LI_NA))["data"]["mdtrt_id"]
    rows = [
        fee_row(LI_NA, mdtrt_id, "F1", CONSULT, "1", "10.00", chrg_bchno="B1"),
        fee_row(LI_NA, mdtrt_id, "F2", AMOXICILLIN, "2", "12.50", chrg_bchno="B2"),
    ]
    desk.ok("2204", {"feedetail": rows})
    desk.ok("2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "psn_no": LI_NA.psn_no}})
    desk.refused(
        "2205",
        {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "B9", "psn_no": LI_NA.psn_no}},
        "收费批次号不存在",
    )
    statuses = {fd.feedetl_sn: fd.status for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id)}
    assert statuses == {"F1": "cancelled", "F2": "uploaded"}


def test_who_may_register(desk: Desk) -> None:
    desk.refused("2201", registration(SUSPENDED), "参保人员参保状态异常")
    unknown = registration(LI_NA)
    unknown["data"]["psn_no"] = "43000030281099999999"
    desk.refused("2201", unknown, "人员信息不存在")
    resident = next(p for p in PERSONS if p.insutype == "390")
    wrong = registration(resident)
    wrong["data"]["insutype"] = "310"
    desk.refused("2201", wrong, "参保人员无该险种参保信息")


def test_a_visit_belongs_to_its_institution(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    desk.refused(
        "2207", settle_request(LI_NA, mdtrt_id, TOTALS), "就诊信息不存在", fixmedins_code="H44030500001"
    )
    other = PERSONS[0]
    desk.refused("2207", settle_request(other, mdtrt_id, TOTALS), "人员编号与就诊信息不符")


def test_registration_cancel_before_settlement(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    cancel = {"data": {"psn_no": LI_NA.psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": "MZ20250714001"}}
    assert desk.ok("2202", cancel) is None
    desk.refused("2202", cancel, "就诊信息已撤销")
    desk.refused("2207", settle_request(LI_NA, mdtrt_id, TOTALS), "就诊信息已撤销")
    assert {fd.status for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id)} == {"cancelled"}


def test_med_type_of_the_visit_and_the_settlement_agree(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    desk.refused("2207", settle_request(LI_NA, mdtrt_id, TOTALS, med_type="14"), "医疗类别与就诊信息不符")


def test_a_cancel_in_the_next_year_refunds_only_the_account(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    setl_id = desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))["setlinfo"]["setl_id"]
    desk.now = datetime(2026, 1, 5, 9, 0, 0)
    cancel = {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}}
    assert desk.ok("2208", cancel)["setlinfo"]["balc"] == D("2680.50")
    person = desk.person(LI_NA)
    # the 2025 counters restarted on 1 January: nothing is subtracted from 2026's
    assert (person.year, person.year_to_date, person.balc) == (2026, {}, D("2680.50"))


def test_treatment_check(desk: Desk) -> None:
    def check(who: Any, insutype: str = "310") -> list[dict[str, Any]]:
        data = {
            "psn_no": who.psn_no,
            "insutype": insutype,
            "fixmedins_code": "H43028110001",
            "med_type": "11",
            "begntime": "2025-07-14 09:00:00",
        }
        rows: list[dict[str, Any]] = desk.ok("2001", {"data": data})["trtinfo"]
        return rows

    rows = check(LI_NA)
    assert [r["fund_pay_type"] for r in rows] == ["310100", "310200"]
    assert {r["trt_enjymnt_flag"] for r in rows} == {"1"}
    assert rows[0]["begndate"] == "2025-07-14" and rows[0]["enddate"] == "2025-12-31"
    suspended = check(SUSPENDED)
    assert {r["trt_enjymnt_flag"] for r in suspended} == {"0"}
    assert "参保状态异常" in suspended[0]["trt_chk_rslt"]
    civil_servant = next(p for p in PERSONS if p.cvlserv_flag == "1")
    assert "320100" in [r["fund_pay_type"] for r in check(civil_servant)]
