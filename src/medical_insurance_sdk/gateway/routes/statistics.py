"""GET statistics/interface-calls (spec §3.5.2) and statistics/system-usage (§3.5.3), per institution.

    GET statistics/interface-calls?start_date=2025-07-01&end_date=2025-07-14&interface_type=person_info
    GET statistics/system-usage?days=30

Dates are Beijing dates, both included (default: the last 7 days).  Only the caller's institution's calls are
counted; the system part of system-usage gives counts only (active institutions, database size).
Permission: monitoring:access.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query

from medical_insurance_sdk.exceptions import DataValidationError, FieldError
from medical_insurance_sdk.gateway.audit.periods import Period, beijing_today, iso_utc
from medical_insurance_sdk.gateway.audit.recorder import audit_flushed
from medical_insurance_sdk.gateway.audit.statistics import interface_calls, system_usage
from medical_insurance_sdk.gateway.deps import DatabaseDep, RequestId
from medical_insurance_sdk.gateway.openapi import CommonResponse
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.rbac import require_permission
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, success
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.registry import API_PREFIX

DEFAULT_DAYS = 7
MAX_DAYS = 366
TAG = "数据查询与统计"
Monitor = Annotated[Caller, Depends(require_permission("monitoring:access"))]


def period_of(start_date: date | None, end_date: date | None, *, days: int = DEFAULT_DAYS) -> Period:
    """The Beijing days asked for (default: the last `days` days); 422 + 30003 when reversed or too long."""
    last = end_date or beijing_today()
    first = start_date or last - timedelta(days=days - 1)
    if first > last:
        raise DataValidationError([FieldError(30003, "start_date", "起始日期晚于结束日期")])
    if (last - first).days >= MAX_DAYS:
        raise DataValidationError([FieldError(30003, "start_date", f"统计区间最长 {MAX_DAYS} 天")])
    return Period.of_dates(first, last)


def _described(period: Period) -> dict[str, Any]:
    return {"start": iso_utc(period.start), "end": iso_utc(period.end)}


def statistics_router(settings: GatewaySettings) -> APIRouter:
    # statistics count the call log: the calls made so far must be in it
    router = APIRouter(prefix=API_PREFIX + "statistics", tags=[TAG], dependencies=[Depends(audit_flushed)])
    responses: dict[int | str, dict[str, Any]] = {200: {"model": CommonResponse}}

    @router.get(
        "/interface-calls",
        summary="接口调用统计",
        operation_id="interface_call_statistics",
        response_class=GatewayJSONResponse,
        responses=responses,
    )
    async def calls(
        caller: Monitor,
        database: DatabaseDep,
        request_id: RequestId,
        start_date: Annotated[date | None, Query(description="起始日期（北京时间，含）")] = None,
        end_date: Annotated[date | None, Query(description="结束日期（北京时间，含），默认今天")] = None,
        interface_type: Annotated[list[str] | None, Query(description="只统计这些接口")] = None,
    ) -> GatewayJSONResponse:
        """本机构各接口的调用次数、成功率与响应时间。"""
        period = period_of(start_date, end_date)
        data = await anyio.to_thread.run_sync(
            interface_calls, database, caller.institution.id, period, tuple(interface_type or ())
        )
        return GatewayJSONResponse(success({"period": _described(period), **data}, None, request_id))

    @router.get(
        "/system-usage",
        summary="系统使用统计",
        operation_id="system_usage_statistics",
        response_class=GatewayJSONResponse,
        responses=responses,
    )
    async def usage(
        caller: Monitor,
        database: DatabaseDep,
        request_id: RequestId,
        start_date: Annotated[date | None, Query(description="起始日期（北京时间，含）")] = None,
        end_date: Annotated[date | None, Query(description="结束日期（北京时间，含），默认今天")] = None,
        days: Annotated[
            int, Query(ge=1, le=MAX_DAYS, description="未给起始日期时统计最近几天")
        ] = DEFAULT_DAYS,
    ) -> GatewayJSONResponse:
        """本机构按类别与日期的调用量、成功率、p50/p95 响应时间与存储量；系统活跃机构数。"""
        period = period_of(start_date, end_date, days=days)
        data = await anyio.to_thread.run_sync(system_usage, database, caller.institution.id, period)
        return GatewayJSONResponse(success({"period": _described(period), **data}, None, request_id))

    return router
