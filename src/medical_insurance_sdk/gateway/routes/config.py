"""Interface configuration (spec §3.1): the 206 transactions with their schemas and the caller's overrides.

    GET config/interface-schema                    §3.1.1 {total_interfaces: 206, categories: {…}}
    GET config/interface-schema/{interface_type}   one transaction (interface_type or infno), with its
                                                   request and response schemas
    PUT config/interface-schema/batch              admin only: {"interfaces": [{"interface_type": "…",
                                                   "enabled": false, "timeout": 20}]}; "timeout": null
                                                   restores the registry's

Overrides are the caller's institution's (audit/interface_config.py): a switched-off transaction answers
404 + 20002, a timeout reaches the engine.  The same schemas are put into the OpenAPI document by
`install_openapi_schemas`: each transaction's 200 answer gets its `data` schema from the registry's response
table, every protected operation its security schemes and X-Institution-Code header, and the error answers
it can give.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from medical_insurance_sdk.engine.idempotency import IDEMPOTENCY_HEADER, uses_key
from medical_insurance_sdk.exceptions import (
    DataValidationError,
    FieldError,
    PermissionDeniedError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.gateway.audit.interface_config import (
    MAX_TIMEOUT_S,
    Change,
    InterfaceOverride,
    interface_overrides,
)
from medical_insurance_sdk.gateway.deps import CurrentCaller, RequestId, State
from medical_insurance_sdk.gateway.openapi import CommonResponse, inline_refs
from medical_insurance_sdk.gateway.paging import PAGE_ROWS, answers_pages
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, success
from medical_insurance_sdk.gateway.routes.proxy import PROXY_PREFIX
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Category, Registry, Transaction
from medical_insurance_sdk.registry.fields import ROOT, FieldSpec, Node

TAG = "接口配置管理"
_JSON_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "decimal": {"type": "number"},
    "int": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
    "json": {},
}


# ------------------------------------------------------------------------------------------ schemas


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, also allowing null: answers are read tolerantly (registry.fields), so a field the bureau
    sent as "" or null, and a node it sent as null (5203 answers setlinfo null when nothing is found),
    reach the client as null."""
    if "type" not in schema:
        return schema  # J fields: any JSON value already
    return {**schema, "type": [schema["type"], "null"]}


def _field_schema(spec: FieldSpec) -> dict[str, Any]:
    schema = {**_JSON_TYPES[spec.kind], "description": f"{spec.label}（{spec.type_text}）"}
    if spec.kind == "str" and spec.length:
        schema["maxLength"] = spec.length
    return _nullable(schema)


def _row_schema(node: Node | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "type": "object",
        "properties": {spec.name: _field_schema(spec) for spec in node.fields} if node else {},
        "additionalProperties": True,  # answers are read tolerantly: unknown fields are passed on
    }
    if node and node.label:
        row["description"] = node.label
    return row


def _node_schema(node: Node) -> dict[str, Any]:
    row = _row_schema(node)
    return {"type": "array", "items": row} if node.many else row


def response_schema(tx: Transaction) -> dict[str, Any]:
    """The `data` of a successful answer, from the registry's response table.

    A paged query (§1.4) answers its rows as `data`, the bureau's paging fields becoming `pagination`
    (gateway.paging), so its `data` is the list of rows of the output's `data` node.
    """
    nodes = tx.schema.response
    if not nodes:
        return {"description": "医保局 output 原样返回（该交易无公开的输出字段表）"}
    root = next((n for n in nodes if n.name == ROOT), None)
    if root is not None and root.many:
        return _node_schema(root)
    if answers_pages(tx):
        rows = next((n for n in nodes if n.name == PAGE_ROWS and n.many), None)
        return {
            "type": "array",
            "items": _row_schema(rows),
            "description": "本页数据行；分页信息见 pagination",
        }
    properties: dict[str, Any] = {}
    for node in nodes:
        if node.name == ROOT:
            properties.update(_node_schema(node)["properties"])
        else:
            properties[node.name] = _nullable(_node_schema(node))
    return {"type": "object", "properties": properties, "additionalProperties": True}


def request_schema(tx: Transaction) -> dict[str, Any]:
    """The bureau `input` (node form), from the registry's request table."""
    return inline_refs(tx.request_model.model_json_schema())


# ------------------------------------------------------------------------------------------ entries


def interface_entry(tx: Transaction, override: InterfaceOverride) -> dict[str, Any]:
    """One transaction as §3.1.1 lists it, with the institution's effective settings."""
    return {
        "infno": tx.infno,
        "name": tx.name,
        "category": tx.category.value,
        "method": tx.route.method,
        "path": tx.route.full_path,
        "routes": [f"{route.method} {route.full_path}" for route in tx.routes],
        "sdk_method": tx.sdk_method,
        "safety": tx.safety.value,
        "permission": tx.permission,
        "enabled": override.enabled,
        "timeout": override.timeout_s or tx.timeout_s,
        "default_timeout": tx.timeout_s,
        "target_response_time": tx.target_s,
        "rate_category": tx.rate_category,
        "concurrency_class": tx.concurrency_class,
        "schema_level": tx.schema_level,
    }


