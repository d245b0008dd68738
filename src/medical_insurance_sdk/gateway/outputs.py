"""From the engine's `CallResult` to the HTTP answer: common, paged, or the file itself (9102).

The body shapes, and the bureau output read through the transaction's tolerant response model, are
`answer_shapes` (shared with the SDK's in-process transport); this module adds §1.4 paging and the file
response.  A lost answer recovered by a query (state CONFIRMED) answers the query's row as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from medical_insurance_sdk.answer_shapes import call_data, file_name, paged, success_body
from medical_insurance_sdk.engine.flow import CallResult
from medical_insurance_sdk.gateway.inputs import CallInput
from medical_insurance_sdk.gateway.paging import page_of
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse
from medical_insurance_sdk.protocol.result import FileAnswer
from medical_insurance_sdk.registry import Transaction

OCTET_STREAM = "application/octet-stream"


def file_response(tx: Transaction, result: CallResult, file: FileAnswer) -> Response:
    """The 9102 file as bytes, named in Content-Disposition (RFC 6266, UTF-8 safe)."""
    name = file_name(tx, result)
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    headers = {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "X-Msgid": result.msgid,
    }
    return Response(file.content, media_type=OCTET_STREAM, headers=headers)


def answer(
    tx: Transaction,
    result: CallResult,
    call: CallInput,
    request_id: str,
    *,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """The HTTP answer of a successful call; `extra` keys join an object `data` (the spec's own blocks)."""
    if result.file is not None:
        return file_response(tx, result, result.file)
    page = page_of(call_data(tx, result), call.input)
    if page is not None:
        rows, pagination = page
        return GatewayJSONResponse(paged(rows, pagination, tx, request_id, msgid=result.msgid))
    body = success_body(tx, result, request_id)
    if extra and isinstance(body["data"], Mapping):
        body["data"] = {**body["data"], **extra}
    return GatewayJSONResponse(body)
