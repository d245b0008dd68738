"""DRG exit applications (3601-3604) and audit appeals (3701-3704) of the sandbox bureau.

    3602 退出申请保存      data{psn_no, mdtrt_id, exit_rea}          → data{appy_id, appy_stas}  (待审核)
    3603 退出申请修改/撤销  data{appy_id, opt_type 1 修改 / 2 撤销, exit_rea}  → data{appy_id, appy_stas}
    3601 申请退出列表查询  data{psn_no?, mdtrt_id?, appy_stas?}       → data[ application rows ]
    3604 审核意见和预结算基金分项  data{appy_id}  → data{… audit_opnn}, fundinfo[ the visit's fund rows ]
    3701 审核申诉、扣款节点查询  data{dedu_id?, setl_id?, mdtrt_id?, psn_no?}  → data[ nodes + appeal ]
    3702 申诉提交          data{dedu_id, appeal_rea}                  → data{appeal_id, appeal_stas}
    3703 申请合议提交      data{appeal_id, review_rea}                → data{appeal_id, review_stas}
    3704 附件上传          data{appeal_id, file_name, file_data}      → data{appeal_id, file_cnt}

No public field table exists for these codes (registry UNPUBLISHED), so the field names above are the
sandbox's own, in the national naming style; the handlers refuse a missing one with the bureau's
"…不能为空".  Rules:
- Only an inpatient visit of the applying institution, still standing, may leave DRG payment, with one
  live (pending or approved) application per visit.  3603 changes or withdraws a pending application
  only: a withdrawn one answers "…已撤销，不能重复撤销", an audited one "…已审核，不能撤销".
- The bureau audits an application `AUDIT_DELAY` after its last change (lazily, when one of these
  transactions reads it): rejected when the visit was cancelled meanwhile or the reason is shorter than
  `MIN_REASON` characters, approved otherwise.
- The audit deducts `DEDUCTION_RATE` of the fund payment of every live settlement of the institution
  that paid from the fund (3701 lists these nodes).  One appeal per node unless the previous one was
  refused; the audit decides an appeal `AUDIT_DELAY` after its submission: accepted when an attachment
  (3704) supports it, refused otherwise.  Only a refused appeal may ask for a 合议 (3703), once; the
  合议 decides like the audit, `AUDIT_DELAY` after the request.
Withdrawn applications stay listed by 3601 with vali_flag 0, so a query confirms a withdrawal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.sandbox.business.context import new_id
from medical_insurance_sdk.sandbox.business.shapes import text_time
from medical_insurance_sdk.sandbox.business_state import SettlementRow, Visit
from medical_insurance_sdk.sandbox.drg_state import Appeal, AuditDeduction, DrgExitApplication
from medical_insurance_sdk.sandbox.handlers.base import Context, handles

AUDIT_DELAY = timedelta(hours=2)
MIN_REASON = 5
DEDUCTION_RATE = Decimal("0.10")
CENT = Decimal("0.01")

# application and appeal statuses → the code and name the answers carry
PENDING, WITHDRAWN, APPROVED, REJECTED = "pending", "withdrawn", "approved", "rejected"
APPLICATION_STATES = {PENDING: "1", APPROVED: "2", REJECTED: "3", WITHDRAWN: "4"}
APPLICATION_NAMES = {PENDING: "待审核", APPROVED: "审核通过", REJECTED: "审核不通过", WITHDRAWN: "已撤销"}
ACCEPTED, REFUSED = "accepted", "refused"
APPEAL_STATES = {PENDING: "1", ACCEPTED: "2", REFUSED: "3"}
APPEAL_NAMES = {PENDING: "待审核", ACCEPTED: "申诉成立", REFUSED: "维持扣款"}
MODIFY, WITHDRAW = "1", "2"


# ------------------------------------------------------------------------------------------ input


def _node(data: Mapping[str, Any]) -> Mapping[str, Any]:
    node = data.get("data")
    if isinstance(node, list) and node:
        node = node[0]
    return node if isinstance(node, Mapping) else {}


def _text(node: Mapping[str, Any], name: str) -> str | None:
    value = node.get(name)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _required(ctx: Context, node: Mapping[str, Any], name: str, label: str) -> str:
    value = _text(node, name)
    if value is None:
        ctx.refuse(f"{label}不能为空")
    return value


# ------------------------------------------------------------------------------------------ DRG exit


def _audit_application(ctx: Context, row: DrgExitApplication) -> None:
    """The bureau's audit of a pending application that has waited long enough."""
    if row.status != PENDING or ctx.now - row.changed_at < AUDIT_DELAY:
        return
    visit = ctx.session.get(Visit, row.mdtrt_id)
    if visit is None or visit.status == "cancelled":
        row.status, row.opinion = REJECTED, "就诊已撤销，不予退出DRG付费"
    elif len(row.exit_rea) < MIN_REASON:
        row.status, row.opinion = REJECTED, "退出理由不充分，不予退出DRG付费"
    else:
        row.status, row.opinion = APPROVED, "同意退出DRG付费，按项目付费结算"
    row.audited_at = row.changed_at + AUDIT_DELAY


