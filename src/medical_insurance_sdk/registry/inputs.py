"""The shapes a transaction's input is accepted in, and the bureau `input` each one means (pure).

    shape_input(tx, body)    # REST body, `yibao validate` file, batch operation data → node form

Accepted (spec §2.1.1; the gateway, the CLI and the batch calls read them alike):

    {"data": {...}}                  node form: the keys are the transaction's input nodes
    {"input": {"data": {...}}}       the bureau's own `input`, wrapped
    {"mdtrt_cert_type": "02", ...}   flat: put into the single input node
    [{...}, {...}]                   flat rows of a single list node (2204 feedetail)

A flat input for a transaction with several nodes (2203 mdtrtinfo + diseinfo) is refused with 30001 naming
each node; an empty object for a transaction without a field list ("generic") has no node, so it stays empty
and the input's check says 30001 数据节点缺失.
"""

from __future__ import annotations

from typing import Any

from medical_insurance_sdk.exceptions import DataValidationError, FieldError, RequestError
from medical_insurance_sdk.registry.fields import ROOT
from medical_insurance_sdk.registry.transaction import Transaction

WRAPPED = "input"


def shape_input(tx: Transaction, body: Any) -> dict[str, Any]:
    """The bureau input (node form) of an accepted shape; anything else is 10002 or 30001."""
    if isinstance(body, list):
        return wrap_flat(tx, body)
    if not isinstance(body, dict):
        raise RequestError("请求参数格式错误: 请求体应为 JSON 对象", code=10002)
    names = tuple(n.name for n in tx.request_nodes)
    wrapped = body.get(WRAPPED)
    if WRAPPED not in names and isinstance(wrapped, dict) and set(body) == {WRAPPED}:
        return dict(wrapped)
    if ROOT in names or any(name in body for name in names):
        return dict(body)  # node form (or root fields, which sit in `input` itself)
    if not body and tx.schema_level == "generic":
        return {}  # no field list, no field given: no node (node form {"data": {}} sends an empty node)
    return wrap_flat(tx, body)


def wrap_flat(tx: Transaction, flat: Any) -> dict[str, Any]:
    """Flat fields (or rows) into the transaction's single input node; several nodes is 30001 per node."""
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
    if node.name == ROOT:
        return dict(flat) if isinstance(flat, dict) else {}
    if node.many:
        return {node.name: flat if isinstance(flat, list) else [flat]}
    return {node.name: flat}
