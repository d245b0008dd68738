"""The 206 transactions as REST routes, generated from the registry at the spec's method and path.

    POST /api/v1/medical-insurance/basic/person-info        【1101】人员基本信息获取
    GET  /api/v1/medical-insurance/query/visit-info?...     【5201】就诊信息查询

Each route: authenticate → check the registry permission (403 + 10009) → build the bureau input (body or
query, see `inputs`) → `engine.call` as the caller's own institution → answer (common, paged or file).
There is no per-transaction code here: a transaction added to the registry is served by the next start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.gateway.deps import CurrentCaller, Engine, RequestId
from medical_insurance_sdk.gateway.inputs import CallInput, from_body, from_query, parse_json_body
from medical_insurance_sdk.gateway.openapi import CommonResponse, query_parameters, request_body
from medical_insurance_sdk.gateway.outputs import answer
from medical_insurance_sdk.gateway.policies.rbac import require_permission
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Registry, Route, Transaction
from medical_insurance_sdk.registry.policy import REQUEST_BODY_MAX_BYTES

Endpoint = Callable[..., Awaitable[Response]]


def bind_transaction(tx: Transaction) -> Callable[[Request], None]:
    """A dependency naming the route's transaction on the request (errors then carry interface_info)."""

    def bind(request: Request) -> None:
        request.state.transaction = tx

    return bind


async def read_call_input(tx: Transaction, route: Route, request: Request) -> CallInput:
    """GET: the query; POST/PUT: the JSON body; DELETE: the body, or the query when there is none."""
    if route.method == "GET":
        return from_query(tx, request.query_params.multi_items(), request.headers)
    raw = await request.body()
    if len(raw) > REQUEST_BODY_MAX_BYTES:
        raise RequestError(
            f"请求数据过大: 请求体超过 {REQUEST_BODY_MAX_BYTES // (1024 * 1024)}MB", code=10003
        )
    if route.method == "DELETE" and not raw.strip():
        return from_query(tx, request.query_params.multi_items(), request.headers)
    return from_body(tx, parse_json_body(raw), request.headers)


def transaction_endpoint(tx: Transaction, route: Route) -> Endpoint:
    async def endpoint(
        request: Request, caller: CurrentCaller, engine: Engine, request_id: RequestId
    ) -> Response:
        call = await read_call_input(tx, route, request)
        result = await engine.call(
            tx.infno,
            call.input,
            institution=caller.config,  # always the caller's own institution, never one from the body
            operator=call.operator,
            operator_name=call.operator_name,
            insuplc_admdvs=call.insuplc_admdvs,
            request_id=request_id,
        )
        return answer(tx, result, call, request_id)

    endpoint.__name__ = tx.sdk_method
    endpoint.__doc__ = (
        f"{tx.title}（{tx.category.value}）。安全等级 {tx.safety.value}，所需权限 {tx.permission}，"
        f"超时 {tx.timeout_s:g} 秒。"
    )
    return endpoint


def _openapi_extra(tx: Transaction, route: Route) -> dict[str, Any]:
    return query_parameters(tx) if route.method == "GET" else request_body(tx)


def transactions_router(settings: GatewaySettings, *, registry: Registry = REGISTRY) -> APIRouter:
    """One route per registry route (207: 3603 has PUT and DELETE)."""
    router = APIRouter(prefix=API_PREFIX.rstrip("/"))
    for tx in registry.transactions:
        for index, route in enumerate(tx.routes):
            suffix = "" if index == 0 else f"_{route.method.lower()}"
            router.add_api_route(
                "/" + route.path,
                transaction_endpoint(tx, route),
                methods=[route.method],
                summary=tx.title,
                tags=[tx.category.value],
                operation_id=tx.sdk_method + suffix,
                dependencies=[Depends(bind_transaction(tx)), Depends(require_permission(tx.permission))],
                response_class=GatewayJSONResponse,
                responses={200: {"model": CommonResponse, "description": "通用响应格式（§1.3/§1.4）"}},
                openapi_extra=_openapi_extra(tx, route),
            )
    return router
