"""2601 冲正交易: undo a message by its msgid, as the engine does after an unknown outcome.

    {"data": {"psn_no": …, "omsgid": <the original msgid>, "oinfno": "2207"}}  →  output null

Order of the checks (the engine reads the refusal texts; see `engine/flow.py` ORIGINAL_NOT_EFFECTIVE):
1. oinfno must be reversible (the registry's `reversible`: 2102, 2103, 2207, 2208, 2304, 2305, 2401)
                                                                 → "该交易不支持冲正"
2. the original must be a processed message of this institution → "原交易不存在"   (never took effect)
3. its infno must be oinfno                                      → "原交易编号与原报文不符"
4. it must have succeeded                                        → "原交易未成功，无需冲正"
5. already reversed                                              → success again, nothing changes
6. the person must be the original's                             → "人员编号与原交易不符"
Then the effect is undone and the original is marked `reversed_by` = this 2601's msgid:
- 2207 / 2304 / 2102: the settlement is reversed (balance and counters back, lines unsettled, row
  "reversed"); refused "原结算已撤销，不能冲正" when a 2208/2305/2103 already cancelled it;
- 2208 / 2305 / 2103: the cancellation is reversed (the original settlement stands again, balance and
  counters charged again, lines settled again); refused when the lines were settled again or changed since
  ("原结算的费用明细已变更，不能冲正结算撤销");
- 2401: the admission is cancelled; refused "该就诊已发生费用，不能冲正入院" once fee lines exist.
A pharmacy purchase has no life outside its settlement (2102 makes visit, lines and settlement at once;
2103 ends lines and visit cancelled), so undoing a 2102 ends its lines and visit cancelled, and undoing a
2103 gives the lines (cancelled, not uploaded, by the 2103) back to the settlement and reopens the visit as
2102 left it (registered).  A hospital visit outlives its settlement: its lines go back to uploaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.business.persons import load_person
from medical_insurance_sdk.sandbox.business.settlements import (
    REVERSED,
    restore_settlement,
    reverse_settlement,
)
from medical_insurance_sdk.sandbox.business.visits import (
    CANCELLED,
    REGISTERED,
    SETTLED,
    UPLOADED,
    lines_of,
)
from medical_insurance_sdk.sandbox.business_state import SettlementRow, Visit
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.handlers.pharmacy import PHARMACY
from medical_insurance_sdk.sandbox.state import Message

ADMISSION = "2401"


def original_message(ctx: Context, oinfno: str, omsgid: str) -> Message | None:
    """The successful message a reversal names, checked as the bureau checks it (refused otherwise); None
    when an earlier reversal already undid it (a reversal is idempotent)."""
    original = ctx.session.get(Message, omsgid)
    if original is None or original.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse("原交易不存在")
    if original.infno != oinfno:
        ctx.refuse(f"原交易编号与原报文不符（原报文为{original.infno}）")
    if original.infcode != 0:
        ctx.refuse("原交易未成功，无需冲正")
    return None if original.reversed_by else original


@handles("2601")
def reverse_message(ctx: Context, data: dict[str, Any]) -> None:
    """2601 冲正交易 (see the module docstring for the checks and what each original's reversal does)."""
    d = data["data"]
    oinfno, omsgid = d["oinfno"], d["omsgid"]
    tx = REGISTRY.get(oinfno)
    if tx is None or tx.infno != oinfno or not tx.reversible:
        ctx.refuse("该交易不支持冲正")
    original = original_message(ctx, oinfno, omsgid)
    if original is None:
        return None  # idempotent: the first 2601 already undid it
    psn_no = _psn_no(original.input)
    if psn_no and psn_no != d["psn_no"]:
        ctx.refuse("人员编号与原交易不符")
    # the registry declares which are settlements and which cancel one (its check keeps them reversible)
    if tx.clearing_class is not None:
        _reverse_settlement(ctx, omsgid)
    elif tx.undoes is not None and REGISTRY[tx.undoes].clearing_class is not None:
        _reverse_cancellation(ctx, omsgid)
    else:
        _reverse_admission(ctx, omsgid)
    original.reversed_by = ctx.msgid
    return None


def _psn_no(node: Any) -> str | None:
    """The first psn_no of a message input (the node it sits in differs by transaction)."""
    if isinstance(node, Mapping):
        if node.get("psn_no"):
            return str(node["psn_no"])
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _psn_no(child)
        if found:
            return found
    return None


def _settlement_of(ctx: Context, msgid: str, *, cancellation: bool) -> SettlementRow:
    query = select(SettlementRow).where(SettlementRow.msgid == msgid)
    query = query.where(
        SettlementRow.cancel_of.is_not(None) if cancellation else SettlementRow.cancel_of.is_(None)
    )
    row = ctx.session.scalars(query).first()
    if row is None:
        ctx.refuse("原交易不存在")
    return row


def _released(row: SettlementRow) -> str:
    """What undoing `row` leaves its lines as: a hospital visit's can be settled again, a purchase's end."""
    return CANCELLED if row.kind == PHARMACY else UPLOADED


def _purchase_follows(ctx: Context, row: SettlementRow, status: str) -> None:
    """Move a pharmacy purchase's visit with its settlement (a hospital visit outlives its settlement)."""
    if row.kind != PHARMACY:
        return
    visit = ctx.session.get(Visit, row.mdtrt_id)
    if visit is not None:
        visit.status = status


def _reverse_settlement(ctx: Context, msgid: str) -> None:
    row = _settlement_of(ctx, msgid, cancellation=False)
    if row.status == CANCELLED:
        ctx.refuse("原结算已撤销，不能冲正")
    if row.status != REVERSED:
        reverse_settlement(ctx, load_person(ctx, row.psn_no), row, lines_to=_released(row))
        _purchase_follows(ctx, row, CANCELLED)


def _reverse_cancellation(ctx: Context, msgid: str) -> None:
    twin = _settlement_of(ctx, msgid, cancellation=True)
    if twin.status == REVERSED:
        return
    original = ctx.session.get(SettlementRow, twin.cancel_of)
    if original is None:
        ctx.refuse("原交易不存在")
    person = load_person(ctx, twin.psn_no)
    restore_settlement(ctx, person, twin, original, lines_from=_released(original))
    _purchase_follows(ctx, original, REGISTERED)  # the status 2102 leaves a purchase in


def _reverse_admission(ctx: Context, msgid: str) -> None:
    visit = ctx.session.scalars(select(Visit).where(Visit.created_msgid == msgid)).first()
    if visit is None:
        ctx.refuse("原交易不存在")
    if visit.status == CANCELLED:
        return  # already cancelled by 2404: nothing left to undo
    if lines_of(ctx, visit.mdtrt_id, (UPLOADED, SETTLED)):
        ctx.refuse("该就诊已发生费用，不能冲正入院")
    visit.status = CANCELLED
