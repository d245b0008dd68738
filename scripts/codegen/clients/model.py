"""What every other-language client is generated from: the registry and the error table, language-neutral.

    ops = operations()          # one Operation per transaction, in registry order
    codes = error_codes()       # the spec's §5.2 table (code, message, retry, retry_after, http_status)
    types = result_types()      # typed results: friendly name -> kind and paths into the answer

Each language's generator (`clients/<language>.py` beside this module) renders these into its own files and
reads nothing else: names, routes, field tables, safety classes and result types all come from here, so a
change to the registry reaches every client through `scripts/generate.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from medical_insurance_sdk.protocol.errors import ERRORS
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Transaction
from medical_insurance_sdk.registry.fields import ROOT, FieldSpec, Node
from medical_insurance_sdk.registry.results import RESULT_DOCS, RESULT_FIELDS

Kind = Literal["str", "decimal", "int", "date", "datetime", "json"]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind  # decimals are exact in every language: BigDecimal, decimal, a decimal string in JS
    length: int | None
    scale: int | None
    required: bool
    rows: NodeModel | None = None  # a nested table (kind "json"): the rows, or the one object, it holds

    @property
    def type_text(self) -> str:
        """The type as the bureau's table prints it (C30, N16,2, DT …), for doc comments."""
        code = {"str": "C", "decimal": "N", "int": "I", "date": "D", "datetime": "DT", "json": "J"}[self.kind]
        if self.kind == "decimal" and self.length is not None:
            return f"N{self.length},{self.scale or 0}"
        return f"{code}{self.length or ''}"


@dataclass(frozen=True)
class NodeModel:
    name: str  # "" for fields directly under input (the registry's root node)
    many: bool
    required: bool
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Operation:
    infno: str
    title: str  # Chinese name, e.g. 人员基本信息获取
    interface_type: str  # person_info — the gateway's universal /query name
    snake: str  # query_person_info — Python, PHP
    camel: str  # queryPersonInfo — Java, JavaScript
    pascal: str  # QueryPersonInfo — C#, Delphi
    http_method: str  # GET / POST / PUT / DELETE
    path: str  # relative to API_PREFIX, as the spec writes it
    safety: Literal["query", "write", "money"]
    result_type: str
    file_output: bool
    schema_level: str
    request: tuple[NodeModel, ...]
    response: tuple[NodeModel, ...]

    @property
    def money(self) -> bool:
        return self.safety == "money"


@dataclass(frozen=True)
class ErrorCodeModel:
    code: int
    message: str
    retry: bool
    retry_after: int | None
    max_retry: int | None  # the table may allow fewer tries than configured (20007: one retry)
    http_status: int
    family: str


@dataclass(frozen=True)
class FriendlyField:
    name: str  # snake_case as in Python (total_amount); camel/pascal for other languages
    kind: Literal["str", "decimal", "int"]
    paths: tuple[str, ...]  # registry/results.py explains the path syntax


@dataclass(frozen=True)
class ResultTypeModel:
    name: str  # SettlementResult
    doc: str
    fields: tuple[FriendlyField, ...]


def _field(spec: FieldSpec) -> Field:
    rows = _node(spec.rows) if spec.rows is not None else None
    return Field(spec.name, spec.label, spec.kind, spec.length, spec.scale, spec.required, rows)


def _node(node: Node) -> NodeModel:
    return NodeModel(
        "" if node.name == ROOT else node.name,
        node.many,
        node.required,
        tuple(_field(f) for f in node.fields),
    )


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def pascal(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def _operation(t: Transaction) -> Operation:
    return Operation(
        infno=t.infno,
        title=t.name,
        interface_type=t.interface_type,
        snake=t.sdk_method,
        camel=camel(t.sdk_method),
        pascal=pascal(t.sdk_method),
        http_method=t.route.method,
        path=t.route.path,
        safety=t.safety.value,
        result_type=t.result_type,
        file_output=t.file_output,
        schema_level=t.schema_level,
        request=tuple(_node(n) for n in t.request_nodes),
        response=tuple(_node(n) for n in t.schema.response),
    )


def operations() -> tuple[Operation, ...]:
    return tuple(_operation(t) for t in REGISTRY.transactions)


def error_codes() -> tuple[ErrorCodeModel, ...]:
    return tuple(
        ErrorCodeModel(e.code, e.message, e.retry, e.retry_after, e.max_retry, e.http_status, e.family)
        for e in ERRORS.values()
    )


def result_types() -> tuple[ResultTypeModel, ...]:
    return tuple(
        ResultTypeModel(
            name,
            RESULT_DOCS[name],
            tuple(FriendlyField(attr, f.kind, f.paths) for attr, f in fields.items()),
        )
        for name, fields in RESULT_FIELDS.items()
    )


API_BASE_PATH = API_PREFIX
