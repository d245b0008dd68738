"""Cross-field rules of the request tables: what one field of a message says about another (code 30005).

The field tables (`schemas/`) check each field alone; these rules check fields against each other, before
anything is sent (issue 15 §1).  They are registry facts, data in one place, keyed by transaction and node::

    relation_errors("2207", {"data": {...}})   # [FieldError(30005, "data.medfee_sumamt", "...")]
    consistent(nodes, message)                  # a sample with its totals made to agree (registry.samples)

A rule reads the values of one object of its node (each row of a list node, with its path
``feedetail[3]``).  A part written ``rows[].field`` is the sum of ``field`` over ``rows``: a field of the same
object holding rows (6201 ``feedetailList``), or else another node of the message (2102 ``drugdetail``).  A
rule whose fields are not all there says nothing: the per-field checks decide what is required.

Tolerance: the bureau rounds amounts to the cent (reference §9; the sandbox's `fund_policy.money`, half up),
so a total may differ from its computed value by at most one cent; the sandbox accepts only the exact value,
so nothing it accepts is refused here.  Time ranges: a bare date given for a datetime is read as midnight
(issue 15 §3); when either end is at midnight only the dates are compared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from pydantic_core import PydanticCustomError

from medical_insurance_sdk.exceptions import FieldError
from medical_insurance_sdk.registry.field_models import _to_decimal
from medical_insurance_sdk.registry.fields import DATE_FORMAT, DATETIME_FORMAT, ROOT, Node
from medical_insurance_sdk.registry.schemas import SCHEMAS

CODE = 30005
CENT = Decimal("0.01")
_MIDNIGHT = " 00:00:00"


@dataclass(frozen=True, slots=True)
class Sum:
    """``total`` equals the sum of ``of`` (a ``rows[].field`` part is summed over those rows)."""

    total: str
    of: tuple[str, ...]
    tolerance: Decimal = CENT
    source: str = ""

    @property
    def text(self) -> str:
        return f"{self.total} = {' + '.join(_part_text(p) for p in self.of)}"


@dataclass(frozen=True, slots=True)
class AtMost:
    """The sum of ``of`` does not exceed ``total`` (parts of a total, some of it borne elsewhere)."""

    total: str
    of: tuple[str, ...]
    tolerance: Decimal = CENT
    source: str = ""

    @property
    def text(self) -> str:
        return f"{' + '.join(_part_text(p) for p in self.of)} ≤ {self.total}"


@dataclass(frozen=True, slots=True)
class Product:
    """``total`` equals ``factor`` × ``by`` rounded to the cent."""

    total: str
    factor: str
    by: str
    tolerance: Decimal = CENT
    source: str = ""

    @property
    def text(self) -> str:
        return f"{self.total} = {self.factor} × {self.by}"


@dataclass(frozen=True, slots=True)
class NotBefore:
    """``later`` is not before ``earlier`` (the end of a period and its beginning)."""

    later: str
    earlier: str
    source: str = ""

    @property
    def text(self) -> str:
        return f"{self.later} ≥ {self.earlier}"


Rule = Sum | AtMost | Product | NotBefore


@dataclass(frozen=True, slots=True)
class On:
    """Rules of one node of a request; ``node`` may name nested rows (``data.feedetailList``)."""

    node: str
    rules: tuple[Rule, ...]


# --- the rules -------------------------------------------------------------------------------------------

_SETTLE_PARTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")
_SRC_PARTS = (
    "reference §9 (medfee_sumamt = 全自费 + 超限价 + 先行自付 + 符合范围 in every full real "
    "settlement; §5: the 2207/2304 amounts echo the 2204/2301 result sums); sandbox settlements.check_amounts"
)
_SRC_LINE = (
    "reference §9 (per fee line det_item_fee_sumamt = cnt × pric); sandbox business/fees.price_rows "
    "(明细项目费用总额与数量×单价不符, rounded half up to the cent)"
)
_SRC_DRUGS = "sandbox pharmacy settle_purchase (医疗费总额 = 明细合计: 费用总额与明细不符)"
_SRC_6201 = (
    "reference §3 6201 (rows: the 2204 row in camelCase); sandbox payment.upload_fees (费用总额与明细不符)"
)
_SRC_6203 = (
    "reference §3 6202 (feeSumamt = ownPayAmt + psnAcctPay + fundPay; 6203 refunds those parts); sandbox "
    "payment.refund_order (each part equals the paid one, the total the paid total)"
)

_SETTLEMENT = On("data", (Sum("medfee_sumamt", _SETTLE_PARTS, source=_SRC_PARTS),))
_FEE_LINES = On("feedetail", (Product("det_item_fee_sumamt", "cnt", "pric", source=_SRC_LINE),))
_PURCHASE = (
    On("druginfo", (Sum("medfee_sumamt", ("drugdetail[].det_item_fee_sumamt",), source=_SRC_DRUGS),)),
    On("drugdetail", (Product("det_item_fee_sumamt", "cnt", "pric", source=_SRC_LINE),)),
)

_MONEY: dict[str, tuple[On, ...]] = {
    "2101": _PURCHASE,
    "2102": _PURCHASE,
    "2163": _PURCHASE,  # 异地 trial settlement: the 2101 request (schemas/business_offsite.py)
    "2204": (_FEE_LINES,),
    "2207": (_SETTLEMENT,),
    "2301": (_FEE_LINES,),
    "2303": (_SETTLEMENT,),
    "2304": (_SETTLEMENT,),  # parts optional on 2304: checked when all four are given
    "6201": (
        On("data", (Sum("medfeeSumamt", ("feedetailList[].detItemFeeSumamt",), source=_SRC_6201),)),
        On("data.feedetailList", (Product("detItemFeeSumamt", "cnt", "pric", source=_SRC_6201),)),
    ),
    "6203": (
        On(
            "data",
            (AtMost("totlRefdAmt", ("cashRefdAmt", "psnAcctRefdAmt", "fundRefdAmt"), source=_SRC_6203),),
        ),
    ),
}
# Every total above exists in the request; 2206 carries medfee_sumamt alone (its parts are the bureau's
# answer), 6202 no amount at all: nothing to relate before sending.

# A period's two ends in one object: (begin, end) name pairs, found in every request table that has both.
_RANGE_PATTERNS = (
    ("begntime", "endtime"),
    ("begndate", "enddate"),
    ("begn_date", "end_date"),
    ("begn_time", "end_time"),
)
_SRC_RANGE = "the table's 开始/结束 pair (a period cannot end before it begins; issue 15 §1)"
# Ranges the bureau takes and answers on: 7101 预核验 reports a drug whose use ends before it begins as a
# failed check in its answer (sandbox prescription handler), so the message itself is not refused.
_RANGES_ANSWERED = frozenset({"7101"})


def _range_pairs(names: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    present = set(names)
    for name in names:
        for begin, end in _RANGE_PATTERNS:
            for b, e in ((begin, end), (begin.capitalize(), end.capitalize())):
                if name.endswith(b) and name[: -len(b)] + e in present:
                    yield name, name[: -len(b)] + e


def _range_rules(nodes: tuple[Node, ...]) -> tuple[On, ...]:
    found: list[On] = []

    def walk(n: Node, path: str) -> None:
        pairs = tuple(_range_pairs(tuple(f.name for f in n.fields)))
        if pairs:
            found.append(On(path, tuple(NotBefore(end, begin, source=_SRC_RANGE) for begin, end in pairs)))
        for f in n.fields:
            if f.rows is not None:
                walk(f.rows, f"{path}.{f.name}" if path else f.name)

    for n in nodes:
        walk(n, n.name)
    return tuple(found)


@cache
def relations(infno: str) -> tuple[On, ...]:
    """The cross-field rules of one transaction's request: its money rules, then its time ranges."""
    schema = SCHEMAS.get(infno)
    ranges = _range_rules(schema.request) if schema is not None and infno not in _RANGES_ANSWERED else ()
    return _MONEY.get(infno, ()) + ranges


