"""Mobile payment of the sandbox bureau (医保移动支付, reference §3): 6201 → 6202 → 6301 → 6203, and 6401.

    6201 费用明细上传 data{psnNo, insutype, medOrgOrd, medType, medfeeSumamt, acctUsedFlag, feedetailList[]}
         → an order (payOrdId, payToken) holding the priced fee lines of a new visit; nothing is paid
    6202 支付下单 data{payOrdId, acctUsedFlag?} → the lines settled by the fund split (a SettlementRow), the
         person's account charged; answers feeSumamt = fundPay + psnAcctPay + ownPayAmt (+ hospPartAmt)
    6301 订单结算结果查询 data{payOrdId | medOrgOrd} → the order's state and amounts
    6203 医保退费 data{payOrdId, appRefdSn, totlRefdAmt, …} → the whole settlement given back (negative twin)
    6401 订单撤销 data{payOrdId} → an unpaid order and its lines revoked

Order states in 6301's ordStas: 0 uploaded, 4 paid, 7 revoked, 9 refunded (the registry's catalog/payment.py
names the three that prove a 6202 / 6203 / 6401).  Refusals as the bureau words them: 支付订单不存在,
订单已支付，不能重复支付, 订单已退费，不能重复退费, 退费金额超过支付金额 ….  Messages come in the ordinary
envelope (`input.data`) or on the SM routes; both reach these handlers as {"data": {...}}.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any, Final

from pydantic import BaseModel

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry.catalog.payment import ORD_PAID, ORD_REFUNDED, ORD_REVOKED
from medical_insurance_sdk.registry.field_models import build_message_model
from medical_insurance_sdk.registry.fields import node
from medical_insurance_sdk.registry.validation import validate_message
from medical_insurance_sdk.sandbox.business.context import new_id, policy_of
from medical_insurance_sdk.sandbox.business.fees import fee_line, upload_lines
from medical_insurance_sdk.sandbox.business.persons import load_person, require_insured
from medical_insurance_sdk.sandbox.business.settlements import (
    cancel_settlement,
    compute,
    record_settlement,
    terms,
)
from medical_insurance_sdk.sandbox.business.shapes import response_node, shape, text_time
from medical_insurance_sdk.sandbox.business.visits import CANCELLED, REGISTERED, SETTLED, lines_of, remember
from medical_insurance_sdk.sandbox.business_state import SettlementRow, Visit
from medical_insurance_sdk.sandbox.fund_policy import FundSplitError
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.payment_state import PayOrder

UPLOADED, PAID, REVOKED, REFUNDED = "uploaded", "paid", "revoked", "refunded"
ORD_STAS: Final = {UPLOADED: "0", PAID: ORD_PAID, REVOKED: ORD_REVOKED, REFUNDED: ORD_REFUNDED}
REFUND_ALL = "ALL"

# The rows of feedetailList: the 2204 row in camelCase (reference §3), checked as strictly as 2204's.
_FEE_ROWS = node(
    "feedetailList",
    """
    feedetlSn         费用明细流水号      C30     Y
    medListCodg       医疗目录编码        C50     Y
    medinsListCodg    医药机构目录编码    C150    N
    detItemFeeSumamt  明细项目费用总额    N16,2   Y
    cnt               数量                N16,4   Y
    pric              单价                N16,6   Y
    feeOcurTime       费用发生时间        DT      N
    rxno              处方号              C30     N
    chrgBchno         收费批次号          C30     N
    hospApprFlag      医院审批标志        C3      N  @hosp_appr_flag
    """,
    many=True,
    max_items=1000,
)
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@cache
def _rows_model() -> type[BaseModel]:
    return build_message_model("SandboxPayFeeRows", (_FEE_ROWS,), flavour="request")


def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def _fee_rows(ctx: Context, value: Any) -> list[dict[str, Any]]:
    """feedetailList as 2204 rows (snake_case, typed), or a refusal naming every bad field."""
    try:
        rows = validate_message(_rows_model(), {"feedetailList": value}, infno=ctx.infno).model_dump()
    except DataValidationError as exc:
        ctx.refuse("; ".join(e.message for e in exc.errors) or exc.message)
    return [{_snake(k): v for k, v in row.items()} for row in rows["feedetailList"]]


def _answer(infno: str, values: dict[str, Any]) -> dict[str, Any]:
    """{"data": …} with exactly the fields of the registry's answer node, in its order."""
    return {"data": shape(values, response_node(infno, "data"))}


def _order(ctx: Context, pay_ord_id: str) -> PayOrder:
    order = ctx.session.get(PayOrder, pay_ord_id)
    if order is None or order.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse(f"支付订单不存在（{pay_ord_id}）")
    return order


