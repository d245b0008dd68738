"""The gateway's own endpoints (spec §3.2–§3.5) as SDK methods: batches, async tasks, files, universal query.

    result = sdk.submit_batch(operations, batch_id="BATCH20250714001")   # BatchResult, run by the gateway
    print(f"批量操作: {result.success_count}/{result.total_count} 成功")
    task = sdk.create_task("transaction", {"interface_type": "outpatient_settle", "data": {...}})
    done = sdk.wait_task(task.task_id)                 # TaskInfo with .result; a failed task is raised
    info = sdk.upload_file("his/fees.csv")             # FileInfo(file_id, sha256, size …)
    fees = sdk.parse_file(info.file_id, kind="fee_list", defaults={"mdtrt_id": …, "psn_no": …})
    sdk.download_file(info.file_id, "copy.csv")
    rows = sdk.universal_query("call_log", filters={"interface_type": ["outpatient_settle"]})

`batch_upload` (lib/plans.py) runs a batch in the SDK, one call after the other; `submit_batch` hands it to
the gateway (§3.2.1): ordered per visit, up to max_concurrent at once, resumable, and a repeated batch_id
answers the first run.  Each method here is one plan over the core's two effects (send, sleep), made into
blocking, `*_async` and AsyncMedicalInsuranceSDK methods by spec_api's `sync_op` / `async_op`, as the
spec's other methods are.  These endpoints are the gateway's: in-process mode (no api_base_url) has none.

Requests go through the core's one request loop (`Core.send`) and the one error mapping (`_answers`), as the
transaction calls do.  Retry: reads (status, result, parse, download, query) are asked again when the
answer was lost or the gateway failed; a batch submit too (the gateway answers a repeated batch_id with the
first run); creating a task or uploading a file only when the request never left, as for write
transactions — a lost answer to them is an OutcomeUnknownError (retry False).  A failed task raises its
operation's error, and a batch item's `exception` is that operation's: an unknown money outcome is an
OutcomeUnknownError there too, never an error with retry True.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import httpx
from pydantic import BaseModel, ConfigDict

from medical_insurance_sdk.exceptions import exception_for
from medical_insurance_sdk.protocol.jsoncodec import dumps
from medical_insurance_sdk.registry import REGISTRY, Safety
from medical_insurance_sdk.sdk._answers import operation_error
from medical_insurance_sdk.sdk._core import USER_AGENT, Core, Flow, Sleep, new_request_id
from medical_insurance_sdk.sdk._results import BatchItem, BatchResult, result_class
from medical_insurance_sdk.sdk.lib.plans import PlanContext
from medical_insurance_sdk.sdk.lib.spec_api import async_op, sync_op

FINISHED = ("completed", "failed")
SERVER_WAIT_S = 60  # the gateway waits at most this long inside one submit (§3.2 options.wait)
PAGE = 1000  # operations fetched per status page
Upload = str | os.PathLike[str] | bytes | IO[bytes]


class GatewayAnswer(BaseModel):
    """One answer of the gateway's own endpoints: `data` and, for pages, §1.4's `pagination`."""

    model_config = ConfigDict(frozen=True)

    data: Any = None
    message: str | None = None
    request_id: str | None = None
    pagination: Mapping[str, Any] | None = None
    status_code: int = 200
    content: bytes | None = None  # file/download
    filename: str | None = None


class TaskInfo(BaseModel):
    """An async task (§3.3): status pending / processing / completed / failed, progress in %."""

    model_config = ConfigDict(frozen=True, extra="allow")

    task_id: str
    task_type: str | None = None
    status: str
    progress: int = 0
    attempts: int = 0
    batch_id: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    result: Any = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class FileInfo(BaseModel):
    """A file kept by the gateway (§3.4)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    file_id: str
    filename: str
    size: int
    sha256: str
    content_type: str | None = None


# ----------------------------------------------------------------------------------------- exchange


def _headers(core: Core, request_id: str) -> dict[str, str]:
    config = core.config
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT, "X-Request-ID": request_id}
    if config.api_key:
        headers["X-API-Key"] = config.api_key
    if config.institution_code:
        headers["X-Institution-Code"] = config.institution_code
    if config.jwt_token:
        headers["Authorization"] = f"Bearer {config.jwt_token}"
    return headers


