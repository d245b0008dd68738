"""The gateway's answers as plain data: common (§1.3), paged (§1.4) and error (§1.3 + §5).

    body = success_body(tx, result, request_id)     # a successful engine call, its bureau data normalised
    body = error_body(exc, request_id, tx)           # any failure: data {errors} / {msgid, outcome} / null
    body = paged(rows, pagination(...), tx, request_id)

Pure (no FastAPI, no HTTP): the gateway wraps these bodies in its responses, the SDK's in-process transport
in httpx ones, so both answer in exactly one shape.  Every answer carries success, data, message, error,
error_code, timestamp ("2025-07-14T10:30:00Z", UTC), request_id ("REQ" + yyyyMMddHHmmss UTC + 6 digits, or
the client's X-Request-ID), version and interface_info ({interface_type, infno, category} plus the bureau
msgid when a message was sent; null for the gateway's own endpoints).  Field problems are listed once,
in data.errors; `message` (and error.message) summarises them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from medical_insurance_sdk.exceptions import DataValidationError, MedicalInsuranceException
from medical_insurance_sdk.protocol.errors import error as error_row
from medical_insurance_sdk.registry import Transaction
from medical_insurance_sdk.registry.fields import ROOT_ROWS

if TYPE_CHECKING:
    from medical_insurance_sdk.engine.flow import CallResult

API_VERSION = "1.0.0"
SUCCESS_MESSAGE = "操作成功"
PAGED_MESSAGE = "查询成功"
SUMMARY_FIELDS = 3  # fields a validation failure's `message` names; data.errors lists them all
REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


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


def envelope(
    *,
    success: bool,
    data: Any,
    message: str,
    request_id: str,
    info: dict[str, Any] | None,
    error: Mapping[str, Any] | None = None,
    error_code: int | None = None,
) -> dict[str, Any]:
    """The §1.3 fields, in the spec's order."""
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
    return envelope(success=True, data=data, message=message, request_id=request_id, info=info)


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


def error_data(exc: MedicalInsuranceException) -> dict[str, Any] | None:
    """An error answer's `data`: every field problem, or the message and outcome of an unknown call."""
    if isinstance(exc, DataValidationError) and exc.errors:  # the one place of the list in an answer
        return {"errors": [e.as_dict() for e in exc.errors]}
    if "outcome" in exc.details and exc.msgid:
        return {"msgid": exc.msgid, "outcome": exc.details["outcome"]}
    return None


def error_message(exc: MedicalInsuranceException) -> str:
    """An error answer's `message`: the exception's own; for one field problem that problem whole; for
    several a summary ("数据验证失败: 9 个字段（data.psn_no、data.insutype 等），见 data.errors")."""
    if not isinstance(exc, DataValidationError) or not exc.errors:
        return exc.message
    paths = list(dict.fromkeys(e.path for e in exc.errors))
    if len(exc.errors) == 1:  # one problem: say it whole ("字段长度超限: data.memo (长度不能超过 10000)")
        only = exc.errors[0]
        return f"{error_row(only.code).message}: {only.path}" + (f" ({only.detail})" if only.detail else "")
    named = "、".join(paths[:SUMMARY_FIELDS]) + (" 等" if len(paths) > SUMMARY_FIELDS else "")
    return f"{error_row(exc.code).message}: {len(paths)} 个字段（{named}），见 data.errors"


def error_object(exc: MedicalInsuranceException) -> dict[str, Any]:
    """An error answer's `error`: the exception's `to_dict()` with the answer's message; field problems
    are left to data.errors, so that each is in the answer once."""
    body = exc.to_dict()
    body["message"] = error_message(exc)
    if isinstance(exc, DataValidationError) and exc.errors:
        body.pop("errors", None)
    return body


def error_body(
    exc: MedicalInsuranceException, request_id: str, tx: Transaction | None = None
) -> dict[str, Any]:
    """§1.3 for a failure: data null, except field errors (validation) and msgid + outcome (UNKNOWN)."""
    return envelope(
        success=False,
        data=error_data(exc),
        message=error_message(exc),
        request_id=request_id,
        info=interface_info(tx, msgid=exc.msgid),
        error=error_object(exc),
        error_code=exc.code,
    )


def bureau_data(tx: Transaction, output: Any) -> Any:
    """The output normalised by the response model (numbers as Decimal, "" as null, one object where a
    list belongs), with exactly the fields the bureau sent; fields the tables do not know are kept."""
    if output is None:
        return None
    try:
        model = tx.parse_output(output)
    except ValidationError:
        return output  # an answer shaped unlike the tables: pass it on untouched rather than lose it
    data = model.model_dump(mode="python", exclude_unset=True)
    return data.get(ROOT_ROWS, []) if isinstance(output, list) else data


def call_data(tx: Transaction, result: CallResult) -> Any:
    """A successful call's `data`: the normalised bureau output, or as is the query row that confirmed a
    call whose answer was lost (state CONFIRMED)."""
    return result.output if result.confirmed_by else bureau_data(tx, result.output)


def success_body(tx: Transaction, result: CallResult, request_id: str) -> dict[str, Any]:
    """§1.3 for a successful engine call (a 9102 file is sent as bytes instead: see `file_name`)."""
    return success(
        call_data(tx, result), tx, request_id, msgid=result.msgid, confirmed_by=result.confirmed_by
    )


def file_name(tx: Transaction, result: CallResult) -> str:
    """The name a 9102 file is sent under."""
    name = result.file.filename if result.file is not None else None
    return name or f"{tx.infno}_{result.msgid}.zip"
