"""备案 filings of the sandbox bureau and their queries.

    2501 转院备案 / 2503 慢特病备案 / 2505 定点备案 / 2507 意外伤害备案  → result{trt_dcla_detl_sn}
    2502 / 2504 / 2506  撤销 by trt_dcla_detl_sn (the filing institution only), memo = the reason
    5301 慢特病备案查询 → feedetail[]   5302 人员定点信息查询 → psnfixmedin[]   5304 转院信息查询 → refmedin[]

A person whose insurance is not in force cannot file ("参保人员参保状态异常").  One active filing per person
and key: the disease (2503), the 业务申请类型 + institution (2505), the target institution and date (2501);
a second one answers "该人员已有有效的…备案".  Cancelled filings disappear from the queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.business.context import new_id, policy_of
from medical_insurance_sdk.sandbox.business.persons import facts, load_person, require_insured
from medical_insurance_sdk.sandbox.business.shapes import plain, response_node, shape, text_time
from medical_insurance_sdk.sandbox.business_state import Record
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.state import Person

ACTIVE, CANCELLED = "active", "cancelled"
# filing infno → (input node, label)
FILINGS = {
    "2501": ("refmedin", "转院"),
    "2503": ("data", "慢特病"),
    "2505": ("data", "定点"),
    "2507": ("data", "意外伤害"),
}


def _key(infno: str, node: Mapping[str, Any]) -> str | None:
    """What makes two filings the same filing."""
    if infno == "2503":
        return _text(node.get("opsp_dise_code"))
    if infno == "2505":
        return f"{node.get('biz_appy_type')}:{node.get('fixmedins_code')}"
    if infno == "2501":
        return f"{node.get('reflin_medins_no')}:{node.get('refl_date')}"
    return None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


@handles("2501", "2503", "2505", "2507")
def file_record(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """A 备案 filing; answers its trt_dcla_detl_sn."""
    node_name, label = FILINGS[ctx.infno]
    node = data.get(node_name)
    if isinstance(node, list) and node:
        node = node[0]  # 2507 has no public field table: accept a one-row list too
    if not isinstance(node, Mapping) or not node.get("psn_no"):
        ctx.refuse(f"{node_name}.psn_no 人员编号不能为空")
    person = load_person(ctx, str(node["psn_no"]))
    require_insured(ctx, person, _text(node.get("insutype")))
    key = _key(ctx.infno, node)
    if key is not None:
        duplicate = select(Record.trt_dcla_detl_sn).where(
            Record.infno == ctx.infno,
            Record.psn_no == person.psn_no,
            Record.business_key == key,
            Record.status == ACTIVE,
        )
        if ctx.session.scalars(duplicate).first() is not None:
            ctx.refuse(f"该人员已有有效的{label}备案")
    record = Record(
        trt_dcla_detl_sn=new_id(ctx),
        infno=ctx.infno,
        psn_no=person.psn_no,
        fixmedins_code=ctx.fixmedins_code,
        business_key=key,
        begndate=_text(node.get("begndate") or node.get("refl_date")),
        enddate=_text(node.get("enddate")),
        data=plain({k: v for k, v in node.items() if v is not None}),
        status=ACTIVE,
        created_msgid=ctx.msgid,
        created_at=ctx.now,
    )
    ctx.session.add(record)
    return {"result": {"trt_dcla_detl_sn": record.trt_dcla_detl_sn}}


@handles("2502", "2504", "2506")
def cancel_record(ctx: Context, data: dict[str, Any]) -> None:
    """撤销 a filing of this institution by its trt_dcla_detl_sn."""
    d = data["data"]
    record = ctx.session.get(Record, d["trt_dcla_detl_sn"])
    if (
        record is None
        or record.infno != REGISTRY[ctx.infno].undoes
        or record.fixmedins_code != ctx.fixmedins_code
    ):
        ctx.refuse("备案信息不存在")
    if record.psn_no != d["psn_no"]:
        ctx.refuse("人员编号与备案信息不符")
    if record.status == CANCELLED:
        ctx.refuse("该备案已撤销")
    record.status = CANCELLED
    record.cancelled_msgid = ctx.msgid
    record.cancel_memo = d.get("memo")


def _active(ctx: Context, infno: str, psn_no: str | None) -> list[Record]:
    query = select(Record).where(Record.infno == infno, Record.status == ACTIVE)
    if psn_no:
        query = query.where(Record.psn_no == psn_no)
    else:
        query = query.where(Record.fixmedins_code == ctx.fixmedins_code)
    return list(ctx.session.scalars(query.order_by(Record.created_at, Record.trt_dcla_detl_sn)))


@handles("5301")
def chronic_records(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5301 人员慢特病备案查询."""
    node = response_node("5301", "feedetail")
    return {"feedetail": [shape(r.data, node) for r in _active(ctx, "2503", data["data"]["psn_no"])]}


@handles("5302")
def designated_records(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5302 人员定点信息查询 (filings of the asked 业务申请类型)."""
    d = data["data"]
    person = ctx.session.get(Person, d["psn_no"])
    node = response_node("5302", "psnfixmedin")
    rows = []
    for record in _active(ctx, "2505", d["psn_no"]):
        if record.data.get("biz_appy_type") != d["biz_appy_type"]:
            continue
        values = {**record.data, "insutype": person.insutype if person else None}
        rows.append(shape(values, node))
    return {"psnfixmedin": rows}


@handles("5304")
def referral_records(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """5304 转院信息查询: 转院备案 dated within [begntime, endtime] (the person's, or this institution's)."""
    d = data["data"]
    begin = str(d["begntime"])[:10]
    end = str(d.get("endtime") or "9999-12-31")[:10]
    node = response_node("5304", "refmedin")
    local = policy_of(ctx).admdvs[:4]  # the sandbox's 统筹区 (seed persons are insured in 430200)
    rows = []
    for record in _active(ctx, "2501", d.get("psn_no")):
        if not begin <= (record.begndate or "") <= end:
            continue
        person = ctx.session.get(Person, record.psn_no)
        values: dict[str, Any] = facts(person).block(ctx.now.date()) if person else {}
        values.update(record.data)
        values.update(
            insu_optins=person.insuplc_admdvs if person else None,
            out_flag="1" if str(record.data.get("mdtrtarea_admdvs", ""))[:4] not in ("", local) else "0",
            opt_time=text_time(record.created_at),
        )
        rows.append(shape(values, node))
    return {"refmedin": rows}
