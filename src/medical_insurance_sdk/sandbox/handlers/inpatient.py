"""Inpatient fees and settlement of the sandbox bureau: 2301 费用明细 … 2304 结算 … 2305 结算撤销.

    2301 → result[]  lines priced like 2204; a refund (negative cnt) names its original in init_feedetl_sn
    2302   费用明细撤销: one unsettled line by feedetl_sn, or every unsettled line with "0000"
    2303 → setlinfo + setldetail of the unsettled lines, nothing stored (allowed before discharge)
    2304 → stored; mid_setl_flag "1" (中途结算) keeps the stay open, "0" needs the discharge (2402) first
    2305 → the negative twin (new setl_id); balance back, lines unsettled again

The deductible of an inpatient stay is per admission in the policy; the sandbox charges it on every
settlement of the stay, so a 中途结算 followed by the final settlement pays it twice (not modelled further).
"""

from __future__ import annotations

from typing import Any, Final

from medical_insurance_sdk.sandbox.business.fees import fee_line, upload_lines
from medical_insurance_sdk.sandbox.business.persons import load_person, require_insured
from medical_insurance_sdk.sandbox.business.settlements import (
    build_row,
    cancel_settlement,
    check_amounts,
    compute,
    get_settlement,
    record_settlement,
    settlement_answer,
    terms,
)
from medical_insurance_sdk.sandbox.business.shapes import response_node, shape
from medical_insurance_sdk.sandbox.business.visits import (
    CANCELLED,
    DISCHARGED,
    SETTLED,
    UPLOADED,
    get_visit,
    lines_of,
    live_settlement,
    require_open,
)
from medical_insurance_sdk.sandbox.business_state import FeeDetail, Visit
from medical_insurance_sdk.sandbox.handlers.base import Context, handles

ALL_UNSETTLED = "0000"  # 2302 feedetl_sn: every unsettled line of the stay
INPATIENT: Final = "inpatient"
MID_SETTLEMENT = "1"


@handles("2301")
def upload_inpatient_fees(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2301 住院费用明细上传: every line priced and kept; refunds are negative lines of an original."""
    by_visit: dict[str, list[dict[str, Any]]] = {}
    for row in data["feedetail"]:
        by_visit.setdefault(row["mdtrt_id"], []).append(row)
    node = response_node("2301", "result")
    results: list[dict[str, Any]] = []
    for mdtrt_id, rows in by_visit.items():
        psn_nos = {row["psn_no"] for row in rows}
        if len(psn_nos) > 1:
            ctx.refuse("同一就诊的费用明细人员编号不一致")
        visit = get_visit(ctx, mdtrt_id, psn_nos.pop(), kind=INPATIENT)
        require_open(ctx, visit)
        if live_settlement(ctx, mdtrt_id, final_only=True):
            ctx.refuse("该就诊已结算，不能上传费用明细")
        results.extend(shape(r, node) for r in upload_lines(ctx, visit, rows))
    return {"result": results}


@handles("2302")
def cancel_inpatient_fees(ctx: Context, data: dict[str, Any]) -> None:
    """2302 住院费用明细撤销: one line, or every unsettled line with feedetl_sn "0000"."""
    d = data["data"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=INPATIENT)
    require_open(ctx, visit)
    lines: list[FeeDetail]
    if d["feedetl_sn"] == ALL_UNSETTLED:
        lines = lines_of(ctx, visit.mdtrt_id)
    else:
        lines = [
            fd
            for fd in lines_of(ctx, visit.mdtrt_id, (UPLOADED, SETTLED))
            if fd.feedetl_sn == d["feedetl_sn"]
        ]
        if not lines:
            ctx.refuse(f"费用明细不存在：{d['feedetl_sn']}")
        if lines[0].status == SETTLED:
            ctx.refuse("费用明细已结算，不能撤销")
    for fd in lines:
        fd.status = CANCELLED


@handles("2303", "2304")
def settle_inpatient(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2303 住院预结算 (nothing stored) and 2304 住院结算 of the stay's unsettled lines."""
    d = data["data"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=INPATIENT)
    require_open(ctx, visit)
    if live_settlement(ctx, visit.mdtrt_id, final_only=True):
        ctx.refuse("该就诊已结算，不能重复结算")
    final = d["mid_setl_flag"] != MID_SETTLEMENT
    if ctx.infno == "2304" and final and visit.status != DISCHARGED:
        ctx.refuse("该参保人未办理出院，不能办理出院结算（中途结算请传 mid_setl_flag=1）")
    person = load_person(ctx, d["psn_no"])
    info = require_insured(ctx, person, d["insutype"])
    med_type = visit.med_type or ""
    lines = lines_of(ctx, visit.mdtrt_id)
    s = compute(
        ctx,
        person,
        kind=INPATIENT,
        lines=[fee_line(fd) for fd in lines],
        insutype=d["insutype"],
        med_type=med_type,
        acct_used_flag=d["acct_used_flag"],
    )
    check_amounts(ctx, d, s)
    described = terms(visit, info, d, lines, med_type=med_type)
    if ctx.infno == "2303":
        return settlement_answer(build_row(ctx, s, described, setl_id=""), "2303", visit)
    row = record_settlement(ctx, person, s, described, lines)
    return settlement_answer(row, "2304", visit)


@handles("2305")
def cancel_inpatient_settlement(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2305 住院结算撤销: a new negative settlement; the balance comes back, lines are unsettled again."""
    d = data["data"]
    row = get_settlement(ctx, d["setl_id"], mdtrt_id=d["mdtrt_id"], psn_no=d["psn_no"], kind=INPATIENT)
    twin = cancel_settlement(ctx, load_person(ctx, row.psn_no), row)
    return settlement_answer(twin, "2305", ctx.session.get(Visit, row.mdtrt_id))
