"""Paged answers (spec §1.4): when a bureau answer is a page, and what its pagination is.

An answer is a page when its output carries the bureau's PageHelper fields (recordCounts, pageNum,
pageSize, pages) or the request asked for a page (page_num / page_size in its input).  The rows are the
output's `data` list, else its first list, else the output itself when it is a list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medical_insurance_sdk.gateway.responses import pagination
from medical_insurance_sdk.registry import Transaction
from medical_insurance_sdk.registry.fields import ROOT

PAGE_HELPER_FIELDS = ("recordCounts", "pageNum", "pageSize", "pages")
REQUEST_PAGE_FIELDS = ("page_num", "page_size")
PAGE_ROWS = "data"  # the output node that holds a page's rows (1312 …)
# The highest page number a gateway list accepts (422 + 30003 beyond): (page - 1) * page_size must stay a
# 64-bit SQL OFFSET, and nobody pages through a million pages.
MAX_PAGE = 1_000_000


def answers_pages(tx: Transaction) -> bool:
    """Whether every successful answer of `tx` is a page: its output table has the PageHelper fields.

    The paged catalogue queries (1304, 1312, 1316–1319) also require page_num / page_size, so `page_of`
    finds a page in each of their answers; the OpenAPI document declares their `data` as the list of rows.
    """
    return any(
        spec.name in PAGE_HELPER_FIELDS
        for node in tx.schema.response
        if node.name == ROOT and not node.many
        for spec in node.fields
    )


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _requested(call_input: Mapping[str, Any]) -> dict[str, int]:
    """page_num / page_size wherever they sit in the input (root or a node)."""
    found: dict[str, int] = {}
    for scope in (call_input, *(v for v in call_input.values() if isinstance(v, Mapping))):
        for name in REQUEST_PAGE_FIELDS:
            number = _int(scope.get(name))
            if number is not None:
                found.setdefault(name, number)
    return found


def _rows(output: Any) -> list[Any]:
    if isinstance(output, list):
        return output
    if isinstance(output, Mapping):
        if isinstance(output.get(PAGE_ROWS), list):
            return list(output[PAGE_ROWS])
        for value in output.values():
            if isinstance(value, list):
                return list(value)
    return []


def page_of(output: Any, call_input: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]] | None:
    """(rows, pagination) when the answer is a page, else None."""
    helper = output if isinstance(output, Mapping) else {}
    requested = _requested(call_input)
    if not requested and not any(name in helper for name in PAGE_HELPER_FIELDS):
        return None
    rows = _rows(output)
    total = _int(helper.get("recordCounts"))
    total = len(rows) if total is None else total
    page = _int(helper.get("pageNum")) or requested.get("page_num") or 1
    size = _int(helper.get("pageSize")) or requested.get("page_size") or max(len(rows), 1)
    pages = _int(helper.get("pages"))
    if pages is None:
        pages = -(-total // size) if size > 0 else 0  # integers: no float overflow on huge counts
    return rows, pagination(total=total, page=page, page_size=size, total_pages=pages)