def interface_detail(tx: Transaction, override: InterfaceOverride) -> dict[str, Any]:
    """§3.1.2: the entry, plus what a client needs to build a call and read its answer."""
    return {
        "interface_type": tx.interface_type,
        **interface_entry(tx, override),
        "reversible": tx.reversible,
        "file_output": tx.file_output,
        "confirm_by": tx.confirm_by,
        "request_nodes": [node.name or "(root)" for node in tx.request_nodes],
        "request_schema": request_schema(tx),
        "response_schema": response_schema(tx),
        "notes": tx.notes or None,
        "updated_at": override.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") if override.updated_at else None,
        "updated_by": override.updated_by,
    }


def schema_list(registry: Registry, overrides: dict[str, InterfaceOverride]) -> dict[str, Any]:
    """§3.1.1: every transaction by category, in the spec's order."""
    categories: dict[str, Any] = {}
    for category in Category:
        txs = registry.in_category(category)
        categories[category.value] = {
            "count": len(txs),
            "interfaces": {
                tx.interface_type: interface_entry(
                    tx, overrides.get(tx.interface_type) or InterfaceOverride(tx.interface_type, tx.infno)
                )
                for tx in txs
            },
        }
    return {"total_interfaces": len(registry.transactions), "categories": categories}


# ------------------------------------------------------------------------------------------ updates


class InterfaceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interface_type: str = Field(description="interface_type 或 infno", examples=["outpatient_settle"])
    enabled: bool | None = Field(default=None, description="false 停用本机构的该交易；省略则不变")
    timeout: float | None = Field(
        default=None, gt=0, le=MAX_TIMEOUT_S, description="超时秒数；null 恢复默认；省略则不变"
    )


class BatchUpdate(BaseModel):
    """The body of PUT config/interface-schema/batch (spec §3.1.3)."""

    model_config = ConfigDict(extra="forbid")

    interfaces: list[InterfaceUpdate] = Field(min_length=1, max_length=len(REGISTRY.transactions))


def _lookup(registry: Registry, key: str) -> Transaction | None:
    try:
        return registry[key]
    except KeyError:
        return None


def to_changes(registry: Registry, body: BatchUpdate) -> list[Change]:
    """The changes asked for; 422 naming every unknown interface and every entry that changes nothing."""
    changes: list[Change] = []
    problems: list[FieldError] = []
    for index, item in enumerate(body.interfaces):
        tx = _lookup(registry, item.interface_type)
        reset = "timeout" in item.model_fields_set and item.timeout is None
        if tx is None:
            problems.append(
                FieldError(
                    30003, f"interfaces.{index}.interface_type", f"不支持的接口类型 {item.interface_type}"
                )
            )
        elif item.enabled is None and item.timeout is None and not reset:
            problems.append(FieldError(30002, f"interfaces.{index}", "需给出 enabled 或 timeout"))
        else:
            changes.append(Change(tx, item.enabled, item.timeout, reset))
    if problems:
        raise DataValidationError(problems)
    return changes


async def require_admin(caller: CurrentCaller) -> None:
    if caller.role.name != "admin":
        raise PermissionDeniedError(
            f"权限不足: 修改接口配置需要系统管理员（admin），当前角色 {caller.role.name}", code=10009
        )


# ------------------------------------------------------------------------------------------ router


