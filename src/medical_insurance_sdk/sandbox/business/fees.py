"""Fee lines (2204 / 2301 / pharmacy purchases): priced by the fund split, kept per visit, read back.

    results = upload_lines(ctx, visit, data["feedetail"])   # the `result[]` rows of the answer
    lines = [fee_line(fd) for fd in lines_of(ctx, mdtrt_id)]  # fundsplit.FeeLineResult for settle()

Checks, as the bureau makes them: a feedetl_sn is unique within its visit (a line cancelled by 2205/2302 may
be uploaded again under its number), det_item_fee_sumamt must equal cnt × pric rounded to the cent, and a
2301 refund line must name an uploaded original in init_feedetl_sn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.sandbox.business.context import policy_of
from medical_insurance_sdk.sandbox.business.shapes import parse_time, plain, response_node, revive
from medical_insurance_sdk.sandbox.business.visits import CANCELLED, UPLOADED
from medical_insurance_sdk.sandbox.business_state import FeeDetail, Visit
from medical_insurance_sdk.sandbox.fund_pricing import FeeLineResult, price_fee_line
from medical_insurance_sdk.sandbox.handlers.base import Context
from medical_insurance_sdk.sandbox.seed import lookup_item

NOT_APPROVED = "0"  # hosp_appr_flag: the 限制使用 restriction was not approved


def upload_lines(ctx: Context, visit: Visit, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Price and keep every row (all or none: a refusal rolls the message back); answer the result rows."""
    rows = list(rows)
    results: list[dict[str, Any]] = []
    for row, line in zip(rows, price_rows(ctx, rows), strict=True):
        existing = _line(ctx, visit.mdtrt_id, line.feedetl_sn)
        if existing is not None and existing.status != CANCELLED:
            ctx.refuse(f"费用明细流水号重复：{line.feedetl_sn}")
        init_sn = row.get("init_feedetl_sn")
        if init_sn:
            original = _line(ctx, visit.mdtrt_id, str(init_sn))
            if original is None or original.status == CANCELLED:
                ctx.refuse(f"原费用明细流水号不存在：{init_sn}")
        result = line.as_result_row()
        _keep(ctx, visit, row, line, result, existing)
        results.append(result)
    return results


def price_rows(ctx: Context, rows: Iterable[Mapping[str, Any]]) -> list[FeeLineResult]:
    """The fund split of each uploaded row (nothing stored): a pre-settlement prices without keeping."""
    policy = policy_of(ctx)
    seen: set[str] = set()
    lines: list[FeeLineResult] = []
    for row in rows:
        sn = str(row["feedetl_sn"])
        if sn in seen:
            ctx.refuse(f"费用明细流水号重复：{sn}")
        seen.add(sn)
        cnt, pric, given = Decimal(row["cnt"]), Decimal(row["pric"]), Decimal(row["det_item_fee_sumamt"])
        line = price_fee_line(
            lookup_item(str(row["med_list_codg"])),
            cnt,
            pric,
            feedetl_sn=sn,
            restricted_use_approved=row.get("hosp_appr_flag") != NOT_APPROVED,
            policy=policy,
        )
        if given != line.det_item_fee_sumamt:
            ctx.refuse(
                f"费用明细流水号{sn}：明细项目费用总额{given:f}与数量×单价{line.det_item_fee_sumamt:f}不符"
            )
        lines.append(line)
    return lines


def _line(ctx: Context, mdtrt_id: str, feedetl_sn: str) -> FeeDetail | None:
    query = select(FeeDetail).where(FeeDetail.mdtrt_id == mdtrt_id, FeeDetail.feedetl_sn == feedetl_sn)
    return ctx.session.scalars(query).first()


def _keep(
    ctx: Context,
    visit: Visit,
    row: Mapping[str, Any],
    line: FeeLineResult,
    result: Mapping[str, Any],
    existing: FeeDetail | None,
) -> None:
    fd = existing or FeeDetail(mdtrt_id=visit.mdtrt_id, feedetl_sn=line.feedetl_sn)
    fd.psn_no = visit.psn_no
    fd.fixmedins_code = visit.fixmedins_code
    fd.chrg_bchno = _text(row.get("chrg_bchno"))
    fd.init_feedetl_sn = _text(row.get("init_feedetl_sn"))
    fd.med_list_codg = line.med_list_codg
    fd.fee_ocur_time = parse_time(row.get("fee_ocur_time"))
    fd.det_item_fee_sumamt = line.det_item_fee_sumamt
    fd.request = plain({k: v for k, v in row.items() if v is not None})
    fd.priced = plain({**result, "med_list_codg": line.med_list_codg})
    fd.status = UPLOADED
    fd.setl_id = None
    fd.msgid = ctx.msgid
    fd.created_at = ctx.now
    if existing is None:
        ctx.session.add(fd)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def fee_line(fd: FeeDetail) -> FeeLineResult:
    """The priced line as the fund split takes it."""
    values = revive(fd.priced, response_node("2204", "result").fields)
    return FeeLineResult(**values)


def result_row(fd: FeeDetail) -> dict[str, Any]:
    """The stored 2204/2301 result row, decimals revived (for 5204 answers)."""
    return revive(fd.priced, response_node("2204", "result").fields)
