"""进销存 uploads 3501-3507 (single and batch) and the queries 3508-3513 that read them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import Desk

from medical_insurance_sdk.sandbox.business_state import InventoryRecord
from medical_insurance_sdk.sandbox.seed import DEMO_PHARMACY

D = Decimal
ASPIRIN = "XB01ACA056A001010100002"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path, fixmedins_code=DEMO_PHARMACY)
    yield opened
    opened.close()


def stocktake(bchno: str, count: str = "120.00", code: str = ASPIRIN) -> dict[str, Any]:
    return {
        "med_list_codg": code,
        "fixmedins_hilist_id": f"YP{bchno}",
        "fixmedins_hilist_name": "阿司匹林肠溶片",
        "rx_flag": "0",
        "invdate": "2025-07-14",
        "inv_cnt": D(count),
        "fixmedins_bchno": bchno,
        "manu_date": "2025-01-01",
        "expy_end": "2027-12-31",
    }


def sale(bchno: str) -> dict[str, Any]:
    return {
        "med_list_codg": ASPIRIN,
        "fixmedins_hilist_id": "YPB1",
        "fixmedins_hilist_name": "阿司匹林肠溶片",
        "fixmedins_bchno": bchno,
        "prsc_dr_name": "李医生",
        "phar_name": "孙药师",
        "phar_prac_cert_no": "YS430304000501",
        "mdtrt_sn": "MS0001",
        "setl_id": "S0001",
        "manu_lotnum": "L2025",
        "manu_date": "2025-01-01",
        "rx_flag": "0",
        "trdn_flag": "0",
        "rtal_docno": "LS0001",
        "sel_retn_cnt": D("2"),
        "sel_retn_time": "2025-07-14 10:00:00",
        "sel_retn_opter_name": "孙药师",
    }


def test_uploads_are_queried_back(desk: Desk) -> None:
    assert desk.ok("3501", {"invinfo": stocktake("B1")}) is None
    desk.ok(
        "3501A",
        {"invinfoDetail": [stocktake("B2", "10.50"), stocktake("B3", "1.00", "XA10BAD002A001010100003")]},
    )
    desk.ok("3505", {"selinfo": sale("B1")})
    stock = desk.ok("3508", {"data": {}})
    assert (stock["recordCounts"], stock["pages"], stock["pageNum"]) == (3, 1, 1)
    assert [(r["fixmedins_bchno"], r["inv_cnt"]) for r in stock["data"]] == [
        ("B1", D("120.00")),
        ("B2", D("10.50")),
        ("B3", D("1.00")),
    ]
    by_code = desk.ok("3508", {"data": {"med_list_codg": ASPIRIN, "page_num": 2, "page_size": 1}})
    assert (by_code["recordCounts"], by_code["pages"], [r["fixmedins_bchno"] for r in by_code["data"]]) == (
        2,
        2,
        ["B2"],
    )
    sales = desk.ok("3511", {"data": {"setl_id": "S0001"}})["data"]
    assert [(r["rtal_docno"], r["sel_retn_cnt"]) for r in sales] == [("LS0001", D("2"))]
    assert desk.ok("3513", {"data": {}})["recordCounts"] == 1
    assert desk.ok("3508", {"data": {}}, fixmedins_code="H43028110001")["recordCounts"] == 0


def test_batch_rows_are_checked_one_by_one(desk: Desk) -> None:
    bad = {**stocktake("B9"), "rx_flag": None}
    desk.refused("3501A", {"invinfoDetail": [stocktake("B8"), bad]}, "第2条")
    assert desk.session.query(InventoryRecord).count() == 0


def test_delete_by_batch_number_and_type(desk: Desk) -> None:
    desk.ok("3501", {"invinfo": stocktake("B1")})
    desk.ok("3505", {"selinfo": sale("B1")})
    desk.ok("3507", {"data": {"fixmedins_bchno": "B1", "inv_data_type": "1"}})
    assert desk.ok("3508", {"data": {}})["recordCounts"] == 0
    assert desk.ok("3511", {"data": {}})["recordCounts"] == 1
    desk.refused("3507", {"data": {"fixmedins_bchno": "B1", "inv_data_type": "1"}}, "未找到对应的进销存数据")
    desk.ok("3507A", {"goodDetail": [{"fixmedins_bchno": "B1", "inv_data_type": "4"}]})
    assert desk.ok("3511", {"data": {}})["recordCounts"] == 0
