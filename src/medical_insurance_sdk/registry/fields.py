"""Field tables: the bureau's message layouts as data, and the pydantic models built from them.

A transaction's input and output are a few *nodes* (``data``, ``mdtrtinfo`` + ``diseinfo``, ``feedetail``,
``signIn`` ...), each a table of fields written the way the bureau's specification prints them::

    data = node("data", '''
        psn_no          人员编号        C30    Y
        insutype        险种类型        C6     Y  @insutype
        medfee_sumamt   医疗费总额      N16,2  Y
        begntime        开始时间        DT     Y
    ''')

Columns: name, Chinese label, type, required (``Y``; ``N`` or ``C`` = optional/conditional), dictionary,
and tolerance tokens where real traffic differs from the printed table (reference §9, issue 15 §3):
``+obj`` a text field that also takes a JSON object and sends it as the bureau stores it (compact JSON
text, e.g. ``exp_content``); ``<check_date`` another name the field is accepted under (the spec's REST
bodies, §2.2.1); ``=310`` the value sent when the field is not given (only where the spec's own example
omits a field the bureau requires).
Types: ``C30`` string of at most 30 characters (``C`` unbounded), ``N16,2`` decimal (16 digits, 2 after the
point), ``I4`` integer of at most 4 digits, ``D`` date ``yyyy-MM-dd``, ``DT`` datetime
``yyyy-MM-dd HH:mm:ss`` (a bare date ``yyyy-MM-dd`` is accepted and sent as ``yyyy-MM-dd 00:00:00``, as
the bureaus accept it), ``J`` any JSON value.  A list node (``many``) also takes one object, sent as a list
of one, as the bureaus normalise it.

Nested tables: a ``J`` field that holds rows of its own (3101's ``patient_dtos[].fsi_encounter_dtos[]``,
7101's ``diseinfo``) gets its table from a node named like the field, passed as ``rows=``::

    orders = node("fsi_order_dtos", "rx_id 处方(医嘱)标识 C50 Y ...", many=True, label="处方(医嘱)信息")
    visits = node("fsi_encounter_dtos", '''
        mdtrt_id        就诊标识        C50   Y
        fsi_order_dtos  处方(医嘱)信息  J     Y
    ''', rows=(orders,), many=True)

The field's line keeps its place, label and required flag as the table prints them; the linked node says
what the field holds: a list of rows (``many``, one object is taken as a list of one), or one object, and
``max_items``.  Its own ``required`` is not used.  Nested rows are validated like nodes, with full paths
(``data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[2].hilist_code``).

The models (strict for requests, tolerant for responses) are built from these tables in `field_models.py`.
Two model flavours are built from one table: *request* models enforce everything (required, lengths,
scales, formats, dictionaries) and report every problem with the spec's 3000x codes; *response* models are
tolerant, because real bureau answers vary (reference §9): numbers as strings, ``""`` for empty, an object
where a list is expected, unknown keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from medical_insurance_sdk.registry.dictionaries import DICTIONARIES

Kind = Literal["str", "decimal", "int", "date", "datetime", "json"]
SchemaLevel = Literal["full", "partial", "generic"]

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a node, as the bureau's table prints it."""

    name: str
    label: str
    kind: Kind
    length: int | None = None  # characters for str, total digits for decimal/int
    scale: int | None = None  # digits after the point, decimals only
    required: bool = False
    dictionary: str | None = None
    object_text: bool = False  # ``+obj``: a JSON object is accepted and sent as compact JSON text
    aliases: tuple[str, ...] = ()  # ``<name``: other names the field is accepted under
    default: str | None = None  # ``=value``: sent when the field is not given
    rows: Node | None = None  # a nested table (``node(..., rows=...)``): the field holds these rows

    @property
    def type_text(self) -> str:
        """The type as the spec writes it: C30, N16,2, D, DT ..."""
        code = {"str": "C", "decimal": "N", "int": "I", "date": "D", "datetime": "DT", "json": "J"}[self.kind]
        if self.kind == "decimal":
            return f"N{self.length},{self.scale}"
        return f"{code}{self.length or ''}"


@dataclass(frozen=True, slots=True)
class Node:
    """A node of ``input`` or ``output``: an object, or a list of objects when ``many``."""

    name: str
    fields: tuple[FieldSpec, ...]
    many: bool = False
    required: bool = True
    max_items: int | None = None
    label: str = ""

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")


@dataclass(frozen=True, slots=True)
class Schema:
    """Request and response layout of one transaction, and how complete our knowledge of it is.

    ``full``: every field of the bureau's table; ``partial``: the fields public sources show, others pass
    through; ``generic``: no public field list, any object is accepted in the declared nodes.
    """

    level: SchemaLevel
    request: tuple[Node, ...] = ()
    response: tuple[Node, ...] = ()
    source: str = ""
    notes: str = field(default="", compare=False)


_TYPE_RE = re.compile(r"^(C|N|I|DT|D|J)(\d+)?(?:,(\d+))?$")


