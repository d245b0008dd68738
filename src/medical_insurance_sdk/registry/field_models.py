"""Pydantic models built from the field tables of `fields.py`: strict for requests, tolerant for responses.

    model = build_message_model("Tx2207Input", tx.request_nodes, flavour="request")

Request models enforce everything (required, lengths, scales, formats, dictionaries, nested rows) and report
every problem with the spec's 3000x codes; response models are tolerant (numbers as strings, "" for empty,
an object where a list is expected, unknown keys).  The tables themselves are data, in `fields.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
)
from pydantic_core import PydanticCustomError

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry.dictionaries import DICTIONARIES
from medical_insurance_sdk.registry.fields import (
    _DATE_RE,
    _DATETIME_RE,
    DATE_FORMAT,
    DATETIME_FORMAT,
    ROOT,
    ROOT_ROWS,
    FieldSpec,
    Node,
    node,
)


def _empty_to_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return value


def _to_decimal(value: Any) -> Any:
    value = _empty_to_none(value)
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "应为数值")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # shortest repr: 12.5 -> Decimal("12.5"), never binary noise
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError("decimal_parsing", "应为数值") from None
    raise PydanticCustomError("decimal_type", "应为数值")


def _to_int_if_whole(value: Any) -> Any:
    number = _to_decimal(value)
    if isinstance(number, Decimal) and number == number.to_integral_value():
        return int(number)
    return number


def _date_text(value: Any) -> Any:
    value = _empty_to_none(value)
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return value


def _datetime_text(value: Any) -> Any:
    value = _empty_to_none(value)
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT) + " 00:00:00"
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        # a date where a datetime is declared: the bureaus accept it as midnight (issue 15 §3)
        return value.strip() + " 00:00:00"
    return value


def _object_text(value: Any) -> Any:
    """A JSON object (or list) in a text field, as the bureau stores it: compact JSON text."""
    value = _empty_to_none(value)
    if isinstance(value, Mapping | list):
        return jsoncodec.dumps(value).decode("utf-8")
    return value


def _check_date(value: str) -> str:
    if not _DATE_RE.match(value):
        raise PydanticCustomError("date_format", "日期格式应为 yyyy-MM-dd")
    try:
        datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        raise PydanticCustomError("date_format", "不是有效日期") from None
    return value


def _check_datetime(value: str) -> str:
    if not _DATETIME_RE.match(value):
        raise PydanticCustomError("datetime_format", "时间格式应为 yyyy-MM-dd HH:mm:ss")
    try:
        datetime.strptime(value, DATETIME_FORMAT)
    except ValueError:
        raise PydanticCustomError("datetime_format", "不是有效时间") from None
    return value


def _dictionary_check(dictionary: str) -> Callable[[Any], Any]:
    values = DICTIONARIES[dictionary]

    def check(value: Any) -> Any:
        if value is not None and value not in values:
            raise PydanticCustomError(
                "dict_code",
                "取值 {value} 不在字典 {dictionary} 中",
                {"value": value, "dictionary": dictionary},
            )
        return value

    return check


def _one_to_list(value: Any) -> Any:
    # Real answers sometimes carry an object where the table says list (reference §9).
    if isinstance(value, Mapping):
        return [value]
    return value


# --- annotations --------------------------------------------------------------------------------------


def _present(value: Any) -> Any:
    if _is_blank(value):
        raise PydanticCustomError("missing", "必填字段缺失")  # field_errors: 30002
    return value


def _request_annotation(spec: FieldSpec) -> Any:
    """The request-side annotation: the typed, constrained core inside one coercing BeforeValidator.

    The BeforeValidator sits outside ``core | None`` so that "" becomes None before the union is tried:
    blank optional fields pass, blank required fields are reported as missing.
    """
    core: Any
    before: Callable[[Any], Any] = _empty_to_none
    if spec.kind == "str":
        core = Annotated[str, StringConstraints(max_length=spec.length)] if spec.length else str
        if spec.object_text:
            before = _object_text
        if spec.dictionary:
            core = Annotated[core, AfterValidator(_dictionary_check(spec.dictionary))]
    elif spec.kind == "decimal":
        assert spec.length is not None and spec.scale is not None
        core = Annotated[Decimal, Field(max_digits=spec.length, decimal_places=spec.scale)]
        before = _to_decimal
    elif spec.kind == "int":
        core = Annotated[int, Field(lt=10**spec.length, gt=-(10**spec.length))] if spec.length else int
    elif spec.kind == "date":
        core, before = Annotated[str, AfterValidator(_check_date)], _date_text
    elif spec.kind == "datetime":
        core, before = Annotated[str, AfterValidator(_check_datetime)], _datetime_text
    elif spec.required:
        # any JSON value, but there: a required J field sent as null (9101 `in`) would otherwise pass here,
        # lose its key in the engine's dump (exclude_none) and be refused by the bureau as missing
        return Annotated[Any, AfterValidator(_present)]
    else:
        return Any
    if not spec.required:
        core = core | None
    return Annotated[core, BeforeValidator(before)]


def _response_annotation(spec: FieldSpec) -> Any:
    if spec.kind == "decimal":
        return Annotated[Decimal | None, BeforeValidator(_to_decimal)]
    if spec.kind == "int":
        return Annotated[int | Decimal | None, BeforeValidator(_to_int_if_whole)]
    if spec.kind == "json":
        return Any
    # strings, dates and datetimes stay text: answers use several date spellings (reference §1301)
    return Annotated[str | None, BeforeValidator(_empty_to_none)]


def _blank_rows(many: bool, required: bool) -> Callable[[Any], Any]:
    """Before a nested table: blank, ``{}`` or ``[]`` is absent (30002 when required, the bureau's
    "不能为空"); one object where a list is declared is a list of one."""

    def before(value: Any) -> Any:
        if _is_blank(value) or (isinstance(value, Mapping | list) and not value):
            if required:
                raise PydanticCustomError("missing", "必填字段缺失")  # field_errors: 30002
            return None
        if many and isinstance(value, Mapping):
            return [value]
        return value

    return before


def _rows_annotation(spec: FieldSpec, prefix: str, flavour: Literal["request", "response"]) -> Any:
    """A field with a nested table: its rows (or its one object) as models of that table.

    Request: every row validated (errors at full paths), at least one row when the field is required,
    ``max_items`` at most.  Response: tolerant; a value that does not read as the table's rows (a JSON
    text, a bare string) is kept as the bureau sent it.
    """
    sub = spec.rows
    assert sub is not None
    item: Any = build_node_model(prefix, sub, flavour=flavour)
    core: Any
    if flavour == "response":
        core = (list[item] if sub.many else item) | Any
        return Annotated[core, Field(union_mode="left_to_right"), BeforeValidator(_rows_or_raw(sub.many))]
    core = Annotated[list[item], Field(max_length=sub.max_items)] if sub.many else item
    if not spec.required:
        core = core | None
    return Annotated[core, BeforeValidator(_blank_rows(sub.many, spec.required))]


def _rows_or_raw(many: bool) -> Callable[[Any], Any]:
    def before(value: Any) -> Any:
        value = _empty_to_none(value)
        return [value] if many and isinstance(value, Mapping) else value

    return before


def _request_field(spec: FieldSpec, prefix: str = "") -> tuple[Any, Any]:
    """(annotation, default) of a request field: required, optional, or filled with its ``=`` default."""
    ann = _rows_annotation(spec, prefix, "request") if spec.rows else _request_annotation(spec)
    default: Any = spec.default if spec.default is not None else (... if spec.required else None)
    if spec.aliases:
        return ann, Field(default, validation_alias=AliasChoices(spec.name, *spec.aliases))
    return ann, default


_REQUEST_CONFIG = ConfigDict(extra="allow", coerce_numbers_to_str=True, frozen=True, populate_by_name=True)
_RESPONSE_CONFIG = ConfigDict(extra="allow", coerce_numbers_to_str=True, frozen=True)


def _model_name(prefix: str, node_name: str) -> str:
    return prefix + "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", node_name) if part)


def _response_field(spec: FieldSpec, prefix: str = "") -> tuple[Any, Any]:
    return (_rows_annotation(spec, prefix, "response") if spec.rows else _response_annotation(spec)), None


def build_node_model(prefix: str, n: Node, *, flavour: Literal["request", "response"]) -> type[BaseModel]:
    """The model of one object of a node; nested tables become models named after their path."""
    name = _model_name(prefix, n.name)
    fields: dict[str, Any] = {}
    for spec in n.fields:
        if flavour == "request":
            fields[spec.name] = _request_field(spec, name)
        else:
            fields[spec.name] = _response_field(spec, name)
    config = _REQUEST_CONFIG if flavour == "request" else _RESPONSE_CONFIG
    return create_model(name, __config__=config, **fields)


def _check_open_node(value: Any) -> Any:
    """One clear error per node of a request without a field list, before pydantic tries each member of
    ``object | list of objects`` (which reports one error per member, at paths like ``data.dict[str,any]``).

    Absent or blank: 30001 数据节点缺失.  Not an object or a list of objects: 30003 (应为对象或对象数组).
    """
    if _is_blank(value):
        raise PydanticCustomError("missing", "数据节点缺失")  # field_errors: a blank node is 30001
    rows = [value] if isinstance(value, Mapping) else value
    if not isinstance(rows, list) or not all(isinstance(row, Mapping) for row in rows):
        raise PydanticCustomError("open_node_type", "应为对象或对象数组")
    return value


# A request node without a public field list: an object or a list of objects, contents open.
_OPEN_REQUEST_NODE: Any = Annotated[dict[str, Any] | list[dict[str, Any]], BeforeValidator(_check_open_node)]


def _check_not_empty(value: Any) -> Any:
    """A node sent with no value at all (``{}``, or only blanks) is absent: 30001, never sent as is."""
    if isinstance(value, Mapping) and all(_is_blank(v) for v in value.values()):
        raise PydanticCustomError("missing", "数据节点为空")  # field_errors: a blank node is 30001
    return value


def build_message_model(
    name: str,
    nodes: tuple[Node, ...],
    *,
    flavour: Literal["request", "response"],
    refuse_empty: bool = False,
) -> type[BaseModel]:
    """The model of a whole ``input`` (request) or ``output`` (response): one attribute per node.

    ``refuse_empty`` (write and money calls): a required object node whose fields are all optional (the
    partial tables of 62xx) must still carry some value; ``{}`` is 30001 instead of a call the bureau
    can only refuse or, worse, act on.
    """
    attrs: dict[str, Any] = {}
    root_fields: set[str] = set()
    for n in nodes:
        if n.name == ROOT and not n.many:
            for spec in n.fields:
                if flavour == "request":
                    attrs[spec.name] = _request_field(spec, name)
                else:
                    attrs[spec.name] = _response_field(spec, name)
                root_fields.add(spec.name)
            continue
        if n.name == ROOT:
            item = build_node_model(name, node("row", n.fields), flavour=flavour)
            attrs[ROOT_ROWS] = (list[item] | None, None)  # type: ignore[valid-type]
            continue
        if not n.fields:
            # No public field list: the node must be there (an object, or a list of objects), contents open.
            if flavour == "request":
                attrs[n.name] = (_OPEN_REQUEST_NODE, ...) if n.required else (_OPEN_REQUEST_NODE | None, None)
            else:
                attrs[n.name] = (dict[str, Any] | list[dict[str, Any]] | None, None)
            continue
        item = build_node_model(name, n, flavour=flavour)
        if flavour == "request":
            ann: Any = (
                Annotated[
                    list[item],  # type: ignore[valid-type]
                    Field(min_length=1 if n.required else 0, max_length=n.max_items),
                    BeforeValidator(_one_to_list),  # one object where a list is declared: a list of one
                ]
                if n.many
                else item
            )
            if refuse_empty and n.required and not n.many and not any(f.required for f in n.fields):
                ann = Annotated[ann, BeforeValidator(_check_not_empty)]
            attrs[n.name] = (ann, ...) if n.required else (ann | None, None)
        else:
            ann = Annotated[list[item] | None, BeforeValidator(_one_to_list)] if n.many else item | None  # type: ignore[valid-type]
            attrs[n.name] = (ann, None)
    config = _REQUEST_CONFIG if flavour == "request" else _RESPONSE_CONFIG
    model = create_model(name, __config__=config, **attrs)
    _ROOT_FIELDS[model] = frozenset(root_fields)
    return model


# Which attributes of a message model are root fields (a missing one is 30002, not a missing node 30001).
_ROOT_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@cache
def generic_node_model(flavour: Literal["request", "response"]) -> type[BaseModel]:
    """A node whose fields are unknown: any object passes."""
    config = _REQUEST_CONFIG if flavour == "request" else _RESPONSE_CONFIG
    return create_model(f"Generic{flavour.title()}Node", __config__=config)
