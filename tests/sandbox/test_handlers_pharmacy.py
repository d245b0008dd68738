"""Pharmacy purchase through the handlers: 2101 → 2102 → 2103, with amounts by hand.

Policy numbers used (policy.yaml): 310 职工 药店购药 统筹 0 %, no deductible; the personal account pays the
whole personal part.  Catalog (seed.py): 布洛芬缓释胶囊 乙 先行自付 5 %; 阿司匹林肠溶片 甲; 复合维生素片 丙.

The purchase of 刘芳 (310/1101, 个人账户 860.30) at the demo pharmacy, med_type 41:
  P1 布洛芬缓释胶囊 2 × 11.20 = 22.40   先行自付 22.40 × 5 % = 1.12; in scope 21.28
  P2 阿司匹林肠溶片 1 × 15.80 = 15.80   in scope 15.80
  P3 复合维生素片   1 × 60.00 = 60.00   丙类 全自费 60.00
  medfee 98.20 = 全自费 60.00 + 先行自付 1.12 + 政策范围内 37.08
Settlement: 起付线 0.00; 统筹 37.08 × 0 % = 0.00; fund_pay_sumamt 0.00; psn_part_amt 98.20;
  个人账户 min(860.30, 98.20) = 98.20; cash 0.00; balance after 860.30 − 98.20 = 762.10.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import LIU_FANG, Desk

from medical_insurance_sdk.sandbox.business.shapes import response_node
from medical_insurance_sdk.sandbox.business_state import FeeDetail, Visit
from medical_insurance_sdk.sandbox.seed import DEMO_PHARMACY

D = Decimal
WHO = LIU_FANG
IBUPROFEN, ASPIRIN, VITAMINS = "XM01AEB040E001010100011", "XB01ACA056A001010100002", "XA11JAF000A001010100015"
EXPECTED = {
    "medfee_sumamt": D("98.20"),
    "fulamt_ownpay_amt": D("60.00"),
    "overlmt_selfpay": D("0.00"),
    "preselfpay_amt": D("1.12"),
    "inscp_scp_amt": D("37.08"),
    "act_pay_dedc": D("0.00"),
    "hifp_pay": D("0.00"),
    "pool_prop_selfpay": D("0.0000"),
    "fund_pay_sumamt": D("0.00"),
    "psn_part_amt": D("98.20"),
    "acct_pay": D("98.20"),
    "psn_cash_pay": D("0.00"),
    "balc": D("762.10"),
}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path, fixmedins_code=DEMO_PHARMACY)
    yield opened
    opened.close()


def item(sn: str, code: str, cnt: str, pric: str) -> dict[str, Any]:
    amount = (D(cnt) * D(pric)).quantize(D("0.01"))
    return {
        "feedetl_sn": sn,
        "med_list_codg": code,
        "medins_list_codg": f"P{sn}",
        "cnt": cnt,
        "pric": pric,
        "det_item_fee_sumamt": str(amount),
        "fee_ocur_time": "2025-07-14 09:30:00",
    }


def purchase(medfee: str = "98.20") -> dict[str, Any]:
    return {
        "druginfo": {
            "psn_no": WHO.psn_no,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": WHO.certno,
            "insutype": "310",
            "med_type": "41",
            "medfee_sumamt": medfee,
            "acct_used_flag": "1",
            "begntime": "2025-07-14 09:30:00",
        },
        "drugdetail": [
            item("P1", IBUPROFEN, "2", "11.20"),
            item("P2", ASPIRIN, "1", "15.80"),
            item("P3", VITAMINS, "1", "60.00"),
        ],
    }


def pick(setlinfo: dict[str, Any]) -> dict[str, Any]:
    return {name: setlinfo[name] for name in EXPECTED}


def fields(infno: str) -> list[str]:
    return [f.name for f in response_node(infno, "setlinfo").fields]


def test_the_pharmacy_flow_with_exact_amounts(desk: Desk) -> None:
    pre = desk.ok("2101", purchase())
    assert pick(pre["setlinfo"]) == EXPECTED
    assert list(pre["setlinfo"]) == fields("2101") and pre["setlinfo"]["mdtrt_id"] is None
    assert desk.balance(WHO) == D("860.30")
    assert desk.session.query(Visit).count() == 0

    output, msgid = desk.ok_with_msgid("2102", purchase())
    info = output["setlinfo"]
    assert list(info) == fields("2102")
    assert pick(info) == EXPECTED
    assert (
        info["mdtrt_id"] and info["setl_id"] and info["medins_setl_id"] == msgid and info["clr_type"] == "41"
    )
    assert [(r["fund_pay_type"], r["crt_payb_lmt_amt"], r["fund_payamt"]) for r in output["setldetail"]] == [
        ("310200", D("860.30"), D("98.20"))
    ]
    assert desk.balance(WHO) == D("762.10")

    cancel = {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": WHO.psn_no}}
    negative = desk.ok("2103", cancel)["setlinfo"]
    assert list(negative) == fields("2103")
    assert (negative["medfee_sumamt"], negative["acct_pay"], negative["balc"]) == (
        D("-98.20"),
        D("-98.20"),
        D("860.30"),
    )
    assert desk.balance(WHO) == D("860.30")
    visit = desk.session.get(Visit, info["mdtrt_id"])
    assert visit is not None and visit.status == "cancelled"
    assert {fd.status for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=visit.mdtrt_id)} == {
        "cancelled"
    }
    desk.refused("2103", cancel, "该结算已撤销，不能重复撤销")


def test_pharmacy_input_is_checked(desk: Desk) -> None:
    # validate=False: the registry refuses it before sending (30005); the bureau refuses it on its own too
    desk.refused("2102", purchase("98.00"), "费用总额与明细不符", validate=False)
    missing = purchase()
    del missing["drugdetail"]
    # the registry refuses these before sending (tests/registry/test_money_tables.py); the sandbox bureau
    # refuses them on its own too
    desk.refused("2102", missing, "feedetail", validate=False)
    bad = purchase()
    bad["drugdetail"][0]["cnt"] = "两盒"
    desk.refused("2101", bad, "feedetail[0].cnt", validate=False)
    assert desk.balance(WHO) == D("860.30")


def test_an_outpatient_cancel_cannot_undo_a_purchase(desk: Desk) -> None:
    info = desk.ok("2102", purchase())["setlinfo"]
    cancel = {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": WHO.psn_no}}
    desk.refused("2208", cancel, "该结算不是门诊结算")
