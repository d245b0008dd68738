"""Health and monitoring (spec §3.6): health/check, monitoring/performance, monitoring/error-logs.

    GET health/check                  no authentication (load balancers, `curl` in §11.4); the §3.6.1 shape:
    {"status": "healthy", "timestamp": "2025-07-14T10:30:00Z",
     "checks": {"database": "ok", "redis": "ok", "medical_api": "ok", "file_storage": "ok"},
     "version": "1.0.0", "uptime": "15d 7h 23m"}

Each check is real and bounded by CHECK_TIMEOUT_S: the database answers `SELECT 1`; Redis (when REDIS_URL is
set, else "not_configured") answers PING; the bureau answers any HTTP response at all through the engine's
own client and transport; the file directory takes a file and gives it back.  A check answers "ok",
"not_configured" or "error: <what failed>".  Status: the database failing is "unhealthy" (HTTP 503: this
gateway can record nothing), any other failure "degraded" (HTTP 200: calls may still work), else "healthy".

monitoring/performance and monitoring/error-logs read the caller's institution's call log
(permission monitoring:access).
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from medical_insurance_sdk.answer_shapes import API_VERSION
from medical_insurance_sdk.gateway.audit.periods import utc_naive
from medical_insurance_sdk.gateway.audit.recorder import audit_flushed
from medical_insurance_sdk.gateway.audit.statistics import ErrorFilter, error_logs, performance
from medical_insurance_sdk.gateway.deps import DatabaseDep, RequestId
from medical_insurance_sdk.gateway.extensions import lifespan_hooks
from medical_insurance_sdk.gateway.openapi import CommonResponse
from medical_insurance_sdk.gateway.paging import MAX_PAGE
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.rbac import require_permission
from medical_insurance_sdk.gateway.responses import (
    GatewayJSONResponse,
    paged,
    pagination,
    success,
    utc_timestamp,
)
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState, gateway_state
from medical_insurance_sdk.gateway.tenancy import utcnow
from medical_insurance_sdk.registry import API_PREFIX

CHECK_TIMEOUT_S = 3.0
STARTED = "health.started"
OK = "ok"
NOT_CONFIGURED = "not_configured"
Monitor = Annotated[Caller, Depends(require_permission("monitoring:access"))]


def uptime_text(seconds: float) -> str:
    """15d 7h 23m"""
    minutes = int(seconds // 60)
    return f"{minutes // 1440}d {minutes % 1440 // 60}h {minutes % 60}m"


def _select_one(state: GatewayState) -> None:
    with state.database.session() as session:
        session.execute(text("SELECT 1"))


async def check_database(state: GatewayState) -> str:
    await anyio.to_thread.run_sync(_select_one, state)
    return OK


async def check_redis(state: GatewayState) -> str:
    url = state.settings.redis_url
    if not url:
        return NOT_CONFIGURED
    from redis.asyncio import Redis  # only needed with REDIS_URL

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S)
    try:
        await client.ping()
    finally:
        await client.aclose()
    return OK


async def check_bureau(state: GatewayState) -> str:
    # Any HTTP answer proves the bureau (or its gateway) is reachable; what it says to a bare GET is moot.
    base = state.settings.bureau_api_url or "http://sandbox.local/"
    await state.engine.client.get(base, timeout=CHECK_TIMEOUT_S)
    return OK


def _round_trip(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".health-", delete=True) as probe:
        probe.write(b"ok")
        probe.flush()


async def check_file_storage(state: GatewayState) -> str:
    await anyio.to_thread.run_sync(_round_trip, state.settings.files_root)
    return OK


CHECKS: dict[str, Callable[[GatewayState], Awaitable[str]]] = {
    "database": check_database,
    "redis": check_redis,
    "medical_api": check_bureau,
    "file_storage": check_file_storage,
}


async def run_checks(state: GatewayState) -> dict[str, str]:
    """Every check at once, each within CHECK_TIMEOUT_S."""
    results: dict[str, str] = {}

    async def run(name: str, check: Callable[[GatewayState], Awaitable[str]]) -> None:
        try:
            with anyio.fail_after(CHECK_TIMEOUT_S):
                results[name] = await check(state)
        except TimeoutError:
            results[name] = f"error: no answer within {CHECK_TIMEOUT_S:g}s"
        except Exception as exc:  # the check's whole point is to turn any failure into a report
            results[name] = f"error: {type(exc).__name__}"

    async with anyio.create_task_group() as group:
        for name, check in CHECKS.items():
            group.start_soon(run, name, check)
    return {name: results[name] for name in CHECKS}


def overall_status(checks: dict[str, str]) -> str:
    if checks["database"] != OK:
        return "unhealthy"
    return "degraded" if any(v not in (OK, NOT_CONFIGURED) for v in checks.values()) else "healthy"


def install_health(app: FastAPI, settings: GatewaySettings) -> None:
    """Note when the gateway started (the uptime of health/check)."""

    @asynccontextmanager
    async def started(state: GatewayState) -> AsyncIterator[None]:
        state.extras[STARTED] = time.monotonic()
        yield

    lifespan_hooks(app).append(started)


def health_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX.rstrip("/"), tags=["监控与健康检查"])
    monitor_responses: dict[int | str, dict[str, Any]] = {200: {"model": CommonResponse}}

    @router.get("/health/check", summary="系统健康检查", operation_id="health_check")
    async def health(request: Request) -> JSONResponse:
        """数据库、Redis、医保局接口、文件存储的实时检查；数据库不可用时 503。"""
        state = gateway_state(request)
        checks = await run_checks(state)
        status = overall_status(checks)
        started = state.extras.get(STARTED, time.monotonic())
        body = {
            "status": status,
            "timestamp": utc_timestamp(),
            "checks": checks,
            "version": API_VERSION,  # the API's version, the one every envelope carries (one source)
            "uptime": uptime_text(time.monotonic() - started),
        }
        return JSONResponse(body, status_code=503 if status == "unhealthy" else 200)

    @router.get(
        "/monitoring/performance",
        summary="系统性能监控",
        operation_id="monitoring_performance",
        dependencies=[Depends(audit_flushed)],  # it reads the call log
        response_class=GatewayJSONResponse,
        responses=monitor_responses,
    )
    async def monitoring_performance(
        caller: Monitor,
        database: DatabaseDep,
        request_id: RequestId,
        window_minutes: Annotated[int, Query(ge=1, le=10080, description="统计最近多少分钟")] = 60,
    ) -> GatewayJSONResponse:
        """本机构最近一段时间各接口的调用量、错误率、超时率与 p50/p95 响应时间（毫秒）。"""
        since = utcnow() - timedelta(minutes=window_minutes)
        rows = await anyio.to_thread.run_sync(performance, database, caller.institution.id, since)
        data = {"window_minutes": window_minutes, "interfaces": rows}
        return GatewayJSONResponse(success(data, None, request_id))

    @router.get(
        "/monitoring/error-logs",
        summary="错误日志查询",
        operation_id="monitoring_error_logs",
        dependencies=[Depends(audit_flushed)],  # it reads the call log
        response_class=GatewayJSONResponse,
        responses=monitor_responses,
    )
    async def monitoring_error_logs(
        caller: Monitor,
        database: DatabaseDep,
        request_id: RequestId,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 20,
        interface_type: str | None = None,
        error_code: str | None = None,
        since: Annotated[datetime | None, Query(description="起始时间（无时区即北京时间）")] = None,
        until: Annotated[datetime | None, Query(description="截止时间（不含）")] = None,
    ) -> GatewayJSONResponse:
        """本机构失败的调用，最新的在前，分页（§1.4）。"""
        where = ErrorFilter(
            interface_type=interface_type,
            error_code=error_code,
            since=utc_naive(since) if since else None,
            until=utc_naive(until) if until else None,
        )
        rows, total = await anyio.to_thread.run_sync(
            lambda: error_logs(database, caller.institution.id, where, page=page, page_size=page_size)
        )
        pages = math.ceil(total / page_size)
        return GatewayJSONResponse(
            paged(
                rows,
                pagination(total=total, page=page, page_size=page_size, total_pages=pages),
                None,
                request_id,
            )
        )

    return router
