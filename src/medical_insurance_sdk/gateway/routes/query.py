"""POST query/universal (spec §3.5.1): the caller's stored interface data or call log, filtered and paged.

    {"query_type": "interface_data",
     "filters": {"interface_type": ["person_info"], "data_status": "active",
                 "date_range": {"start": "2025-07-01", "end": "2025-07-14"}},
     "pagination": {"page": 1, "page_size": 20},
     "sort": [{"field": "created_at", "order": "desc"}]}

Filters: interface_type, infno (one or a list), category and date_range (Beijing dates, both included, or
datetimes) for both tables; data_status, data_type, business_key for interface_data; success, error_code,
request_id, msgid for call_log.  A filter of the other table, or a sort field off the whitelist, is refused
with 422 + 30003.  Rows are always the caller's institution's; the answer is paged as §1.4 says.
Permission: info:query.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from medical_insurance_sdk.exceptions import DataValidationError, FieldError
from medical_insurance_sdk.gateway.audit.periods import day_start, utc_naive
from medical_insurance_sdk.gateway.audit.queries import FILTERS, SORTABLE, UniversalQuery, universal_query
from medical_insurance_sdk.gateway.audit.recorder import audit_flushed
from medical_insurance_sdk.gateway.deps import DatabaseDep, RequestId
from medical_insurance_sdk.gateway.extensions import Admission, Gate, admitted
from medical_insurance_sdk.gateway.openapi import CommonResponse
from medical_insurance_sdk.gateway.paging import MAX_PAGE
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.rbac import readable_infnos, require_permission
from medical_insurance_sdk.gateway.responses import GatewayJSONResponse, paged, pagination
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import gateway_state
from medical_insurance_sdk.registry import API_PREFIX

MAX_PAGE_SIZE = 100
TAG = "数据查询与统计"


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # date first: "2025-07-14" is a whole (Beijing) day, not the instant at its midnight
    start: date | datetime | None = Field(default=None, examples=["2025-07-01"])
    end: date | datetime | None = Field(default=None, examples=["2025-07-14"])


class QueryFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interface_type: list[str] | str | None = Field(default=None, examples=[["person_info", "drug_catalog"]])
    infno: list[str] | str | None = None
    category: str | None = None
    date_range: DateRange | None = None
    data_status: str | None = Field(default=None, examples=["active"])
    data_type: str | None = None
    business_key: str | None = None
    # interface_data whose input carried this ID number: matched by its keyed blind index, never stored
    certno: str | None = Field(default=None, min_length=1, max_length=30)
    success: bool | None = None
    error_code: str | None = None
    request_id: str | None = None
    msgid: str | None = None


class PageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class SortField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    order: Literal["asc", "desc"] = "desc"


class UniversalQueryRequest(BaseModel):
    """The body of POST query/universal (spec §3.5.1)."""

    model_config = ConfigDict(extra="forbid")

    query_type: Literal["interface_data", "call_log"]
    filters: QueryFilters = Field(default_factory=QueryFilters)
    pagination: PageRequest = Field(default_factory=PageRequest)
    sort: list[SortField] = Field(default_factory=list, max_length=3)


def _texts(value: list[str] | str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _start(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    try:
        return utc_naive(value) if isinstance(value, datetime) else day_start(value)
    except OverflowError:  # 0001-01-01 in Beijing time is before the first UTC instant: no lower bound
        return None if value.year < MAXYEAR else datetime.max


def _end(value: datetime | date | None) -> datetime | None:
    """Exclusive: a date includes its whole day, a datetime is the instant itself."""
    if value is None:
        return None
    try:
        return utc_naive(value) if isinstance(value, datetime) else day_start(value + timedelta(days=1))
    except OverflowError:  # 9999-12-31 has no next day: no upper bound
        return None if value.year > MINYEAR else datetime.min


def to_query(body: UniversalQueryRequest) -> UniversalQuery:
    """The validated query; 422 + 30003 naming every misplaced filter and unknown sort field."""
    kind = body.query_type
    problems: list[FieldError] = []
    equals: list[tuple[str, Any]] = []
    for name in (n for names in FILTERS.values() for n in names):
        value = getattr(body.filters, name)
        if value is None:
            continue
        if name not in FILTERS[kind]:
            problems.append(FieldError(30003, f"filters.{name}", f"query_type={kind} 不支持该过滤条件"))
        else:
            equals.append((name, value))
    for index, sort in enumerate(body.sort):
        if sort.field not in SORTABLE[kind]:
            allowed = ", ".join(SORTABLE[kind])
            problems.append(FieldError(30003, f"sort.{index}.field", f"可排序字段: {allowed}"))
    if problems:
        raise DataValidationError(problems)
    dates = body.filters.date_range or DateRange()
    return UniversalQuery(
        query_type=kind,
        interface_types=_texts(body.filters.interface_type),
        infnos=_texts(body.filters.infno),
        category=body.filters.category,
        equals=tuple(equals),
        start=_start(dates.start),
        end=_end(dates.end),
        page=body.pagination.page,
        page_size=body.pagination.page_size,
        sort=tuple((s.field, s.order == "desc") for s in body.sort),
    )


# admitted like a transaction: the data_query rate (spec §6.2.1) and the query concurrency class
UNIVERSAL_QUERY = Gate("universal_query", "info:query", "data_query", "query")


def query_router(settings: GatewaySettings) -> APIRouter:
    # the caller reads the call log: its own latest calls must be in it
    router = APIRouter(prefix=API_PREFIX + "query", tags=[TAG], dependencies=[Depends(audit_flushed)])

    @router.post(
        "/universal",
        summary="通用数据查询",
        operation_id="universal_query",
        response_class=GatewayJSONResponse,
        responses={200: {"model": CommonResponse, "description": "分页响应（§1.4）"}},
    )
    async def universal(
        request: Request,
        body: UniversalQueryRequest,
        caller: Annotated[Caller, Depends(require_permission("info:query"))],
        database: DatabaseDep,
        request_id: RequestId,
    ) -> GatewayJSONResponse:
        """查询本机构已存储的接口数据（interface_data）或调用日志（call_log），分页、排序。"""
        query = to_query(body)
        readable = readable_infnos(caller.role)  # only the rows of transactions the role may call
        if readable is not None:
            wanted = readable & set(query.infnos) if query.infnos else readable
            query = replace(query, infnos=tuple(sorted(wanted)))
        async with admitted(gateway_state(request), Admission(None, caller, gate=UNIVERSAL_QUERY)):
            rows: list[dict[str, Any]] = []
            total = 0
            if readable is None or query.infnos:  # no infnos left: nothing it may read
                rows, total = await anyio.to_thread.run_sync(
                    universal_query, database, caller.institution.id, query
                )
        pages = math.ceil(total / query.page_size)
        page = pagination(total=total, page=query.page, page_size=query.page_size, total_pages=pages)
        return GatewayJSONResponse(paged(rows, page, None, request_id))

    return router
