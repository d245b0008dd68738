"""Finding a visit the way the bureau checks it, and the questions asked about it (lines, settlements).

    visit = get_visit(ctx, mdtrt_id, psn_no, kind="outpatient")   # refuse 就诊信息不存在 / 人员编号…不符
    require_open(ctx, visit)                                       # refuse 就诊信息已撤销
    if live_settlement(ctx.session, visit.mdtrt_id): ...           # the visit is settled

A visit belongs to the institution that created it: another institution's mdtrt_id is "not found".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, select

from medical_insurance_sdk.sandbox.business.context import new_id
from medical_insurance_sdk.sandbox.business.shapes import plain, text_time
from medical_insurance_sdk.sandbox.business_state import FeeDetail, SettlementRow, Visit
from medical_insurance_sdk.sandbox.handlers.base import Context

KIND_LABELS = {"outpatient": "门诊", "inpatient": "住院", "pharmacy": "药店购药"}
UPLOADED, SETTLED, CANCELLED = "uploaded", "settled", "cancelled"
REGISTERED, ADMITTED, DISCHARGED = "registered", "admitted", "discharged"
# Where the visit's descriptive fields came from, in the order later sections override earlier ones.
SECTIONS = ("register", "purchase", "mdtrtinfo", "adminfo", "dscginfo")


def get_visit(ctx: Context, mdtrt_id: str, psn_no: str | None = None, *, kind: str | None = None) -> Visit:
    """The institution's visit `mdtrt_id`, checked against the person and the kind of business."""
    visit = ctx.session.get(Visit, mdtrt_id)
    if visit is None or visit.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse(f"就诊信息不存在（就诊ID {mdtrt_id}）")
    if psn_no and visit.psn_no != psn_no:
        ctx.refuse("人员编号与就诊信息不符")
    if kind and visit.kind != kind:
        ctx.refuse(f"该就诊不是{KIND_LABELS[kind]}就诊")
    return visit


def require_open(ctx: Context, visit: Visit) -> None:
    """Refuse business on a cancelled visit."""
    if visit.status == CANCELLED:
        ctx.refuse("就诊信息已撤销")


# Built once: most messages of a settlement flow ask these, and a statement built per call costs more
# than the query (SQLAlchemy caches the compiled form of a statement object, keyed on the object).
_LINES = (
    select(FeeDetail)
    .where(FeeDetail.mdtrt_id == bindparam("mdtrt_id"), FeeDetail.status.in_(bindparam("statuses")))
    .order_by(FeeDetail.id)
)
_LIVE_SETTLEMENTS = (
    select(SettlementRow)
    .where(
        SettlementRow.mdtrt_id == bindparam("mdtrt_id"),
        SettlementRow.cancel_of.is_(None),
        SettlementRow.status == SETTLED,
    )
    .order_by(SettlementRow.setl_time)
)


def lines_of(ctx: Context, mdtrt_id: str, statuses: Iterable[str] = (UPLOADED,)) -> list[FeeDetail]:
    """The visit's fee lines in the given statuses, in upload order."""
    return list(ctx.session.scalars(_LINES, {"mdtrt_id": mdtrt_id, "statuses": list(statuses)}))


def live_settlement(ctx: Context, mdtrt_id: str, *, final_only: bool = False) -> SettlementRow | None:
    """The visit's settlement in force (not cancelled, not reversed); with `final_only`, not a 中途结算."""
    for row in ctx.session.scalars(_LIVE_SETTLEMENTS, {"mdtrt_id": mdtrt_id}):
        if not final_only or row.mid_setl_flag != "1":
            return row
    return None


def settlements_of(ctx: Context, mdtrt_id: str) -> list[SettlementRow]:
    """Every settlement row of a visit (originals and cancellations, not those undone by 2601)."""
    query = (
        select(SettlementRow)
        .where(SettlementRow.mdtrt_id == mdtrt_id, SettlementRow.status != "reversed")
        .order_by(SettlementRow.setl_time, SettlementRow.setl_id)
    )
    return list(ctx.session.scalars(query))


def remember(visit: Visit, section: str, values: Mapping[str, Any] | None) -> None:
    """Keep what a message said about the visit under `section` (None forgets the section)."""
    info = {k: v for k, v in (visit.info or {}).items() if k != section}
    if values is not None:
        info[section] = plain({k: v for k, v in values.items() if v is not None})
    visit.info = info  # a new object, so the JSON column is seen as changed


def visit_fields(visit: Visit) -> dict[str, Any]:
    """The visit's descriptive fields, later sections (变更, 出院) over earlier ones (挂号, 入院)."""
    merged: dict[str, Any] = {}
    for section in SECTIONS:
        merged.update((visit.info or {}).get(section) or {})
    return merged


def set_diagnoses(
    ctx: Context, visit: Visit, rows: Iterable[Mapping[str, Any]], inout_diag_type: str | None
) -> None:
    """Replace the visit's diagnoses of one kind (1 入院, 2 出院, None 门诊) by `rows`."""
    kept = [d for d in (visit.diagnoses or []) if d.get("inout_diag_type") != inout_diag_type]
    added = []
    for row in rows:
        entry = plain({k: v for k, v in row.items() if v is not None})
        entry.setdefault("maindiag_flag", "1" if str(row.get("diag_srt_no")) == "1" else "0")
        entry.update(
            diag_info_id=new_id(ctx),
            mdtrt_id=visit.mdtrt_id,
            psn_no=visit.psn_no,
            inout_diag_type=inout_diag_type,
            opter_id=ctx.opter,
            opter_name=str(ctx.envelope.get("opter_name") or ""),
            opt_time=text_time(ctx.now),
        )
        added.append(entry)
    visit.diagnoses = kept + added
