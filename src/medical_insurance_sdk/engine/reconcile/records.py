"""What reconciliation reads and writes: settlement records, totals, 3201/3202 results and the report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from medical_insurance_sdk.registry.dictionaries import DICTIONARIES

AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")
COMPARED = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")  # the amounts of the 3202 files
LABELS = {
    "medfee_sumamt": "医疗费总额",
    "fund_pay_sumamt": "基金支付总额",
    "acct_pay": "个人账户支出",
    "psn_cash_pay": "个人现金支出",
}
BALANCED = "0"
ZERO = Decimal("0")
CENT = Decimal("0.01")
UNREACHABLE = "医保局不可达"

# Exit codes of `yibao reconcile` (and `ReconcileReport.exit_code`)
EXIT_BALANCED, EXIT_UNBALANCED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

GroupKey = tuple[str, str, str]  # setl_optins, insutype, clr_type
DetailKey = tuple[str, str]  # setl_optins, clr_type

# Why a settlement differs; bureau-only and ledger-only are the 单边账 the report lists by setl_id
BUREAU_ONLY = "医保中心有此结算，本院账中没有（单边账：医保已结算、本院未记账）"
MISSING_AT_BUREAU = "本院账有此结算，医保中心没有（医保未结算成功或已冲正，需核实）"


# ---------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Settlement:
    """One settlement record of our ledger, as the detail file and the totals see it."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    clr_type: str
    setl_optins: str
    refund: bool
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal

    @property
    def key(self) -> tuple[str, str]:
        return self.setl_id, "1" if self.refund else "0"

    @property
    def group(self) -> GroupKey:
        return self.setl_optins, self.insutype, self.clr_type

    def amount(self, name: str) -> Decimal:
        value: Decimal = getattr(self, name)
        return value

    def amounts(self) -> dict[str, Decimal]:
        return {name: self.amount(name) for name in AMOUNTS}

    def detail_row(self) -> dict[str, Any]:
        """The 7 columns of the 3202 upload file."""
        return {
            "setl_id": self.setl_id,
            "mdtrt_id": self.mdtrt_id,
            "psn_no": self.psn_no,
            "medfee_sumamt": money(self.medfee_sumamt),
            "fund_pay_sumamt": money(self.fund_pay_sumamt),
            "acct_pay": money(self.acct_pay),
            "refd_setl_flag": self.key[1],
        }


@dataclass
class Totals:
    """Net totals: `count` is settlements minus cancels (fixmedins_setl_cnt), `records` the rows."""

    count: int = 0
    records: int = 0
    medfee_sumamt: Decimal = ZERO
    fund_pay_sumamt: Decimal = ZERO
    acct_pay: Decimal = ZERO
    psn_cash_pay: Decimal = ZERO

    @classmethod
    def of(cls, items: Iterable[Settlement]) -> Totals:
        totals = cls()
        for item in items:
            totals.count += -1 if item.refund else 1
            totals.records += 1
            for name in AMOUNTS:
                setattr(totals, name, getattr(totals, name) + item.amount(name))
        return totals

    def as_dict(self) -> dict[str, Any]:
        amounts = {name: money(getattr(self, name)) for name in AMOUNTS}
        return {"count": self.count, "records": self.records, **amounts}


@dataclass
class GroupResult:
    """The 3201 answer for one (setl_optins, insutype, clr_type); `error` when there is none."""

    setl_optins: str
    insutype: str
    clr_type: str
    ours: Totals
    stmt_rslt: str | None = None
    stmt_rslt_dscr: str | None = None
    error: str | None = None
    unreachable: bool = False
    skipped: bool = False  # not sent: the bureau had already proved unreachable in this run

    @property
    def balanced(self) -> bool:
        return self.error is None and self.stmt_rslt == BALANCED

    @property
    def empty(self) -> bool:
        """Balanced with no record on our side: the bureau has none either."""
        return self.balanced and self.ours.records == 0

    @property
    def shown(self) -> bool:
        """Worth a line of its own: neither empty nor an unsent group without settlements of ours."""
        return not self.empty and not (self.skipped and self.ours.records == 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "setl_optins": self.setl_optins,
            "insutype": self.insutype,
            "clr_type": self.clr_type,
            "balanced": self.balanced,
            "stmt_rslt": self.stmt_rslt,
            "stmt_rslt_dscr": self.stmt_rslt_dscr,
            "ours": self.ours.as_dict(),
            "error": self.error,
        }


