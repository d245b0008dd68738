"""Queries of the sandbox bureau over what the flows created: 5201 就诊, 5202 诊断, 5203 结算, 5204 费用明细,
5205 慢特病用药记录, 5206 人员累计信息.

A query that finds nothing answers an empty list (5203: setlinfo null and setldetail []), not a refusal, so
that the engine's resolution can tell "did not take effect" from "could not ask".  Visits and settlements
are those of the asking institution; 5205 and 5206 are the person's own records and cross institutions.

- 5201: the person's visits begun in [begntime, endtime] (cancelled ones excluded); med_type matches the
  visit's, and a registration whose med_type is not told yet (no 2203) matches any med_type.
- 5203: by setl_id (a cancellation's setl_id finds the negative row, refd_setl_flag "1"); with an empty
  setl_id, the visit's settlement in force, else its latest row.  medins_setl_id is the settling msgid.
- 5204: a bare list; with setl_id, the lines that settlement settled, else every live line of the visit.
- 5206: the yearly counters of the fund split, cum_type_code as documented at `cum_type_code`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.sandbox.business.context import policy_of
from medical_insurance_sdk.sandbox.business.fees import result_row
from medical_insurance_sdk.sandbox.business.persons import facts
from medical_insurance_sdk.sandbox.business.settlements import REVERSED, settlement_answer
from medical_insurance_sdk.sandbox.business.shapes import parse_time, response_node, shape, text_time
from medical_insurance_sdk.sandbox.business.visits import (
    ADMITTED,
    CANCELLED,
    SETTLED,
    UPLOADED,
    settlements_of,
    visit_fields,
)
from medical_insurance_sdk.sandbox.business_state import FeeDetail, SettlementRow, Visit
from medical_insurance_sdk.sandbox.fund_policy import Policy
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.seed import CATALOG, institution
from medical_insurance_sdk.sandbox.state import Person

CHRONIC = "14"  # med_type 门诊慢特病
GROUP_CODES = {"outpatient": "OTP", "inpatient": "IPT", "pharmacy": "PHM"}


def _visit(ctx: Context, mdtrt_id: str | None, psn_no: str | None) -> Visit | None:
    """The institution's visit, or None (a query answers empty instead of refusing)."""
    visit = ctx.session.get(Visit, mdtrt_id) if mdtrt_id else None
    if visit is None or visit.fixmedins_code != ctx.fixmedins_code or (psn_no and visit.psn_no != psn_no):
        return None
    return visit


# ------------------------------------------------------------------------------------------ 5201 / 5202


