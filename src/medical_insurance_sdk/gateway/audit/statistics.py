"""Reads over interface_call_log for statistics and monitoring (spec §3.5.2, §3.5.3, §3.6.2, §3.6.3).

Every function takes the caller's `institution_id` and filters on it first: an institution sees its own
calls only.  The one cross-institution figure, the number of active institutions, is a count.  Portable SQL
(SQLite and PostgreSQL): percentiles are nearest-rank, from a window function, in milliseconds.  Days are
Beijing days and instants are answered in UTC (periods.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Case, ColumnElement, and_, case, exists, func, literal, or_, select, text
from sqlalchemy.orm import Session

from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog, InterfaceData
from medical_insurance_sdk.gateway.audit.periods import Period, beijing_day, iso_utc
from medical_insurance_sdk.gateway.models import Institution
from medical_insurance_sdk.storage.database import Database

TIMEOUT_CODE = "20005"
Log = InterfaceCallLog


def _within(institution_id: int, period: Period) -> list[ColumnElement[bool]]:
    return [Log.institution_id == institution_id, Log.call_time >= period.start, Log.call_time < period.end]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _ms(value: Any) -> float | None:
    return round(float(value), 1) if value is not None else None


def _successes() -> Case[int]:
    return case((Log.success.is_(True), 1), else_=0)


OVERALL = "*"  # the key of the figures over all groups


def percentiles(
    session: Session, conditions: Sequence[ColumnElement[bool]], group: Any = None
) -> dict[Any, dict[str, int]]:
    """p50 and p95 of response_time (nearest rank), overall (key OVERALL) and per value of `group`.

    One pass over the rows: both rankings are window functions of the same scan.
    """
    whole = func.row_number().over(order_by=Log.response_time)
    columns = [Log.response_time.label("ms"), whole.label("rn"), func.count().over().label("n")]
    if group is not None:
        columns += [
            group.label("grp"),
            func.row_number().over(partition_by=group, order_by=Log.response_time).label("grp_rn"),
            func.count().over(partition_by=group).label("grp_n"),
        ]
    ranked = select(*columns).where(*conditions).subquery()
    wanted: list[tuple[str | None, Any, Any]] = [(OVERALL, ranked.c.rn, ranked.c.n)]
    if group is not None:
        wanted.append((None, ranked.c.grp_rn, ranked.c.grp_n))
    picks = []
    for _, rank, size in wanted:
        picks += [rank == (size * 50 + 99) // 100, rank == (size * 95 + 99) // 100]
    selected = [ranked.c.ms, ranked.c.grp if group is not None else literal(None), *picks]
    found: dict[Any, dict[str, int]] = {}
    for ms, grp, *flags in session.execute(select(*selected).where(or_(*picks))):
        for index, (key, _, _) in enumerate(wanted):
            entry = found.setdefault(grp if key is None else key, {})
            if flags[2 * index]:
                entry["p50"] = int(ms)
            if flags[2 * index + 1]:
                entry["p95"] = int(ms)
    return {key: value for key, value in found.items() if value}


def interface_calls(
    database: Database, institution_id: int, period: Period, interface_types: Sequence[str] = ()
) -> dict[str, Any]:
    """§3.5.2: calls, successes, failures and response times per interface over the period."""
    conditions = _within(institution_id, period)
    if interface_types:
        conditions.append(Log.interface_type.in_(interface_types))
    query = (
        select(
            Log.interface_type,
            Log.infno,
            Log.category,
            func.count().label("calls"),
            func.sum(_successes()).label("ok"),
            func.avg(Log.response_time).label("avg_ms"),
            func.max(Log.response_time).label("max_ms"),
            func.max(Log.call_time).label("last"),
        )
        .where(*conditions)
        .group_by(Log.interface_type, Log.infno, Log.category)
        .order_by(func.count().desc(), Log.infno)
    )
    with database.session() as session:
        rows = session.execute(query).all()
    interfaces = [
        {
            "interface_type": row.interface_type,
            "infno": row.infno,
            "category": row.category,
            "calls": row.calls,
            "success": int(row.ok or 0),
            "failed": row.calls - int(row.ok or 0),
            "success_rate": _rate(int(row.ok or 0), row.calls),
            "avg_response_time_ms": _ms(row.avg_ms),
            "max_response_time_ms": row.max_ms,
            "last_call_time": iso_utc(row.last),
        }
        for row in rows
    ]
    calls = sum(i["calls"] for i in interfaces)
    ok = sum(i["success"] for i in interfaces)
    weighted = sum((i["avg_response_time_ms"] or 0) * i["calls"] for i in interfaces)
    return {
        "total_calls": calls,
        "success_calls": ok,
        "failed_calls": calls - ok,
        "success_rate": _rate(ok, calls),
        "avg_response_time_ms": round(weighted / calls, 1) if calls else None,
        "interfaces": interfaces,
    }


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)[:10]


def _database_bytes(session: Session) -> int | None:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        pages = session.execute(text("PRAGMA page_count")).scalar() or 0
        size = session.execute(text("PRAGMA page_size")).scalar() or 0
        return int(pages) * int(size)
    if dialect == "postgresql":
        return int(session.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)
    return None


def system_usage(database: Database, institution_id: int, period: Period) -> dict[str, Any]:
    """§3.5.3: calls per category and day, success rate, p50/p95, storage; active institutions (a count)."""
    conditions = _within(institution_id, period)
    with database.session() as session:
        day = beijing_day(Log.call_time, database.dialect)
        daily = session.execute(
            select(
                day.label("day"),
                Log.category,
                func.count().label("calls"),
                func.sum(_successes()).label("ok"),
            )
            .where(*conditions)
            .group_by(day, Log.category)
            .order_by(day, Log.category)
        ).all()
        by_category = percentiles(session, conditions, Log.category)
        overall = by_category.get(OVERALL, {})
        call_rows = session.scalar(select(func.count()).where(Log.institution_id == institution_id))
        data_rows = session.scalar(
            select(func.count())
            .select_from(InterfaceData)
            .where(InterfaceData.institution_id == institution_id)
        )
        active = session.scalar(
            select(func.count())
            .select_from(Institution)
            .where(
                exists().where(
                    and_(
                        Log.institution_id == Institution.id,
                        Log.call_time >= period.start,
                        Log.call_time < period.end,
                    )
                )
            )
        )
        institutions = session.scalar(select(func.count()).select_from(Institution))
        database_bytes = _database_bytes(session)
    categories: dict[str, dict[str, Any]] = {}
    for row in daily:
        entry = categories.setdefault(row.category, {"calls": 0, "success": 0})
        entry["calls"] += row.calls
        entry["success"] += int(row.ok or 0)
    calls = sum(c["calls"] for c in categories.values())
    ok = sum(c["success"] for c in categories.values())
    return {
        "calls": calls,
        "success_rate": _rate(ok, calls),
        "latency_ms": {"p50": overall.get("p50"), "p95": overall.get("p95")},
        "by_category": [
            {
                "category": name,
                "calls": c["calls"],
                "success_rate": _rate(c["success"], c["calls"]),
                "latency_ms": by_category.get(name, {}),
            }
            for name, c in sorted(categories.items(), key=lambda item: -item[1]["calls"])
        ],
        "by_day": [
            {"date": _day(row.day), "category": row.category, "calls": row.calls, "success": int(row.ok or 0)}
            for row in daily
        ],
        "storage": {"call_log_rows": call_rows or 0, "interface_data_rows": data_rows or 0},
        "system": {
            "active_institutions": active or 0,
            "institutions": institutions or 0,
            "database_bytes": database_bytes,
        },
    }


def performance(database: Database, institution_id: int, since: datetime) -> list[dict[str, Any]]:
    """§3.6.2 / §8.1.1 per interface since `since`: calls, error and timeout rates, average, p50, p95."""
    conditions = [Log.institution_id == institution_id, Log.call_time >= since]
    timeouts = case((Log.error_code == TIMEOUT_CODE, 1), else_=0)
    with database.session() as session:
        rows = session.execute(
            select(
                Log.interface_type,
                Log.infno,
                Log.category,
                func.count().label("calls"),
                func.sum(_successes()).label("ok"),
                func.sum(timeouts).label("timeouts"),
                func.avg(Log.response_time).label("avg_ms"),
            )
            .where(*conditions)
            .group_by(Log.interface_type, Log.infno, Log.category)
            .order_by(func.count().desc(), Log.infno)
        ).all()
        ranks = percentiles(session, conditions, Log.interface_type)
    return [
        {
            "interface_type": row.interface_type,
            "infno": row.infno,
            "category": row.category,
            "calls": row.calls,
            "success_rate": _rate(int(row.ok or 0), row.calls),
            "error_rate": _rate(row.calls - int(row.ok or 0), row.calls),
            "timeout_rate": _rate(int(row.timeouts or 0), row.calls),
            "avg_response_time_ms": _ms(row.avg_ms),
            "p50_ms": ranks.get(row.interface_type, {}).get("p50"),
            "p95_ms": ranks.get(row.interface_type, {}).get("p95"),
        }
        for row in rows
    ]


@dataclass(frozen=True)
class ErrorFilter:
    interface_type: str | None = None
    error_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def error_logs(
    database: Database, institution_id: int, where: ErrorFilter, *, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """§3.6.3: the institution's failed calls, newest first, one page; and how many there are."""
    conditions: list[ColumnElement[bool]] = [Log.institution_id == institution_id, Log.success.is_(False)]
    if where.interface_type:
        conditions.append(Log.interface_type == where.interface_type)
    if where.error_code:
        conditions.append(Log.error_code == where.error_code)
    if where.since:
        conditions.append(Log.call_time >= where.since)
    if where.until:
        conditions.append(Log.call_time < where.until)
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(Log).where(*conditions)) or 0
        rows = session.scalars(
            select(Log)
            .where(*conditions)
            .order_by(Log.call_time.desc(), Log.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
        items = [row.summary() for row in rows]
    return items, total
