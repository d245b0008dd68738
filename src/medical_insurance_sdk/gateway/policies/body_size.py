"""Body size limits of spec §6.2.2, enforced before the body is read: 413 + 10003 (40003 for uploads).

    request_body_max_bytes = 50 MB            (default; JSON and every other non-multipart body)
    upload_max_bytes = 500 MB                 (multipart/form-data: file uploads)

A declared Content-Length over the limit is answered at once, without reading a byte.  A body sent without
one (chunked) is counted as it arrives and cut off at the limit (413 + 10003).  A plain ASGI middleware, so
streamed bodies pass through untouched until then.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medical_insurance_sdk.exceptions import exception_for
from medical_insurance_sdk.gateway.errors import error_response
from medical_insurance_sdk.gateway.settings import GatewaySettings

BODY_TOO_LARGE = 10003
UPLOAD_TOO_LARGE = 40003
MULTIPART = "multipart/form-data"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}MB"


class BodySizeConfig(BaseModel):
    """The policy's configuration, checked when the app is built."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_body_bytes: int = Field(gt=0)
    max_upload_bytes: int = Field(gt=0)

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> BodySizeConfig:
        return cls(max_body_bytes=settings.request_body_max_bytes, max_upload_bytes=settings.upload_max_bytes)

    def limit_for(self, content_type: str) -> tuple[int, int]:
        """(limit in bytes, error code) for a body of this content type."""
        if content_type.lower().startswith(MULTIPART):
            return self.max_upload_bytes, UPLOAD_TOO_LARGE
        return self.max_body_bytes, BODY_TOO_LARGE


class BodySizeLimit:
    """The middleware (the policy's one hook)."""

    name = "body-size"
    order = 0  # before anything reads the body

    def __init__(self, app: ASGIApp, *, config: BodySizeConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit, code = self.config.limit_for(headers.get("content-type", ""))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            refusal = exception_for(code, _refusal(code, limit))
            await error_response(Request(scope), refusal)(scope, receive, send)
            return
        await self.app(scope, _counted(receive, limit), send)


def _refusal(code: int, limit: int) -> str:
    if code == UPLOAD_TOO_LARGE:
        return f"文件大小超限: 上传文件超过 {_mb(limit)}（规范 §6.2.2）"
    return f"请求数据过大: 请求体超过 {_mb(limit)}（规范 §6.2.2）"


def _counted(receive: Receive, limit: int) -> Receive:
    """`receive`, refusing the body once more than `limit` bytes have arrived."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                # HTTPException, not a MedicalInsuranceException: FastAPI passes it on unchanged from its own
                # body parsing too, and the error handlers answer a 413 as 10003.
                raise HTTPException(413, _refusal(BODY_TOO_LARGE, limit))
        return message

    return counted


def install_body_size(app: FastAPI, settings: GatewaySettings) -> None:
    app.add_middleware(BodySizeLimit, config=BodySizeConfig.from_settings(settings))
