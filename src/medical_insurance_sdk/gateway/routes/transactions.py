"""The 206 transactions as REST routes, generated from the registry at the spec's method and path.

    POST /api/v1/medical-insurance/basic/person-info        【1101】人员基本信息获取
    GET  /api/v1/medical-insurance/query/visit-info?...     【5201】就诊信息查询

Each route: authenticate → check the registry permission (403 + 10009) → build the bureau input (body or
query, see `inputs`) → `engine.call` as the caller's own institution → answer (common, paged or file).
There is no per-transaction code here: a transaction added to the registry is served by the next start.

Policy hook: every route is admitted through the app's `transaction_policies` (interface config, rate limits,
concurrency …), each one hook around the call, lowest `order` first; the `Admission` they share carries what
they decided (the effective timeout) and, for the audit, what the call sent and got.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.responses import Response

from medical_insurance_sdk.engine.flow import CallResult
from medical_insurance_sdk.engine.idempotency import IDEMPOTENCY_HEADER, check_key
from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.gateway.deps import CurrentCaller, Engine, RequestId
from medical_insurance_sdk.gateway.inputs import CallInput, from_body, from_query, parse_json_body
from medical_insurance_sdk.gateway.openapi import CommonResponse, query_parameters, request_body
from medical_insurance_sdk.gateway.outputs import answer
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.rbac import require_permission
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Registry, Route, Transaction
from medical_insurance_sdk.registry.policy import REQUEST_BODY_MAX_BYTES

Endpoint = Callable[..., Awaitable[Response]]


@dataclass
class Admission:
    """One transaction call as the policies let it in: who, what, the effective timeout, and what happened."""

    tx: Transaction
    caller: Caller
    timeout_s: float | None = None  # None: the engine's own (settings, then the registry's per transaction)
    call_input: dict[str, Any] | None = None  # the bureau input, once read
    result: CallResult | None = None  # the successful outcome, once known


class TransactionPolicy(Protocol):
    """A policy on the transaction routes: a name, an order (lowest first) and one hook around the call."""

    name: str
    order: int

    def guard(self, request: Request, admission: Admission) -> AbstractAsyncContextManager[None]: ...


def transaction_policies(app: FastAPI) -> list[TransactionPolicy]:
    """The app's policies on transaction routes (installers append to it)."""
    if not hasattr(app.state, "transaction_policies"):
        app.state.transaction_policies = []
    policies: list[TransactionPolicy] = app.state.transaction_policies
    return policies


AdmissionDependency = Callable[[Request, Caller], AsyncIterator[Admission]]


def admit(tx: Transaction) -> AdmissionDependency:
    """A dependency running the app's policies around a call of `tx`; the admission is on request.state."""

    async def admission(request: Request, caller: CurrentCaller) -> AsyncIterator[Admission]:
        admitted = Admission(tx, caller)
        request.state.admission = admitted  # the audit reads it once the answer is out
        async with AsyncExitStack() as stack:
            for policy in sorted(transaction_policies(request.app), key=lambda p: p.order):
                await stack.enter_async_context(policy.guard(request, admitted))
            yield admitted

    return admission


def bind_transaction(tx: Transaction) -> Callable[[Request], Awaitable[None]]:
    """A dependency naming the route's transaction on the request (errors then carry interface_info)."""

    async def bind(request: Request) -> None:  # async: a plain def would cost a thread hop per request
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


def idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header of a write/money call (1-255 visible ASCII, else 400 + 10002): the same
    key with the same body answers the first call's outcome, another body 409 + 30006; reads ignore it."""
    value = request.headers.get(IDEMPOTENCY_HEADER)
    return None if value is None else check_key(value)


def transaction_endpoint(
    tx: Transaction, route: Route, admission: AdmissionDependency | None = None
) -> Endpoint:
    admission = admission or admit(tx)

    async def endpoint(
        request: Request,
        caller: CurrentCaller,
        engine: Engine,
        request_id: RequestId,
        # a default, not an Annotated alias: `admission` is this route's own, not a module name
        admitted: Admission = Depends(admission, scope="function"),  # noqa: B008
    ) -> Response:
        key = idempotency_key(request)
        call = await read_call_input(tx, route, request)
        admitted.call_input = call.input
        result = await engine.call(
            tx.infno,
            call.input,
            institution=caller.config,  # always the caller's own institution, never one from the body
            operator=call.operator,
            operator_name=call.operator_name,
            insuplc_admdvs=call.insuplc_admdvs,
            request_id=request_id,
            timeout_s=admitted.timeout_s,
            idempotency_key=key,
        )
        admitted.result = result
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
            admission = admit(tx)
            router.add_api_route(
                "/" + route.path,
                transaction_endpoint(tx, route, admission),
                methods=[route.method],
                summary=tx.title,
                tags=[tx.category.value],
                operation_id=tx.sdk_method + suffix,
                dependencies=[
                    Depends(bind_transaction(tx)),
                    # before the permission check, so that refused callers are audited too; the endpoint
                    # gets the same (cached) admission
                    Depends(admission, scope="function"),
                    Depends(require_permission(tx.permission)),
                ],
                response_class=GatewayJSONResponse,
                responses={200: {"model": CommonResponse, "description": "通用响应格式（§1.3/§1.4）"}},
                openapi_extra=_openapi_extra(tx, route),
            )
    return router