def _request(
    core: Core,
    method: str,
    path: str,
    request_id: str,
    attempt: int,
    *,
    body: Any = None,
    params: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
) -> httpx.Request:
    headers = _headers(core, request_id)
    headers["X-Retry-Count"] = str(attempt - 1)
    timeout = httpx.Timeout(
        core.config.timeout, connect=min(core.config.connect_timeout, core.config.timeout)
    )
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
        content = dumps(body)  # exact decimals, as the transaction calls send them
    return httpx.Request(
        method,
        core.base_url + path,
        headers=headers,
        params=dict(params or {}),
        content=content,
        files=files,
        extensions={"timeout": timeout.as_dict()},
    )


def exchange(
    core: Core, safety: Safety, make: Callable[[str, int], httpx.Request], *, file: bool = False
) -> Flow[GatewayAnswer]:
    """`make(request_id, attempt)` sent by the core's one request loop, its errors mapped by the one
    mapping (`_answers`): a write (task creation, upload) whose answer was lost is an OutcomeUnknownError."""
    request_id = new_request_id()
    answer = yield from core.send(
        lambda attempt: make(request_id, attempt), safety=safety, request_id=request_id, file=file
    )
    return GatewayAnswer(
        data=answer.data,
        message=answer.message,
        request_id=answer.request_id,
        pagination=answer.pagination,
        status_code=answer.status,
        content=answer.content,
        filename=answer.filename,
    )


def _get(
    core: Core, path: str, params: Mapping[str, Any] | None = None, *, file: bool = False
) -> Flow[GatewayAnswer]:
    return exchange(
        core, Safety.QUERY, lambda rid, n: _request(core, "GET", path, rid, n, params=params), file=file
    )


def _post(core: Core, path: str, body: Any, safety: Safety) -> Flow[GatewayAnswer]:
    return exchange(core, safety, lambda rid, n: _request(core, "POST", path, rid, n, body=body))


# -------------------------------------------------------------------------------------------- batches


def submit_batch(
    ctx: PlanContext,
    /,
    operations: Sequence[Mapping[str, Any]],
    *,
    batch_id: str | None = None,
    stop_on_error: bool = True,
    max_concurrent: int = 5,
    timeout: float = 300.0,
    poll: float = 1.0,
) -> Flow[BatchResult]:
    """【§3.2.1】The operations as one gateway batch; waits for its end and answers every operation.

    result = sdk.submit_batch([{"interface_type": "outpatient_settle", "data": {...}, "sequence": 1}])

    Operations give the bureau's data (node form or a single node's flat fields).  The same batch_id sent
    again answers the first run (nothing runs twice); 20005 when it has not ended within `timeout`.
    """
    batch_id = batch_id or f"BATCH{time.strftime('%Y%m%d%H%M%S')}{uuid.uuid4().hex[:8].upper()}"
    options = {
        "stop_on_error": stop_on_error,
        "max_concurrent": max_concurrent,
        "wait": min(timeout, SERVER_WAIT_S),
    }
    body = {"batch_id": batch_id, "operations": list(operations), "options": options}
    # idempotent by batch_id: a lost answer may be asked again like a read
    answer = yield from _post(ctx.core, "batch/data-upload", body, Safety.QUERY)
    view: Mapping[str, Any] = answer.data or {}
    deadline = time.monotonic() + timeout
    while view.get("status") not in FINISHED:
        if time.monotonic() >= deadline:
            # still running at the gateway: wait or ask batch_status, never submit it anew
            raise exception_for(
                20005, f"批次 {batch_id} 在 {timeout:g} 秒内未完成，可用 batch_status 查询进度", retry=False
            )
        yield Sleep(poll)
        view = (yield from _get(ctx.core, f"batch/status/{batch_id}", {"page_size": 1})).data
    items: list[BatchItem] = []
    page = 1
    while True:
        answer = yield from _get(ctx.core, f"batch/status/{batch_id}", {"page": page, "page_size": PAGE})
        items.extend(_item(op, answer.request_id or "") for op in answer.data.get("operations", []))
        if not (answer.pagination or {}).get("has_next"):
            break
        page += 1
    return BatchResult(batch_id=batch_id, items=tuple(items), stopped_early=view.get("skipped_count", 0) > 0)


