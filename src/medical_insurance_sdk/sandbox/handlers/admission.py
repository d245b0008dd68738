"""Admission and discharge of the sandbox bureau: 2401 入院 … 2405 出院撤销, and 5303 在院信息查询.

2401 → result{mdtrt_id}   a new inpatient visit, admitted; one open admission per person and institution
2402   出院: the stay becomes discharged (endtime, discharge diagnoses)
2403   入院信息变更: admission fields and diagnoses replaced (not after the final settlement)
2404   入院撤销: only without fee lines or settlements, and not after discharge
2405   出院撤销: back to admitted, unless the stay is settled
5303 → data[]  the institution's stays in hospital during [begntime, endtime]: admitted (not discharged)
               and begun by endtime, so a query about today finds a patient admitted last week
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.sandbox.business.context import new_id, policy_of
from medical_insurance_sdk.sandbox.business.persons import facts, load_person, require_insured
from medical_insurance_sdk.sandbox.business.shapes import parse_time, response_node, shape, text_date
from medical_insurance_sdk.sandbox.business.visits import (
    ADMITTED,
    CANCELLED,
    DISCHARGED,
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
from medical_insurance_sdk.sandbox.fund_policy import FundSplitError
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.state import Person

INPATIENT = "inpatient"
ADMISSION, DISCHARGE = "1", "2"  # inout_diag_type


def _require_inpatient_med_type(ctx: Context, med_type: str) -> None:
    try:
        group = policy_of(ctx).group_of(med_type)
    except FundSplitError:
        group = None
    if group != INPATIENT:
        ctx.refuse(f"医疗类别[{med_type}]不是住院类医疗类别")


@handles("2401")
def admit(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2401 入院办理: a new admitted stay of the sending institution."""
    m = data["mdtrtinfo"]
    person = load_person(ctx, m["psn_no"])
    require_insured(ctx, person, m["insutype"])
    _require_inpatient_med_type(ctx, m["med_type"])
    open_stay = select(Visit.mdtrt_id).where(
        Visit.psn_no == person.psn_no,
        Visit.fixmedins_code == ctx.fixmedins_code,
        Visit.kind == INPATIENT,
        Visit.status == ADMITTED,
    )
    if ctx.session.scalars(open_stay).first() is not None:
        ctx.refuse("该参保人已有在院记录")
    visit = Visit(
        mdtrt_id=new_id(ctx),
        psn_no=person.psn_no,
        fixmedins_code=ctx.fixmedins_code,
        kind=INPATIENT,
        insutype=m["insutype"],
        med_type=m["med_type"],
        ipt_otp_no=m["ipt_no"],
        mdtrt_cert_type=m["mdtrt_cert_type"],
        mdtrt_cert_no=m["mdtrt_cert_no"],
        begntime=parse_time(m["begntime"]),
        dept_code=m["adm_dept_codg"],
        dept_name=m["adm_dept_name"],
        status=ADMITTED,
        diagnoses=[],
        created_msgid=ctx.msgid,
        created_at=ctx.now,
        opter=ctx.opter,
    )
    remember(visit, "mdtrtinfo", m)
    set_diagnoses(ctx, visit, data["diseinfo"], ADMISSION)
    ctx.session.add(visit)
    return {"result": {"mdtrt_id": visit.mdtrt_id}}


@handles("2402")
def discharge(ctx: Context, data: dict[str, Any]) -> None:
    """2402 出院办理: end the stay (endtime, discharge fields and diagnoses)."""
    d = data["dscginfo"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=INPATIENT)
    require_open(ctx, visit)
    if visit.status == DISCHARGED:
        ctx.refuse("该参保人已办理出院")
    endtime = parse_time(d["endtime"])
    if endtime is not None and endtime < visit.begntime:
        ctx.refuse("出院时间不能早于入院时间")
    visit.endtime = endtime
    visit.status = DISCHARGED
    remember(visit, "dscginfo", d)
    set_diagnoses(ctx, visit, data["diseinfo"], DISCHARGE)


