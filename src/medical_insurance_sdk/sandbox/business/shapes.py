"""Answers in the registry's exact shapes, and the text form in which the business tables keep values.

    shape(values, response_node("2207", "setlinfo"))   # exactly the node's fields, decimals at its scales
    row.priced = plain(result_row)                      # Decimal -> "12.50" before it goes into JSON
    revive(row.priced, FEE_RESULT.fields)               # "12.50" -> Decimal for the node's decimal fields

Projecting onto the registry node is what keeps every answer's field names exactly the bureau's: a value
the handler knows but the node does not list is dropped, a field the node lists but nobody knows is null.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.fields import DATE_FORMAT, DATETIME_FORMAT, FieldSpec, Node


def response_node(infno: str, name: str) -> Node:
    """The response node `name` of a transaction ("" for a bare-list output)."""
    for node in REGISTRY[infno].schema.response:
        if node.name == name:
            return node
    raise KeyError(f"{infno} has no response node {name!r}")


def request_node(infno: str, name: str) -> Node:
    """The request node `name` of a transaction."""
    for node in REGISTRY[infno].schema.request:
        if node.name == name:
            return node
    raise KeyError(f"{infno} has no request node {name!r}")


def shape(values: Mapping[str, Any], node: Node) -> dict[str, Any]:
    """The node's fields, in its order, from `values`: decimals quantized to the node's scale."""
    return {spec.name: fit(values.get(spec.name), spec) for spec in node.fields}


def fit(value: Any, spec: FieldSpec) -> Any:
    """One value as the field's type wants it (None stays None, "" becomes None as the bureau answers)."""
    if value is None or value == "":
        return None
    if spec.kind == "decimal":
        number = to_decimal(value)
        if number is None:
            return None
        scaled = number.quantize(Decimal(1).scaleb(-(spec.scale or 0)))
        return abs(scaled) if scaled == 0 else scaled  # never "-0.00"
    if spec.kind == "int":
        number = to_decimal(value)
        return None if number is None else int(number)
    if spec.kind == "date" and isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    if spec.kind == "datetime" and isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    return value


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal from Decimal, int or numeric text (None for None, "" or text that is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # shortest repr, never binary noise
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def plain(value: Any) -> Any:
    """A JSON-safe copy: Decimal as its exact text, datetimes as bureau text, containers recursively."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def revive(values: Mapping[str, Any], fields: Iterable[FieldSpec]) -> dict[str, Any]:
    """A copy of `values` with the decimal fields of `fields` back as Decimal."""
    decimals = {spec.name for spec in fields if spec.kind == "decimal"}
    return {k: (to_decimal(v) if k in decimals else v) for k, v in values.items()}


def text_time(moment: datetime | None) -> str | None:
    """`yyyy-MM-dd HH:mm:ss`, the bureau's 日期时间型."""
    return None if moment is None else moment.strftime(DATETIME_FORMAT)


def text_date(moment: date | None) -> str | None:
    """`yyyy-MM-dd`, the bureau's 日期型."""
    return None if moment is None else moment.strftime(DATE_FORMAT)


def parse_time(text: str | None) -> datetime | None:
    """A datetime from bureau text (`yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd`); None for blank."""
    if not text:
        return None
    value = str(text).strip()
    fmt = DATETIME_FORMAT if len(value) > 10 else DATE_FORMAT
    return datetime.strptime(value, fmt)
