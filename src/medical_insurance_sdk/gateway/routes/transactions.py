"""The 206 transactions as REST routes, generated from the registry at the spec's method and path.

    POST /api/v1/medical-insurance/basic/person-info        【1101】人员基本信息获取
    GET  /api/v1/medical-insurance/query/visit-info?...     【5201】就诊信息查询

Each route: authenticate → check the registry permission (403 + 10009) → build the bureau input (body or
query, see `inputs`) → `engine.call` as the caller's own institution → answer (common, paged or file).
There is no per-transaction code here: a transaction added to the registry is served by the next start.

Admission: every route goes through `extensions.admitted` — the caller's role, then the app's admission
policies (interface config, rate limits, concurrency …) — the same path batches and tasks take; the
`Admission` carries what they decided (the effective timeout) and, for the audit, what the call sent and got.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from medical_insurance_sdk.engine.engine import AsyncBureauEngine
from medical_insurance_sdk.engine.idempotency import IDEMPOTENCY_HEADER, check_key
from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.gateway.deps import CurrentCaller, Engine, RequestId
from medical_insurance_sdk.gateway.extensions import Admission, admitted
from medical_insurance_sdk.gateway.file_info import file_info, has_file_info
from medical_insurance_sdk.gateway.inputs import CallInput, from_body, from_query, parse_json_body
from medical_insurance_sdk.gateway.openapi import CommonResponse, query_parameters, request_body
from medical_insurance_sdk.gateway.outputs import answer
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.sizes import check_download, check_input
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import gateway_state
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Registry, Route, Transaction
from medical_insurance_sdk.registry.policy import REQUEST_BODY_MAX_BYTES

Endpoint = Callable[..., Awaitable[Response]]


AdmissionDependency = Callable[[Request, Caller], AsyncIterator[Admission]]


def admit(tx: Transaction) -> AdmissionDependency:
    """A dependency running the app's policies around a call of `tx`; the admission is on request.state."""

    async def admission(request: Request, caller: CurrentCaller) -> AsyncIterator[Admission]:
        current = Admission(tx, caller)
        request.state.admission = current  # the audit reads it once the answer is out
        async with admitted(gateway_state(request), current):
            yield current

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
    return await read_body_input(tx, request, query_when_empty=route.method == "DELETE")


async def read_body_input(tx: Transaction, request: Request, *, query_when_empty: bool = False) -> CallInput:
    """The JSON body as the call input (at most REQUEST_BODY_MAX_BYTES, else 413 + 10003)."""
    raw = await request.body()
    if len(raw) > REQUEST_BODY_MAX_BYTES:
        raise RequestError(
            f"请求数据过大: 请求体超过 {REQUEST_BODY_MAX_BYTES // (1024 * 1024)}MB", code=10003
        )
    if query_when_empty and not raw.strip():
        return from_query(tx, request.query_params.multi_items(), request.headers)
    return from_body(tx, parse_json_body(raw), request.headers)


def idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header of a write/money call (1-255 visible ASCII, else 400 + 10002): the same
    key with the same body answers the first call's outcome, another body 409 + 30006; reads ignore it."""
    value = request.headers.get(IDEMPOTENCY_HEADER)
    return None if value is None else check_key(value)


async def perform_call(
    tx: Transaction,
    given: CallInput,
    request: Request,
    engine: AsyncBureauEngine,
    request_id: str,
    current: Admission,
    infno: str | None = None,
) -> Response:
    """One admitted call of `tx` as the caller's own institution, answered (common, paged or file).

    The transaction routes and the proxy route (`routes/proxy.py`) both end here; `infno` is the code to
    send when the proxy was named a province variant of `tx` (`2206A`), else `tx`'s own.
    """
    caller = current.caller
    key = idempotency_key(request)
    call = given.claimed_by(tx, caller.config)
    check_input(tx, call.input)  # spec §6.2.2: texts, records per list
    current.call_input = call.input
    result = await engine.call(
        infno or tx.infno,
        call.input,
        institution=caller.config,  # always the caller's own institution, never one from the body
        operator=call.operator,
        operator_name=call.operator_name,
        insuplc_admdvs=call.insuplc_admdvs,
        request_id=request_id,
        timeout_s=current.timeout_s,
        idempotency_key=key,
    )
    current.result = result
    if result.file is not None:
        check_download(len(result.file.content), gateway_state(request).settings.download_max_bytes)
    extra = None
    if has_file_info(tx, result):  # spec §2.1.3: file_info + preview_data beside the bureau fields
        extra = await file_info(tx, result, call, caller, engine, request_id)
    return answer(tx, result, call, request_id, extra=extra)


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
        current: Admission = Depends(admission, scope="function"),  # noqa: B008
    ) -> Response:
        call = await read_call_input(tx, route, request)
        return await perform_call(tx, call, request, engine, request_id, current)

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
                    # the admission checks the role too, once it is on the request, so that refused
                    # callers are audited; the endpoint gets the same (cached) admission
                    Depends(admission, scope="function"),
                ],
                response_class=GatewayJSONResponse,
                responses={200: {"model": CommonResponse, "description": "通用响应格式（§1.3/§1.4）"}},
                openapi_extra=_openapi_extra(tx, route),
            )
    return router
