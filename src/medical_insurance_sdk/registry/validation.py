"""Validation of a message against its model, with every problem reported in the spec's codes (3000x).

validate_message(tx.request_model, payload, infno="2207")   # the model, or DataValidationError
validate_relaxed(...)                                       # with a province's wider field lengths

Each field is checked alone first (30001-30004); a message whose fields all pass is then checked against the
transaction's cross-field rules (`relations.py`: totals and their parts, amount = cnt × pric, a period's end
not before its beginning), every broken rule a 30005.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from medical_insurance_sdk.exceptions import DataValidationError, FieldError
from medical_insurance_sdk.registry.dictionaries import not_in_dictionary
from medical_insurance_sdk.registry.field_models import _ROOT_FIELDS, _is_blank, build_message_model
from medical_insurance_sdk.registry.fields import FieldSpec, Node
from medical_insurance_sdk.registry.relations import relation_errors

# --- validation errors in the spec's codes ---------------------------------------------------------------

_LENGTH_ERRORS = {
    "string_too_long",
    "decimal_max_digits",
    "decimal_whole_digits",
    "too_long",
    "less_than",
    "greater_than",
}
_DICTIONARY_ERROR = "dict_code"  # field_models' dictionary check: ctx {value, dictionary}
_DETAIL_ZH = {
    "string_too_long": "长度不能超过 {max_length}",
    "decimal_max_digits": "数字位数不能超过 {max_digits}",
    "decimal_whole_digits": "整数位数不能超过 {whole_digits}",
    "decimal_max_places": "小数位数不能超过 {decimal_places}",
    "too_long": "条数不能超过 {max_length}",
    "less_than": "位数超限",
    "greater_than": "位数超限",
    "string_type": "应为字符串",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为数组",
    "open_node_type": "应为对象或对象数组",
}


def format_path(loc: tuple[int | str, ...]) -> str:
    """('feedetail', 0, 'feedetl_sn') -> 'feedetail[0].feedetl_sn'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def field_errors(exc: ValidationError, root_fields: frozenset[str] = frozenset()) -> list[FieldError]:
    """Translate pydantic's errors into the spec's 3000x codes, every one of them, in order."""
    result: list[FieldError] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind == "missing" or _is_blank(err.get("input", 0)):
            # the bureau treats "" like an absent field ("不能为空"), so a blank required field is missing
            code = 30001 if len(loc) == 1 and loc[0] not in root_fields else 30002
            detail = ""
        elif kind == "too_short" and len(loc) == 1:
            code, detail = 30001, "节点不能为空"
        elif kind in _LENGTH_ERRORS:
            code = 30004
            detail = _DETAIL_ZH[kind].format(**ctx) if kind in _DETAIL_ZH else err["msg"]
        elif kind == _DICTIONARY_ERROR:
            code, detail = 30003, not_in_dictionary(ctx["dictionary"], ctx["value"])
        else:
            code = 30003
            template = _DETAIL_ZH.get(kind)
            detail = template.format(**ctx) if template else err["msg"]
        result.append(FieldError(code, format_path(loc), detail))
    return result


def validate_message(model: type[BaseModel], payload: Any, *, infno: str | None = None) -> BaseModel:
    """Validate a request ``input`` against its model, then against the cross-field rules of transaction
    ``infno``; every problem of the failing step is raised together."""
    if not isinstance(payload, Mapping):
        raise DataValidationError([FieldError(30009, "input", "input 应为 JSON 对象")], infno=infno)
    try:
        validated = model.model_validate(payload)
    except ValidationError as exc:
        raise DataValidationError(
            field_errors(exc, _ROOT_FIELDS.get(model, frozenset())), infno=infno
        ) from None
    related = relation_errors(infno, validated.model_dump())
    if related:
        raise DataValidationError(related, infno=infno)
    return validated


# --- province relaxations -------------------------------------------------------------------------------


def relaxed_nodes(nodes: tuple[Node, ...], lengths: Mapping[str, int]) -> tuple[Node, ...]:
    """`nodes` with the text fields named in `lengths` widened to that many characters (a province
    profile's `field_lengths`); never narrower than the national table, and the same nodes when nothing
    applies."""
    if not lengths:
        return nodes
    return tuple(_relaxed_node(n, lengths) for n in nodes)


def _relaxed_node(n: Node, lengths: Mapping[str, int]) -> Node:
    fields = tuple(_relaxed_field(f, lengths) for f in n.fields)
    return n if fields == n.fields else replace(n, fields=fields)


def _relaxed_field(f: FieldSpec, lengths: Mapping[str, int]) -> FieldSpec:
    if f.rows is not None:  # nested rows: the same names widened there too
        rows = _relaxed_node(f.rows, lengths)
        return f if rows is f.rows else replace(f, rows=rows)
    if f.kind == "str" and f.length and f.name in lengths and lengths[f.name] > f.length:
        return replace(f, length=lengths[f.name])
    return f


@cache
def _relaxed_model(name: str, nodes: tuple[Node, ...]) -> type[BaseModel]:
    return build_message_model(name, nodes, flavour="request")


def validate_relaxed(
    model: type[BaseModel],
    nodes: tuple[Node, ...],
    payload: Any,
    lengths: Mapping[str, int],
    *,
    infno: str | None = None,
) -> BaseModel:
    """Validate against `model` (built from `nodes`), or against a model with a province's wider lengths."""
    wider = relaxed_nodes(nodes, lengths)
    if wider != nodes:
        model = _relaxed_model(model.__name__, wider)
    return validate_message(model, payload, infno=infno)