def _application(ctx: Context, appy_id: str) -> DrgExitApplication:
    row = ctx.session.get(DrgExitApplication, appy_id)
    if row is None or row.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse("DRG退出申请不存在")
    _audit_application(ctx, row)
    return row


def _application_row(row: DrgExitApplication) -> dict[str, Any]:
    return {
        "appy_id": row.appy_id,
        "psn_no": row.psn_no,
        "mdtrt_id": row.mdtrt_id,
        "fixmedins_code": row.fixmedins_code,
        "exit_rea": row.exit_rea,
        "appy_stas": APPLICATION_STATES[row.status],
        "appy_stas_name": APPLICATION_NAMES[row.status],
        "vali_flag": "0" if row.status == WITHDRAWN else "1",
        "appy_time": text_time(row.submitted_at),
        "audit_opnn": row.opinion,
        "audit_time": text_time(row.audited_at),
    }


@handles("3602")
def save_exit_application(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """A DRG 退出申请 for an inpatient visit: saved as 待审核."""
    node = _node(data)
    psn_no = _required(ctx, node, "psn_no", "人员编号")
    mdtrt_id = _required(ctx, node, "mdtrt_id", "就诊ID")
    exit_rea = _required(ctx, node, "exit_rea", "退出原因")
    visit = ctx.session.get(Visit, mdtrt_id)
    if visit is None or visit.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse("就诊信息不存在")
    if visit.psn_no != psn_no:
        ctx.refuse("人员编号与就诊信息不符")
    if visit.kind != "inpatient":
        ctx.refuse("非住院就诊，不能申请退出DRG付费")
    if visit.status == "cancelled":
        ctx.refuse("就诊已撤销，不能申请退出DRG付费")
    for other in ctx.session.scalars(
        select(DrgExitApplication).where(DrgExitApplication.mdtrt_id == mdtrt_id)
    ):
        _audit_application(ctx, other)
        if other.status in (PENDING, APPROVED):
            ctx.refuse("该就诊已有DRG退出申请，不能重复提交")
    row = DrgExitApplication(
        appy_id=new_id(ctx),
        fixmedins_code=ctx.fixmedins_code,
        psn_no=psn_no,
        mdtrt_id=mdtrt_id,
        exit_rea=exit_rea,
        status=PENDING,
        submitted_at=ctx.now,
        changed_at=ctx.now,
        msgid=ctx.msgid,
        opter=ctx.opter,
    )
    ctx.session.add(row)
    return {"data": {"appy_id": row.appy_id, "appy_stas": APPLICATION_STATES[PENDING]}}


@handles("3603")
def change_exit_application(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Modify (opt_type 1, a new exit_rea) or withdraw (opt_type 2) a pending application."""
    node = _node(data)
    row = _application(ctx, _required(ctx, node, "appy_id", "申请ID"))
    opt_type = _required(ctx, node, "opt_type", "操作类型")
    if opt_type not in (MODIFY, WITHDRAW):
        ctx.refuse("操作类型不正确（1修改，2撤销）")
    action = "修改" if opt_type == MODIFY else "撤销"
    if row.status == WITHDRAWN:
        ctx.refuse(
            "DRG退出申请已撤销，不能重复撤销" if opt_type == WITHDRAW else "DRG退出申请已撤销，不能修改"
        )
    if row.status != PENDING:
        ctx.refuse(f"DRG退出申请已审核，不能{action}")
    if opt_type == MODIFY:
        row.exit_rea = _required(ctx, node, "exit_rea", "退出原因")
    else:
        row.status = WITHDRAWN
    row.changed_at = ctx.now
    return {"data": {"appy_id": row.appy_id, "appy_stas": APPLICATION_STATES[row.status]}}


@handles("3601")
def list_exit_applications(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The institution's applications, newest first, with their state (withdrawn ones with vali_flag 0)."""
    node = _node(data)
    query = select(DrgExitApplication).where(DrgExitApplication.fixmedins_code == ctx.fixmedins_code)
    for name, column in (("psn_no", DrgExitApplication.psn_no), ("mdtrt_id", DrgExitApplication.mdtrt_id)):
        if (value := _text(node, name)) is not None:
            query = query.where(column == value)
    rows = list(ctx.session.scalars(query.order_by(DrgExitApplication.submitted_at.desc())))
    for row in rows:
        _audit_application(ctx, row)
    wanted = _text(node, "appy_stas")
    return {"data": [_application_row(r) for r in rows if wanted in (None, APPLICATION_STATES[r.status])]}


@handles("3604")
def audit_opinion(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The audit opinion of one application and the fund items of the visit's live settlement."""
    row = _application(ctx, _required(ctx, _node(data), "appy_id", "申请ID"))
    settlement = ctx.session.scalars(
        select(SettlementRow).where(
            SettlementRow.mdtrt_id == row.mdtrt_id,
            SettlementRow.status == "settled",
            SettlementRow.cancel_of.is_(None),
        )
    ).first()
    return {
        "data": _application_row(row),
        "fundinfo": list(settlement.setldetail) if settlement is not None else [],
    }


# ------------------------------------------------------------------------------------------ appeals


def _deductions(ctx: Context) -> None:
    """The bureau's audit: one deduction node per live settlement that paid from the fund."""
    audited = select(AuditDeduction.setl_id).where(AuditDeduction.fixmedins_code == ctx.fixmedins_code)
    settlements = select(SettlementRow).where(
        SettlementRow.fixmedins_code == ctx.fixmedins_code,
        SettlementRow.status == "settled",
        SettlementRow.cancel_of.is_(None),
        SettlementRow.fund_pay_sumamt > 0,
        SettlementRow.setl_id.not_in(audited),
    )
    for setl in ctx.session.scalars(settlements.order_by(SettlementRow.setl_time)):
        ctx.session.add(
            AuditDeduction(
                dedu_id=new_id(ctx),
                fixmedins_code=ctx.fixmedins_code,
                setl_id=setl.setl_id,
                mdtrt_id=setl.mdtrt_id,
                psn_no=setl.psn_no,
                dedu_amt=(setl.fund_pay_sumamt * DEDUCTION_RATE).quantize(CENT),
                dedu_rea="超医保支付标准收费，按基金支付额的10%扣款",
                created_at=ctx.now,
            )
        )
    ctx.session.flush()


def _decide(appeal: Appeal, at: datetime, *, review: bool) -> None:
    supported = bool(appeal.attachments)
    appeal.status = ACCEPTED if supported else REFUSED
    if review:
        appeal.opinion = "合议认定申诉成立，返还扣款" if supported else "合议维持扣款"
    else:
        appeal.opinion = "申诉成立，返还扣款" if supported else "未提供佐证材料，维持扣款"
    appeal.decided_at = at


def _audit_appeal(ctx: Context, appeal: Appeal) -> None:
    """Decide a pending appeal, or a requested 合议, once it has waited long enough."""
    if appeal.status == PENDING and ctx.now - appeal.submitted_at >= AUDIT_DELAY:
        _decide(appeal, appeal.submitted_at + AUDIT_DELAY, review=False)
    requested = appeal.review_requested_at
    if _under_review(appeal) and requested is not None and ctx.now - requested >= AUDIT_DELAY:
        _decide(appeal, requested + AUDIT_DELAY, review=True)


def _under_review(appeal: Appeal) -> bool:
    """A 合议 was requested and has not decided yet."""
    requested, decided = appeal.review_requested_at, appeal.decided_at
    return requested is not None and (decided is None or decided < requested)


def _appeal(ctx: Context, appeal_id: str) -> Appeal:
    appeal = ctx.session.get(Appeal, appeal_id)
    if appeal is None or appeal.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse("申诉信息不存在")
    _audit_appeal(ctx, appeal)
    return appeal


def _latest_appeal(ctx: Context, dedu_id: str) -> Appeal | None:
    query = select(Appeal).where(Appeal.dedu_id == dedu_id).order_by(Appeal.submitted_at.desc())
    appeal = ctx.session.scalars(query).first()
    if appeal is not None:
        _audit_appeal(ctx, appeal)
    return appeal


@handles("3701")
def deduction_nodes(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The audit's deduction nodes of the institution, each with the state of its latest appeal."""
    _deductions(ctx)
    node = _node(data)
    query = select(AuditDeduction).where(AuditDeduction.fixmedins_code == ctx.fixmedins_code)
    for name in ("dedu_id", "setl_id", "mdtrt_id", "psn_no"):
        if (value := _text(node, name)) is not None:
            query = query.where(getattr(AuditDeduction, name) == value)
    rows = []
    for dedu in ctx.session.scalars(query.order_by(AuditDeduction.created_at, AuditDeduction.dedu_id)):
        appeal = _latest_appeal(ctx, dedu.dedu_id)
        rows.append(
            {
                "dedu_id": dedu.dedu_id,
                "setl_id": dedu.setl_id,
                "mdtrt_id": dedu.mdtrt_id,
                "psn_no": dedu.psn_no,
                "dedu_amt": dedu.dedu_amt,
                "dedu_rea": dedu.dedu_rea,
                "dedu_time": text_time(dedu.created_at),
                "appeal_id": appeal.appeal_id if appeal else None,
                "appeal_stas": APPEAL_STATES[appeal.status] if appeal else None,
                "appeal_stas_name": APPEAL_NAMES[appeal.status] if appeal else None,
                "audit_opnn": appeal.opinion if appeal else None,
                "review_flag": "1" if appeal and appeal.review_requested_at else "0",
                "file_cnt": len(appeal.attachments) if appeal else 0,
            }
        )
    return {"data": rows}


@handles("3702")
def submit_appeal(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """An appeal against one deduction node: one at a time, again only after a refusal."""
    node = _node(data)
    dedu_id = _required(ctx, node, "dedu_id", "扣款节点ID")
    reason = _required(ctx, node, "appeal_rea", "申诉理由")
    dedu = ctx.session.get(AuditDeduction, dedu_id)
    if dedu is None or dedu.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse("扣款节点不存在")
    previous = _latest_appeal(ctx, dedu_id)
    if previous is not None and previous.status == PENDING:
        ctx.refuse("该扣款节点已提交申诉，不能重复提交")
    if previous is not None and previous.status == ACCEPTED:
        ctx.refuse("该扣款节点申诉已成立，不能再次申诉")
    appeal = Appeal(
        appeal_id=new_id(ctx),
        dedu_id=dedu_id,
        fixmedins_code=ctx.fixmedins_code,
        appeal_rea=reason,
        status=PENDING,
        attachments=[],
        submitted_at=ctx.now,
        msgid=ctx.msgid,
    )
    ctx.session.add(appeal)
    return {"data": {"appeal_id": appeal.appeal_id, "appeal_stas": APPEAL_STATES[PENDING]}}


@handles("3703")
def request_review(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """A 合议 request on a refused appeal (once)."""
    node = _node(data)
    appeal = _appeal(ctx, _required(ctx, node, "appeal_id", "申诉ID"))
    reason = _required(ctx, node, "review_rea", "合议申请理由")
    if appeal.review_requested_at is not None:
        ctx.refuse("该申诉已申请合议，不能重复提交")
    if appeal.status == PENDING:
        ctx.refuse("申诉尚未审核，不能申请合议")
    if appeal.status == ACCEPTED:
        ctx.refuse("申诉已成立，无需申请合议")
    appeal.review_reason = reason
    appeal.review_requested_at = ctx.now
    return {"data": {"appeal_id": appeal.appeal_id, "review_stas": "1"}}


@handles("3704")
def attach_file(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """An attachment of an appeal still to be decided (pending, or refused with a 合议 under way)."""
    node = _node(data)
    appeal = _appeal(ctx, _required(ctx, node, "appeal_id", "申诉ID"))
    file_name = _required(ctx, node, "file_name", "附件名称")
    content = _required(ctx, node, "file_data", "附件内容")
    if appeal.status != PENDING and not _under_review(appeal):
        ctx.refuse("申诉已审核，不能上传附件")
    if any(item["file_name"] == file_name for item in appeal.attachments):
        ctx.refuse(f"附件{file_name}已上传，不能重复上传")
    item = {"file_name": file_name, "file_size": len(content), "upld_time": text_time(ctx.now)}
    appeal.attachments = [*appeal.attachments, item]
    return {"data": {"appeal_id": appeal.appeal_id, "file_cnt": len(appeal.attachments)}}
