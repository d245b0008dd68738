"""Real-looking sample messages built from the field tables.

Used by the generated tests (a valid message per transaction, then one broken field at a time) and by the
sandbox to shape answers of transactions it only records.  Values follow the field's type, length and
dictionary, with name-based hints so that a person reading a sample sees plausible data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medical_insurance_sdk.registry.dictionaries import DICTIONARIES
from medical_insurance_sdk.registry.fields import ROOT, FieldSpec, Node
from medical_insurance_sdk.registry.relations import consistent

# Preferred code per dictionary (else the first one): the everyday case, not the exotic one.
_PREFERRED = {
    "insutype": "310",
    "med_type": "11",
    "mdtrt_cert_type": "02",
    "psn_cert_type": "01",
    "psn_setlway": "01",
    "clr_type": "11",
    "fund_pay_type": "310100",
    "gend": "1",
    "naty": "01",
    "opter_type": "1",
    "psn_type": "11",
}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of an 18-digit resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number(region: str = "430281", birth: str = "19900101", seq: int = 1) -> str:
    """A valid-format 18-digit ID number (region, birth date yyyymmdd, sequence 0-999)."""
    first17 = f"{region}{birth}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


_NAME_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("certno", "mdtrt_cert_no", "cert_no", "idNo"), id_number()),
    (("psn_no", "psnNo"), "43000030281000128715"),
    (("psn_name", "name", "userName", "dr_name", "chfpdr_name", "dise_dor_name", "opter_name"), "张三"),
    (("fixmedins_code", "orgCodg", "medins_code"), "H43028110001"),
    (("fixmedins_name",), "湘潭市第一人民医院"),
    (("tel", "mob", "phone"), "13800138000"),
    (("ip",), "10.0.0.10"),
    (("mac",), "00-16-3E-00-00-01"),
    (("filename", "file_name"), "detail.zip"),
    (("ver",), "0"),
)


def _hint(name: str) -> str | None:
    for names, value in _NAME_HINTS:
        if name in names:
            return value
    if name.endswith("admdvs") or name.endswith("admvs") or name in ("poolarea", "insuCode"):
        return "430200"
    return None


def sample_value(spec: FieldSpec, *, index: int = 0) -> Any:
    """A valid, plausible value for one field."""
    if spec.dictionary:
        codes = DICTIONARIES[spec.dictionary]
        preferred = _PREFERRED.get(spec.dictionary)
        return preferred if preferred in codes else next(iter(codes))
    if spec.kind == "decimal":
        assert spec.length is not None and spec.scale is not None
        whole = spec.length - spec.scale
        value = Decimal("12.5") if whole >= 2 else Decimal("0.5")
        return value.quantize(Decimal(1).scaleb(-spec.scale))
    if spec.kind == "int":
        return 1
    if spec.kind == "date":
        return "2025-07-14"
    if spec.kind == "datetime":
        return "2025-07-14 10:30:00"
    if spec.kind == "json":
        return {}
    hint = _hint(spec.name)
    if hint is None:
        # a code-like text: the field name's initials plus a number, as HIS systems number things
        initials = "".join(part[:1] for part in spec.name.split("_")).upper() or "X"
        hint = f"{initials}{index + 1:04d}"
    return hint[: spec.length] if spec.length else hint


def sample_node(n: Node, *, index: int = 0, optional: bool = True, items: int = 1) -> dict[str, Any]:
    """One object of a node; a field with a nested table holds `items` sample rows (or its one object)."""
    return {f.name: _sample_field(f, index, optional, items) for f in n.fields if optional or f.required}


def _sample_field(spec: FieldSpec, index: int, optional: bool, items: int) -> Any:
    rows = spec.rows
    if rows is None:
        return sample_value(spec, index=index)
    if not rows.many:
        return sample_node(rows, index=index, optional=optional, items=items)
    return [sample_node(rows, index=i, optional=optional, items=items) for i in range(items)]


def sample_message(nodes: tuple[Node, ...], *, optional: bool = True, items: int = 1) -> Any:
    """A whole `input`/`output` object: one entry per node, `items` rows for list nodes.

    Root fields sit directly in the object; a bare-list output (one root list node) is a list.  Totals
    agree with their parts (the request's cross-field rules, `relations.py`).
    """
    message: dict[str, Any] = {}
    for n in nodes:
        if n.name == ROOT and n.many:
            return [sample_node(n, index=i, optional=optional, items=items) for i in range(items)]
        if n.name == ROOT:
            message.update(sample_node(n, optional=optional, items=items))
        elif not n.fields:
            message[n.name] = {}
        elif n.many:
            message[n.name] = [sample_node(n, index=i, optional=optional, items=items) for i in range(items)]
        else:
            message[n.name] = sample_node(n, optional=optional, items=items)
    return consistent(nodes, message)
