"""From an HTTP request to the bureau's `input`: body or query, node form or flat, plus call options.

Accepted shapes (POST/PUT/DELETE body; GET query parameters are always flat):

    {"data": {...}}                         node form: the keys are the transaction's input nodes
    {"input": {"data": {...}}}              the bureau's own `input`, wrapped
    {"mdtrt_cert_type": "02", ...}          flat (spec §2.1.1): put into the single input node
    [{...}, {...}]                          flat rows of a single list node (2204 feedetail)

A flat body for a transaction with several nodes (2203 mdtrtinfo + diseinfo) is refused with 30001 naming
each node; an empty body (`{}`) for a transaction without a field list ("generic") has no node, so it is
refused with 30001 too, instead of reaching the bureau as an empty node.  Reserved top-level keys are lifted
out of the input: `insuplc_admdvs`, `operator`, `operator_name` (also the X-Insuplc-Admdvs / X-Operator /
X-Operator-Name headers; the body wins); a control character in one of them is refused with 10002.

`CallInput.claimed_by(tx, institution)`: the institution fields a transaction's input carries about the
caller itself (9101/9102 fixmedins_code …) are the caller's; another institution's is 403 + 10007.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import DataValidationError, FieldError, RequestError, exception_for
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import Transaction
from medical_insurance_sdk.registry.fields import ROOT

RESERVED = ("insuplc_admdvs", "operator", "operator_name")
RESERVED_HEADERS = {
    "insuplc_admdvs": "X-Insuplc-Admdvs",
    "operator": "X-Operator",
    "operator_name": "X-Operator-Name",
}
WRAPPED = "input"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# Transactions whose input names the calling institution itself, not one it asks about (1201 looks another
# institution up, 2505 records a patient's chosen hospital): the gateway fills these fields with the
# caller's own values and refuses another institution's (403 + 10007).  9101/9102: the bureau's file
# service keeps each institution's files under its code, so a foreign code would reach another's files.
PLATFORM_FILES_INFNO = "9102"  # may also name the platform ("plc", the profile's rule) for catalogue files
OWN_INSTITUTION_FIELDS: dict[str, tuple[str, ...]] = {
    "2001": ("fixmedins_code",),
    "3302": ("fixmedins_code",),
    "9101": ("fixmedins_code",),
    "9102": ("fixmedins_code",),
}


@dataclass(frozen=True)
class CallInput:
    """The bureau input of one call and the per-call envelope choices."""

    input: dict[str, Any]
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def operator(self) -> str | None:
        return self.options.get("operator")

    @property
    def operator_name(self) -> str | None:
        return self.options.get("operator_name")

    @property
    def insuplc_admdvs(self) -> str | None:
        return self.options.get("insuplc_admdvs")

    def claimed_by(self, tx: Transaction, institution: InstitutionConfig) -> CallInput:
        """This input sent as `institution`: its own institution fields set, a foreign one refused."""
        names = OWN_INSTITUTION_FIELDS.get(tx.infno)
        if not names:
            return self
        own = {"fixmedins_code": institution.code, "fixmedins_name": institution.envelope.fixmedins_name}
        allowed = {name: {value} for name, value in own.items()}
        plc = institution.profile.plc
        if tx.infno == PLATFORM_FILES_INFNO and plc.target in allowed:
            allowed[plc.target].add(plc.value)  # the platform's catalogue files are everyone's to download
        claimed = dict(self.input)
        for node in tx.request_nodes:
            value = claimed.get(node.name)
            if node.name == ROOT:
                claimed = _claimed(claimed, names, own, allowed, "")
            elif isinstance(value, Mapping):
                claimed[node.name] = _claimed(value, names, own, allowed, node.name + ".")
            elif isinstance(value, list):
                claimed[node.name] = [
                    _claimed(row, names, own, allowed, f"{node.name}.{i}.")
                    if isinstance(row, Mapping)
                    else row
                    for i, row in enumerate(value)
                ]
        return CallInput(claimed, self.options)


def _claimed(
    values: Mapping[str, Any],
    names: tuple[str, ...],
    own: Mapping[str, str],
    allowed: Mapping[str, set[str]],
    where: str,
) -> dict[str, Any]:
    claimed = dict(values)
    for name in names:
        given = claimed.get(name)
        if given in (None, ""):
            claimed[name] = own[name]
        elif str(given) not in allowed[name]:
            raise exception_for(
                10007, f"机构信息无效: {where}{name} 只能是本机构（{own[name]}）", http_status=403
            )
    return claimed


def parse_json_body(raw: bytes) -> Any:
    """The body as JSON (exact decimals); empty means {}; anything unreadable is 400 + 10002."""
    if not raw.strip():
        return {}
    try:
        return jsoncodec.loads(raw)
    except (ValueError, RecursionError):  # the input guard refuses deep nesting first; this is the backstop
        raise RequestError("请求参数格式错误: 请求体不是有效的 JSON", code=10002) from None


def _options(values: dict[str, Any], headers: Mapping[str, str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for name in RESERVED:
        value = values.pop(name, None)
        if value in (None, ""):
            header = headers.get(RESERVED_HEADERS[name])
            # header values are Latin-1 on the wire: a Chinese operator name arrives percent-encoded
            value = unquote(header) if header else None
        if value not in (None, ""):
            text = str(value)
            if _CONTROL.search(text):
                # these go into the bureau envelope: a CR/LF or NUL there is never a name or a code
                raise RequestError(f"请求参数格式错误: {name} 含有控制字符", code=10002)
            options[name] = text
    return options


def _node_names(tx: Transaction) -> tuple[str, ...]:
    return tuple(n.name for n in tx.request_nodes)


def _wrap_flat(tx: Transaction, flat: Any) -> dict[str, Any]:
    nodes = tx.request_nodes
    if len(nodes) != 1:
        raise DataValidationError(
            [
                FieldError(30001, n.name, '该交易有多个数据节点，请按节点提交（如 {"mdtrtinfo": {…}}）')
                for n in nodes
            ],
            infno=tx.infno,
        )
    node = nodes[0]
    if node.many:
        return {node.name: flat if isinstance(flat, list) else [flat]}
    return {node.name: flat}


def from_body(tx: Transaction, body: Any, headers: Mapping[str, str]) -> CallInput:
    """The call input of a POST/PUT/DELETE body (already parsed JSON)."""
    if isinstance(body, list):
        return CallInput(_wrap_flat(tx, body), _options({}, headers))
    if not isinstance(body, dict):
        raise RequestError("请求参数格式错误: 请求体应为 JSON 对象", code=10002)
    values = dict(body)
    options = _options(values, headers)
    names = _node_names(tx)
    wrapped = values.get(WRAPPED)
    if WRAPPED not in names and isinstance(wrapped, dict) and set(values) == {WRAPPED}:
        return CallInput(dict(wrapped), options)
    if ROOT in names or any(name in values for name in names):
        return CallInput(values, options)  # node form (or root fields, which sit in `input` itself)
    if not values and tx.schema_level == "generic":
        # No field list to check flat fields against, and no field given: no node either.  The input's
        # check then says 30001 数据节点缺失 (node form {"data": {}} is the way to send an empty node).
        return CallInput({}, options)
    return CallInput(_wrap_flat(tx, values), options)


def from_query(tx: Transaction, params: Iterable[tuple[str, str]], headers: Mapping[str, str]) -> CallInput:
    """The call input of GET query parameters: flat fields of the single input node."""
    values: dict[str, Any] = dict(params)
    options = _options(values, headers)
    if ROOT in _node_names(tx):
        return CallInput(values, options)
    return CallInput(_wrap_flat(tx, values), options)
