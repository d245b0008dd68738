"""The spec's `file_info` block of a catalogue download answer (spec §2.1.3), beside the bureau fields.

A 13xx catalogue call answers where its file lies (file_qury_no, filename, dld_end_time, data_cnt); the spec's
answer also shows the file's size, a URL to fetch it and the first rows:

    {"file_qury_no": "FQ1", "filename": "1301_20250714.zip", "dld_end_time": "2025-07-15", "data_cnt": 15000,
     "file_info": {"file_qury_no": "FQ1", "filename": …, "dld_end_time": …, "data_cnt": 15000,
                   "file_size": 52428800, "file_url": "/api/v1/medical-insurance/other/file-download?…"},
     "preview_data": [{"med_list_codg": …, …}, …]}

The gateway fetches the file once (9102, as the caller, when the caller's role may download files and the
file has at most PREVIEW_MAX_ROWS rows) to tell its size and first rows; `file_url` is the 9102 route the
caller fetches the file itself with (its own key, its own permissions).  A caller without the download
permission, a larger file, or a download that fails still gets the block, with `file_size` null and no
preview rows: the catalogue call itself succeeded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from itertools import islice
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread

from medical_insurance_sdk.engine.calls import CallResult
from medical_insurance_sdk.engine.engine import AsyncBureauEngine
from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.gateway.inputs import CallInput
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.protocol.catalog_file import BadRow, iter_rows
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.registry import REGISTRY, Transaction

FILE_DOWNLOAD_INFNO = "9102"
PREVIEW_ROWS = 10
# A larger file is not fetched for its size and preview: a full catalogue (a million rows, hundreds of MB)
# would cost the bureau and this process a whole second download on every call.  Its block says so.
PREVIEW_MAX_ROWS = 50_000
_BUREAU_FIELDS = ("file_qury_no", "filename", "dld_end_time", "data_cnt")

log = logging.getLogger(__name__)


def has_file_info(tx: Transaction, result: CallResult) -> bool:
    """A catalogue download (a 13xx with a file layout) whose answer names a file."""
    output = result.output
    return (
        tx.infno in LAYOUTS
        and result.confirmed_by is None
        and isinstance(output, Mapping)
        and bool(output.get("file_qury_no"))
        and bool(output.get("filename"))
    )


def file_url(file_qury_no: str, filename: str, fixmedins_code: str) -> str:
    """The gateway route (9102) that downloads the file, with its query."""
    route = REGISTRY[FILE_DOWNLOAD_INFNO].route
    query = urlencode({"file_qury_no": file_qury_no, "filename": filename, "fixmedins_code": fixmedins_code})
    return f"{route.full_path}?{query}"


def preview_rows(content: bytes, infno: str, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """The first `limit` good rows of a catalogue file, as {column: text} without empty columns."""
    good = (row for row in iter_rows(content, LAYOUTS[infno]) if not isinstance(row, BadRow))
    return [{k: v for k, v in row.values.items() if v is not None} for row in islice(good, limit)]


def _small(data_cnt: Any) -> bool:
    try:
        return int(str(data_cnt)) <= PREVIEW_MAX_ROWS
    except ValueError:
        return False  # unknown size: do not download it twice


async def file_info(
    tx: Transaction,
    result: CallResult,
    call: CallInput,
    caller: Caller,
    engine: AsyncBureauEngine,
    request_id: str,
) -> dict[str, Any]:
    """`{"file_info": {…}, "preview_data": […]}` for a catalogue download answer (see the module doc)."""
    output: Mapping[str, Any] = result.output
    institution = caller.config
    fs_in = institution.profile.download_input(
        tx.infno,
        file_qury_no=str(output["file_qury_no"]),
        filename=str(output["filename"]),
        fixmedins_code=institution.code,
    )
    info: dict[str, Any] = {name: output.get(name) for name in _BUREAU_FIELDS}
    info["file_size"] = None
    info["file_url"] = file_url(fs_in["file_qury_no"], fs_in["filename"], fs_in["fixmedins_code"])
    preview: list[dict[str, Any]] = []
    download = REGISTRY[FILE_DOWNLOAD_INFNO]
    if not _small(output.get("data_cnt")):
        info["preview_skipped"] = f"文件超过 {PREVIEW_MAX_ROWS} 行，请用 file_url 下载"
    elif caller.role.allows(download.permission):
        try:
            answer = await engine.call(
                download.infno,
                {"fsDownloadIn": fs_in},
                institution=institution,
                operator=call.operator,
                operator_name=call.operator_name,
                request_id=request_id,
            )
        except MedicalInsuranceException as exc:
            log.info("file_info of %s: 9102 download failed: %s", tx.infno, exc.message)
        else:
            if answer.file is not None:
                content = answer.file.content
                info["file_size"] = len(content)
                try:
                    preview = await anyio.to_thread.run_sync(preview_rows, content, tx.infno)
                except MedicalInsuranceException as exc:  # a damaged file: size known, no preview
                    log.info("file_info of %s: file unreadable: %s", tx.infno, exc.message)
    return {"file_info": info, "preview_data": preview}