def _amounts(row: SettlementRow | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {
        "feeSumamt": row.medfee_sumamt,
        "fundPay": row.fund_pay_sumamt,
        "psnAcctPay": row.acct_pay,
        "ownPayAmt": row.psn_cash_pay,
        "hospPartAmt": row.hosp_part_amt,
        "acctMulaidPay": row.acct_mulaid_pay,
    }


@handles("6201")
def upload_fees(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """6201 费用明细上传: a visit with the priced lines, and an unpaid order for them."""
    d = data["data"]
    existing = ctx.session.query(PayOrder).filter_by(
        fixmedins_code=ctx.fixmedins_code, med_org_ord=d["medOrgOrd"]
    )
    if existing.first() is not None:
        ctx.refuse(f"医疗机构订单号已上传：{d['medOrgOrd']}")
    person = load_person(ctx, d["psnNo"])
    require_insured(ctx, person, d["insutype"])
    try:
        kind = policy_of(ctx).group_of(d["medType"])
    except FundSplitError:
        ctx.refuse(f"医疗类别[{d['medType']}]不在沙箱待遇政策的结算范围内")
    if kind == "inpatient":
        ctx.refuse("移动支付仅支持门诊及购药费用")
    rows = _fee_rows(ctx, d["feedetailList"])
    visit = Visit(
        mdtrt_id=new_id(ctx),
        psn_no=person.psn_no,
        fixmedins_code=ctx.fixmedins_code,
        kind=kind,
        insutype=d["insutype"],
        med_type=d["medType"],
        mdtrt_cert_type=d.get("mdtrtCertType"),
        mdtrt_cert_no=None,
        ipt_otp_no=d.get("iptOtpNo"),
        begntime=ctx.now,
        status=REGISTERED,
        diagnoses=[],
        created_msgid=ctx.msgid,
        created_at=ctx.now,
        opter=ctx.opter,
    )
    remember(visit, "register", {"med_org_ord": d["medOrgOrd"], "dept_name": d.get("deptName")})
    ctx.session.add(visit)
    results = upload_lines(ctx, visit, rows)
    total = sum((Decimal(r["det_item_fee_sumamt"]) for r in results), Decimal("0"))
    if total != d["medfeeSumamt"]:
        ctx.refuse(f"费用总额与明细不符：医疗费总额{d['medfeeSumamt']:f}，明细合计{total:f}")
    order = PayOrder(
        pay_ord_id="ORD" + new_id(ctx),
        pay_token="TK" + new_id(ctx),
        fixmedins_code=ctx.fixmedins_code,
        med_org_ord=d["medOrgOrd"],
        psn_no=person.psn_no,
        mdtrt_id=visit.mdtrt_id,
        insutype=d["insutype"],
        med_type=d["medType"],
        acct_used_flag=d.get("acctUsedFlag") or "1",
        medfee_sumamt=total,
        status=UPLOADED,
        created_msgid=ctx.msgid,
        created_at=ctx.now,
    )
    ctx.session.add(order)
    values = {
        "payOrdId": order.pay_ord_id,
        "payToken": order.pay_token,
        "extData": {"mdtrtId": visit.mdtrt_id},
    }
    return _answer("6201", values)


@handles("6202")
def pay_order(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """6202 支付下单: the order's lines settled by the fund split, the account charged."""
    d = data["data"]
    order = _order(ctx, d["payOrdId"])
    if order.status == REVOKED:
        ctx.refuse("订单已撤销，不能支付")
    if order.status in (PAID, REFUNDED):
        ctx.refuse("订单已支付，不能重复支付")
    if d.get("mdtrtId") and d["mdtrtId"] != order.mdtrt_id:
        ctx.refuse("就诊ID与支付订单不符")
    visit = ctx.session.get(Visit, order.mdtrt_id)
    assert visit is not None  # made with the order
    person = load_person(ctx, order.psn_no)
    info = require_insured(ctx, person, order.insutype)
    acct_used_flag = d.get("acctUsedFlag") or order.acct_used_flag
    lines = lines_of(ctx, order.mdtrt_id)
    s = compute(
        ctx,
        person,
        kind=visit.kind,  # type: ignore[arg-type]  # outpatient or pharmacy, checked by 6201
        lines=[fee_line(fd) for fd in lines],
        insutype=order.insutype,
        med_type=order.med_type,
        acct_used_flag=acct_used_flag,
    )
    if s.medfee_sumamt != order.medfee_sumamt:
        ctx.refuse("订单费用明细已变更，请重新上传")
    described = {
        "insutype": order.insutype,
        "acct_used_flag": acct_used_flag,
        "chrg_bchno": d.get("chrgBchno"),
    }
    row = record_settlement(
        ctx, person, s, terms(visit, info, described, lines, med_type=order.med_type), lines
    )
    order.status, order.setl_id, order.paid_at = PAID, row.setl_id, ctx.now
    order.acct_used_flag = acct_used_flag
    answer = {"payOrdId": order.pay_ord_id, "payToken": order.pay_token, "ordStas": ORD_STAS[PAID]}
    extra = {"extData": {"setlId": row.setl_id, "mdtrtId": order.mdtrt_id}, "payAuthNo": d.get("payAuthNo")}
    return _answer("6202", answer | _amounts(row) | extra)


@handles("6203")
def refund_order(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """6203 医保退费: the whole settlement given back (negative twin), the lines and the visit closed."""
    d = data["data"]
    order = _order(ctx, d["payOrdId"])
    if order.status == REFUNDED:
        ctx.refuse("订单已退费，不能重复退费")
    if order.status != PAID or order.setl_id is None:
        ctx.refuse("订单未支付，不能退费")
    if d.get("refdType") not in (None, REFUND_ALL):
        ctx.refuse("沙箱仅支持全额退费（refdType=ALL）")
    row = ctx.session.get(SettlementRow, order.setl_id)
    if row is None or row.status != SETTLED:
        ctx.refuse("订单结算信息不存在或已撤销")
    paid = _amounts(row)
    if d["totlRefdAmt"] > row.medfee_sumamt:
        ctx.refuse(f"退费金额超过支付金额：退费{d['totlRefdAmt']:f}，已支付{row.medfee_sumamt:f}")
    if d["totlRefdAmt"] != row.medfee_sumamt:
        ctx.refuse(f"暂不支持部分退费：退费{d['totlRefdAmt']:f}，已支付{row.medfee_sumamt:f}")
    parts = (
        ("cashRefdAmt", "ownPayAmt", "现金"),
        ("psnAcctRefdAmt", "psnAcctPay", "个人账户"),
        ("fundRefdAmt", "fundPay", "医保基金"),
    )
    for given, paid_name, label in parts:
        if d.get(given) is not None and d[given] != paid[paid_name]:
            ctx.refuse(f"{label}退费金额{d[given]:f}与已支付{paid[paid_name]:f}不符")
    twin = cancel_settlement(ctx, load_person(ctx, order.psn_no), row, lines_to=CANCELLED)
    visit = ctx.session.get(Visit, order.mdtrt_id)
    if visit is not None:
        visit.status = CANCELLED
    order.status, order.refund_setl_id, order.app_refd_sn, order.refunded_at = (
        REFUNDED,
        twin.setl_id,
        d["appRefdSn"],
        ctx.now,
    )
    return _answer("6203", {"refStatus": "SUCC"})


@handles("6301")
def query_order(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """6301 订单结算结果查询: by payOrdId (unknown: refused) or medOrgOrd (unknown: an empty answer)."""
    d = data["data"]
    if d.get("payOrdId"):
        order: PayOrder | None = _order(ctx, d["payOrdId"])
    elif d.get("medOrgOrd"):
        query = ctx.session.query(PayOrder).filter_by(
            fixmedins_code=ctx.fixmedins_code, med_org_ord=d["medOrgOrd"]
        )
        order = query.first()
    else:
        ctx.refuse("支付订单号不能为空")
    if order is None:
        return {"data": None}
    row = ctx.session.get(SettlementRow, order.setl_id) if order.setl_id else None
    answer = {
        "payOrdId": order.pay_ord_id,
        "medOrgOrd": order.med_org_ord,
        "ordStas": ORD_STAS[order.status],
        "setlType": REFUND_ALL if row is not None else None,
        "traceTime": text_time(order.refunded_at or order.paid_at or order.created_at),
    }
    return _answer(
        "6301", answer | (_amounts(row) if row is not None else {"feeSumamt": order.medfee_sumamt})
    )


@handles("6401")
def revoke_order(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """6401 订单撤销: an unpaid order, its lines and its visit revoked."""
    order = _order(ctx, data["data"]["payOrdId"])
    if order.status == REVOKED:
        ctx.refuse("订单已撤销，不能重复撤销")
    if order.status != UPLOADED:
        ctx.refuse("订单已支付，不能撤销，请办理退费")
    for fd in lines_of(ctx, order.mdtrt_id):
        fd.status = CANCELLED
    visit = ctx.session.get(Visit, order.mdtrt_id)
    if visit is not None:
        visit.status = CANCELLED
    order.status = REVOKED
    return _answer("6401", {"success": True, "message": "撤销成功"})
