"""The mapping file of the trigger queue: which HIS table and columns fill which transaction's input.

    config = load_mapping_file("mapping.yaml")     # MappingError: every problem at once, in Chinese
    for m in config.mappings:                      # ResolvedMapping: the file's entry + its transaction
        m.tx.infno, m.fields                       # 2201, (ResolvedField(node="data", field="psn_no", …), …)

The file (YAML)::

    queue_name: his_main                 # optional: names this HIS database in idempotency keys
    mappings:
      - name: outpatient_register        # trigger and function names derive from it
        table: outpatient_register       # the HIS table, optionally schema-qualified
        on: insert                       # insert | update
        when: "NEW.status = '1'"         # optional SQL condition, in the database's own syntax
        interface_type: 2201             # infno, interface_type or SDK method name
        group_key: register_id           # optional column: the worker sends rows of one key in order
        fields:                          # transaction input field <- HIS column, or a constant
          psn_no: person_no
          mdtrt_cert_type: {value: "02"}

A field is named as the transaction's input declares it: a bare name is a field of the first object node
(`data` for most), `node.field` a field of another object node.  List nodes (2204 `feedetail`) hold rows,
which one HIS row cannot give: a mapping naming one is refused.  The queue row's `data_json` is the input
in node form, `{"data": {"psn_no": …}}`, as `registry.inputs.shape_input` accepts it.

`when:` is SQL the DBA writes and is trusted as such; every identifier is checked against a strict pattern
and every constant becomes a quoted SQL literal (triggers.py), so nothing else from the file reaches the
SQL unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from medical_insurance_sdk.registry import REGISTRY, Registry, Transaction
from medical_insurance_sdk.registry.fields import FieldSpec, Kind, Node

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
MAX_IDENTIFIER = 63  # PostgreSQL's limit, the smallest of the supported databases

# error codes of the spec's table (protocol/errors.py) the problems are reported with
BAD_FORMAT = 10002  # 请求参数格式错误
UNKNOWN_INTERFACE = 20001  # 不支持的接口类型
NODE_MISSING = 30001  # 数据节点缺失
FIELD_MISSING = 30002  # 必填字段缺失
PARSE_FAILED = 30009  # 数据解析失败
FILE_MISSING = 40001  # 文件不存在


class MappingError(ValueError):
    """The mapping file cannot be used; `problems` lists every reason, each "code - 说明"."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def _identifier(value: str) -> str:
    if not IDENTIFIER.match(value) or len(value) > MAX_IDENTIFIER:
        raise ValueError(
            f"“{value}” 不是合法的标识符（字母或下划线开头，仅含字母、数字、_、$，至多 63 个字符）"
        )
    return value


