"""异地就医购药 of the sandbox bureau (2162-2166, 2181), on the pharmacy purchase of handlers/pharmacy.py.

The codes and their tables are ours (registry/schemas/business_offsite.py: modelled, not published).  The
purchase itself is settled by the national 2102 (its lines and settlement are what these act on):

    2163 购药试算   druginfo + drugdetail, as 2101: priced and split, nothing kept (effect-free)
    2162 购药退费   data{setl_id, psn_no, medfee_sumamt}: the whole settlement given back (negative twin,
                    account refunded); the refund total must be the settled total
    2164 取消订单   data{setl_id, psn_no}: the same on the day of the purchase; later: refund with 2162
    2165 订单查询   data{psn_no, setl_id?}: one row per settlement (the purchase, its refund twin), with
                    init_setl_id, the msgid that made it (medins_setl_id) and vali_flag 1/0
    2166 结算信息查询 data{setl_id, psn_no}: the settlement in 2103's answer layout
    2181 冲正交易   data{psn_no, omsgid, oinfno}: a 2162/2164 undone (the settlement stands again, the
                    account charged again); a repeated 2181 succeeds without a change

Refusals: 结算信息不存在, 该结算已撤销，不能重复撤销, 退费金额与结算金额不符, 非当日订单不能取消,
原交易不存在, 该交易不支持冲正 ….  What 2181 may reverse is read from the registry: a money call of this
family (its interface type `remote_*`) that keeps a result (not effect-free), other than 2181 itself.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import or_, select

from medical_insurance_sdk.registry import REGISTRY, Safety
from medical_insurance_sdk.sandbox.business.persons import load_person
from medical_insurance_sdk.sandbox.business.settlements import (
    REVERSED,
    get_settlement,
    restore_settlement,
    settlement_answer,
)
from medical_insurance_sdk.sandbox.business.shapes import response_node, shape, text_time
from medical_insurance_sdk.sandbox.business.visits import CANCELLED, REGISTERED
from medical_insurance_sdk.sandbox.business_state import SettlementRow, Visit
from medical_insurance_sdk.sandbox.handlers.base import Context, Output, handles
from medical_insurance_sdk.sandbox.handlers.pharmacy import PHARMACY, cancel_purchase, settle_purchase
from medical_insurance_sdk.sandbox.handlers.reversal import original_message

FAMILY = "remote_"  # interface_type prefix of the 2161-2181 records
VALID, VOID = "1", "0"


@handles("2163")
def trial(ctx: Context, data: dict[str, Any]) -> Output:
    """2163 购药试算: the 2101 pre-settlement (nothing is kept)."""
    return settle_purchase(dataclasses.replace(ctx, infno="2101"), data)


def _undo(ctx: Context, d: dict[str, Any]) -> Output:
    """The settlement's negative twin through 2103 (account refunded, purchase closed), in 2103's layout."""
    cancel = {"data": {"setl_id": d["setl_id"], "psn_no": d["psn_no"], "mdtrt_id": d.get("mdtrt_id")}}
    return cancel_purchase(dataclasses.replace(ctx, infno="2103"), cancel)


@handles("2162")
def refund(ctx: Context, data: dict[str, Any]) -> Output:
    """2162 购药退费: the whole settlement, its total stated by the request."""
    d = data["data"]
    row = get_settlement(ctx, d["setl_id"], mdtrt_id=d.get("mdtrt_id"), psn_no=d["psn_no"], kind=PHARMACY)
    if d["medfee_sumamt"] != row.medfee_sumamt:
        ctx.refuse(f"退费金额与结算金额不符：退费{d['medfee_sumamt']:f}，结算{row.medfee_sumamt:f}")
    return _undo(ctx, d)


@handles("2164")
def cancel_order(ctx: Context, data: dict[str, Any]) -> Output:
    """2164 取消订单: a settlement of today; an earlier one is refunded with 2162."""
    d = data["data"]
    row = get_settlement(ctx, d["setl_id"], mdtrt_id=d.get("mdtrt_id"), psn_no=d["psn_no"], kind=PHARMACY)
    if row.setl_time.date() != ctx.now.date():
        ctx.refuse("非当日订单不能取消，请办理购药退费")
    return _undo(ctx, d)


def _order_rows(ctx: Context, psn_no: str, setl_id: str | None) -> list[SettlementRow]:
    query = select(SettlementRow).where(
        SettlementRow.psn_no == psn_no,
        SettlementRow.fixmedins_code == ctx.fixmedins_code,
        SettlementRow.kind == PHARMACY,
    )
    if setl_id:
        query = query.where(or_(SettlementRow.setl_id == setl_id, SettlementRow.cancel_of == setl_id))
    return list(ctx.session.scalars(query.order_by(SettlementRow.setl_time, SettlementRow.setl_id)))


@handles("2165")
def query_orders(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2165 订单查询: the person's pharmacy settlements here, each valid or not."""
    d = data["data"]
    node = response_node("2165", "orderinfo")
    rows = []
    for row in _order_rows(ctx, d["psn_no"], d.get("setl_id")):
        live = row.status not in (CANCELLED, REVERSED)
        values = {name: getattr(row, name) for name in ("setl_id", "mdtrt_id", "psn_no", "medins_setl_id")}
        values |= {name: getattr(row, name) for name in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")}
        values |= {
            "init_setl_id": row.cancel_of,
            "vali_flag": VALID if live else VOID,
            "refd_setl_flag": "1" if row.cancel_of else "0",
            "setl_time": text_time(row.setl_time),
            "psn_cash_pay": row.psn_cash_pay,
        }
        rows.append(shape(values, node))
    return {"orderinfo": rows}


@handles("2166")
def settlement_info(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2166 结算信息查询: one settlement (or its refund twin) in 2103's answer layout."""
    d = data["data"]
    row = ctx.session.get(SettlementRow, d["setl_id"])
    if row is None or row.fixmedins_code != ctx.fixmedins_code or row.kind != PHARMACY:
        ctx.refuse(f"结算信息不存在（结算ID {d['setl_id']}）")
    if row.psn_no != d["psn_no"]:
        ctx.refuse("人员编号与结算信息不符")
    return settlement_answer(row, "2103", ctx.session.get(Visit, row.mdtrt_id))


def _reversible_here(oinfno: str) -> bool:
    tx = REGISTRY.get(oinfno)
    return (
        tx is not None
        and tx.infno == oinfno
        and tx.interface_type.startswith(FAMILY)
        and tx.safety is Safety.MONEY
        and not tx.effect_free
        and tx.infno != "2181"
    )


@handles("2181")
def reverse(ctx: Context, data: dict[str, Any]) -> None:
    """2181 冲正交易: a 2162/2164 undone by its msgid; the settlement it cancelled stands again."""
    d = data["data"]
    oinfno, omsgid = d["oinfno"], d["omsgid"]
    if not _reversible_here(oinfno):
        ctx.refuse("该交易不支持冲正")
    original = original_message(ctx, oinfno, omsgid)
    if original is None:
        return None  # idempotent: the first 2181 already undid it
    query = select(SettlementRow).where(SettlementRow.msgid == omsgid, SettlementRow.cancel_of.is_not(None))
    twin = ctx.session.scalars(query).first()
    if twin is None or twin.cancel_of is None:
        ctx.refuse("原交易不存在")
    if twin.psn_no != d["psn_no"]:
        ctx.refuse("人员编号与原交易不符")
    settled = ctx.session.get(SettlementRow, twin.cancel_of)
    assert settled is not None  # a twin always names its original
    restore_settlement(ctx, load_person(ctx, twin.psn_no), twin, settled, lines_from=CANCELLED)
    visit = ctx.session.get(Visit, settled.mdtrt_id)
    if visit is not None:
        visit.status = REGISTERED  # as 2102 left the purchase
    original.reversed_by = ctx.msgid
    return None