def documented() -> dict[str, tuple[On, ...]]:
    """Every transaction with rules (for the generated docs and the tests)."""
    return {infno: relations(infno) for infno in sorted(set(SCHEMAS) | set(_MONEY)) if relations(infno)}


# --- checking --------------------------------------------------------------------------------------------


def relation_errors(infno: str | None, message: Any) -> list[FieldError]:
    """Every broken rule of ``message`` (a request ``input`` that passed its per-field checks)."""
    if infno is None or not isinstance(message, Mapping):
        return []
    errors: list[FieldError] = []
    for on in relations(infno):
        for path, row in _objects(message, on.node):
            for rule in on.rules:
                error = _check(rule, row, message, path)
                if error is not None:
                    errors.append(error)
    return errors


def _objects(message: Mapping[str, Any], node: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The objects of a node path with their error paths (``feedetail[3]``; ``""`` for root fields)."""
    if node == ROOT:
        return [("", message)]
    first, *nested = node.split(".")
    found = list(_rows(first, message.get(first)))
    for name in nested:
        found = [inner for path, row in found for inner in _rows(f"{path}.{name}", row.get(name))]
    return found


def _rows(path: str, value: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        yield path, value
    elif isinstance(value, list):
        for i, row in enumerate(value):
            if isinstance(row, Mapping):
                yield f"{path}[{i}]", row


def _field_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _part_text(part: str) -> str:
    rows, _, name = part.partition("[].")
    return f"Σ {rows}[].{name}" if name else part


def _number(value: Any) -> Decimal | None:
    try:
        number = _to_decimal(value)
    except PydanticCustomError:
        return None
    return number if isinstance(number, Decimal) and number.is_finite() else None


def _part(part: str, row: Mapping[str, Any], message: Mapping[str, Any]) -> Decimal | None:
    """One part's value: a field of the object, or ``rows[].field`` summed over rows; None if missing."""
    rows_name, _, name = part.partition("[].")
    if not name:
        return _number(row.get(part))
    holder = row.get(rows_name) if rows_name in row else message.get(rows_name)
    values = [_number(r.get(name)) for _, r in _rows("", holder)]
    if not values or any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def _check(rule: Rule, row: Mapping[str, Any], message: Mapping[str, Any], path: str) -> FieldError | None:
    if isinstance(rule, NotBefore):
        return _check_range(rule, row, path)
    total = _number(row.get(rule.total))
    if isinstance(rule, Product):
        factor, by = _number(row.get(rule.factor)), _number(row.get(rule.by))
        if total is None or factor is None or by is None:
            return None
        expected = factor * by
        if abs(total - expected) <= rule.tolerance:
            return None
        detail = f"{total:f} 应等于 {rule.factor} × {rule.by} = {factor:f} × {by:f} = {_money(expected)}"
        return FieldError(CODE, _field_path(path, rule.total), detail)
    parts = [_part(p, row, message) for p in rule.of]
    if total is None or any(p is None for p in parts):
        return None
    summed = sum((p for p in parts if p is not None), Decimal(0))
    names = "、".join(_part_text(p) for p in rule.of)
    if isinstance(rule, AtMost):
        if summed <= total + rule.tolerance:
            return None
        detail = f"{total:f} 不应小于 {names} 之和 {summed:f}"
    else:
        if abs(total - summed) <= rule.tolerance:
            return None
        detail = f"{total:f} 应等于 {names} 之和 {summed:f}"
    return FieldError(CODE, _field_path(path, rule.total), detail)


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in (DATETIME_FORMAT, DATE_FORMAT):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _check_range(rule: NotBefore, row: Mapping[str, Any], path: str) -> FieldError | None:
    later, earlier = _moment(row.get(rule.later)), _moment(row.get(rule.earlier))
    if later is None or earlier is None:
        return None
    coarse = later.time() == datetime.min.time() or earlier.time() == datetime.min.time()
    if (later.date() >= earlier.date()) if coarse else later >= earlier:
        return None
    detail = f"{row[rule.later]} 不应早于 {rule.earlier} {row[rule.earlier]}"
    return FieldError(CODE, _field_path(path, rule.later), detail)


# --- consistent samples ----------------------------------------------------------------------------------


def consistent(nodes: tuple[Node, ...], message: Any) -> Any:
    """``message`` (a sample built from ``nodes``, changed in place) with the totals of the rules of the
    transactions that use these request nodes set from their parts, so that the sample passes them."""
    if not isinstance(message, dict):
        return message
    rules = [on for infno in _infnos_of(nodes) for on in relations(infno)]
    pairs = [(on, rule) for on in rules for rule in on.rules]
    pairs.sort(key=lambda pair: not isinstance(pair[1], Product))  # fee lines first: totals may sum them
    for on, rule in pairs:
        if isinstance(rule, NotBefore):
            continue
        for _, row in _objects(message, on.node):
            value = _derived(rule, row, message)
            if isinstance(row, MutableMapping) and rule.total in row and value is not None:
                row[rule.total] = value
    return message


def _derived(
    rule: Sum | AtMost | Product, row: Mapping[str, Any], message: Mapping[str, Any]
) -> Decimal | None:
    if isinstance(rule, Product):
        factor, by = _number(row.get(rule.factor)), _number(row.get(rule.by))
        return None if factor is None or by is None else (factor * by).quantize(CENT, rounding=ROUND_HALF_UP)
    parts = [_part(p, row, message) for p in rule.of]
    return None if any(p is None for p in parts) else sum((p for p in parts if p is not None), Decimal(0))


def _infnos_of(nodes: tuple[Node, ...]) -> list[str]:
    return [infno for infno, schema in SCHEMAS.items() if schema.request == nodes and relations(infno)]
