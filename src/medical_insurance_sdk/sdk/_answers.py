"""Gateway answers → a successful `Answer`, or the `Failure` it means: the SDK's error mapping, in one place.

    outcome = read_answer(tx, response, request_id)      # Answer | Failure (I/O-free)
    error = final_error(tx, failure, request_id)         # what the caller gets when nothing more is tried

A §1.3 error answer becomes `exception_for(error_code, message, ...)` of the package's one code → class
table, with the gateway's retry verdict and Retry-After; data {msgid, outcome} of an unknown money outcome
is an OutcomeUnknownError; data {errors} a DataValidationError with every field.  An HTTP answer without
the gateway's JSON (a proxy's page) is mapped by its status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from email.message import Message
from typing import Any

import httpx

from medical_insurance_sdk.exceptions import (
    FieldError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    exception_for,
)
from medical_insurance_sdk.protocol.errors import ERRORS
from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.protocol.result import FILE_INFNOS
from medical_insurance_sdk.registry import Safety, Transaction
from medical_insurance_sdk.sdk._retry import Failure

# Raised before any byte of the request can have reached the gateway: sending again is safe.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)

# An HTTP error answer without the gateway's JSON body (a proxy's page) → the table's code.
STATUS_CODES: Mapping[int, int] = {
    400: 10002,
    401: 10007,
    403: 10009,
    404: 20001,
    405: 10002,
    408: 20005,
    413: 10003,
    422: 30010,
    429: 10004,
    503: 10005,
    504: 20005,
}


@dataclass(frozen=True)
class Answer:
    """One successful gateway answer (§1.3), or the file a 9102 download returned."""

    data: Any = None
    message: str | None = None
    request_id: str | None = None
    msgid: str | None = None
    interface_info: Mapping[str, Any] | None = None
    pagination: Mapping[str, Any] | None = None
    content: bytes | None = None
    filename: str | None = None

    def receipt(self) -> dict[str, Any]:
        return {
            "msgid": self.msgid,
            "request_id": self.request_id,
            "message": self.message,
            "pagination": self.pagination,
        }


# -------------------------------------------------------------------------------------------- answer


def read_answer(tx: Transaction, response: httpx.Response, request_id: str) -> Answer | Failure:
    """A successful Answer, or the Failure the error answer means (mapped through the error table)."""
    status = response.status_code
    body = response.content
    retry_after = _retry_after(response.headers.get("retry-after"))
    data = _json(body)
    if data is None:
        if 200 <= status < 300 and tx.infno in FILE_INFNOS:
            return Answer(
                content=body,
                filename=_filename(response.headers.get("content-disposition")),
                msgid=response.headers.get("x-msgid"),
                request_id=response.headers.get("x-request-id") or request_id,
            )
        if 200 <= status < 300:
            error = exception_for(
                20004, "网关应答不是 JSON", infno=tx.infno, details={"request_id": request_id}
            )
            return Failure("answered", error, status)
        code = STATUS_CODES.get(status, 20003 if status >= 500 else 10002)
        error = exception_for(
            code,
            f"HTTP {status}: {body[:200].decode('utf-8', 'replace').strip()}",
            infno=tx.infno,
            http_status=status,
            details={"request_id": request_id, "gateway_answered": False},
        )
        return Failure("answered", error, status, retry_after)
    if not isinstance(data, Mapping):
        error = exception_for(
            20004, "网关应答不是 JSON 对象", infno=tx.infno, details={"request_id": request_id}
        )
        return Failure("answered", error, status)
    if data.get("success", 200 <= status < 300) is True and status < 400:
        return _answer(data, request_id, response)
    return Failure("answered", gateway_error(tx, data, status, request_id, retry_after), status, retry_after)


def _answer(body: Mapping[str, Any], request_id: str, response: httpx.Response) -> Answer:
    info = body.get("interface_info") if isinstance(body.get("interface_info"), Mapping) else None
    msgid = body.get("msgid") or (info or {}).get("msgid")
    return Answer(
        data=body.get("data"),
        message=body.get("message"),
        request_id=body.get("request_id") or response.headers.get("x-request-id") or request_id,
        msgid=str(msgid) if msgid else None,
        interface_info=info,
        pagination=body.get("pagination") if isinstance(body.get("pagination"), Mapping) else None,
    )


def gateway_error(
    tx: Transaction, body: Any, status: int, request_id: str, retry_after: float | None
) -> MedicalInsuranceException:
    """The exception for a gateway error answer {success: false, error_code, message, error, data}.

    data {msgid, outcome} of an unknown money outcome → OutcomeUnknownError; data {errors: [...]} →
    DataValidationError with every field problem; anything else → `exception_for(error_code)`.  The
    `error` object (the exception's own to_dict) keeps the gateway's retry verdict, trace id and infcode
    (with which a 5000x business code is the bureau's refusal: BureauRefusalError, `.infcode` -2);
    a Retry-After header beats the table's retry_after.
    """
    body = body if isinstance(body, Mapping) else {}
    data = body.get("data") if isinstance(body.get("data"), Mapping) else {}
    error = body.get("error") if isinstance(body.get("error"), Mapping) else {}
    code = _code(body.get("error_code")) or _code(error.get("code"))
    code = code or STATUS_CODES.get(status, 20003 if status >= 500 else 10002)
    message = str(body.get("message") or error.get("message") or "") or None
    msgid = data.get("msgid") or error.get("msgid")
    details: dict[str, Any] = {"request_id": body.get("request_id") or request_id}
    for key in ("infcode", "kind", "outcome", "server_ip", "upstream_status"):
        if key in error or key in data:
            details[key] = data.get(key, error.get(key))
    common: dict[str, Any] = {
        "infno": tx.infno,
        "msgid": str(msgid) if msgid else None,
        "http_status": status,
        "details": details,
        "trace_id": error.get("trace_id"),
    }
    if data.get("outcome") in ("unknown", "reversed"):
        return OutcomeUnknownError(message, outcome=str(data["outcome"]), code=code, **common)
    if isinstance(error.get("retry"), bool):
        common["retry"] = error["retry"]
    hint = retry_after if retry_after is not None else error.get("retry_after")
    if isinstance(hint, int | float | Decimal):
        common["retry_after"] = float(hint)
    errors = data.get("errors")
    if code // 10000 == 3:
        rows = errors if isinstance(errors, list) else []
        common["errors"] = [_field_error(item) for item in rows if isinstance(item, Mapping)]
    elif isinstance(errors, list):
        details["errors"] = errors
    if isinstance(details.get("infcode"), int):
        # the bureau answered: 20006 comes back a BureauError, a 5000x refusal a BureauRefusalError
        common["infcode"] = details["infcode"]
    return exception_for(code, message, **common)


_FIELD_DETAIL = re.compile(r"^\d+ - [^:]*: \S+ \((?P<detail>.*)\)$")


def _field_error(item: Mapping[str, Any]) -> FieldError:
    code = _code(item.get("code")) or 30010
    path = str(item.get("field") or item.get("path") or item.get("loc") or "")
    text = str(item.get("message") or "")
    match = _FIELD_DETAIL.match(text)
    return FieldError(code, path, match["detail"] if match else item.get("detail", "") or "")


def _code(value: Any) -> int | None:
    try:
        code = int(value)
    except (TypeError, ValueError):
        return None
    return code if code in ERRORS else None


def transport_failure(tx: Transaction, exc: httpx.TransportError, request_id: str) -> Failure:
    details = {"request_id": request_id, "transport": type(exc).__name__}
    if isinstance(exc, NOT_SENT):
        error = exception_for(60005, f"网络连接异常，请求未发出: {exc}", infno=tx.infno, details=details)
        return Failure("not_sent", error)
    error = exception_for(
        20005, f"网关未应答: {type(exc).__name__} {exc}".strip(), infno=tx.infno, details=details
    )
    return Failure("lost", error)


def final_error(tx: Transaction, failure: Failure, request_id: str) -> MedicalInsuranceException:
    """What the caller gets when no further attempt is made.

    A write or money call whose answer was lost (or met a proxy's 5xx page) may have taken effect: that is
    an OutcomeUnknownError, never a plain error that invites sending it again.
    """
    may_have_happened = failure.kind == "lost" or (
        failure.status is not None
        and failure.status >= 500
        and failure.error.details.get("gateway_answered") is False
    )
    if tx.safety is not Safety.QUERY and may_have_happened:
        return OutcomeUnknownError(
            f"网关未应答，请求 {request_id} 的结果未知：请先查询确认，勿重复办理",
            infno=tx.infno,
            details={"request_id": request_id, "cause": failure.error.message},
        )
    return failure.error


# ------------------------------------------------------------------------------------------- helpers


def _json(body: bytes) -> Any:
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        return None
    try:
        return loads(body)
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _filename(content_disposition: str | None) -> str | None:
    if not content_disposition:
        return None
    header = Message()
    header["Content-Disposition"] = content_disposition
    name = header.get_filename()
    return name.replace("\\", "/").rsplit("/", 1)[-1] if name else None