def _item(op: Mapping[str, Any], request_id: str) -> BatchItem:
    success = op.get("status") == "success"
    result = None
    if success and op.get("infno") in REGISTRY:
        result = result_class(op["infno"]).build(op["infno"], op.get("output"), msgid=op.get("msgid"))
    error = None if success else f"{op.get('status')}: {op.get('error_message') or ''}".strip()
    return BatchItem(
        sequence=int(op.get("sequence") or 0),
        interface_type=str(op.get("interface_type") or ""),
        infno=op.get("infno"),
        success=success,
        result=result,
        error_code=op.get("error_code"),
        error=error,
        exception=None if success else operation_error(op, request_id),
    )


def batch_status(
    ctx: PlanContext, /, batch_id: str, *, page: int = 1, page_size: int = 100
) -> Flow[GatewayAnswer]:
    """【§3.2.3】Counts, progress and one page of operations of a batch (status, error code, msgid)."""
    return (yield from _get(ctx.core, f"batch/status/{batch_id}", {"page": page, "page_size": page_size}))


def download_catalogs(
    ctx: PlanContext, /, catalogs: Sequence[str] = (), *, batch_id: str | None = None, wait: float = 0
) -> Flow[GatewayAnswer]:
    """【§3.2.2】Sync several 13xx catalogues into the gateway's catalogue tables, as one batch."""
    body = {"batch_id": batch_id, "catalogs": list(catalogs), "options": {"wait": min(wait, SERVER_WAIT_S)}}
    return (
        yield from _post(
            ctx.core, "batch/catalog-download", {k: v for k, v in body.items() if v is not None}, Safety.QUERY
        )
    )


# ---------------------------------------------------------------------------------------------- tasks


def create_task(
    ctx: PlanContext, /, task_type: str, task_data: Mapping[str, Any] | None = None, **fields: Any
) -> Flow[TaskInfo]:
    """【§3.3.1】A transaction, batch or catalogue sync run in the background; answers its task at once.

    task = sdk.create_task("transaction", interface_type="outpatient_settle", data={...})
    """
    body = {"task_type": task_type, "task_data": {**(task_data or {}), **fields}}
    answer = yield from _post(ctx.core, "async/create-task", body, Safety.WRITE)
    return TaskInfo.model_validate(answer.data)


def task_status(ctx: PlanContext, /, task_id: str) -> Flow[TaskInfo]:
    """【§3.3.2】Status and progress (%) of a task."""
    return TaskInfo.model_validate((yield from _get(ctx.core, f"async/task-status/{task_id}")).data)


def task_result(ctx: PlanContext, /, task_id: str) -> Flow[TaskInfo]:
    """【§3.3.3】The finished task with its `result`; still running: result None; failed: its error raised."""
    return TaskInfo.model_validate((yield from _get(ctx.core, f"async/task-result/{task_id}")).data)


def wait_task(
    ctx: PlanContext, /, task_id: str, *, timeout: float = 300.0, poll: float = 1.0
) -> Flow[TaskInfo]:
    """Poll a task until it ends, then its result (a failed task raises its error)."""
    deadline = time.monotonic() + timeout
    while not (yield from task_status(ctx, task_id)).finished:
        if time.monotonic() >= deadline:
            # still running at the gateway: wait again (task_status), never create it anew
            raise exception_for(20005, f"任务 {task_id} 在 {timeout:g} 秒内未完成", retry=False)
        yield Sleep(poll)
    return (yield from task_result(ctx, task_id))


# ---------------------------------------------------------------------------------------------- files


def upload_file(ctx: PlanContext, /, file: Upload, filename: str | None = None) -> Flow[FileInfo]:
    """【§3.4.1】Upload a file (a path, bytes or a binary file object); the gateway keeps it checksummed."""
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        name = filename or path.name

        def make(request_id: str, attempt: int) -> httpx.Request:
            # a fresh handle per attempt: httpx streams it, so a large file is never read into memory
            return _request(
                ctx.core, "POST", "file/upload", request_id, attempt, files={"file": (name, path.open("rb"))}
            )

    else:
        content = file if isinstance(file, bytes) else file.read()
        name = filename or getattr(file, "name", None) or "upload.bin"

        def make(request_id: str, attempt: int) -> httpx.Request:
            return _request(
                ctx.core,
                "POST",
                "file/upload",
                request_id,
                attempt,
                files={"file": (Path(name).name, content)},
            )

    answer = yield from exchange(ctx.core, Safety.WRITE, make)
    return FileInfo.model_validate(answer.data)


