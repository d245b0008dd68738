"""Inpatient flow through the handlers: 2401 → 2301 → 2303 → 2402 → 2304 → 2305, with amounts by hand.

Policy numbers used (policy.yaml): 310 职工 住院 每次起付线 800, 统筹 85 % (在职), 年封顶线 150000 (not
reached, so 大额 330 pays nothing).  Catalog (seed.py): 三人间床位费 甲 限价 40.00;
单人间床位费 甲 限价 40.00; 阑尾切除术 甲; 注射用头孢曲松钠 乙 先行自付 10 % 限制使用; 一次性使用吻合器 丙.

The stay of 王建国 (310/1101, 个人账户 4120.00), med_type 21:
  I1 三人间床位费  5 × 40.00   = 200.00   in scope 200.00
  I2 单人间床位费  2 × 120.00  = 240.00   capped 2 × 40 = 80.00 → 超限价 160.00; in scope 80.00
  I3 阑尾切除术    1 × 1200.00 = 1200.00  in scope 1200.00
  I4 头孢曲松钠   10 × 9.60    = 96.00    先行自付 9.60; in scope 86.40
  I5 吻合器        1 × 1500.00 = 1500.00  丙类 全自费 1500.00
  I6 refund of I4 −2 × 9.60    = −19.20   先行自付 −1.92; in scope −17.28
  medfee 3216.80 = 全自费 1500.00 + 超限价 160.00 + 先行自付 7.68 + 政策范围内 1549.12
Settlement: 起付线 800.00; 统筹 (1549.12 − 800.00) × 85 % = 749.12 × 0.85 = 636.752 → 636.75;
  fund_pay_sumamt 636.75; psn_part_amt 3216.80 − 636.75 = 2580.05; 个人账户 min(4120.00, 2580.05) = 2580.05;
  cash 0.00; balance after 4120.00 − 2580.05 = 1539.95.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import WANG_JIANGUO, Desk, fee_row

from medical_insurance_sdk.sandbox.business_state import FeeDetail, Visit

D = Decimal
WHO = WANG_JIANGUO
WARD, SINGLE_ROOM = "001101000010100-110100001", "001101000010300-110100003"
APPENDECTOMY, CEFTRIAXONE, STAPLER = (
    "003310003010000-331003001",
    "XJ01DDA040B001010100010",
    "C0309010010000000007",
)
TOTALS = {
    "medfee_sumamt": D("3216.80"),
    "fulamt_ownpay_amt": D("1500.00"),
    "overlmt_selfpay": D("160.00"),
    "preselfpay_amt": D("7.68"),
    "inscp_scp_amt": D("1549.12"),
}
SETTLED = {
    **TOTALS,
    "act_pay_dedc": D("800.00"),
    "hifp_pay": D("636.75"),
    "pool_prop_selfpay": D("0.8500"),
    "hifob_pay": D("0.00"),
    "hifdm_pay": D("0.00"),
    "fund_pay_sumamt": D("636.75"),
    "psn_part_amt": D("2580.05"),
    "acct_pay": D("2580.05"),
    "psn_cash_pay": D("0.00"),
    "balc": D("1539.95"),
}
_DROPPED_2301 = (
    "chrg_bchno",
    "dise_codg",
    "rxno",
    "rx_circ_flag",
    "sin_dos_dscr",
    "used_frqu_dscr",
    "prd_days",
    "medc_way_dscr",
    "exp_content",
)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def diagnosis(**extra: Any) -> dict[str, Any]:
    return {
        "psn_no": WHO.psn_no,
        "diag_type": "1",
        "maindiag_flag": "1",
        "diag_srt_no": 1,
        "diag_code": "K35.800",
        "diag_name": "急性阑尾炎",
        "diag_dept": "普通外科",
        "dise_dor_no": "D430302000103",
        "dise_dor_name": "张医生",
        "diag_time": "2025-07-14 09:00:00",
        **extra,
    }


def admission(ipt_no: str = "ZY2025070001") -> dict[str, Any]:
    return {
        "mdtrtinfo": {
            "psn_no": WHO.psn_no,
            "insutype": "310",
            "begntime": "2025-07-14 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": WHO.certno,
            "med_type": "21",
            "ipt_no": ipt_no,
            "atddr_no": "D430302000103",
            "chfpdr_name": "张医生",
            "adm_diag_dscr": "转移性右下腹痛",
            "adm_dept_codg": "WK01",
            "adm_dept_name": "普通外科",
            "adm_bed": "12",
            "dscg_maindiag_code": "K35.800",
            "dscg_maindiag_name": "急性阑尾炎",
        },
        "diseinfo": [diagnosis()],
    }


def discharge(mdtrt_id: str) -> dict[str, Any]:
    return {
        "dscginfo": {
            "mdtrt_id": mdtrt_id,
            "psn_no": WHO.psn_no,
            "insutype": "310",
            "endtime": "2025-07-19 10:00:00",
            "dscg_dept_codg": "WK01",
            "dscg_dept_name": "普通外科",
            "dscg_way": "1",
        },
        "diseinfo": [diagnosis(diag_time="2025-07-19 09:00:00")],
    }


def inpatient_row(mdtrt_id: str, sn: str, code: str, cnt: str, pric: str, **extra: Any) -> dict[str, Any]:
    row = fee_row(WHO, mdtrt_id, sn, code, cnt, pric)
    for name in _DROPPED_2301:
        row.pop(name, None)
    return {**row, "med_type": "21", **extra}


def settle(mdtrt_id: str, totals: dict[str, Decimal] = TOTALS, *, mid: str = "0") -> dict[str, Any]:
    return {
        "data": {
            "psn_no": WHO.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": WHO.certno,
            "medfee_sumamt": totals["medfee_sumamt"],
            "psn_setlway": "01",
            "mdtrt_id": mdtrt_id,
            "insutype": "310",
            "acct_used_flag": "1",
            "mid_setl_flag": mid,
            **{k: v for k, v in totals.items() if k != "medfee_sumamt"},
        }
    }


def admit_with_fees(desk: Desk) -> str:
    mdtrt_id = desk.ok("2401", admission())["result"]["mdtrt_id"]
    rows = [
        inpatient_row(mdtrt_id, "I1", WARD, "5", "40.00"),
        inpatient_row(mdtrt_id, "I2", SINGLE_ROOM, "2", "120.00"),
        inpatient_row(mdtrt_id, "I3", APPENDECTOMY, "1", "1200.00"),
        inpatient_row(mdtrt_id, "I4", CEFTRIAXONE, "10", "9.60"),
        inpatient_row(mdtrt_id, "I5", STAPLER, "1", "1500.00"),
    ]
    desk.ok("2301", {"feedetail": rows})
    refund = inpatient_row(mdtrt_id, "I6", CEFTRIAXONE, "-2", "9.60", init_feedetl_sn="I4")
    result = desk.ok("2301", {"feedetail": [refund]})["result"][0]
    assert (result["det_item_fee_sumamt"], result["preselfpay_amt"], result["inscp_scp_amt"]) == (
        D("-19.20"),
        D("-1.92"),
        D("-17.28"),
    )
    return mdtrt_id


def pick(setlinfo: dict[str, Any]) -> dict[str, Any]:
    return {name: setlinfo[name] for name in SETTLED}


def test_the_inpatient_flow_with_exact_amounts(desk: Desk) -> None:
    mdtrt_id = admit_with_fees(desk)

    pre = desk.ok("2303", settle(mdtrt_id))["setlinfo"]
    assert pick(pre) == SETTLED
    assert desk.balance(WHO) == D("4120.00")

    desk.ok("2402", discharge(mdtrt_id))
    output, msgid = desk.ok_with_msgid("2304", settle(mdtrt_id))
    info = output["setlinfo"]
    assert pick(info) == SETTLED
    assert info["medins_setl_id"] == msgid and info["clr_type"] == "21" and info["med_type"] == "21"
    detail = {row["fund_pay_type"]: row for row in output["setldetail"]}
    assert (detail["310100"]["inscp_scp_amt"], detail["310100"]["fund_payamt"]) == (D("749.12"), D("636.75"))
    assert detail["310100"]["crt_payb_lmt_amt"] == D("150000.00")
    assert detail["310200"]["fund_payamt"] == D("2580.05")
    person = desk.person(WHO)
    assert person.balc == D("1539.95")
    assert person.year_to_date == {"310.pool.inpatient": "636.75", "fund.310100": "636.75"}

    desk.refused("2304", settle(mdtrt_id), "该就诊已结算，不能重复结算")
    desk.refused("2405", {"data": {"mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no}}, "该就诊已结算，不能撤销出院")

    cancel = desk.ok(
        "2305", {"data": {"mdtrt_id": mdtrt_id, "setl_id": info["setl_id"], "psn_no": WHO.psn_no}}
    )
    negative = cancel["setlinfo"]
    assert negative["setl_id"] != info["setl_id"]
    assert (
        negative["medfee_sumamt"],
        negative["fund_pay_sumamt"],
        negative["acct_pay"],
        negative["balc"],
    ) == (
        D("-3216.80"),
        D("-636.75"),
        D("-2580.05"),
        D("4120.00"),
    )
    person = desk.person(WHO)
    assert person.balc == D("4120.00") and person.year_to_date == {}
    assert {fd.status for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id)} == {"uploaded"}
    desk.refused(
        "2305",
        {"data": {"mdtrt_id": mdtrt_id, "setl_id": info["setl_id"], "psn_no": WHO.psn_no}},
        "该结算已撤销，不能重复撤销",
    )


def test_final_settlement_needs_the_discharge(desk: Desk) -> None:
    mdtrt_id = admit_with_fees(desk)
    desk.refused("2304", settle(mdtrt_id), "未办理出院")
    # 中途结算 while in hospital is allowed; the stay stays open
    mid = desk.ok("2304", settle(mdtrt_id, mid="1"))["setlinfo"]
    assert mid["medfee_sumamt"] == D("3216.80")
    visit = desk.session.get(Visit, mdtrt_id)
    assert visit is not None and visit.status == "admitted"
    desk.refused("2304", settle(mdtrt_id, mid="1"), "无待结算的费用明细")


def test_one_open_admission_per_person_and_institution(desk: Desk) -> None:
    mdtrt_id = desk.ok("2401", admission())["result"]["mdtrt_id"]
    desk.refused("2401", admission("ZY2025070002"), "该参保人已有在院记录")
    # another institution may admit the person
    assert desk.ok("2401", admission("SZ0001"), fixmedins_code="H44030500001")["result"]["mdtrt_id"]
    desk.ok("2402", discharge(mdtrt_id))
    assert desk.ok("2401", admission("ZY2025070003"))["result"]["mdtrt_id"] != mdtrt_id


def test_admission_cancel_only_without_fees(desk: Desk) -> None:
    mdtrt_id = admit_with_fees(desk)
    cancel = {"data": {"mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no}}
    desk.refused("2404", cancel, "该就诊已上传费用明细，不能撤销入院")
    desk.ok("2302", {"data": {"feedetl_sn": "0000", "mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no}})
    assert desk.ok("2404", cancel) is None
    desk.refused("2301", {"feedetail": [inpatient_row(mdtrt_id, "I9", WARD, "1", "40.00")]}, "就诊信息已撤销")


def test_discharge_cancel_and_change(desk: Desk) -> None:
    mdtrt_id = desk.ok("2401", admission())["result"]["mdtrt_id"]
    desk.refused("2405", {"data": {"mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no}}, "该参保人未办理出院")
    desk.ok("2402", discharge(mdtrt_id))
    desk.refused("2402", discharge(mdtrt_id), "该参保人已办理出院")
    desk.ok("2405", {"data": {"mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no}})
    visit = desk.session.get(Visit, mdtrt_id)
    assert visit is not None and visit.status == "admitted" and visit.endtime is None
    assert {d["inout_diag_type"] for d in visit.diagnoses} == {"1"}
    change = admission("ZY2025070009")
    adminfo = {
        k: v for k, v in change["mdtrtinfo"].items() if k not in ("insutype", "mdtrt_cert_no", "ipt_no")
    }
    adminfo.update(mdtrt_id=mdtrt_id, ipt_otp_no="ZY2025070009", med_type="22")
    desk.ok("2403", {"adminfo": adminfo, "diseinfo": [diagnosis(diag_code="S30.000", diag_name="腹部挫伤")]})
    desk.session.refresh(visit)
    assert (visit.ipt_otp_no, visit.med_type) == ("ZY2025070009", "22")
    assert [d["diag_code"] for d in visit.diagnoses] == ["S30.000"]


def test_fee_cancellation_of_one_line(desk: Desk) -> None:
    mdtrt_id = admit_with_fees(desk)
    one = {"data": {"feedetl_sn": "I5", "mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no}}
    desk.ok("2302", one)
    desk.refused("2302", one, "费用明细不存在")
    totals = {**TOTALS, "medfee_sumamt": D("1716.80"), "fulamt_ownpay_amt": D("0.00")}
    assert desk.ok("2303", settle(mdtrt_id, totals))["setlinfo"]["medfee_sumamt"] == D("1716.80")


def test_refund_must_name_an_original(desk: Desk) -> None:
    mdtrt_id = desk.ok("2401", admission())["result"]["mdtrt_id"]
    refund = inpatient_row(mdtrt_id, "R1", CEFTRIAXONE, "-1", "9.60", init_feedetl_sn="NOPE")
    desk.refused("2301", {"feedetail": [refund]}, "原费用明细流水号不存在：NOPE")


def test_in_hospital_query(desk: Desk) -> None:
    mdtrt_id = desk.ok("2401", admission())["result"]["mdtrt_id"]
    period = {"begntime": "2025-07-01 00:00:00", "endtime": "2025-07-31 23:59:59"}
    rows = desk.ok("5303", {"data": period})["data"]
    assert [(r["mdtrt_id"], r["ipt_otp_no"], r["begndate"], r["out_flag"]) for r in rows] == [
        (mdtrt_id, "ZY2025070001", "2025-07-14", "0")
    ]
    assert rows[0]["psn_name"] == WHO.psn_name and rows[0]["med_type"] == "21"
    # still in hospital a week later; not yet admitted the day before
    later = {"begntime": "2025-07-21 00:00:00", "endtime": "2025-07-21 23:59:59"}
    assert [r["mdtrt_id"] for r in desk.ok("5303", {"data": later})["data"]] == [mdtrt_id]
    before = {"begntime": "2025-07-13 00:00:00", "endtime": "2025-07-13 23:59:59"}
    assert desk.ok("5303", {"data": before})["data"] == []
    desk.ok("2402", discharge(mdtrt_id))
    assert desk.ok("5303", {"data": {**period, "psn_no": WHO.psn_no}})["data"] == []
