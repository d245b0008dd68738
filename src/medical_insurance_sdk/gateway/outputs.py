"""From the engine's `CallResult` to the HTTP answer: common, paged, or the file itself (9102).

The bureau output is read through the transaction's tolerant response model (numbers as Decimal, "" as
null, one object where a list belongs) and written back with the bureau's field names; fields the tables
do not know are kept.  A lost answer recovered by a query (state CONFIRMED) answers the query's row as is.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from starlette.responses import Response

from medical_insurance_sdk.engine.flow import CallResult
from medical_insurance_sdk.gateway.inputs import CallInput
from medical_insurance_sdk.gateway.paging import page_of
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, paged, success
from medical_insurance_sdk.protocol.result import FileAnswer
from medical_insurance_sdk.registry import Transaction
from medical_insurance_sdk.registry.fields import ROOT_ROWS

OCTET_STREAM = "application/octet-stream"


def bureau_data(tx: Transaction, output: Any) -> Any:
    """The output normalised by the response model, with exactly the fields the bureau sent."""
    if output is None:
        return None
    try:
        model = tx.parse_output(output)
    except ValidationError:
        return output  # an answer shaped unlike the tables: pass it on untouched rather than lose it
    data = model.model_dump(mode="python", exclude_unset=True)
    return data.get(ROOT_ROWS, []) if isinstance(output, list) else data


def file_response(tx: Transaction, result: CallResult, file: FileAnswer) -> Response:
    """The 9102 file as bytes, named in Content-Disposition (RFC 6266, UTF-8 safe)."""
    name = file.filename or f"{tx.infno}_{result.msgid}.zip"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    headers = {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "X-Msgid": result.msgid,
    }
    return Response(file.content, media_type=OCTET_STREAM, headers=headers)


def answer(tx: Transaction, result: CallResult, call: CallInput, request_id: str) -> Response:
    """The HTTP answer of a successful call."""
    if result.file is not None:
        return file_response(tx, result, result.file)
    data = result.output if result.confirmed_by else bureau_data(tx, result.output)
    page = page_of(data, call.input)
    if page is not None:
        rows, pagination = page
        return GatewayJSONResponse(paged(rows, pagination, tx, request_id, msgid=result.msgid))
    return GatewayJSONResponse(
        success(data, tx, request_id, msgid=result.msgid, confirmed_by=result.confirmed_by)
    )
