"""The 3202 result file against our records: which settlements differ, and why."""

from __future__ import annotations

from collections.abc import Sequence

from medical_insurance_sdk.engine.reconcile.records import (
    BALANCED,
    BUREAU_ONLY,
    COMPARED,
    LABELS,
    MISSING_AT_BUREAU,
    ZERO,
    Discrepancy,
    Settlement,
    Totals,
    money,
    optional_decimal,
)
from medical_insurance_sdk.protocol.catalog_file import CatalogRow

# The national dictionary knows stmt_rslt 0 平 / 1 不平 only; a result row may carry finer codes (the
# sandbox does): 2 = only in our file, 3 = only at the bureau.  Other codes are read as 不平.
ONLY_OURS = "2"


def compare(
    ours: Sequence[Settlement], theirs: Sequence[CatalogRow], *, clr_type: str = ""
) -> list[Discrepancy]:
    """The settlements on which our records and the 3202 result file disagree, with the reason.

    `clr_type` is the clearing class the file was asked for, shown for rows only the bureau has."""
    mine = {item.key: item for item in ours}
    listed: set[tuple[str, str]] = set()
    found: list[Discrepancy] = []
    for row in theirs:
        key = (row.code, row.get("refd_setl_flag") or "0")
        listed.add(key)
        item = mine.get(key)
        bureau = {name: optional_decimal(row.get(name)) for name in COMPARED}
        verdict = row.get("stmt_rslt")
        memo = row.get("memo") if row.get("memo") not in ("平", None) else None
        if verdict == ONLY_OURS:
            bureau = dict.fromkeys(COMPARED)  # the amounts in the row are ours, echoed
        if item is None:
            reason = BUREAU_ONLY
        elif verdict != BALANCED and all(value is None for value in bureau.values()):
            reason = MISSING_AT_BUREAU  # listed with our row but no amounts of its own
        else:
            parts = [
                f"{LABELS[name]}本院 {money(item.amount(name))}、医保 {money(value)}"
                for name, value in bureau.items()
                if value is not None and value != item.amount(name)
            ]
            if not parts and verdict in (None, BALANCED):
                continue
            reason = f"金额不一致：{'；'.join(parts)}" if parts else "医保中心对账结果为不平"
        if memo:
            reason = f"{reason}（医保说明：{memo}）"
        found.append(
            Discrepancy(
                setl_id=row.code,
                refd_setl_flag=key[1],
                mdtrt_id=item.mdtrt_id if item else row.get("mdtrt_id") or "",
                psn_no=item.psn_no if item else row.get("psn_no") or "",
                insutype=item.insutype if item else "",
                clr_type=item.clr_type if item else clr_type,
                ours=item.amounts() if item else None,
                bureau=bureau,
                stmt_rslt=verdict,
                reason=reason,
            )
        )
    for key, item in mine.items():
        if key in listed:
            continue
        found.append(
            Discrepancy(
                setl_id=item.setl_id,
                refd_setl_flag=key[1],
                mdtrt_id=item.mdtrt_id,
                psn_no=item.psn_no,
                insutype=item.insutype,
                clr_type=item.clr_type,
                ours=item.amounts(),
                bureau=None,
                stmt_rslt=None,
                reason=MISSING_AT_BUREAU,
            )
        )
    return sorted(found, key=lambda d: (d.setl_id, d.refd_setl_flag))


def bureau_totals(rows: Sequence[CatalogRow]) -> Totals:
    """The bureau's side of a result file: rows without amounts of its own (ours only) are not its own."""
    totals = Totals()
    for row in rows:
        amounts = [optional_decimal(row.get(name)) for name in COMPARED]
        if row.get("stmt_rslt") == ONLY_OURS or all(value is None for value in amounts):
            continue
        totals.count += -1 if row.get("refd_setl_flag") == "1" else 1
        totals.records += 1
        for name, value in zip(COMPARED, amounts, strict=True):
            setattr(totals, name, getattr(totals, name) + (value or ZERO))
    return totals