def config_router(settings: GatewaySettings, *, registry: Registry = REGISTRY) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX + "config", tags=[TAG])
    responses: dict[int | str, dict[str, Any]] = {200: {"model": CommonResponse}}

    @router.get(
        "/interface-schema",
        summary="获取支持的接口列表",
        operation_id="list_interface_schemas",
        response_class=GatewayJSONResponse,
        responses=responses,
    )
    async def list_schemas(caller: CurrentCaller, state: State, request_id: RequestId) -> GatewayJSONResponse:
        """206 个接口按 11 大类列出，含本机构的启用状态与超时。"""
        overrides = await interface_overrides(state).of_institution(caller.institution.id)
        return GatewayJSONResponse(success(schema_list(registry, overrides), None, request_id))

    @router.get(
        "/interface-schema/{interface_type}",
        summary="获取特定接口配置",
        operation_id="get_interface_schema",
        response_class=GatewayJSONResponse,
        responses=responses,
    )
    async def get_schema(
        interface_type: str, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> GatewayJSONResponse:
        """一个接口（interface_type 或 infno）的配置、请求与响应结构。"""
        tx = _lookup(registry, interface_type)
        if tx is None:
            raise UnsupportedInterfaceError(f"不支持的接口类型: {interface_type}", code=20001)
        override = await interface_overrides(state).get(caller.institution.id, tx)
        return GatewayJSONResponse(success(interface_detail(tx, override), None, request_id))

    @router.put(
        "/interface-schema/batch",
        summary="批量接口配置更新",
        operation_id="update_interface_schemas",
        response_class=GatewayJSONResponse,
        responses=responses,
        dependencies=[Depends(require_admin)],
    )
    async def update_schemas(
        body: BatchUpdate, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> GatewayJSONResponse:
        """仅 admin：停用/启用本机构的交易、调整超时；立即生效（其他工作进程在刷新间隔内生效）。"""
        changes = to_changes(registry, body)
        store = interface_overrides(state)
        await store.update(caller.institution.id, changes, key_id=caller.key_id)
        updated = {}
        for change in changes:
            override = await store.get(caller.institution.id, change.tx)
            updated[change.tx.interface_type] = interface_entry(change.tx, override)
        return GatewayJSONResponse(
            success({"updated": len(updated), "interfaces": updated}, None, request_id)
        )

    return router


# ------------------------------------------------------------------------------------------ OpenAPI

PUBLIC_PATHS = frozenset({API_PREFIX + "health/check"})
_COMMON_REF = {"$ref": "#/components/schemas/CommonResponse"}
# Error answers, declared once under components/responses and referred to by status.
ERROR_ANSWERS: dict[str, tuple[str, str]] = {
    "401": (
        "Unauthenticated",
        "认证失败：10007 机构信息无效（缺少或无效的 API Key/令牌、机构代码不符）/ 10008 认证信息过期",
    ),
    "403": ("Forbidden", "权限不足（10009）"),
    "404": (
        "NotFound",
        "接口已被本机构停用（20002），或医保局业务拒绝：患者信息不存在（50001，infcode -2）",
    ),
    # infcode -2: the bureau refused for a business reason; message is the bureau's err_msg
    "409": (
        "BureauRefusal",
        "医保局业务拒绝（infcode -2）：50002–50010，如 50007 结算状态错误、50008 重复结算、"
        "50010 业务流程异常；message 为医保局的 err_msg，不可重试",
    ),
    "413": ("TooLarge", "请求数据过大（10003）"),
    "422": ("Invalid", "数据验证失败（30001–30010），data.errors 逐字段列出"),
    "429": ("TooMany", "请求频率过高或并发已满（10004），Retry-After 给出等待秒数"),
    # infcode -1 (system level) or no usable answer; a business refusal (-2) is 404/409 above
    "502": (
        "BureauError",
        "医保局接口异常：系统级失败 infcode -1（20006）、未应答（20003）、应答格式错误（20004）",
    ),
    "504": ("BureauTimeout", "医保局接口超时（20005）；写入/资金类交易的 data 带 msgid 与 outcome"),
}
AUTH_STATUSES = ("401", "403")
TRANSACTION_STATUSES = ("404", "409", "413", "422", "429", "502", "504")
SECURITY_SCHEMES = {
    "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
}
INSTITUTION_HEADER = {
    "name": "X-Institution-Code",
    "in": "header",
    "required": True,
    "description": "定点医药机构编号，须为 API Key 所属机构（§1.2）",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9]{12}$"},
}

IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "幂等键（1-255 个可见 ASCII 字符）：同一键、同一入参再次提交时返回首次结果（含结果未知），"
    "不再向医保局发送；同一键、不同入参返回 409 + 30006",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


def _error_components() -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status, (name, description) in ERROR_ANSWERS.items():
        answer: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": _COMMON_REF}},
        }
        if status == "429":
            answer["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "秒"}}
        answers[name] = answer
    return answers


def _refer(op: dict[str, Any], statuses: tuple[str, ...]) -> None:
    responses = op.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(status, {"$ref": f"#/components/responses/{ERROR_ANSWERS[status][0]}"})


def _polish_transaction(op: dict[str, Any], tx: Transaction) -> None:
    answer = {"allOf": [_COMMON_REF, {"type": "object", "properties": {"data": response_schema(tx)}}]}
    op["responses"]["200"]["content"] = {"application/json": {"schema": answer}}
    _refer(op, TRANSACTION_STATUSES)
    if uses_key(tx):  # write and money routes honour an Idempotency-Key; reads ignore it
        op.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
    op["x-infno"] = tx.infno


def polish_openapi(spec: dict[str, Any], registry: Registry = REGISTRY) -> dict[str, Any]:
    """The OpenAPI document with the registry's answer schemas, security and error answers (in place)."""
    transactions = {(r.method.lower(), r.full_path): tx for tx in registry.transactions for r in tx.routes}
    components = spec.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components["responses"] = _error_components()
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if not path.startswith((API_PREFIX, PROXY_PREFIX)) or path in PUBLIC_PATHS:
                continue
            op["security"] = [{"ApiKeyAuth": []}, {"BearerAuth": []}]
            parameters = op.setdefault("parameters", [])
            if not any(p.get("name") == INSTITUTION_HEADER["name"] for p in parameters):
                parameters.insert(0, dict(INSTITUTION_HEADER))
            _refer(op, AUTH_STATUSES)
            tx = transactions.get((method, path))
            if tx is not None:
                _polish_transaction(op, tx)
    spec["tags"] = [
        {"name": category.value, "description": f"{len(registry.in_category(category))} 个医保接口"}
        for category in Category
    ]
    return spec


def install_openapi_schemas(app: FastAPI, settings: GatewaySettings) -> None:
    """/openapi.json and /docs show the polished document (FastAPI's documented way: replace app.openapi)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # FastAPI.openapi builds the document and caches it on app.openapi_schema; polish it once
            app.openapi_schema = polish_openapi(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
