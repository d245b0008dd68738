"""The gateway's answers as HTTP responses; their shapes (§1.3, §1.4, error) are `answer_shapes`.

    GatewayJSONResponse(success(data, tx, request_id, msgid=result.msgid))
    GatewayJSONResponse(error(exc, request_id, tx), status_code=exc.http_status)

The shape functions are re-exported here so that the routes keep one import; the SDK's in-process transport
uses the same functions, so both answer alike.  Amounts are written with their exact digits
(protocol.jsoncodec), never through float.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from medical_insurance_sdk.answer_shapes import (
    API_VERSION,
    PAGED_MESSAGE,
    REQUEST_ID_HEADER,
    SUCCESS_MESSAGE,
    accept_request_id,
    interface_info,
    new_request_id,
    paged,
    pagination,
    success,
    utc_timestamp,
)
from medical_insurance_sdk.answer_shapes import error_body as error
from medical_insurance_sdk.protocol import jsoncodec

__all__ = [
    "API_VERSION",
    "PAGED_MESSAGE",
    "REQUEST_ID_HEADER",
    "SUCCESS_MESSAGE",
    "GatewayJSONResponse",
    "accept_request_id",
    "error",
    "interface_info",
    "new_request_id",
    "paged",
    "pagination",
    "success",
    "utc_timestamp",
]


class GatewayJSONResponse(JSONResponse):
    """JSON with exact decimals and bureau date texts (jsoncodec), UTF-8, no ASCII escaping."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsoncodec.dumps(content)