def parse_file(
    ctx: PlanContext, /, file_id: str, kind: str | None = None, **options: Any
) -> Flow[GatewayAnswer]:
    """【§3.4.2】Parse a stored file: catalog (infno=), 3202_detail, or fee_list (CSV/XLSX → feedetail).

    fees = sdk.parse_file(file_id, kind="fee_list", defaults={"mdtrt_id": ..., "psn_no": ...})
    fees.data["rows"], fees.data["errors"]   # good rows of the page; bad ones by row number and code
    """
    body = {"file_id": file_id, **({"kind": kind} if kind else {}), **options}
    return (yield from _post(ctx.core, "file/parse", body, Safety.QUERY))


def download_file(
    ctx: PlanContext, /, file_id: str, dest: str | os.PathLike[str] | None = None
) -> Flow[bytes | Path]:
    """【§3.4.3】A stored file's bytes, or written to `dest` (then its path)."""
    answer = yield from _get(ctx.core, f"file/download/{file_id}", file=True)
    content = answer.content or b""
    if dest is None:
        return content
    target = Path(dest)
    target.write_bytes(content)
    return target


# ---------------------------------------------------------------------------------------------- query


def universal_query(
    ctx: PlanContext,
    /,
    query_type: str,
    filters: Mapping[str, Any] | None = None,
    *,
    page: int = 1,
    page_size: int = 20,
    sort: Sequence[Mapping[str, Any]] | None = None,
) -> Flow[GatewayAnswer]:
    """【§3.5.1】The institution's stored interface data or call log, filtered, sorted and paged."""
    body: dict[str, Any] = {
        "query_type": query_type,
        "filters": dict(filters or {}),
        "pagination": {"page": page, "page_size": page_size},
    }
    if sort:
        body["sort"] = [dict(s) for s in sort]
    return (yield from _post(ctx.core, "query/universal", body, Safety.QUERY))


# --------------------------------------------------------------------------------------------- mixins


class GeneralAPI:
    """For MedicalInsuranceSDK: every method blocking, plus its `*_async` twin.

    Each `*_async` line comes first: until the class binds a name, the name in its body is the module's
    plan; after `x = sync_op(x)` it would be the wrapped method.
    """

    submit_batch_async = async_op(submit_batch)
    submit_batch = sync_op(submit_batch)
    batch_status_async = async_op(batch_status)
    batch_status = sync_op(batch_status)
    download_catalogs_async = async_op(download_catalogs)
    download_catalogs = sync_op(download_catalogs)
    create_task_async = async_op(create_task)
    create_task = sync_op(create_task)
    task_status_async = async_op(task_status)
    task_status = sync_op(task_status)
    task_result_async = async_op(task_result)
    task_result = sync_op(task_result)
    wait_task_async = async_op(wait_task)
    wait_task = sync_op(wait_task)
    upload_file_async = async_op(upload_file)
    upload_file = sync_op(upload_file)
    parse_file_async = async_op(parse_file)
    parse_file = sync_op(parse_file)
    download_file_async = async_op(download_file)
    download_file = sync_op(download_file)
    universal_query_async = async_op(universal_query)
    universal_query = sync_op(universal_query)


class AsyncGeneralAPI:
    """For AsyncMedicalInsuranceSDK: the same methods as coroutines."""

    submit_batch = async_op(submit_batch)
    batch_status = async_op(batch_status)
    download_catalogs = async_op(download_catalogs)
    create_task = async_op(create_task)
    task_status = async_op(task_status)
    task_result = async_op(task_result)
    wait_task = async_op(wait_task)
    upload_file = async_op(upload_file)
    parse_file = async_op(parse_file)
    download_file = async_op(download_file)
    universal_query = async_op(universal_query)