def parse_fields(table: str) -> tuple[FieldSpec, ...]:
    """Parse a field table (see the module docstring)."""
    specs: list[FieldSpec] = []
    for raw in table.strip().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 3:
            raise ValueError(f"field line needs name, label and type: {raw!r}")
        name, label, type_token, *rest = parts
        m = _TYPE_RE.match(type_token)
        if not m:
            raise ValueError(f"bad type {type_token!r} in field line {raw!r}")
        code, length, scale = m.group(1), m.group(2), m.group(3)
        kind: Kind = {"C": "str", "N": "decimal", "I": "int", "D": "date", "DT": "datetime", "J": "json"}[
            code
        ]  # type: ignore[assignment]
        if kind == "decimal" and (length is None or scale is None):
            raise ValueError(f"decimal needs N<digits>,<scale>: {raw!r}")
        required = False
        dictionary = None
        object_text = False
        aliases: list[str] = []
        default: str | None = None
        for token in rest:
            if token == "+obj" and code == "C":
                object_text = True
            elif token.startswith("<") and len(token) > 1:
                aliases.append(token[1:])
            elif token.startswith("=") and len(token) > 1:
                default = token[1:]
            elif token.startswith("@"):
                dictionary = token[1:]
                if dictionary not in DICTIONARIES:
                    raise ValueError(f"unknown dictionary {dictionary!r} in {raw!r}")
            elif token in ("Y", "N", "C"):
                required = token == "Y"
            else:
                raise ValueError(f"unexpected token {token!r} in field line {raw!r}")
        specs.append(
            FieldSpec(
                name=name,
                label=label,
                kind=kind,
                length=int(length) if length else None,
                scale=int(scale) if scale else None,
                required=required,
                dictionary=dictionary,
                object_text=object_text,
                aliases=tuple(aliases),
                default=default,
            )
        )
    names = [s.name for s in specs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate fields {sorted(dupes)}")
    return tuple(specs)


def node(
    name: str,
    table: str | Iterable[FieldSpec],
    *,
    many: bool = False,
    required: bool = True,
    max_items: int | None = None,
    label: str = "",
    rows: Iterable[Node] = (),
) -> Node:
    """Declare a node from a field table (or from already parsed fields); ``rows`` are the tables of its
    nested ``J`` fields, each named like its field (module docstring)."""
    specs = parse_fields(table) if isinstance(table, str) else tuple(table)
    if rows:
        specs = _with_rows(name, specs, rows)
    return Node(name, specs, many=many, required=required, max_items=max_items, label=label)


def _with_rows(name: str, specs: tuple[FieldSpec, ...], nested: Iterable[Node]) -> tuple[FieldSpec, ...]:
    by_name = {n.name: n for n in nested}
    fields = {s.name: s for s in specs}
    unknown = sorted(set(by_name) - set(fields))
    if unknown:
        raise ValueError(f"rows {unknown} of {name!r} have no field line in its table")
    plain = sorted(n for n in by_name if fields[n].kind != "json")
    if plain:
        raise ValueError(f"rows {plain} of {name!r}: the field line must be of type J")
    return tuple(replace(s, rows=by_name[s.name]) if s.name in by_name else s for s in specs)


def nested_fields(n: Node, path: str | None = None) -> Iterator[tuple[str, Node, FieldSpec]]:
    """Every field of a node and of its nested rows, depth first: (path of the field's parent, node, field).

    Paths are written as errors report them, with the first row of each list: ``data.patient_dtos[0]``;
    ``""`` for the fields of the root node.
    """
    here = path if path is not None else n.name + ("[0]" if n.many and n.name != ROOT else "")
    for spec in n.fields:
        yield here, n, spec
        if spec.rows is not None:
            inner = f"{here}.{spec.name}" if here else spec.name
            yield from nested_fields(spec.rows, inner + ("[0]" if spec.rows.many else ""))


ROOT = ""  # the name of a node whose fields sit directly in `input`/`output` (no node name)
ROOT_ROWS = "rows"  # attribute that holds an `output` that is a bare list


def root(table: str | Iterable[FieldSpec], *, many: bool = False) -> Node:
    """Fields that sit directly in `output` (13xx file answers, 9101, paging), or a bare-list `output`."""
    return node(ROOT, table, many=many, required=False)


def extend(
    base: Node, table: str = "", *, name: str | None = None, drop: Iterable[str] = (), **kw: Any
) -> Node:
    """A node built from another: drop some fields, add others (``2301 = 2204 - chrg_bchno + drord_no``)."""
    dropped = set(drop)
    missing = dropped - {f.name for f in base.fields}
    if missing:
        raise ValueError(f"cannot drop unknown fields {sorted(missing)} from {base.name}")
    kept = tuple(f for f in base.fields if f.name not in dropped)
    added = parse_fields(table) if table.strip() else ()
    return node(
        name or base.name,
        kept + added,
        many=kw.get("many", base.many),
        required=kw.get("required", base.required),
        max_items=kw.get("max_items", base.max_items),
        label=kw.get("label", base.label),
    )


# --- value coercion shared by both flavours -------------------------------------------------------------
