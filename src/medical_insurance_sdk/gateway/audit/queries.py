"""The universal query (spec §3.5.1) over interface_data or interface_call_log, inside one institution.

    rows, total = universal_query(database, institution_id, UniversalQuery("call_log", interface_types=(…)))

The institution is not a filter the caller chooses: it is always the caller's, and it leads every index, so
a page of one institution's rows in a date range costs an index range scan however large the tables grow
(benchmarks/universal_query.py: 1,000,000 rows).  Sort fields are whitelisted (an unindexed sort over
millions of rows is a denial of service); the row id breaks ties so that pages never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select

from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog, InterfaceData
from medical_insurance_sdk.gateway.audit.periods import iso_utc
from medical_insurance_sdk.storage.database import Database

QueryType = Literal["interface_data", "call_log"]
TABLES: dict[str, type[InterfaceCallLog] | type[InterfaceData]] = {
    "interface_data": InterfaceData,
    "call_log": InterfaceCallLog,
}
TIME_COLUMN = {"interface_data": "created_at", "call_log": "call_time"}
SORTABLE: dict[str, tuple[str, ...]] = {
    "interface_data": ("created_at", "updated_at", "interface_type", "infno", "business_key", "id"),
    "call_log": ("call_time", "response_time", "interface_type", "infno", "id"),
}
# Filters beyond the common ones (interface_type, infno, category, date_range), per table.
FILTERS: dict[str, tuple[str, ...]] = {
    "interface_data": ("data_status", "data_type", "business_key", "certno"),
    "call_log": ("success", "error_code", "request_id", "msgid"),
}

# A filter kept under another column: an ID number is compared as its blind index (storage/protection.py:
# the column's type turns the value into its keyed HMAC), so no plaintext ID number is stored or sent.
FILTER_COLUMNS = {"certno": "cert_index"}


@dataclass(frozen=True)
class UniversalQuery:
    """A validated query: which table, which rows, which page, in which order."""

    query_type: QueryType
    interface_types: tuple[str, ...] = ()
    infnos: tuple[str, ...] = ()
    category: str | None = None
    equals: tuple[tuple[str, Any], ...] = ()  # (column, value) of the table's own filters
    start: datetime | None = None  # as the tables keep time (UTC)
    end: datetime | None = None  # exclusive
    page: int = 1
    page_size: int = 20
    sort: tuple[tuple[str, bool], ...] = ()  # (field, descending)


def _conditions(table: Any, institution_id: int, query: UniversalQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [table.institution_id == institution_id]
    if query.interface_types:
        conditions.append(table.interface_type.in_(query.interface_types))
    if query.infnos:
        conditions.append(table.infno.in_(query.infnos))
    if query.category:
        conditions.append(table.category == query.category)
    for name, value in query.equals:
        conditions.append(getattr(table, FILTER_COLUMNS.get(name, name)) == value)
    moment = getattr(table, TIME_COLUMN[query.query_type])
    if query.start is not None:
        conditions.append(moment >= query.start)
    if query.end is not None:
        conditions.append(moment < query.end)
    return conditions


def _order(table: Any, query: UniversalQuery) -> list[Any]:
    wanted = query.sort or ((TIME_COLUMN[query.query_type], True),)
    order = [
        getattr(table, name).desc() if descending else getattr(table, name).asc()
        for name, descending in wanted
    ]
    if all(name != "id" for name, _ in wanted):
        order.append(table.id.desc() if wanted[-1][1] else table.id.asc())
    return order


def _call_log_row(row: InterfaceCallLog) -> dict[str, Any]:
    return {
        "id": row.id,
        **row.summary(),
        "success": row.success,
        "request_data": row.request_data,
        "response_data": row.response_data,
    }


def _data_row(row: InterfaceData) -> dict[str, Any]:
    return {
        "id": row.id,
        "interface_type": row.interface_type,
        "infno": row.infno,
        "category": row.category,
        "business_key": row.business_key,
        "data_type": row.data_type,
        "data_status": row.data_status,
        "data_version": row.data_version,
        "call_log_id": row.call_log_id,
        "created_at": iso_utc(row.created_at),
        "updated_at": iso_utc(row.updated_at),
        "raw_data": row.raw_data,
        "parsed_data": row.parsed_data,
    }


def universal_query(
    database: Database, institution_id: int, query: UniversalQuery
) -> tuple[list[dict[str, Any]], int]:
    """One page of the institution's rows matching `query`, and how many match in all."""
    table = TABLES[query.query_type]
    conditions = _conditions(table, institution_id, query)
    to_dict: Any = _call_log_row if table is InterfaceCallLog else _data_row
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(table).where(*conditions)) or 0
        rows: Sequence[Any] = session.scalars(
            select(table)
            .where(*conditions)
            .order_by(*_order(table, query))
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).all()
        return [to_dict(row) for row in rows], total