@dataclass
class DetailResult:
    """The 3202 round for one (setl_optins, clr_type): what we uploaded and what the bureau listed."""

    setl_optins: str
    clr_type: str
    ours: Totals
    bureau: Totals | None = None
    bad_rows: list[str] = field(default_factory=list)
    error: str | None = None
    unreachable: bool = False
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "setl_optins": self.setl_optins,
            "clr_type": self.clr_type,
            "ours": self.ours.as_dict(),
            # the result file has no cash column: the bureau's cash total is not known
            "bureau": without_cash(self.bureau.as_dict()) if self.bureau else None,
            "bad_rows": self.bad_rows,
            "error": self.error,
        }


@dataclass(frozen=True)
class Discrepancy:
    """One settlement on which we and the bureau differ, and why (Chinese)."""

    setl_id: str
    refd_setl_flag: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    clr_type: str
    ours: Mapping[str, Decimal] | None
    bureau: Mapping[str, Decimal | None] | None
    stmt_rslt: str | None
    reason: str

    @property
    def bureau_only(self) -> bool:
        return self.ours is None

    @property
    def ledger_only(self) -> bool:
        return self.reason.startswith(MISSING_AT_BUREAU)


@dataclass
class ReconcileReport:
    """One day's reconciliation: balanced (平), unbalanced (不平) or failed (对账失败, no verdict)."""

    institution: str
    day: date
    groups: list[GroupResult]
    details: list[DetailResult]
    discrepancies: list[Discrepancy]
    notes: list[str]
    csv_path: Path | None = None
    summary_path: Path | None = None
    json_path: Path | None = None

    @property
    def failed(self) -> bool:
        """A 3201 or 3202 round got no answer: the day's verdict is not known."""
        return any(g.error for g in self.groups) or any(d.error for d in self.details)

    @property
    def unreachable(self) -> bool:
        return any(g.unreachable for g in self.groups) or any(d.unreachable for d in self.details)

    @property
    def balanced(self) -> bool:
        return not self.failed and all(g.balanced for g in self.groups) and not self.discrepancies

    @property
    def failure(self) -> str | None:
        """对账失败的原因 (Chinese), or None."""
        if self.unreachable:
            return UNREACHABLE
        errors = [g.error for g in self.groups if g.error] + [d.error for d in self.details if d.error]
        return errors[0] if errors else None

    @property
    def exit_code(self) -> int:
        if self.failed:
            return EXIT_FAILED
        return EXIT_BALANCED if self.balanced else EXIT_UNBALANCED

    @property
    def bureau_only(self) -> list[str]:
        """setl_ids the bureau holds and our ledger does not."""
        return [d.setl_id for d in self.discrepancies if d.bureau_only]

    @property
    def ledger_only(self) -> list[str]:
        """setl_ids our ledger holds and the bureau does not."""
        return [d.setl_id for d in self.discrepancies if d.ledger_only]

    def as_dict(self) -> dict[str, Any]:
        return {
            "institution": self.institution,
            "date": self.day.isoformat(),
            "balanced": self.balanced,
            "failed": self.failed,
            "failure": self.failure,
            "groups": [g.as_dict() for g in self.groups],
            "details": [d.as_dict() for d in self.details],
            "discrepancy_count": len(self.discrepancies),
            "bureau_only": self.bureau_only,
            "ledger_only": self.ledger_only,
            "notes": self.notes,
        }


# --------------------------------------------------------------------------------------------- helpers
def without_cash(totals: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in totals.items() if k != "psn_cash_pay"}


def to_decimal(value: Any) -> Decimal:
    return optional_decimal(value) or ZERO


def optional_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def money(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(CENT))


def text_of(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def node(output: Any, name: str | None) -> Mapping[str, Any]:
    """One node of an answer's output (the first row of a list), or {}."""
    found = output.get(name) if name and isinstance(output, Mapping) else output
    if isinstance(found, list):
        found = found[0] if found else {}
    return found if isinstance(found, Mapping) else {}


def label(dictionary: str, code: str) -> str:
    codes: Mapping[str, str] = DICTIONARIES.get(dictionary) or {}
    name = codes.get(code)
    return f"{code} {name}" if name else code
