"""OpenAPI pieces of the generated transaction routes: request body, query parameters, answer model.

The routes read their body themselves (to accept node form and flat form alike), so the schema is given
to FastAPI as `openapi_extra`, built from the registry's request model with every `$ref` inlined.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from medical_insurance_sdk.gateway.inputs import RESERVED
from medical_insurance_sdk.registry import Transaction
from medical_insurance_sdk.registry.fields import ROOT, FieldSpec

_JSON_TYPES = {"str": "string", "decimal": "number", "int": "integer", "date": "string", "datetime": "string"}
_RESERVED_DOC = {
    "insuplc_admdvs": "参保地医保区划（默认本机构所在区划）",
    "operator": "经办人编号（默认机构配置）",
    "operator_name": "经办人姓名（默认机构配置）",
}


class InterfaceInfo(BaseModel):
    interface_type: str
    infno: str
    category: str
    msgid: str | None = None


class CommonResponse(BaseModel):
    """The common answer of spec §1.3 (paged answers add `pagination`, §1.4)."""

    success: bool
    data: Any = None
    message: str = Field(examples=["操作成功"])
    error: dict[str, Any] | None = None
    error_code: int | None = None
    timestamp: str = Field(examples=["2025-07-14T10:30:00Z"])
    request_id: str = Field(examples=["REQ20250714103000123456"])
    version: str = Field(examples=["1.0.0"])
    interface_info: InterfaceInfo | None = None
    pagination: dict[str, Any] | None = None


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with `#/$defs/...` references replaced by their definitions (models are not recursive)."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    result: dict[str, Any] = resolve(schema)
    return result


def request_body(tx: Transaction) -> dict[str, Any]:
    """`openapi_extra` for a body route: node form, and the flat form for single-node transactions."""
    node_form = inline_refs(tx.request_model.model_json_schema())
    nodes = tx.request_nodes
    variants = [node_form]
    if len(nodes) == 1 and nodes[0].name != ROOT:
        flat = node_form.get("properties", {}).get(nodes[0].name)
        if isinstance(flat, dict):
            variants.insert(0, flat)
    schema = variants[0] if len(variants) == 1 else {"anyOf": variants}
    return {
        "requestBody": {
            "required": True,
            "description": '交易输入：平铺字段，或按节点 {"<节点>": {...}}；另可带 ' + "、".join(RESERVED),
            "content": {"application/json": {"schema": schema}},
        }
    }


def _parameter(spec: FieldSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "in": "query",
        "required": spec.required,
        "description": spec.label,
        "schema": {"type": _JSON_TYPES.get(spec.kind, "string")},
    }


def query_parameters(tx: Transaction) -> dict[str, Any]:
    """`openapi_extra` for a GET route: one query parameter per field of the input node."""
    fields = [spec for node in tx.request_nodes for spec in node.fields]
    reserved = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": _RESERVED_DOC[name],
            "schema": {"type": "string"},
        }
        for name in RESERVED
    ]
    return {"parameters": [_parameter(spec) for spec in fields] + reserved}
