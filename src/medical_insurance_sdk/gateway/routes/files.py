"""File routes (spec §3.4); the work is in services/files.py and services/fee_import.py.

    POST file/upload               multipart/form-data, field `file` (.zip .txt .tsv .csv .xlsx .json,
                                   ≤ 500MB) → 201 + {file_id, filename, size, sha256, content_type}
    POST file/parse                {"file_id": "F…", "kind": "fee_list", "infno": "2204",
                                    "defaults": {"mdtrt_id": "…", "psn_no": "…"}, "page": 1, "page_size": 100}
                                   → the page's rows, the bad rows by number, counts, §1.4 pagination
    GET  file/download/{file_id}   the bytes, with X-Checksum-SHA256 (checked before they are sent)

Permissions (§7.2): file:upload to upload and parse, file:download to download.  Another institution's
file is 40001, as if it did not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import iterate_in_threadpool
from starlette.responses import Response, StreamingResponse

from medical_insurance_sdk.exceptions import FileError
from medical_insurance_sdk.gateway.deps import CurrentCaller, RequestId, State
from medical_insurance_sdk.gateway.extensions import Admission, Gate, admitted
from medical_insurance_sdk.gateway.policies.rbac import require_permission
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, success
from medical_insurance_sdk.gateway.routes.batch import read_json
from medical_insurance_sdk.gateway.services import files
from medical_insurance_sdk.gateway.services.batch import validated
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.registry import API_PREFIX

# admitted like a transaction: the file_upload rate (spec §6.2.1: 20 a minute) and concurrency class
FILE_UPLOAD = Gate("file_upload", "file:upload", "file_upload", "file_upload")
# multipart framing around the file: boundaries and part headers never come near this
MULTIPART_OVERHEAD = 64 * 1024


def files_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX + "file", tags=["文件处理"])
    limit = settings.upload_max_bytes

    @router.post(
        "/upload",
        summary="文件上传处理（§3.4.1）",
        response_class=GatewayJSONResponse,
        dependencies=[Depends(require_permission("file:upload"))],
    )
    async def upload(
        request: Request, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> Response:
        """Store one file (multipart field `file`), streamed to disk and checksummed."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
            raise FileError(f"文件大小超限: 上传文件不能超过 {limit // (1024 * 1024)}MB", code=40003)
        root = state.settings.files_root
        code = caller.institution_code
        async with admitted(state, Admission(None, caller, gate=FILE_UPLOAD)):
            received = await files.receive_upload(
                request.stream(), request.headers.get("content-type"), spool=root / code, limit=limit
            )
        view = await anyio.to_thread.run_sync(
            files.store_upload, state.database, root, caller.institution.id, code, received
        )
        return GatewayJSONResponse(success(view, None, request_id, message="文件上传成功"), status_code=201)

    @router.post(
        "/parse",
        summary="文件解析（§3.4.2）",
        response_class=GatewayJSONResponse,
        dependencies=[Depends(require_permission("file:upload"))],
    )
    async def parse(request: Request, caller: CurrentCaller, state: State, request_id: RequestId) -> Response:
        """Catalogue zip/TSV, 3202 files, or a HIS fee list as feedetail rows, with every bad row named."""
        spec = validated(files.ParseIn, await read_json(request))

        def work() -> dict[str, Any]:
            path, row = files.checked_file(
                state.database, state.settings.files_root, caller.institution.id, spec.file_id
            )
            with files.plain_copy(state.database, path, row) as plain:  # sealed on disk
                return files.parse_stored(plain, row, spec)

        parsed = await anyio.to_thread.run_sync(work)
        pages = parsed.pop("pagination")
        body = success(parsed, None, request_id, message="解析完成")
        body["pagination"] = pages
        return GatewayJSONResponse(body)

    @router.get(
        "/download/{file_id}",
        summary="文件下载（§3.4.3）",
        dependencies=[Depends(require_permission("file:download"))],
    )
    async def download(file_id: str, caller: CurrentCaller, state: State) -> Response:
        """The stored bytes, once their checksum still matches (40008 otherwise)."""
        path, row = await anyio.to_thread.run_sync(
            files.checked_file, state.database, state.settings.files_root, caller.institution.id, file_id
        )
        headers = {
            "X-Checksum-SHA256": row.sha256,
            "ETag": f'"{row.sha256}"',
            "Content-Length": str(row.size),
            "Content-Disposition": f"attachment; filename*=utf-8''{quote(row.filename)}",
        }
        # sealed on disk (spec §7.3.1): the plaintext is streamed as it is opened, chunk by chunk
        chunks = iterate_in_threadpool(files.plain_chunks(state.database, path, row))
        return StreamingResponse(chunks, media_type=row.content_type, headers=headers)

    return router
