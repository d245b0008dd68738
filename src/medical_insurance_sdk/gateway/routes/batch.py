"""Batch routes (spec §3.2); the work is in services/batch/ and services/tasks.py.

    POST batch/data-upload       {"batch_id": "BATCH20250714001",
                                  "operations": [{"interface_type": "outpatient_expense_upload",
                                                  "data": {...}, "sequence": 1}, ...],
                                  "options": {"stop_on_error": true, "max_concurrent": 5, "wait": 0}}
    POST batch/catalog-download  {"batch_id": "CAT20250714", "catalogs": ["1301", "1302"],
                                  "options": {"max_concurrent": 1, "wait": 0}}
    GET  batch/status/{batch_id}?page=1&page_size=100

Admission: the caller's role is checked for every operation when the batch is submitted, and each
operation passes `extensions.admitted` again when it runs, as its submitter — role, the institution's
interface switch, rate limits and concurrency, as a direct call would (a refusal is that operation's
outcome).  The status shows the operations' answers only to a caller with the permission of every
transaction the batch holds (403 + 10009 otherwise).

A submit answers 202 with the batch (its task_id included) once stored and handed to the executor, or
200 when it finished within `options.wait` seconds.  A batch_id the institution used before answers that
batch (`duplicate: true`) and runs nothing.  The status answers the counts and one page of operations in
sequence order, with §1.4's `pagination`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.gateway.deps import CurrentCaller, RequestId, State
from medical_insurance_sdk.gateway.executors import executor_of
from medical_insurance_sdk.gateway.inputs import parse_json_body
from medical_insurance_sdk.gateway.paging import MAX_PAGE
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.rbac import check_all, check_permission
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, success
from medical_insurance_sdk.gateway.services import batch as batches
from medical_insurance_sdk.gateway.services.tasks import CATALOG_PERMISSION, Accepted, create_batch_task
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.registry.policy import REQUEST_BODY_MAX_BYTES

WAIT_POLL_S = 0.2


async def read_json(request: Request) -> Any:
    """The JSON body with exact decimals (as the transaction routes read it); 10003 past §6.2.2's 50MB."""
    raw = await request.body()
    if len(raw) > REQUEST_BODY_MAX_BYTES:
        raise RequestError(
            f"请求数据过大: 请求体超过 {REQUEST_BODY_MAX_BYTES // (1024 * 1024)}MB", code=10003
        )
    return parse_json_body(raw)


def allow_for(caller: Caller) -> Callable[[str], None]:
    """The permission check services call for each transaction a job will send (403 + 10009)."""
    return lambda permission: check_permission(caller, permission)


async def submitted(state: GatewayState, accepted: Accepted) -> None:
    if not accepted.finished:
        # a repeated submit of an unfinished batch hands it over again: harmless, claims are atomic
        await executor_of(state).submit(accepted.task_id)


async def finished_batch(
    state: GatewayState, institution_id: int, batch_id: str, wait: float
) -> dict[str, Any]:
    """The batch view once it finished, or as it stands after `wait` seconds."""
    with anyio.move_on_after(wait):
        while True:
            view, _, _ = await anyio.to_thread.run_sync(
                lambda: batches.batch_status(state.database, institution_id, batch_id, page_size=1)
            )
            if view["status"] in batches.FINISHED_STATES:
                return view
            await anyio.sleep(WAIT_POLL_S)
    view, _, _ = await anyio.to_thread.run_sync(
        lambda: batches.batch_status(state.database, institution_id, batch_id, page_size=1)
    )
    return view


async def accept(
    state: GatewayState, caller: Caller, plan: batches.BatchPlan, request_id: str
) -> GatewayJSONResponse:
    institution_id = caller.institution.id
    accepted = await anyio.to_thread.run_sync(
        create_batch_task, state.database, institution_id, plan, batches.Submitter.of(caller)
    )
    await submitted(state, accepted)
    view = accepted.batch or {}
    if plan.wait > 0 and view.get("status") not in batches.FINISHED_STATES:
        view = await finished_batch(state, institution_id, plan.batch_id, plan.wait)
    done = view.get("status") in batches.FINISHED_STATES
    if accepted.duplicate:
        message = f"批次 {plan.batch_id} 已存在，返回已有批次，未重复执行"
    else:
        message = "批量操作已完成" if done else "批量操作已受理，处理中"
    data = {**view, "duplicate": accepted.duplicate}
    return GatewayJSONResponse(
        success(data, None, request_id, message=message), status_code=200 if done else 202
    )


def batch_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX + "batch", tags=["批量操作"])

    @router.post("/data-upload", summary="批量数据上传（§3.2.1）", response_class=GatewayJSONResponse)
    async def data_upload(
        request: Request, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> Response:
        """Several transactions in one job: in sequence per visit, up to max_concurrent at once (≤ 10,000)."""
        body = await read_json(request)
        plan = batches.plan_data_upload(body, request.headers, allow=allow_for(caller))
        return await accept(state, caller, plan, request_id)

    @router.post("/catalog-download", summary="批量目录下载（§3.2.2）", response_class=GatewayJSONResponse)
    async def catalog_download(
        request: Request, caller: CurrentCaller, state: State, request_id: RequestId
    ) -> Response:
        """Several 13xx catalogues in one job, each synced incrementally into the local catalogue."""
        check_permission(caller, CATALOG_PERMISSION)
        plan = batches.plan_catalog_download(await read_json(request))
        return await accept(state, caller, plan, request_id)

    @router.get(
        "/status/{batch_id}", summary="批量操作状态查询（§3.2.3）", response_class=GatewayJSONResponse
    )
    async def status(
        batch_id: str,
        caller: CurrentCaller,
        state: State,
        request_id: RequestId,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response:
        """Counts, progress and one page of operations (outcome, error code, msgid) of the caller's batch."""
        view, operations, pages = await anyio.to_thread.run_sync(
            lambda: batches.batch_status(
                state.database, caller.institution.id, batch_id, page=page, page_size=page_size
            )
        )
        permissions = await anyio.to_thread.run_sync(
            batches.batch_permissions, state.database, caller.institution.id, batch_id
        )
        check_all(caller, permissions)
        body = success({**view, "operations": operations}, None, request_id, message="查询成功")
        body["pagination"] = pages
        return GatewayJSONResponse(body)

    return router