@handles("5201")
def visits(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5201 就诊信息查询."""
    d = data["data"]
    query = select(Visit).where(
        Visit.psn_no == d["psn_no"],
        Visit.fixmedins_code == ctx.fixmedins_code,
        Visit.status != CANCELLED,
        Visit.begntime >= parse_time(d["begntime"]),
        Visit.begntime <= parse_time(d["endtime"]),
    )
    if d.get("mdtrt_id"):
        query = query.where(Visit.mdtrt_id == d["mdtrt_id"])
    person = ctx.session.get(Person, d["psn_no"])
    node = response_node("5201", "mdtrtinfo")
    policy = policy_of(ctx)
    rows = []
    for visit in ctx.session.scalars(query.order_by(Visit.begntime)):
        if visit.med_type not in (None, d["med_type"]):
            continue
        rows.append(shape(_visit_values(ctx, visit, person, policy), node))
    return {"mdtrtinfo": rows}


def _visit_values(ctx: Context, visit: Visit, person: Person | None, policy: Policy) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if person is not None:
        info = facts(person)
        values.update(info.block(visit.begntime.date()))
        assistance = {t for f in policy.supplementary if f.kind == "assistance" for t in f.idet_types}
        values.update(
            maf_psn_flag="1" if set(info.idet_types) & assistance else "0",
            flxempe_flag="1" if info.psn_type == "1102" else "0",  # 灵活就业
            nwb_flag="1" if info.psn_type == "1401" else "0",  # 新生儿
        )
    fields = visit_fields(visit)
    values.update(fields)
    inpatient = visit.kind == "inpatient"
    end = visit.endtime or ctx.now
    values.update(
        mdtrt_id=visit.mdtrt_id,
        insutype=visit.insutype,
        begntime=text_time(visit.begntime),
        endtime=text_time(visit.endtime),
        mdtrt_cert_type=visit.mdtrt_cert_type,
        med_type=visit.med_type,
        ipt_otp_no=visit.ipt_otp_no,
        chfpdr_name=fields.get("chfpdr_name") or fields.get("dr_name"),
        adm_dept_codg=visit.dept_code,
        adm_dept_name=visit.dept_name,
        otp_diag_info=None if inpatient else _diagnosis_text(visit.diagnoses),
        inhosp_stas=("1" if visit.status == ADMITTED else "0") if inpatient else None,
        ipt_days=Decimal(max((end.date() - visit.begntime.date()).days, 1)) if inpatient else None,
        opter_id=visit.opter,
        opt_time=text_time(visit.created_at),
    )
    return values


def _diagnosis_text(rows: Iterable[dict[str, Any]]) -> str | None:
    names = [str(r.get("diag_name")) for r in rows if r.get("diag_name")]
    return "；".join(names)[:200] or None


@handles("5202")
def diagnoses(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5202 诊断信息查询: the visit's diagnoses (入院 1, 出院 2; outpatient rows have no inout type)."""
    d = data["data"]
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"])
    node = response_node("5202", "diseinfo")
    return {"diseinfo": [shape(row, node) for row in (visit.diagnoses if visit else [])]}


# ------------------------------------------------------------------------------------------ 5203 / 5204


@handles("5203")
def settlement(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5203 结算信息查询."""
    d = data["data"]
    row = _settlement(ctx, d.get("setl_id"), d.get("mdtrt_id"), d["psn_no"])
    if row is None:
        return {"setlinfo": None, "setldetail": []}
    return settlement_answer(row, "5203", ctx.session.get(Visit, row.mdtrt_id))


def _settlement(ctx: Context, setl_id: str | None, mdtrt_id: str | None, psn_no: str) -> SettlementRow | None:
    if setl_id:
        row = ctx.session.get(SettlementRow, setl_id)
        if row is None or row.status == REVERSED or row.fixmedins_code != ctx.fixmedins_code:
            return None
        if row.psn_no != psn_no or (mdtrt_id and row.mdtrt_id != mdtrt_id):
            return None
        return row
    visit = _visit(ctx, mdtrt_id, psn_no)
    rows = settlements_of(ctx, visit.mdtrt_id) if visit else []
    live = [r for r in rows if r.cancel_of is None and r.status == SETTLED]
    found = live or rows
    return found[-1] if found else None


@handles("5204")
def fee_lines(ctx: Context, data: dict[str, Any]) -> list[dict[str, Any]]:
    """5204 费用明细查询 (a bare list)."""
    d = data["data"]
    visit = _visit(ctx, d["mdtrt_id"], d["psn_no"])
    if visit is None:
        return []
    query = select(FeeDetail).where(FeeDetail.mdtrt_id == visit.mdtrt_id)
    if d.get("setl_id"):
        row = ctx.session.get(SettlementRow, d["setl_id"])
        if row is None or row.mdtrt_id != visit.mdtrt_id:
            return []
        query = query.where(FeeDetail.feedetl_sn.in_([str(sn) for sn in row.feedetl_sns]))
    else:
        query = query.where(FeeDetail.status.in_((UPLOADED, SETTLED)))
    node = response_node("5204", "")
    return [shape(_line_values(fd, visit), node) for fd in ctx.session.scalars(query.order_by(FeeDetail.id))]


def _line_values(fd: FeeDetail, visit: Visit) -> dict[str, Any]:
    values: dict[str, Any] = dict(fd.request or {})
    values.update(result_row(fd))
    item = CATALOG.get(fd.med_list_codg)
    place = institution(fd.fixmedins_code)
    values.update(
        mdtrt_id=fd.mdtrt_id,
        setl_id=fd.setl_id,
        feedetl_sn=fd.feedetl_sn,
        psn_no=fd.psn_no,
        rx_drord_no=values.get("rxno") or values.get("drord_no"),
        med_type=visit.med_type or values.get("med_type"),
        fee_ocur_time=text_time(fd.fee_ocur_time),
        med_list_codg=fd.med_list_codg,
        hilist_code=item.med_list_codg if item else None,
        hilist_name=item.name if item else None,
        list_type=item.list_type if item else None,
        spec=(item.spec or None) if item else None,
        fixmedins_code=fd.fixmedins_code,
        fixmedins_name=place.fixmedins_name if place else None,
        opt_time=text_time(fd.created_at),
    )
    return values


# ------------------------------------------------------------------------------------------ 5205 / 5206


@handles("5205")
def chronic_medication(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5205 人员慢特病用药记录查询: the person's live lines of 门诊慢特病 (med_type 14) visits, by period."""
    d = data["data"]
    begin = parse_time(d["begntime"]) or datetime.min
    end = parse_time(d.get("endtime")) or datetime.max
    query = (
        select(FeeDetail, Visit)
        .join(Visit, Visit.mdtrt_id == FeeDetail.mdtrt_id)
        .where(Visit.psn_no == d["psn_no"], Visit.med_type == CHRONIC)
        .where(FeeDetail.status.in_((UPLOADED, SETTLED)))
        .order_by(FeeDetail.id)
    )
    node = response_node("5205", "feedetail")
    rows = []
    for fd, visit in ctx.session.execute(query):
        moment = fd.fee_ocur_time or fd.created_at
        if begin <= moment <= end:
            rows.append(shape(_line_values(fd, visit), node))
    return {"feedetail": rows}


@handles("5206")
def cumulative(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5206 人员累计信息查询: one row per yearly counter of the person (empty for another year)."""
    d = data["data"]
    person = ctx.session.get(Person, d["psn_no"])
    cum_ym = d.get("cum_ym") or f"{ctx.now:%Y%m}"
    if person is None or cum_ym[:4] != str(person.year):
        return {"cuminfo": []}
    policy = policy_of(ctx)
    node = response_node("5206", "cuminfo")
    rows = []
    for key, value in sorted((person.year_to_date or {}).items()):
        insutype, code = cum_type_code(policy, key)
        values = {"insutype": insutype, "year": str(person.year), "cum_ym": cum_ym, "cum_type_code": code}
        rows.append(shape({**values, "cum": value}, node))
    return {"cuminfo": rows}


def cum_type_code(policy: Policy, key: str) -> tuple[str | None, str]:
    """(insutype, cum_type_code) of a fund-split counter; the codes are the sandbox's own (≤ 10 chars):

    - `310.dedc.outpatient` → ("310", "DEDC_OTP")   起付线累计 (OTP 门诊, IPT 住院, PHM 药店)
    - `310.pool.outpatient` → ("310", "POOL_OTP")   统筹基金按就诊类别累计 (门诊年度限额)
    - `fund.330100`         → ("330", "330100")     某基金年度累计支付
    - `selfpay.390200`      → ("392", "SELF390200") 大病保险合规自付累计
    """
    head, _, tail = key.partition(".")
    if head == "fund" or head == "selfpay":
        owner = _fund_owner(policy, tail)
        return owner, tail if head == "fund" else f"SELF{tail}"
    kind, _, group = tail.partition(".")
    if kind in ("dedc", "pool") and group in GROUP_CODES:
        return head, f"{kind.upper()}_{GROUP_CODES[group]}"
    return None, key[:10]


def _fund_owner(policy: Policy, fund_pay_type: str) -> str | None:
    for insutype, scheme in policy.basic.items():
        if scheme.fund_pay_type == fund_pay_type:
            return insutype
    for fund in policy.supplementary:
        if fund.fund_pay_type == fund_pay_type:
            return fund.insutype
    if fund_pay_type == policy.personal_account.fund_pay_type:
        return next((k for k, s in policy.basic.items() if s.personal_account), None)
    return None