@handles("2403")
def change_admission(ctx: Context, data: dict[str, Any]) -> None:
    """2403 入院信息变更: admission fields and admission diagnoses replaced."""
    a = data["adminfo"]
    visit = get_visit(ctx, a["mdtrt_id"], a["psn_no"], kind=INPATIENT)
    require_open(ctx, visit)
    if live_settlement(ctx, visit.mdtrt_id, final_only=True):
        ctx.refuse("该就诊已结算，不能变更入院信息")
    _require_inpatient_med_type(ctx, a["med_type"])
    visit.med_type = a["med_type"]
    visit.begntime = parse_time(a["begntime"]) or visit.begntime
    visit.ipt_otp_no = a["ipt_otp_no"]
    visit.mdtrt_cert_type = a["mdtrt_cert_type"]
    visit.dept_code, visit.dept_name = a["adm_dept_codg"], a["adm_dept_name"]
    if a.get("endtime"):
        visit.endtime = parse_time(a["endtime"])
    remember(visit, "adminfo", a)
    set_diagnoses(ctx, visit, data["diseinfo"], ADMISSION)


@handles("2404")
def cancel_admission(ctx: Context, data: dict[str, Any]) -> None:
    """2404 入院撤销: only a stay without fee lines or settlements, before discharge."""
    d = data["data"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=INPATIENT)
    require_open(ctx, visit)
    if visit.status == DISCHARGED:
        ctx.refuse("该参保人已办理出院，不能撤销入院")
    if lines_of(ctx, visit.mdtrt_id, (UPLOADED, SETTLED)):
        ctx.refuse("该就诊已上传费用明细，不能撤销入院")
    visit.status = CANCELLED


@handles("2405")
def cancel_discharge(ctx: Context, data: dict[str, Any]) -> None:
    """2405 出院撤销: the stay is admitted again, unless it is settled."""
    d = data["data"]
    visit = get_visit(ctx, d["mdtrt_id"], d["psn_no"], kind=INPATIENT)
    require_open(ctx, visit)
    if visit.status != DISCHARGED:
        ctx.refuse("该参保人未办理出院")
    if live_settlement(ctx, visit.mdtrt_id, final_only=True):
        ctx.refuse("该就诊已结算，不能撤销出院")
    visit.status = ADMITTED
    visit.endtime = None
    remember(visit, "dscginfo", None)
    set_diagnoses(ctx, visit, [], DISCHARGE)


@handles("5303")
def in_hospital(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5303 在院信息查询: this institution's stays in hospital at some time in [begntime, endtime]."""
    d = data["data"]
    query = select(Visit).where(
        Visit.fixmedins_code == ctx.fixmedins_code,
        Visit.kind == INPATIENT,
        Visit.status == ADMITTED,  # still in hospital, so only the start of the stay limits the overlap
        Visit.begntime <= parse_time(d["endtime"]),
    )
    if d.get("psn_no"):
        query = query.where(Visit.psn_no == d["psn_no"])
    node = response_node("5303", "data")
    local = policy_of(ctx).admdvs[:4]  # the sandbox's 统筹区 (seed persons are insured in 430200)
    rows = []
    for visit in ctx.session.scalars(query.order_by(Visit.begntime)):
        person = ctx.session.get(Person, visit.psn_no)
        values: dict[str, Any] = facts(person).block(visit.begntime.date()) if person else {}
        values.update(
            mdtrt_id=visit.mdtrt_id,
            insutype=visit.insutype,
            begndate=text_date(visit.begntime),
            med_type=visit.med_type,
            ipt_otp_no=visit.ipt_otp_no,
            out_flag="0" if person is None or person.insuplc_admdvs[:4] == local else "1",
        )
        rows.append(shape(values, node))
    return {"data": rows}
