"""Catalogue transactions of the sandbox bureau: 13xx downloads (a file_qury_no for 9102) and 1312 paging.

    1301 {"data": {"ver": "0"}}  →  {"file_qury_no": …, "filename": "plc_1301_000000_000002.zip",
                                      "dld_end_time": "2025-07-15", "data_cnt": 200}

Downloads answer a real zip (see `sandbox.catalogs`) in the layout of `protocol.catalog_layouts`, with
`settings.catalog_rows` rows per catalogue; fetch it with 9102 and fixmedins_code "plc".  1312 pages the
seed catalogue (`seed.CATALOG`), the items fee uploads are priced with.
"""

from __future__ import annotations

from typing import Any

from medical_insurance_sdk.sandbox import catalogs
from medical_insurance_sdk.sandbox.files import PLATFORM
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.seed import CATALOG

_BEGIN = "2024-01-01 00:00:00"


@handles(*catalogs.kinds())
def download_catalog(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """13xx: write (or reuse) the catalogue file of rows newer than `ver` and offer it for 9102."""
    after = catalogs.parse_ver(data["data"]["ver"])
    files = ctx.services["files"]
    path, count = catalogs.catalog_file(
        files.directory, ctx.infno, total=ctx.settings.catalog_rows, after=after, admdvs=ctx.settings.admdvs
    )
    stored = files.put_path(ctx.session, path, filename=path.name, fixmedins_code=PLATFORM, now=ctx.now)
    return {
        "file_qury_no": stored.file_qury_no,
        "filename": stored.filename,
        "dld_end_time": f"{stored.dld_end_time:%Y-%m-%d}",
        "data_cnt": count,
    }


@handles("1312")
def query_hilist(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """1312 医保目录信息查询: the seed catalogue, filtered, in PageHelper pages."""
    query = data["data"]
    rows = [row for row in (_hilist_row(ctx, code) for code in CATALOG) if _matches(row, query)]
    return page(rows, int(query["page_num"]), int(query["page_size"]))


def _hilist_row(ctx: Context, code: str) -> dict[str, Any]:
    item = CATALOG[code]
    return {
        "hilist_code": item.med_list_codg,
        "hilist_name": item.name,
        "insu_admdvs": ctx.settings.admdvs,
        "begndate": _BEGIN,
        "enddate": None,
        "med_chrgitm_type": item.med_chrgitm_type,
        "chrgitm_lv": item.chrgitm_lv,
        "lmt_used_flag": item.lmt_used_flag,
        "list_type": item.list_type,
        "med_use_flag": "1",
        "matn_used_flag": "0",
        "hilist_use_type": "1",
        "lmt_cpnd_type": None,
        "wubi": None,
        "pinyin": None,
        "memo": item.memo or None,
        "vali_flag": "1",
        "rid": f"1312{item.med_list_codg}"[:40],
        "updt_time": _BEGIN,
        "crter_id": "sandbox",
        "crter_name": "沙箱",
        "crte_time": _BEGIN,
        "crte_optins_no": ctx.settings.admdvs,
        "opter_id": "sandbox",
        "opter_name": "沙箱",
        "opt_time": _BEGIN,
        "optins_no": ctx.settings.admdvs,
        "poolarea_no": ctx.settings.admdvs,
    }


def _matches(row: dict[str, Any], query: dict[str, Any]) -> bool:
    for key in ("hilist_code", "list_type", "chrgitm_lv", "med_chrgitm_type", "lmt_used_flag", "vali_flag"):
        if query.get(key) and row[key] != query[key]:
            return False
    if query.get("hilist_name") and query["hilist_name"] not in row["hilist_name"]:
        return False
    # updt_time asks for rows changed since then (the client's last sync).
    return not (query.get("updt_time") and row["updt_time"] < query["updt_time"])


def page(rows: list[dict[str, Any]], page_num: int, page_size: int) -> dict[str, Any]:
    """PageHelper-style paging fields plus `data` (reference §3 1312)."""
    size = max(page_size, 1)
    pages = (len(rows) + size - 1) // size
    number = max(page_num, 1)
    chunk = rows[(number - 1) * size : number * size]
    start = (number - 1) * size + 1 if chunk else 0
    return {
        "firstPage": 1,
        "lastPage": max(pages, 1),
        "size": len(chunk),
        "startRow": start,
        "endRow": start + len(chunk) - 1 if chunk else 0,
        "pageSize": size,
        "pageNum": number,
        "recordCounts": len(rows),
        "pages": pages,
        "data": chunk,
    }
