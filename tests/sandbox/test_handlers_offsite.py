"""异地就医购药 through the handlers: 2163 试算, 2102 结算, 2162 退费 / 2164 取消, 2165/2166, 2181 冲正.

The purchase is test_handlers_pharmacy's (刘芳, 个人账户 860.30): medfee 98.20, all of it from the account,
balance after 762.10; a refund or cancellation gives the 98.20 back (860.30), a 2181 of that refund takes it
again (762.10).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import Desk
from test_handlers_pharmacy import EXPECTED, WHO, pick, purchase

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.business_state import SettlementRow, Visit
from medical_insurance_sdk.sandbox.seed import DEMO_PHARMACY

D = Decimal


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path, fixmedins_code=DEMO_PHARMACY)
    yield opened
    opened.close()


def settle(desk: Desk) -> dict[str, Any]:
    return desk.ok("2102", purchase())["setlinfo"]


def named(setl_id: str, **extra: Any) -> dict[str, Any]:
    return {"data": {"setl_id": setl_id, "psn_no": WHO.psn_no, **extra}}


def orders(desk: Desk, setl_id: str | None = None) -> list[dict[str, Any]]:
    body = {"psn_no": WHO.psn_no} | ({"setl_id": setl_id} if setl_id else {})
    return desk.ok("2165", {"data": body})["orderinfo"]


def test_trial_keeps_nothing(desk: Desk) -> None:
    trial = desk.ok("2163", purchase())
    assert pick(trial["setlinfo"]) == EXPECTED
    assert desk.balance(WHO) == D("860.30")
    assert desk.session.query(Visit).count() == 0 and desk.session.query(SettlementRow).count() == 0


def test_refund_then_reverse_the_refund(desk: Desk) -> None:
    info = settle(desk)
    assert desk.balance(WHO) == D("762.10")
    desk.refused("2162", named(info["setl_id"], medfee_sumamt="98.21"), "退费金额与结算金额不符")
    output, msgid = desk.ok_with_msgid("2162", named(info["setl_id"], medfee_sumamt="98.20"))
    assert output["setlinfo"]["medfee_sumamt"] == D("-98.20")
    assert desk.balance(WHO) == D("860.30")
    desk.refused("2162", named(info["setl_id"], medfee_sumamt="98.20"), "该结算已撤销，不能重复撤销")
    rows = orders(desk, info["setl_id"])
    assert [(r["init_setl_id"], r["vali_flag"], r["medfee_sumamt"]) for r in rows] == [
        (None, "0", D("98.20")),
        (info["setl_id"], "1", D("-98.20")),
    ]
    assert rows[1]["medins_setl_id"] == msgid

    reverse = {"data": {"psn_no": WHO.psn_no, "omsgid": msgid, "oinfno": "2162"}}
    desk.ok("2181", reverse)
    assert desk.balance(WHO) == D("762.10")  # the settlement stands again
    assert [r["vali_flag"] for r in orders(desk, info["setl_id"])] == ["1", "0"]
    desk.ok("2181", reverse)  # repeated: nothing changes
    assert desk.balance(WHO) == D("762.10")
    again = desk.ok("2166", named(info["setl_id"]))["setlinfo"]
    assert again["setl_id"] == info["setl_id"] and again["medfee_sumamt"] == D("98.20")
    # the restored settlement can be refunded again
    desk.ok("2162", named(info["setl_id"], medfee_sumamt="98.20"))
    assert desk.balance(WHO) == D("860.30")


def test_cancel_today_only_and_reversal_checks(desk: Desk) -> None:
    info = settle(desk)
    desk.refused("2181", {"data": {"psn_no": WHO.psn_no, "omsgid": "NOPE", "oinfno": "2164"}}, "原交易不存在")
    desk.refused(
        "2181", {"data": {"psn_no": WHO.psn_no, "omsgid": "X", "oinfno": "2102"}}, "该交易不支持冲正"
    )
    desk.refused(
        "2181", {"data": {"psn_no": WHO.psn_no, "omsgid": "X", "oinfno": "2163"}}, "该交易不支持冲正"
    )
    _, msgid = desk.ok_with_msgid("2164", named(info["setl_id"]))
    assert desk.balance(WHO) == D("860.30")
    desk.refused("2181", {"data": {"psn_no": WHO.psn_no, "omsgid": msgid, "oinfno": "2162"}}, "原报文为2164")
    desk.refused(
        "2181", {"data": {"psn_no": "P-OTHER", "omsgid": msgid, "oinfno": "2164"}}, "人员编号与原交易不符"
    )

    later = settle(desk)
    desk.tick(days=1)
    desk.refused("2164", named(later["setl_id"]), "非当日订单不能取消")
    desk.refused("2162", named("S-NOPE", medfee_sumamt="1.00"), "结算信息不存在")
    desk.refused("2166", named("S-NOPE"), "结算信息不存在")


@pytest.mark.parametrize("infno", ["2162", "2163", "2164", "2181"])
def test_an_empty_money_body_is_refused_before_sending(infno: str) -> None:
    body = {name: {} for name in REGISTRY[infno].input_nodes}
    with pytest.raises(DataValidationError) as caught:
        REGISTRY[infno].validate_input(body)
    codes = {e.code for e in caught.value.errors}
    assert codes and codes <= {30001, 30002}, codes
