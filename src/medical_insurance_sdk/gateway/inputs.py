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
X-Operator-Name headers; the body wins).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from medical_insurance_sdk.exceptions import DataValidationError, FieldError, RequestError
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


def parse_json_body(raw: bytes) -> Any:
    """The body as JSON (exact decimals); empty means {}; anything unreadable is 400 + 10002."""
    if not raw.strip():
        return {}
    try:
        return jsoncodec.loads(raw)
    except ValueError:
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
            options[name] = str(value)
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
