"""POST /api/v1/medical-insurance/auth/token: a JWT for the presented API key (spec §7.1.2).

    curl -X POST -H "X-API-Key: mik_…" -H "X-Institution-Code: H43028110001" \
         http://localhost:8000/api/v1/medical-insurance/auth/token
    → data: {"access_token": "eyJ…", "token_type": "bearer", "expires_in": 3600}

Only an API key can obtain a token; a token cannot renew itself (10007), so a stolen token dies with its
expiry or its key.
"""

from __future__ import annotations

from fastapi import APIRouter

from medical_insurance_sdk.exceptions import AuthenticationError
from medical_insurance_sdk.gateway.deps import CurrentCaller, RequestId, Settings
from medical_insurance_sdk.gateway.openapi import CommonResponse
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, success
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.tokens import issue_token
from medical_insurance_sdk.registry import API_PREFIX


def auth_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX + "auth", tags=["认证"])

    @router.post(
        "/token",
        summary="获取访问令牌（JWT）",
        operation_id="issue_token",
        response_class=GatewayJSONResponse,
        responses={200: {"model": CommonResponse}},
    )
    async def token(caller: CurrentCaller, settings: Settings, request_id: RequestId) -> GatewayJSONResponse:
        """凭 API Key 换取 Bearer 令牌；有效期 jwt_ttl_s 秒，过期返回 401 + 10008。"""
        if caller.via != "api_key":
            raise AuthenticationError("机构信息无效: 请使用 API Key 获取访问令牌", code=10007)
        access_token, expires_in = issue_token(
            key_id=caller.key_id,
            institution=caller.institution_code,
            role=caller.role.name,
            secret=settings.jwt_key,
            ttl_s=settings.jwt_ttl_s,
        )
        data = {"access_token": access_token, "token_type": "bearer", "expires_in": expires_in}
        return GatewayJSONResponse(success(data, None, request_id))

    return router
