"""Outpatient flow of the sandbox bureau: 2201 挂号 … 2204 费用明细 … 2207 结算 … 2208 结算撤销.

    2201 → data{mdtrt_id, psn_no, ipt_otp_no}     a new visit of the sending institution
    2202   挂号撤销: only while nothing is settled (unsettled lines are cancelled with the visit)
    2203 / 2203A  就诊信息: med_type, 病种, diagnoses stored on the visit
    2204 → result[]  each line priced by the fund split (feedetl_sn unique per visit)
    2205   费用明细撤销 by chrg_bchno ("0000" = every unsettled line)
    2206 → setlinfo + setldetail, computed on the unsettled lines, nothing stored
    2207 → the same computation, stored: balance and yearly counters move, lines become settled
    2208 → the negative twin (new setl_id); balance back, lines unsettled again

2206/2207 refuse unless medfee_sumamt (and, on 2207, the four amount parts) equal the computed ones:
"费用总额与明细不符：…"; a settled visit answers "该就诊已结算，不能重复结算".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from medical_insurance_sdk.sandbox.business.context import new_id
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
from medical_insurance_sdk.sandbox.business.shapes import parse_time, response_node, shape
from medical_insurance_sdk.sandbox.business.visits import (
    CANCELLED,
    REGISTERED,
    SETTLED,
    UPLOADED,
    get_visit,
    lines_of,
    live_settlement,
    remember,
    require_open,
    set_diagnoses,
)
from medical_insurance_sdk.sandbox.business_state import Visit
from medical_insurance_sdk.sandbox.handlers.base import Context, handles

ALL_UNSETTLED = "0000"  # 2205 chrg_bchno: every unsettled line of the visit
OUTPATIENT: Final = "outpatient"


@handles("2201")
def register(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2201 门诊挂号: a new outpatient visit of the sending institution."""
    d = data["data"]
    person = load_person(ctx, d["psn_no"])
    require_insured(ctx, person, d["insutype"])
    visit = Visit(
        mdtrt_id=new_id(ctx),
        psn_no=person.psn_no,
        fixmedins_code=ctx.fixmedins_code,
        kind=OUTPATIENT,
        insutype=d["insutype"],
        med_type=None,  # told by 2203
        ipt_otp_no=d["ipt_otp_no"],
        mdtrt_cert_type=d["mdtrt_cert_type"],
        mdtrt_cert_no=d["mdtrt_cert_no"],
        begntime=parse_time(d["begntime"]),
        dept_code=d["dept_code"],
        dept_name=d["dept_name"],
        status=REGISTERED,
        diagnoses=[],
        created_msgid=ctx.msgid,
        created_at=ctx.now,
        opter=ctx.opter,
    )
    remember(visit, "register", d)
    ctx.session.add(visit)
    return {"data": {"mdtrt_id": visit.mdtrt_id, "psn_no": visit.psn_no, "ipt_otp_no": visit.ipt_otp_no}}


@handles("2202")
def cancel_registration(ctx: Context, data: dict[str, Any]) -> None:
    """2202 挂号撤销: allowed while nothing is settled; unsettled lines go with the visit."""
    d = data["data"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=OUTPATIENT)
    require_open(ctx, visit)
    if visit.ipt_otp_no != d["ipt_otp_no"]:
        ctx.refuse("门诊号与就诊信息不符")
    if live_settlement(ctx, visit.mdtrt_id):
        ctx.refuse("该就诊已结算，不能撤销挂号")
    for fd in lines_of(ctx, visit.mdtrt_id):
        fd.status = CANCELLED
    visit.status = CANCELLED


@handles("2203", "2203A")
def visit_info(ctx: Context, data: dict[str, Any]) -> None:
    """2203 就诊信息上传 (2203A the pharmacy copy, open schema): med_type, 病种 and diagnoses."""
    info = data.get("mdtrtinfo")
    if not isinstance(info, Mapping) or not info.get("mdtrt_id"):
        ctx.refuse("就诊信息(mdtrtinfo)的就诊ID(mdtrt_id)不能为空")
    visit = get_visit(ctx, str(info["mdtrt_id"]), _text(info.get("psn_no")))
    if visit.kind == "inpatient":
        ctx.refuse("住院就诊请使用入院办理(2401)和入院信息变更(2403)")
    require_open(ctx, visit)
    if live_settlement(ctx, visit.mdtrt_id):
        ctx.refuse("该就诊已结算，不能修改就诊信息")
    med_type = _text(info.get("med_type"))
    if not med_type:
        ctx.refuse("医疗类别(med_type)不能为空")
    visit.med_type = med_type
    remember(visit, "mdtrtinfo", info)
    rows = data.get("diseinfo") or []
    set_diagnoses(ctx, visit, [rows] if isinstance(rows, Mapping) else list(rows), None)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