def _text_key(value: Any) -> Any:
    """`interface_type: 2201` reads as a number in YAML: the registry's keys are text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Column = Annotated[StrictStr, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]


class Constant(BaseModel):
    """`{value: "02"}`: the same value in every queue row (a string, or a number for a numeric field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: StrictStr | StrictInt | StrictFloat

    @field_validator("value")
    @classmethod
    def _printable(cls, value: str | int | float) -> str | int | float:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("常量不能包含 NUL 字符")
        return value

    @property
    def number(self) -> Decimal | None:
        """The value as a number (for a numeric field), None for text."""
        if isinstance(self.value, str):
            return None
        return Decimal(repr(self.value)) if isinstance(self.value, float) else Decimal(self.value)


class TableMapping(BaseModel):
    """One entry of `mappings`: one HIS table event → one transaction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    table: StrictStr
    on: Literal["insert", "update"] = "insert"
    when: Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    interface_type: Annotated[StrictStr, BeforeValidator(_text_key)]
    group_key: Column | None = None
    fields: dict[StrictStr, Column | Constant] = Field(min_length=1)

    @field_validator("table")
    @classmethod
    def _table(cls, value: str) -> str:
        parts = value.strip().split(".")
        if len(parts) > 2:
            raise ValueError(f"“{value}” 应为 表名 或 模式.表名")
        return ".".join(_identifier(p) for p in parts)

    @field_validator("group_key")
    @classmethod
    def _group_key(cls, value: str | None) -> str | None:
        return None if value is None else _identifier(value)

    @field_validator("when")
    @classmethod
    def _when(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("条件不能包含 NUL 字符")
        return value

    @field_validator("fields")
    @classmethod
    def _columns(cls, value: dict[str, str | Constant]) -> dict[str, str | Constant]:
        bad = [
            f"{name} ← {source}"
            for name, source in value.items()
            if isinstance(source, str) and not IDENTIFIER.match(source)
        ]
        if bad:
            raise ValueError(
                f"列名不合法: {'；'.join(bad)}（列名须为字母或下划线开头，仅含字母、数字、_、$）"
            )
        return value

    @property
    def schema_name(self) -> str | None:
        return self.table.split(".")[0] if "." in self.table else None

    @property
    def table_name(self) -> str:
        return self.table.split(".")[-1]

    @property
    def operation(self) -> Literal["INSERT", "UPDATE"]:
        return "UPDATE" if self.on == "update" else "INSERT"


class MappingFile(BaseModel):
    """The whole file: an optional queue name and at least one mapping, names unique."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    queue_name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")] | None = None
    mappings: list[TableMapping] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> MappingFile:
        names = [m.name for m in self.mappings]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"映射名称重复: {', '.join(twice)}")
        return self


@dataclass(frozen=True)
class ResolvedField:
    """One key of the queued input: `node.field` (node ROOT: a key of `input` itself) ← column or constant."""

    node: str
    field: str
    kind: Kind | None  # None: a node without a field table, the value is sent as the column holds it
    source: str | Constant  # a HIS column, or a constant


@dataclass(frozen=True)
class ResolvedMapping:
    """A mapping checked against the registry: what the trigger renders."""

    mapping: TableMapping
    tx: Transaction
    fields: tuple[ResolvedField, ...]

    @property
    def name(self) -> str:
        return self.mapping.name

    @property
    def columns(self) -> tuple[str, ...]:
        """Every HIS column the trigger reads (fields, then the group key), once each."""
        named = [f.source for f in self.fields if isinstance(f.source, str)]
        if self.mapping.group_key:
            named.append(self.mapping.group_key)
        return tuple(dict.fromkeys(named))

    def with_names(self, table: str, columns: Mapping[str, str]) -> ResolvedMapping:
        """The same mapping naming the table and columns as the database spells them (install time);
        `columns`: the table's column names by their lower-case form."""
        group_key = self.mapping.group_key
        mapping = self.mapping.model_copy(
            update={"table": table, "group_key": columns[group_key.lower()] if group_key else None}
        )
        fields = tuple(
            replace(f, source=columns[f.source.lower()]) if isinstance(f.source, str) else f
            for f in self.fields
        )
        return ResolvedMapping(mapping, self.tx, fields)


@dataclass(frozen=True)
class MappingConfig:
    queue_name: str | None
    mappings: tuple[ResolvedMapping, ...]


