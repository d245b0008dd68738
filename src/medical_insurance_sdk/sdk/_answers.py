"""Gateway answers → a successful `Answer`, or the `Failure` it means: the SDK's error mapping, in one place.

    outcome = read_answer(response, request_id, infno="2207")    # Answer | Failure (I/O-free)
    error = final_error(Safety.MONEY, "2207", failure, request_id)  # what the caller gets at the end
    error = operation_error(op, request_id)                      # a batch operation's failure

Used by the transaction calls and by the gateway's own endpoints (batches, tasks, files, query) alike.
A §1.3 error answer becomes `exception_for(error_code, message, ...)` of the package's one code → class
table, with the gateway's retry verdict and Retry-After; data {msgid, outcome} of an unknown money outcome
— also inside a failed task's `result` or a batch's `failed_operation` — is an OutcomeUnknownError
(retry False: resolve it, never send it again); data {errors} a DataValidationError with every field.  An
HTTP answer without the gateway's JSON (a proxy's page) is mapped by its status.
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
from medical_insurance_sdk.protocol.errors import error as table_entry
from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.registry import Safety
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
    status: int = 200

    def receipt(self) -> dict[str, Any]:
        return {
            "msgid": self.msgid,
            "request_id": self.request_id,
            "message": self.message,
            "pagination": self.pagination,
        }


# -------------------------------------------------------------------------------------------- answer


def read_answer(
    response: httpx.Response, request_id: str, *, infno: str | None = None, file: bool = False
) -> Answer | Failure:
    """A successful Answer, or the Failure the error answer means (mapped through the error table).

    `file`: a 2xx answer that is not the gateway's §1.3 JSON is a file (9102, file/download)."""
    status = response.status_code
    body = response.content
    retry_after = _retry_after(response.headers.get("retry-after"))
    data = _json(body)
    envelope = _is_json(response) and isinstance(data, Mapping) and "success" in data
    if file and 200 <= status < 300 and not envelope:
        return Answer(
            content=body,
            filename=_filename(response.headers.get("content-disposition")),
            msgid=response.headers.get("x-msgid"),
            request_id=response.headers.get("x-request-id") or request_id,
            status=status,
        )
    if data is None:
        if 200 <= status < 300:
            error = exception_for(20004, "网关应答不是 JSON", infno=infno, details={"request_id": request_id})
            return Failure("answered", error, status)
        code = STATUS_CODES.get(status, 20003 if status >= 500 else 10002)
        error = exception_for(
            code,
            f"HTTP {status}: {body[:200].decode('utf-8', 'replace').strip()}",
            infno=infno,
            http_status=status,
            details={"request_id": request_id, "gateway_answered": False},
        )
        return Failure("answered", error, status, retry_after)
    if not isinstance(data, Mapping):
        error = exception_for(
            20004, "网关应答不是 JSON 对象", infno=infno, details={"request_id": request_id}
        )
        return Failure("answered", error, status)
    if data.get("success", 200 <= status < 300) is True and status < 400:
        return _answer(data, request_id, response)
    return Failure(
        "answered", gateway_error(infno, data, status, request_id, retry_after), status, retry_after
    )


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
        status=response.status_code,
    )


def gateway_error(
    infno: str | None, body: Any, status: int, request_id: str, retry_after: float | None = None
) -> MedicalInsuranceException:
    """The exception for a gateway error answer {success: false, error_code, message, error, data}.

    data {msgid, outcome} of an unknown money outcome → OutcomeUnknownError, also when a failed task
    carries it in data.result, or a batch (task) in data.result.failed_operation; data {errors: [...]} →
    DataValidationError with every field problem; anything else → `exception_for(error_code)`.  The
    `error` object (the exception's own to_dict) keeps the gateway's retry verdict, trace id and infcode
    (with which a 5000x business code is the bureau's refusal: BureauRefusalError, `.infcode` -2);
    a Retry-After header beats the table's retry_after.
    """
    body = body if isinstance(body, Mapping) else {}
    data = _mapping(body.get("data"))
    error = _mapping(body.get("error"))
    result = _mapping(data.get("result"))
    # where an operation's own words are: the answer itself, a task's result, a batch's first failure
    sources = (data, result, _mapping(result.get("failed_operation")), error)
    code = _code(body.get("error_code")) or _code(error.get("code"))
    code = code or STATUS_CODES.get(status, 20003 if status >= 500 else 10002)
    message = str(body.get("message") or error.get("message") or "") or None
    msgid = _first(sources, "msgid")
    details: dict[str, Any] = {"request_id": body.get("request_id") or request_id}
    for key in ("infcode", "kind", "outcome", "server_ip", "upstream_status"):
        value = _first(sources, key)
        if value is not None:
            details[key] = value
    infno = infno or _first((*sources, _mapping(body.get("interface_info"))), "infno")
    common: dict[str, Any] = {
        "infno": str(infno) if infno else None,
        "msgid": str(msgid) if msgid else None,
        "http_status": status,
        "details": details,
        "trace_id": error.get("trace_id"),
    }
    if details.get("outcome") in ("unknown", "reversed"):
        return OutcomeUnknownError(message, outcome=str(details["outcome"]), code=code, **common)
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


def operation_error(op: Mapping[str, Any], request_id: str) -> MedicalInsuranceException | None:
    """The exception of a failed batch operation (§3.2.3 status row), as if it had been called alone."""
    if op.get("status") in ("success", None):
        return None
    code = _code(op.get("error_code")) or 20003
    output = _mapping(op.get("output"))
    infcode = op.get("infcode", output.get("infcode"))
    body = {
        "error_code": code,
        "message": op.get("error_message") or f"{op.get('status')}",
        "data": {"msgid": op.get("msgid"), "outcome": op.get("outcome"), "infcode": infcode},
    }
    return gateway_error(op.get("infno"), body, table_entry(code).http_status, request_id)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(sources: tuple[Mapping[str, Any], ...], key: str) -> Any:
    return next((source[key] for source in sources if source.get(key) not in (None, "")), None)


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


def transport_failure(infno: str | None, exc: httpx.TransportError, request_id: str) -> Failure:
    details = {"request_id": request_id, "transport": type(exc).__name__}
    if isinstance(exc, NOT_SENT):
        error = exception_for(60005, f"网络连接异常，请求未发出: {exc}", infno=infno, details=details)
        return Failure("not_sent", error)
    error = exception_for(
        20005, f"网关未应答: {type(exc).__name__} {exc}".strip(), infno=infno, details=details
    )
    return Failure("lost", error)


def final_error(
    safety: Safety, infno: str | None, failure: Failure, request_id: str
) -> MedicalInsuranceException:
    """What the caller gets when no further attempt is made.

    A write or money call (a task created, a file uploaded) whose answer was lost (or met a proxy's 5xx
    page) may have taken effect: that is an OutcomeUnknownError, never a plain error that invites sending
    it again.
    """
    may_have_happened = failure.kind == "lost" or (
        failure.status is not None
        and failure.status >= 500
        and failure.error.details.get("gateway_answered") is False
    )
    if safety is not Safety.QUERY and may_have_happened:
        return OutcomeUnknownError(
            f"网关未应答，请求 {request_id} 的结果未知：请先查询确认，勿重复办理",
            infno=infno,
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


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "application/json").startswith("application/json")


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