@handles("2204")
def upload_fees(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2204 门诊费用明细上传: every line priced and kept; answers one result row per line."""
    by_visit: dict[str, list[dict[str, Any]]] = {}
    for row in data["feedetail"]:
        by_visit.setdefault(row["mdtrt_id"], []).append(row)
    node = response_node("2204", "result")
    results: list[dict[str, Any]] = []
    for mdtrt_id, rows in by_visit.items():
        psn_nos = {row["psn_no"] for row in rows}
        if len(psn_nos) > 1:
            ctx.refuse("同一就诊的费用明细人员编号不一致")
        visit = get_visit(ctx, mdtrt_id, psn_nos.pop(), kind=OUTPATIENT)
        require_open(ctx, visit)
        if live_settlement(ctx, mdtrt_id):
            ctx.refuse("该就诊已结算，不能上传费用明细")
        results.extend(shape(r, node) for r in upload_lines(ctx, visit, rows))
    return {"result": results}


@handles("2205")
def cancel_fees(ctx: Context, data: dict[str, Any]) -> None:
    """2205 门诊费用明细撤销: one charge batch, or every unsettled line with chrg_bchno "0000"."""
    d = data["data"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=OUTPATIENT)
    require_open(ctx, visit)
    if d["chrg_bchno"] == ALL_UNSETTLED:
        lines = lines_of(ctx, visit.mdtrt_id)
    else:
        lines = [
            fd
            for fd in lines_of(ctx, visit.mdtrt_id, (UPLOADED, SETTLED))
            if fd.chrg_bchno == d["chrg_bchno"]
        ]
        if not lines:
            ctx.refuse(f"收费批次号不存在：{d['chrg_bchno']}")
        if any(fd.status == SETTLED for fd in lines):
            ctx.refuse("该批次费用明细已结算，不能撤销")
    for fd in lines:
        fd.status = CANCELLED


@handles("2206", "2207")
def settle_outpatient(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2206 预结算 (nothing stored) and 2207 结算 of the visit's unsettled lines."""
    d = data["data"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=OUTPATIENT)
    require_open(ctx, visit)
    if live_settlement(ctx, visit.mdtrt_id):
        ctx.refuse("该就诊已结算，不能重复结算")
    person = load_person(ctx, d["psn_no"])
    info = require_insured(ctx, person, d["insutype"])
    med_type = d["med_type"]
    if visit.med_type and visit.med_type != med_type:
        ctx.refuse(f"医疗类别与就诊信息不符（就诊信息为{visit.med_type}）")
    lines = lines_of(ctx, visit.mdtrt_id)
    s = compute(
        ctx,
        person,
        kind=OUTPATIENT,
        lines=[fee_line(fd) for fd in lines],
        insutype=d["insutype"],
        med_type=med_type,
        acct_used_flag=d["acct_used_flag"],
    )
    check_amounts(ctx, d, s)
    described = terms(visit, info, d, lines, med_type=med_type)
    if ctx.infno == "2206":
        return settlement_answer(build_row(ctx, s, described, setl_id=""), "2206", visit)
    row = record_settlement(ctx, person, s, described, lines)
    return settlement_answer(row, "2207", visit)


@handles("2208")
def cancel_outpatient_settlement(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2208 门诊结算撤销: a new negative settlement; the balance comes back, lines are unsettled again."""
    d = data["data"]
    row = get_settlement(ctx, d["setl_id"], mdtrt_id=d["mdtrt_id"], psn_no=d["psn_no"], kind=OUTPATIENT)
    twin = cancel_settlement(ctx, load_person(ctx, row.psn_no), row)
    return settlement_answer(twin, "2208", ctx.session.get(Visit, row.mdtrt_id))