# --- loading ---------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML with YAML 1.2 booleans: `on: insert` must stay the key "on", not become True."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_mapping_file(path: str | Path, registry: Registry = REGISTRY) -> MappingConfig:
    """Read, validate and resolve a mapping file; MappingError lists every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError([f"{FILE_MISSING} - 映射文件不存在: {path}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError([f"{PARSE_FAILED} - 映射文件无法读取: {path}: {exc}"]) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise MappingError([f"{PARSE_FAILED} - 映射文件不是有效的 YAML: {exc}"]) from None
    return parse_mapping(data, registry)


def parse_mapping(data: Any, registry: Registry = REGISTRY) -> MappingConfig:
    """Validate an already parsed mapping document and resolve it against the registry.

    Each mapping is checked on its own, so one bad entry does not hide the problems of the others."""
    if not isinstance(data, Mapping):
        raise MappingError([f"{BAD_FORMAT} - 映射文件应为对象（含 mappings 列表）"])
    problems = [
        f"{BAD_FORMAT} - {key}: 不认识的配置项" for key in data if key not in MappingFile.model_fields
    ]
    entries = data.get("mappings")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{FIELD_MISSING} - mappings: 应为至少含一个映射的列表")
        entries = []
    valid: list[TableMapping] = []
    for index, entry in enumerate(entries):
        try:
            valid.append(TableMapping.model_validate(entry))
        except ValidationError as exc:
            problems.extend(_model_problems(exc, _entry_name(entry, index)))
    try:
        parsed = MappingFile(queue_name=data.get("queue_name"), mappings=valid) if valid else None
    except ValidationError as exc:
        problems.extend(_model_problems(exc, "映射文件"))
        parsed = None
    resolved: list[ResolvedMapping] = []
    for m in parsed.mappings if parsed else valid:
        found, errors = resolve(m, registry)
        problems.extend(_named(e, m.name) for e in errors)
        if found is not None:
            resolved.append(found)
    if problems or parsed is None:
        raise MappingError(problems)
    return MappingConfig(parsed.queue_name, tuple(resolved))


def _named(problem: str, name: str) -> str:
    """ "30002 - …" → "30002 - 映射 <name>: …"."""
    code, _, text = problem.partition(" - ")
    return f"{code} - 映射 {name}: {text}"


def _entry_name(entry: Any, index: int) -> str:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"映射 {name}" if isinstance(name, str) else f"第 {index + 1} 个映射"


def resolve(m: TableMapping, registry: Registry = REGISTRY) -> tuple[ResolvedMapping | None, list[str]]:
    """The mapping's transaction and fields, or the reasons it has none."""
    try:
        tx = registry[m.interface_type]
    except KeyError:
        return None, [f"{UNKNOWN_INTERFACE} - 不支持的接口类型: {m.interface_type}"]
    nodes = tx.request_nodes
    objects = [n for n in nodes if not n.many]
    problems = [
        f"{NODE_MISSING} - 交易 {tx.infno} {tx.name} 的节点 {n.name}{_label(n)} 是多行列表，"
        "一行 HIS 记录无法提供，不能用触发器映射"
        for n in nodes
        if n.many and n.required
    ]
    main = objects[0] if objects else None
    fields: list[ResolvedField] = []
    for key, source in m.fields.items():
        found = _field(key, main, nodes, tx)
        if isinstance(found, str):
            problems.extend([found] if found else [])  # "": a field of a list node refused above
            continue
        node, spec = found
        if isinstance(source, Constant):
            problems.extend(_constant_problems(key, spec, source))
        name = spec.name if spec else key.rpartition(".")[2]
        fields.append(ResolvedField(node.name, name, spec.kind if spec else None, source))
    filled = {(f.node, f.field) for f in fields}
    for node in objects:
        if not node.required and not any(f.node == node.name for f in fields):
            continue  # an optional node the mapping leaves out
        for spec in node.fields:
            if spec.required and spec.default is None and (node.name, spec.name) not in filled:
                shown = spec.name if node is main else f"{node.name}.{spec.name}"
                problems.append(f"{FIELD_MISSING} - 必填字段缺失: {shown}（{spec.label}）未映射")
    if problems:
        return None, problems
    return ResolvedMapping(m, tx, tuple(fields)), []


