"""The spec's friendly dicts → the bureau's `input`: one name table, one table of defaults, one filler.

    input_ = to_bureau(REGISTRY["2204"], {"visit_id": v, "expense_items": [{"item_code": ...}]}, sources)

Steps, the same for every transaction:
1. rename: every friendly key becomes its bureau field(s) by `FRIENDLY_FIELDS` (at any depth); a key that
   names several bureau fields fills each one the target node has; two objects naming one node (4701's
   patient_info and admission_info) are merged into it.  Bureau names pass unchanged and win.
2. place: keys naming an input node are that node; other top-level values are shared context, put into
   every node (and every row of a list node) that has such a field.  A transaction without a field table
   (2101's lone open `data`) may have more nodes: next to its named node, an object or a list is a node.
3. fill: a required field still missing is taken from the context, the flow memory (the visit, then the
   person), another field it defaults to (`SAME_AS`), or `DEFAULTS` — in that order.  What no source can
   give stays missing, and the registry's validation names it (30002).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from medical_insurance_sdk.registry import Transaction

# Friendly name (spec §11.2.1, §11.3.1) → bureau field(s) or input node; () means "not a bureau field".
FRIENDLY_FIELDS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        # persons and credentials
        "person_no": ("psn_no",),
        "name": ("psn_name",),
        "patient_name": ("psn_name",),
        "cert_type": ("mdtrt_cert_type", "psn_cert_type"),
        "cert_no": ("mdtrt_cert_no", "certno"),
        "card_no": ("card_sn",),
        "insurance_type": ("insutype",),
        # visits
        "visit_id": ("mdtrt_id",),
        "register_id": ("mdtrt_id",),
        "admission_id": ("mdtrt_id",),
        "visit_no": ("ipt_otp_no",),
        "medical_type": ("med_type",),
        "dept_code": ("dept_code", "adm_dept_codg", "dscg_dept_codg", "bilg_dept_codg"),
        "dept_name": ("dept_name", "adm_dept_name", "dscg_dept_name", "bilg_dept_name"),
        "doctor_code": ("atddr_no", "bilg_dr_codg", "dise_dor_no"),
        "doctor_name": ("dr_name", "chfpdr_name", "bilg_dr_name", "dise_dor_name"),
        "bed_no": ("adm_bed", "dscg_bed"),
        "admission_time": ("begntime",),
        "admission_date": ("begntime",),
        "discharge_time": ("endtime",),
        "discharge_date": ("endtime",),
        "discharge_way": ("dscg_way",),
        # diagnoses
        "diagnosis_info": ("diseinfo",),
        "diagnoses": ("diseinfo",),
        "main_diag_flag": ("maindiag_flag",),
        "diag_no": ("diag_srt_no",),
        # medical records (4701, spec §2.4.6): the patient's and the admission's parts are one node
        "patient_info": ("adminfo",),
        "admission_info": ("adminfo",),
        "course_records": ("coursrinfo",),
        # fees and items
        "expense_items": ("feedetail", "drugdetail"),
        "expenses": ("feedetail", "drugdetail"),
        "items": ("feedetail", "drugdetail"),
        "item_code": ("med_list_codg",),
        "drug_code": ("med_list_codg",),
        "item_name": ("medins_list_name",),
        "drug_name": ("medins_list_name",),
        "his_item_code": ("medins_list_codg",),
        "quantity": ("cnt",),
        "unit_price": ("pric",),
        "amount": ("det_item_fee_sumamt",),
        "expense_date": ("fee_ocur_time",),
        "expense_time": ("fee_ocur_time",),
        "batch_no": ("chrg_bchno",),
        # settlements
        "settlement_id": ("setl_id",),
        "total_amount": ("medfee_sumamt",),
        "insurance_amount": ("fund_pay_sumamt",),
        "personal_amount": ("psn_part_amt",),
        "use_account": ("acct_used_flag",),
        # prescriptions
        "prescription_id": ("hiRxno", "hospRxno"),
        # institutions
        "institution_code": ("fixmedins_code",),
        "institution_name": ("fixmedins_name",),
        # the spec's own notions with no bureau field: the bureau checks every benefit at once
        "check_items": (),
    }
)

# A required field missing from the input, context and memory takes the value of the first of these fields.
SAME_AS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "certno": ("mdtrt_cert_no",),
        "mdtrt_cert_no": ("certno",),
        "medins_list_codg": ("med_list_codg",),
        "dr_name": ("chfpdr_name", "atddr_no"),
        "chfpdr_name": ("dr_name", "atddr_no"),
        "dept_name": ("adm_dept_name", "dept_code"),
        "caty": ("dept_code", "adm_dept_codg"),
        "adm_dept_name": ("dept_name", "adm_dept_codg"),
        "dscg_dept_codg": ("adm_dept_codg", "dept_code"),
        "dscg_dept_name": ("adm_dept_name", "dept_name", "dscg_dept_codg"),
        "diag_dept": ("dept_name", "adm_dept_name", "dept_code", "adm_dept_codg"),
        "dise_dor_no": ("atddr_no",),
        "dise_dor_name": ("dr_name", "chfpdr_name", "atddr_no"),
        "bilg_dept_codg": ("dept_code", "adm_dept_codg"),
        "bilg_dept_name": ("dept_name", "adm_dept_name", "bilg_dept_codg"),
        "bilg_dr_codg": ("atddr_no",),
        "bilg_dr_name": ("dr_name", "chfpdr_name", "bilg_dr_codg"),
        "adm_diag_dscr": ("dscg_maindiag_name",),
        "mdtrtsn": ("ipt_no",),  # 4701 住院号: the visit's 住院/门诊号
    }
)

# Last resort for a required field: a constant, or a generated value ("@now", "@id:<prefix>" one per row,
# "@batch:<prefix>" one per call, "@row" the row number, "@amount" cnt × pric, "@institution").
DEFAULTS: MappingProxyType[str, str] = MappingProxyType(
    {
        "begntime": "@now",
        "endtime": "@now",
        "fee_ocur_time": "@now",
        "diag_time": "@now",
        "ipt_otp_no": "@id:MZ",
        "ipt_no": "@id:ZY",
        "feedetl_sn": "@id:FY",
        "chrg_bchno": "@batch:SF",
        "diag_srt_no": "@row",
        "det_item_fee_sumamt": "@amount",
        "fixmedins_code": "@institution",
        "insutype": "310",
        "med_type": "11",
        "psn_setlway": "01",
        "acct_used_flag": "0",
        "mid_setl_flag": "0",
        "psn_cert_type": "01",
        "diag_type": "1",
        "maindiag_flag": "1",
        "vali_flag": "1",
        "rx_circ_flag": "0",
        "hosp_appr_flag": "1",
        "dscg_way": "1",
    }
)
# Where a transaction needs another default than the table's.
DEFAULTS_BY_INFNO: MappingProxyType[str, Mapping[str, str]] = MappingProxyType(
    {
        "2401": {"med_type": "21"},
        "2301": {"med_type": "21"},
        "2303": {"med_type": "21"},
        "2101": {"med_type": "41"},  # 定点药店购药
        "2102": {"med_type": "41"},
    }
)


@dataclass
class Sources:
    """Where missing values come from: memory lookups, the clock, the institution, a HIS id maker."""

    visit: Callable[[str | None, str | None], Mapping[str, Any]]  # (mdtrt_id, setl_id) → facts
    person: Callable[[str | None, str | None], Mapping[str, Any]]  # (psn_no, certno) → facts
    now: Callable[[], datetime]
    new_id: Callable[[str], str]
    institution_code: str | None = None
    _batch: dict[str, str] = field(default_factory=dict)

    def batch_id(self, prefix: str) -> str:
        return self._batch.setdefault(prefix, self.new_id(prefix))


def to_bureau(tx: Transaction, friendly: Mapping[str, Any], sources: Sources | None = None) -> dict[str, Any]:
    """The bureau `input` of `tx` from a friendly dict (bureau names and whole nodes are accepted too)."""
    nodes = tx.request_nodes
    node_names = {n.name for n in nodes}
    every_field = node_names | {f.name for n in nodes for f in n.fields}
    top = _rename(friendly, every_field, keep=node_names)
    context = {k: v for k, v in top.items() if k not in node_names}
    extra: dict[str, Any] = {}
    if len(nodes) == 1 and not nodes[0].many and not nodes[0].fields and nodes[0].name in top:
        # no public field table (one open node): beside the node itself, an object or a list is another node
        extra = {k: v for k, v in context.items() if isinstance(v, Mapping | list | tuple)}
        context = {k: v for k, v in context.items() if k not in extra}
    several = sum(1 for n in nodes if not n.many) > 1
    result: dict[str, Any] = {}
    for n in nodes:
        known = {f.name for f in n.fields}
        given = top.get(n.name)
        if n.many:
            rows = given if isinstance(given, list | tuple) else [given] if isinstance(given, Mapping) else []
            # an optional list node (4101 icuinfo, 4401 oprninfo ...) gets no row of its own making
            made: list[Mapping[str, Any]] = [{}] if sources and n.required else []
            rows = [row for row in rows if isinstance(row, Mapping)] or made
            result[n.name] = [_place(_rename(row, known), context, known, only_known=True) for row in rows]
        else:
            body = _rename(given, known) if isinstance(given, Mapping) else {}
            result[n.name] = _place(body, context, known, only_known=several and bool(known))
    result.update(extra)
    if sources is not None:
        _fill(tx, result, context, sources)
    return result


def _rename(value: Any, known: set[str], keep: set[str] | None = None) -> dict[str, Any]:
    """Friendly keys → bureau fields; nested objects too.  An explicit bureau key wins over a friendly one.

    A friendly name with several targets fills those in `known` (else its first); values of `keep` keys
    (whole input nodes) are left for the node-aware pass.
    """
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        # a field of the node itself is a bureau name, even where a friendly name is spelt alike (4701 `name`)
        targets = (key,) if key in known else FRIENDLY_FIELDS.get(key, (key,))
        chosen = [t for t in targets if t in known] or list(targets[:1])
        if not (keep and set(chosen) & keep):
            item = _nested(item)
        for target in chosen:
            current = out.get(target)
            if isinstance(current, Mapping) and isinstance(item, Mapping):
                # two parts of one node (4701 patient_info + admission_info): merged, a bureau key's wins
                out[target] = {**current, **item} if target == key else {**item, **current}
            elif target == key or target not in value or _both_objects(value[target], item):
                out.setdefault(target, item)
    return out


def _both_objects(a: Any, b: Any) -> bool:
    return isinstance(a, Mapping) and isinstance(b, Mapping)


def _nested(item: Any) -> Any:
    if isinstance(item, Mapping):
        return _rename(item, set())
    if isinstance(item, list | tuple):
        return [_rename(row, set()) if isinstance(row, Mapping) else row for row in item]
    return item


def _place(
    body: dict[str, Any], context: Mapping[str, Any], known: set[str], *, only_known: bool
) -> dict[str, Any]:
    """Shared context values go where the node has the field; into a lone or open node, all of them."""
    for key, value in context.items():
        if key in known or not only_known:
            body.setdefault(key, value)
    return body


def _fill(tx: Transaction, message: dict[str, Any], context: Mapping[str, Any], sources: Sources) -> None:
    defaults = {**DEFAULTS, **DEFAULTS_BY_INFNO.get(tx.infno, {})}
    scalars = {**context}
    for n in tx.request_nodes:
        if not n.many and isinstance(message.get(n.name), Mapping):
            scalars.update({k: v for k, v in message[n.name].items() if not isinstance(v, Mapping | list)})
    first_row: Mapping[str, Any] = next(
        (rows[0] for n in tx.request_nodes if n.many for rows in [message.get(n.name)] if rows), {}
    )
    visit = sources.visit(_get(scalars, first_row, "mdtrt_id"), _get(scalars, first_row, "setl_id"))
    psn_no = _get(scalars, first_row, "psn_no") or visit.get("psn_no")
    person = sources.person(psn_no, _get(scalars, first_row, "certno"))

    def lookup(name: str, row: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> Any:
        for source in (row, scalars, visit, person):
            value = source.get(name)
            if value not in (None, ""):
                return value
        if name == "psn_no" and psn_no:
            return psn_no
        if name == "medfee_sumamt" and visit.get("medfee_sumamt") is not None:
            return visit["medfee_sumamt"]
        for other in SAME_AS.get(name, ()):
            if other not in seen:
                value = lookup(other, row, seen | {name})
                if value not in (None, ""):
                    return value
        return None

    for n in tx.request_nodes:
        rows = message.get(n.name) if n.many else [message.get(n.name)]
        for index, row in enumerate(rows or ()):
            if not isinstance(row, dict):
                continue
            for spec in n.fields:
                if not spec.required or row.get(spec.name) not in (None, ""):
                    continue
                value = lookup(spec.name, row)
                if value in (None, "") and spec.name in defaults:
                    value = _generated(defaults[spec.name], row, index, sources)
                if value not in (None, ""):
                    row[spec.name] = _as_kind(value, spec.kind)
            for spec in n.fields:
                if spec.name in row:
                    row[spec.name] = _as_kind(row[spec.name], spec.kind)


def _generated(rule: str, row: Mapping[str, Any], index: int, sources: Sources) -> Any:
    if not rule.startswith("@"):
        return rule
    kind, _, prefix = rule[1:].partition(":")
    if kind == "now":
        return sources.now()
    if kind == "id":
        return sources.new_id(prefix)
    if kind == "batch":
        return sources.batch_id(prefix)
    if kind == "row":
        return index + 1
    if kind == "institution":
        return sources.institution_code
    if kind == "amount":
        try:
            amount = Decimal(str(row["cnt"])) * Decimal(str(row["pric"]))
        except (KeyError, InvalidOperation):
            return None
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    raise ValueError(f"unknown default rule {rule!r}")


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _as_kind(value: Any, kind: str) -> Any:
    """Friendly spellings the bureau does not take: a date where a datetime is due, floats for amounts."""
    if kind == "datetime" and isinstance(value, str) and _DATE_ONLY.match(value):
        return value + " 00:00:00"
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind == "decimal" and isinstance(value, float):
        return Decimal(repr(value))
    if kind == "decimal" and isinstance(value, str):
        try:
            return Decimal(value.strip())  # the bureau's N fields are JSON numbers
        except InvalidOperation:
            return value  # left for validation to name
    if kind == "str" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


def _get(scalars: Mapping[str, Any], row: Mapping[str, Any], name: str) -> str | None:
    value = scalars.get(name) or row.get(name)
    return str(value) if value not in (None, "") else None
