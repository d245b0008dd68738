"""The gateway's answers in the spec's formats: common (§1.3), paged (§1.4) and error (§1.3 + §5).

    GatewayJSONResponse(success(data, tx, request_id, msgid=result.msgid))
    GatewayJSONResponse(error(exc, request_id, tx), status_code=exc.http_status)

Every answer carries success, data, message, error, error_code, timestamp ("2025-07-14T10:30:00Z", UTC),
request_id ("REQ" + yyyyMMddHHmmss UTC + 6 digits, or the client's X-Request-ID), version and
interface_info ({interface_type, infno, category} plus the bureau msgid when a message was sent; null for
the gateway's own endpoints).  Paged answers add `pagination` and say "查询成功".  Amounts are written with
their exact digits (protocol.jsoncodec), never through float.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

from medical_insurance_sdk.exceptions import DataValidationError, MedicalInsuranceException
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import Transaction

API_VERSION = "1.0.0"
SUCCESS_MESSAGE = "操作成功"
PAGED_MESSAGE = "查询成功"
REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


class GatewayJSONResponse(JSONResponse):
    """JSON with exact decimals and bureau date texts (jsoncodec), UTF-8, no ASCII escaping."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsoncodec.dumps(content)


def utc_timestamp(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_request_id(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"REQ{moment:%Y%m%d%H%M%S}{secrets.randbelow(1_000_000):06d}"


def accept_request_id(client_value: str | None) -> str:
    """The client's X-Request-ID when it is a sane token, else a new one."""
    if client_value and _CLIENT_REQUEST_ID.match(client_value):
        return client_value
    return new_request_id()


def interface_info(
    tx: Transaction | None, *, msgid: str | None = None, confirmed_by: str | None = None
) -> dict[str, Any] | None:
    if tx is None:
        return None
    info: dict[str, Any] = {
        "interface_type": tx.interface_type,
        "infno": tx.infno,
        "category": tx.category.value,
    }
    if msgid:
        info["msgid"] = msgid
    if confirmed_by:
        info["confirmed_by"] = confirmed_by  # a lost answer was recovered by this query
    return info


def _envelope(
    *,
    success: bool,
    data: Any,
    message: str,
    request_id: str,
    info: dict[str, Any] | None,
    error: Mapping[str, Any] | None = None,
    error_code: int | None = None,
) -> dict[str, Any]:
    return {
        "success": success,
        "data": data,
        "message": message,
        "error": dict(error) if error is not None else None,
        "error_code": error_code,
        "timestamp": utc_timestamp(),
        "request_id": request_id,
        "version": API_VERSION,
        "interface_info": info,
    }


def success(
    data: Any,
    tx: Transaction | None,
    request_id: str,
    *,
    msgid: str | None = None,
    confirmed_by: str | None = None,
    message: str = SUCCESS_MESSAGE,
) -> dict[str, Any]:
    """§1.3 for a successful call."""
    info = interface_info(tx, msgid=msgid, confirmed_by=confirmed_by)
    return _envelope(success=True, data=data, message=message, request_id=request_id, info=info)


def pagination(*, total: int, page: int, page_size: int, total_pages: int) -> dict[str, Any]:
    """§1.4's pagination object."""
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "total_pages": total_pages,
        "has_next": page < total_pages,
        "has_previous": page > 1,
    }


def paged(
    items: list[Any],
    page: Mapping[str, Any],
    tx: Transaction | None,
    request_id: str,
    *,
    msgid: str | None = None,
) -> dict[str, Any]:
    """§1.4: the rows as `data`, plus `pagination`; the §1.3 fields are kept so every answer reads alike."""
    body = success(items, tx, request_id, msgid=msgid, message=PAGED_MESSAGE)
    body["pagination"] = dict(page)
    return body


def error(exc: MedicalInsuranceException, request_id: str, tx: Transaction | None = None) -> dict[str, Any]:
    """§1.3 for a failure: data null, except field errors (validation) and msgid + outcome (UNKNOWN)."""
    data: Any = None
    if isinstance(exc, DataValidationError) and exc.errors:
        data = {"errors": [e.as_dict() for e in exc.errors]}
    elif "outcome" in exc.details and exc.msgid:
        data = {"msgid": exc.msgid, "outcome": exc.details["outcome"]}
    return _envelope(
        success=False,
        data=data,
        message=exc.message,
        request_id=request_id,
        info=interface_info(tx, msgid=exc.msgid),
        error=exc.to_dict(),
        error_code=exc.code,
    )
