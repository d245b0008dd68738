"""Mobile payment through the handlers: 6201 → 6202 → 6301 → 6203, and 6401, with amounts by hand.

Policy (policy.yaml): 310 职工 门诊 年度起付线 1000, 统筹 60 %; the personal account pays the personal part
when acctUsedFlag is 1.  Catalog (seed.py): 普通门诊诊查费 甲 限价 10.00; 阿莫西林胶囊 甲; 复合维生素片 丙.

The order of 李娜 (310/1101, 个人账户 2680.50), med_type 11:
  L1 普通门诊诊查费 1 × 10.00 = 10.00 in scope; L2 阿莫西林胶囊 2 × 12.50 = 25.00 in scope;
  L4 复合维生素片 1 × 60.00 = 60.00 丙类 全自费.   medfee 95.00 (in scope 35.00)
Settlement: 起付线 min(35.00, 1000) = 35.00 → 统筹 0.00; psn_part 95.00; 个人账户 95.00; cash 0.00;
  balance after 2680.50 − 95.00 = 2585.50; after the refund 2680.50 again.
With acctUsedFlag 0 the whole 95.00 is cash and the balance does not move.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import LI_NA, Desk

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.business_state import FeeDetail, SettlementRow, Visit
from medical_insurance_sdk.sandbox.payment_state import PayOrder

D = Decimal
WHO = LI_NA
CONSULT, AMOXICILLIN, VITAMINS = (
    "001102000010000-110200001",
    "XJ01CAA040A001010100001",
    "XA11JAF000A001010100015",
)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def _row(sn: str, code: str, cnt: str, pric: str) -> dict[str, Any]:
    amount = (D(cnt) * D(pric)).quantize(D("0.01"))
    return {"feedetlSn": sn, "medListCodg": code, "cnt": cnt, "pric": pric, "detItemFeeSumamt": str(amount)}


def upload(order: str = "MO0001", medfee: str = "95.00", acct: str = "1", **extra: Any) -> dict[str, Any]:
    """A 6201 body: the registry's sample, with this order's person, amounts and lines."""
    body = sample_message(REGISTRY["6201"].request_nodes)
    body["data"] |= {
        "orgCodg": None,
        "psnNo": WHO.psn_no,
        "insutype": "310",
        "medOrgOrd": order,
        "medType": "11",
        "medfeeSumamt": medfee,
        "acctUsedFlag": acct,
        "mdtrtCertType": "02",
        "feedetailList": [
            _row("L1", CONSULT, "1", "10.00"),
            _row("L2", AMOXICILLIN, "2", "12.50"),
            _row("L4", VITAMINS, "1", "60.00"),
        ],
        **extra,
    }
    return body


def pay(pay_ord_id: str) -> dict[str, Any]:
    return {"data": {"payOrdId": pay_ord_id, "payAuthNo": "AUTH1", "orgCodg": "H43020000001"}}


def refund(pay_ord_id: str, total: str = "95.00", **parts: str) -> dict[str, Any]:
    return {
        "data": {"payOrdId": pay_ord_id, "appRefdSn": "R1", "totlRefdAmt": total, "refdType": "ALL", **parts}
    }


def query(pay_ord_id: str) -> dict[str, Any]:
    return {"data": {"payOrdId": pay_ord_id}}


def test_upload_pay_query_refund_moves_the_account_and_gives_it_back(desk: Desk) -> None:
    start = desk.balance(WHO)
    assert start == D("2680.50")
    made = desk.ok("6201", upload())["data"]
    pay_ord_id = made["payOrdId"]
    assert desk.ok("6301", query(pay_ord_id))["data"]["ordStas"] == "0"
    assert desk.balance(WHO) == start  # nothing paid by an upload

    paid = desk.ok("6202", pay(pay_ord_id))["data"]
    assert paid["ordStas"] == "4"
    assert (paid["feeSumamt"], paid["fundPay"], paid["psnAcctPay"], paid["ownPayAmt"]) == (
        D("95.00"),
        D("0.00"),
        D("95.00"),
        D("0.00"),
    )
    assert paid["feeSumamt"] == paid["fundPay"] + paid["psnAcctPay"] + paid["ownPayAmt"] + paid["hospPartAmt"]
    assert desk.balance(WHO) == D("2585.50")
    seen = desk.ok("6301", query(pay_ord_id))["data"]
    assert (seen["ordStas"], seen["payOrdId"], seen["medOrgOrd"], seen["psnAcctPay"]) == (
        "4",
        pay_ord_id,
        "MO0001",
        D("95.00"),
    )
    desk.refused("6202", pay(pay_ord_id), "订单已支付，不能重复支付")
    assert desk.balance(WHO) == D("2585.50")

    assert desk.ok("6203", refund(pay_ord_id, psnAcctRefdAmt="95.00"))["data"] == {"refStatus": "SUCC"}
    assert desk.balance(WHO) == start
    assert desk.ok("6301", query(pay_ord_id))["data"]["ordStas"] == "9"
    desk.refused("6203", refund(pay_ord_id), "订单已退费，不能重复退费")
    assert desk.balance(WHO) == start
    order = desk.session.get(PayOrder, pay_ord_id)
    assert order is not None and order.status == "refunded"
    rows = desk.session.query(SettlementRow).filter_by(mdtrt_id=order.mdtrt_id).all()
    assert sorted(r.medfee_sumamt for r in rows) == [D("-95.00"), D("95.00")]


def test_cash_only_payment_leaves_the_account(desk: Desk) -> None:
    pay_ord_id = desk.ok("6201", upload(acct="0"))["data"]["payOrdId"]
    paid = desk.ok("6202", pay(pay_ord_id))["data"]
    assert (paid["psnAcctPay"], paid["ownPayAmt"]) == (D("0.00"), D("95.00"))
    assert desk.balance(WHO) == D("2680.50")


def test_refunds_above_or_beside_what_was_paid_are_refused(desk: Desk) -> None:
    pay_ord_id = desk.ok("6201", upload())["data"]["payOrdId"]
    desk.refused("6203", refund(pay_ord_id), "订单未支付，不能退费")
    desk.ok("6202", pay(pay_ord_id))
    desk.refused("6203", refund(pay_ord_id, "95.01"), "退费金额超过支付金额")
    desk.refused("6203", refund(pay_ord_id, "50.00"), "暂不支持部分退费")
    desk.refused("6203", refund(pay_ord_id, cashRefdAmt="95.00"), "现金退费金额95.00与已支付0.00不符")
    desk.refused("6203", refund("ORD-NOPE"), "支付订单不存在")
    assert desk.balance(WHO) == D("2585.50")  # nothing refunded by a refusal


def test_upload_checks_totals_lines_and_order_numbers(desk: Desk) -> None:
    # validate=False: the registry refuses both before sending (30005); the bureau refuses them on its own too
    wrong_total = upload()
    wrong_total["data"]["medfeeSumamt"] = D("96.00")
    desk.refused("6201", wrong_total, "费用总额与明细不符", validate=False)
    bad_line = upload()
    bad_line["data"]["feedetailList"][0]["detItemFeeSumamt"] = "11.00"
    desk.refused("6201", bad_line, "明细项目费用总额11.00与数量×单价10.00不符", validate=False)
    missing = upload()
    del missing["data"]["feedetailList"][1]["medListCodg"]
    desk.refused("6201", missing, "medListCodg")
    desk.ok("6201", upload())
    desk.refused("6201", upload(), "医疗机构订单号已上传")
    assert desk.session.query(Visit).count() == 1  # the refused uploads left nothing


def test_revoke_an_unpaid_order_only(desk: Desk) -> None:
    first = desk.ok("6201", upload("MO1"))["data"]["payOrdId"]
    assert desk.ok("6401", query(first))["data"] == {"success": True, "message": "撤销成功"}
    order = desk.session.get(PayOrder, first)
    assert order is not None and order.status == "revoked"
    assert {fd.status for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=order.mdtrt_id)} == {
        "cancelled"
    }
    desk.refused("6401", query(first), "订单已撤销，不能重复撤销")
    desk.refused("6202", pay(first), "订单已撤销，不能支付")
    assert desk.ok("6301", query(first))["data"]["ordStas"] == "7"

    second = desk.ok("6201", upload("MO2"))["data"]["payOrdId"]
    desk.ok("6202", pay(second))
    desk.refused("6401", query(second), "订单已支付，不能撤销，请办理退费")


def test_query_by_institution_order_number(desk: Desk) -> None:
    assert desk.ok("6301", {"data": {"medOrgOrd": "MO-NONE"}}) == {"data": None}
    pay_ord_id = desk.ok("6201", upload("MO7"))["data"]["payOrdId"]
    assert desk.ok("6301", {"data": {"medOrgOrd": "MO7"}})["data"]["payOrdId"] == pay_ord_id
    desk.refused("6301", query("ORD-NOPE"), "支付订单不存在")


@pytest.mark.parametrize("infno", ["6201", "6202", "6203", "6401"])
def test_an_empty_money_body_is_refused_before_sending(infno: str) -> None:
    with pytest.raises(DataValidationError) as caught:
        REGISTRY[infno].validate_input({"data": {}})
    codes = {e.code for e in caught.value.errors}
    assert codes and codes <= {30001, 30002}, codes
