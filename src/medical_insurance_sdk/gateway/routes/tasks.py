"""Async task routes (spec §3.3); the work is in services/tasks.py and the executors.

    POST async/create-task              {"task_type": "transaction",
                                         "task_data": {"interface_type": "outpatient_settle", "data": {...}}}
                                        {"task_type": "batch", "task_data": {<a batch/data-upload body>}}
                                        {"task_type": "catalog_sync", "task_data": {"catalogs": ["1301"]}}
                                        → 202 + the task (task_id, status, progress)
    GET  async/task-status/{task_id}    status (pending / processing / completed / failed), progress %
    GET  async/task-result/{task_id}    completed: 200 + result · still running: 202, result null ·
                                        failed: the task's error code and status, the task as data

Another institution's task is 404 + 30007, as if it did not exist.  A task runs as the caller who created it,
admitted (role, interface switch, rate limits, concurrency) as a direct call would be; its result is read
only with the permission of every transaction it holds (403 + 10009: a data_analyst does not read a 1101).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from starlette.responses import Response

from medical_insurance_sdk.exceptions import MedicalInsuranceException, OutcomeUnknownError, exception_for
from medical_insurance_sdk.gateway.deps import CurrentCaller, RequestId, State
from medical_insurance_sdk.gateway.jobs_models import AsyncTask
from medical_insurance_sdk.gateway.policies.rbac import check_all
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, error, success
from medical_insurance_sdk.gateway.routes.batch import allow_for, read_json, submitted
from medical_insurance_sdk.gateway.services import batch as batches
from medical_insurance_sdk.gateway.services import tasks
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.protocol.result import kind_of
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY


def _with_batch(state: GatewayState, row: AsyncTask) -> dict[str, Any]:
    view = tasks.task_view(row)
    batch_log_id = (row.task_data or {}).get("batch_log_id")
    if batch_log_id is not None:
        view["batch"] = batches.batch_summary(state.database, batch_log_id)
    return view


def _permissions(state: GatewayState, row: AsyncTask) -> frozenset[str]:
    """The permissions of the transactions a task holds: its own, or those of its batch's operations."""
    view = tasks.task_view(row)
    if row.task_type == tasks.TRANSACTION:
        tx = REGISTRY.get(view["interface_type"] or "")
        return frozenset({tx.permission if tx is not None else "*"})  # unknown: the admin's only
    if view["batch_id"]:
        return batches.batch_permissions(state.database, row.institution_id, view["batch_id"])
    return frozenset()


def tasks_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX + "async", tags=["异步处理"])

    @router.post("/create-task", summary="创建异步任务（§3.3.1）", response_class=GatewayJSONResponse)
    async def create_task(
        request: Request, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> Response:
        """A transaction, a batch or a catalogue sync, run in the background; answers its task_id at once."""
        body = await read_json(request)
        accepted = await anyio.to_thread.run_sync(
            lambda: tasks.create_task(
                state.database,
                caller.institution.id,
                body,
                request.headers,
                allow=allow_for(caller),
                submitter=batches.Submitter.of(caller),
            )
        )
        await submitted(state, accepted)
        data = {**accepted.task, "duplicate": accepted.duplicate}
        if accepted.batch is not None:
            data["batch"] = accepted.batch
        message = "异步任务已创建" if not accepted.duplicate else "批次已存在，返回已有任务，未重复执行"
        return GatewayJSONResponse(success(data, None, request_id, message=message), status_code=202)

    @router.get(
        "/task-status/{task_id}", summary="查询异步任务状态（§3.3.2）", response_class=GatewayJSONResponse
    )
    async def task_status(
        task_id: str, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> Response:
        """Status and progress (%) of the caller's task; a batch task also shows its batch's counts."""
        view = await anyio.to_thread.run_sync(
            lambda: _with_batch(state, tasks.find_task(state.database, caller.institution.id, task_id))
        )
        return GatewayJSONResponse(success(view, None, request_id, message="查询成功"))

    @router.get(
        "/task-result/{task_id}", summary="获取异步任务结果（§3.3.3）", response_class=GatewayJSONResponse
    )
    async def task_result(
        task_id: str, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> Response:
        """The result of a finished task; 202 while it runs; a failed task answers its error."""
        row = await anyio.to_thread.run_sync(tasks.find_task, state.database, caller.institution.id, task_id)
        check_all(caller, await anyio.to_thread.run_sync(_permissions, state, row))
        data = {**tasks.task_view(row), "result": row.result}
        if row.status == "completed":
            return GatewayJSONResponse(success(data, None, request_id, message="任务已完成"))
        if row.status != "failed":
            return GatewayJSONResponse(success(data, None, request_id, message="任务处理中"), status_code=202)
        result = row.result if isinstance(row.result, dict) else {}
        # a transaction task's result, or the first failed operation of a batch task
        first = result.get("failed_operation")
        failed = first if isinstance(first, dict) else result
        outcome, infcode, msgid = failed.get("outcome"), failed.get("infcode"), failed.get("msgid")
        details: dict[str, Any] = {"outcome": outcome} if outcome else {}
        if isinstance(infcode, int):
            # as the transaction route answers it: a 5000x refusal keeps its infcode and kind
            details.update(infcode=infcode, kind=kind_of(infcode))
        exc: MedicalInsuranceException
        if outcome in ("unknown", "reversed"):
            # as the transaction route answers it: never "retry" for a call that may have settled
            exc = OutcomeUnknownError(
                row.error_message, outcome=outcome, code=row.error_code or 20005, msgid=msgid, details=details
            )
        else:
            exc = exception_for(
                row.error_code or 20003,
                row.error_message,
                details=details,
                infcode=infcode if isinstance(infcode, int) else None,
            )
        body = error(exc, request_id)
        body["data"] = data
        return GatewayJSONResponse(body, status_code=exc.http_status)

    return router
