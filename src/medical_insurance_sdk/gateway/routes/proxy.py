"""The proxy form of spec §11.3.2 方案二: any transaction at one fixed URL, named in the path.

    POST /api/medical-insurance/person_info          {"psn_cert_type": "01", "certno": "4303…"}
    POST /api/medical-insurance/2201                 {"psn_no": …, "insutype": "310", …}
    → the §1.3 answer: {"success": true, "data": {…}, "message": "操作成功", …}

For a HIS that can only POST JSON to an address it is configured with: the path names the transaction (its
interface_type, infno or SDK method name, or a variant code the caller's province profile declares, such
as 2206A, sent as itself with its base's tables and rules; anything else is 20001), the body is the
transaction input in any shape the transaction route takes (flat, node form, `{"input": …}`).  The call
itself is the transaction route's (`transactions.perform_call`): the same authentication (X-API-Key or
Bearer), role check, admission policies (interface switch, rate limits, concurrency), Idempotency-Key,
ledger and answer.  Unlike the routes at the spec's paths, every transaction is a POST here, GET queries
included.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from medical_insurance_sdk.gateway.deps import CurrentCaller, Engine, RequestId
from medical_insurance_sdk.gateway.extensions import Admission, admitted
from medical_insurance_sdk.gateway.openapi import CommonResponse
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse
from medical_insurance_sdk.gateway.routes.transactions import perform_call, read_body_input
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import gateway_state
from medical_insurance_sdk.registry import REGISTRY, Registry

PROXY_PREFIX = "/api/medical-insurance"
PROXY_TAG = "无侵入式集成"

InterfaceType = Annotated[
    str,
    Path(
        description="交易：interface_type（如 person_info）、交易编号（如 1101）或 SDK 方法名",
        examples=["person_info"],
        max_length=64,
    ),
]


def proxy_router(settings: GatewaySettings, *, registry: Registry = REGISTRY) -> APIRouter:
    router = APIRouter(prefix=PROXY_PREFIX, tags=[PROXY_TAG])

    @router.post(
        "/{interface_type}",
        summary="代理调用任一交易（无侵入式集成 §11.3.2）",
        response_class=GatewayJSONResponse,
        responses={200: {"model": CommonResponse, "description": "通用响应格式（§1.3）"}},
        openapi_extra={
            "requestBody": {
                "required": False,
                "description": '交易输入：扁平字段、节点形式 {"data": {…}} 或 {"input": {…}}，与交易路由相同',
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    async def proxy(
        interface_type: InterfaceType,
        request: Request,
        caller: CurrentCaller,
        engine: Engine,
        request_id: RequestId,
    ) -> Response:
        """按路径中的交易名调用：与交易路由同一认证、权限、限流、幂等键、账本与应答。"""
        # the caller's own province: a variant code it declares is sent as itself, checked as its base
        infno, tx = caller.config.profile.resolve(interface_type, registry)
        request.state.transaction = tx  # errors carry interface_info from here on
        request.state.infno = infno  # the audit logs the code as sent beside tx's interface type
        current = Admission(tx, caller)
        request.state.admission = current  # the audit reads it once the answer is out
        async with admitted(gateway_state(request), current):
            call = await read_body_input(tx, request)
            return await perform_call(tx, call, request, engine, request_id, current, infno)

    return router