def _field(
    key: str, main: Node | None, nodes: tuple[Node, ...], tx: Transaction
) -> tuple[Node, FieldSpec | None] | str:
    """The node and field a mapping key names, or the problem with it."""
    node_name, _, field_name = key.rpartition(".")
    node = main if not node_name else next((n for n in nodes if n.name == node_name), None)
    if node is None and not node_name and any(n.many and n.required for n in nodes):
        return ""
    if node is None or node.many:
        if node is not None:
            return (
                f"{NODE_MISSING} - 字段 {key}: 节点 {node.name}{_label(node)} 是多行列表，"
                "一行 HIS 记录无法提供"
            )
        known = "、".join(n.name for n in nodes if not n.many) or "无"
        missing = node_name or "（对象节点）"
        return f"{BAD_FORMAT} - 字段 {key}: 交易 {tx.infno} 没有节点 {missing}，可用节点: {known}"
    if not node.fields:
        return node, None  # no field table: any field of this node passes through
    spec = next((f for f in node.fields if f.name == field_name or field_name in f.aliases), None)
    if spec is None:
        prefix = "" if node is main else f"{node.name}."
        allowed = ", ".join(prefix + f.name for f in node.fields if f.rows is None)
        return f"{BAD_FORMAT} - 字段 {key}: 交易 {tx.infno} {tx.name} 没有该字段，可用字段: {allowed}"
    if spec.rows is not None:
        return f"{NODE_MISSING} - 字段 {key}: {spec.label} 是多行明细，一行 HIS 记录无法提供"
    return node, spec


def _constant_problems(key: str, spec: FieldSpec | None, constant: Constant) -> list[str]:
    if spec is None or spec.kind == "json":
        return []
    if spec.kind in ("decimal", "int"):
        if constant.number is None:
            try:
                Decimal(str(constant.value))
            except ArithmeticError:
                return [f"{BAD_FORMAT} - 字段 {key}: 常量应为数值（{spec.type_text}）"]
        return []
    if not isinstance(constant.value, str):
        return [
            f"{BAD_FORMAT} - 字段 {key}: 常量应为字符串（{spec.type_text}），"
            f'请加引号，如 {{value: "{constant.value}"}}'
        ]
    return []


def _label(n: Node) -> str:
    return f"（{n.label}）" if n.label else ""


# --- pydantic's errors, in Chinese ------------------------------------------------------------------------

_MESSAGES = {
    "missing": "缺少该项",
    "extra_forbidden": "不认识的配置项",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "too_short": "不能为空",
    "literal_error": "只能是 insert 或 update",
}
_PATTERNS = {
    "name": "应为小写字母开头、仅含小写字母、数字和下划线，至多 40 个字符",
    "queue_name": "应为 1-40 个字母、数字、_、.、-",
}
_UNION_TAGS = {"str", "Constant"}  # the branches of `str | Constant` in error locations


def _model_problems(exc: ValidationError, where: str) -> list[str]:
    """One Chinese line per problem, naming the mapping and the item; union branches collapsed."""
    seen: dict[tuple[Any, ...], str] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and _is_branch(p)))
        if len(loc) == 2 and loc[0] == "fields" and err["type"] != "value_error":
            if isinstance(err["input"], Mapping):
                continue  # an object: the {value: …} branch tells what is wrong with it
            text = "应为 HIS 列名，或常量 {value: …}"
        else:
            text = _message(err, str(loc[-1]) if loc else "")
        code = FIELD_MISSING if err["type"] == "missing" else BAD_FORMAT
        item = ".".join(str(p) for p in loc)
        seen.setdefault(loc, f"{code} - {where}: {item}: {text}" if item else f"{code} - {where}: {text}")
    return list(seen.values())


def _is_branch(part: str) -> bool:
    return part in _UNION_TAGS or part.startswith(("function-", "constrained-"))


def _message(err: Any, item: str = "") -> str:
    kind = err["type"]
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind == "string_pattern_mismatch":
        return _PATTERNS.get(item, "格式不正确")
    if kind in ("int_type", "float_type", "string_type") and err["loc"][-1] == "value":
        return "常量应为字符串或数值"
    return _MESSAGES.get(kind, err["msg"])


__all__ = [
    "Constant",
    "MappingConfig",
    "MappingError",
    "MappingFile",
    "ResolvedField",
    "ResolvedMapping",
    "TableMapping",
    "load_mapping_file",
    "parse_mapping",
    "resolve",
]
