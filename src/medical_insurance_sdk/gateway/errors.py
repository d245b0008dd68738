"""Every failure as the common format with the table's HTTP status (spec §1.3, §5).

    install_error_handlers(app, settings)

- MedicalInsuranceException: its code, Chinese message and `http_status` (the §5.2 table);
- FastAPI's RequestValidationError: a malformed JSON body → 400 + 10002; field problems → 422 + 3000x,
  one entry per field in data.errors;
- an unknown path → 404 + 20001, a wrong method → 405 + 20001, other HTTP errors → their nearest code;
- anything else → 500 + 60010 (logged with its traceback; the answer shows no internals).

The transaction of a route (set by the route on `request.state.transaction`) fills interface_info.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from medical_insurance_sdk.exceptions import (
    DataValidationError,
    FieldError,
    MedicalInsuranceException,
    exception_for,
)
from medical_insurance_sdk.gateway.request_id import request_id_of
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, error
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.registry import Transaction

log = logging.getLogger(__name__)

FASTAPI_BODY_ERROR = "There was an error parsing the body"
# HTTP errors raised by the framework → the closest code of the table.
_STATUS_CODES = {400: 10002, 401: 10007, 403: 10009, 404: 20001, 405: 20001, 413: 10003, 429: 10004}


def transaction_of(request: Request) -> Transaction | None:
    tx = getattr(request.state, "transaction", None)
    return tx if isinstance(tx, Transaction) else None


def error_response(request: Request, exc: MedicalInsuranceException) -> Response:
    headers = {}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(int(exc.retry_after))
    return GatewayJSONResponse(
        error(exc, request_id_of(request), transaction_of(request)),
        status_code=exc.http_status,
        headers=headers,
    )


async def on_medical_insurance_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MedicalInsuranceException)
    return error_response(request, exc)


def validation_error(errors: list[dict[str, Any]]) -> MedicalInsuranceException:
    """FastAPI's validation errors in the spec's codes."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return exception_for(10002, "请求参数格式错误: 请求体不是有效的 JSON")
    fields = []
    for e in errors:
        loc = [str(part) for part in e.get("loc", ()) if part not in ("body", "query", "header", "path")]
        code = 30002 if e.get("type") == "missing" else 30003
        fields.append(
            FieldError(code, ".".join(loc) or "body", "" if code == 30002 else str(e.get("msg", "")))
        )
    return DataValidationError(fields)


async def on_request_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, validation_error(list(exc.errors())))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, 20003 if exc.status_code >= 500 else 10002)
    message: str | None
    if exc.status_code == 404:
        message = f"不支持的接口类型: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"请求方法不允许: {request.url.path} 不支持 {request.method}"
    elif exc.detail == FASTAPI_BODY_ERROR:  # FastAPI's own words when a body cannot be read
        message = "请求参数格式错误: 请求体无法解析"
    else:
        message = str(exc.detail) if exc.detail else None
    return error_response(request, exception_for(code, message, http_status=exc.status_code))


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, exception_for(60010, "服务进程异常: 网关内部错误，请联系管理员"))


def install_error_handlers(app: FastAPI, settings: GatewaySettings) -> None:
    app.add_exception_handler(MedicalInsuranceException, on_medical_insurance_error)
    app.add_exception_handler(RequestValidationError, on_request_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected_error)
