"""进销存 uploads 3501-3507 (single and batch) and the queries 3508-3513 that read them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import Desk

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.business_state import InventoryRecord
from medical_insurance_sdk.sandbox.seed import DEMO_PHARMACY

D = Decimal
ASPIRIN = "XB01ACA056A001010100002"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path, fixmedins_code=DEMO_PHARMACY)
    yield opened
    opened.close()


def asking(**keys: Any) -> dict[str, Any]:
    """A 3508-3513 query: the published keys (institution and period) plus filters."""
    period = {"begndate": "2025-01-01", "enddate": "2099-12-31"}
    return {"data": {"fixmedins_code": DEMO_PHARMACY, **period, **keys}}


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
    stock = desk.ok("3508", asking())
    assert [(r["fixmedinsBchno"], r["invCnt"], r["medinsListCodg"]) for r in stock] == [
        ("B1", D("120.00"), "YPB1"),
        ("B2", D("10.50"), "YPB2"),
        ("B3", D("1.00"), "YPB3"),
    ]
    assert {r["fixmedinsCode"] for r in stock} == {DEMO_PHARMACY} and all(r["medinsProdInvNo"] for r in stock)
    by_code = desk.ok("3508", asking(med_list_codg=ASPIRIN, page_num=2, page_size=1))
    assert [r["fixmedinsBchno"] for r in by_code] == ["B2"]
    assert [r["fixmedinsBchno"] for r in desk.ok("3508", asking(medins_list_codg="YPB3"))] == ["B3"]
    sales = desk.ok("3511", asking(setl_id="S0001"))
    assert [(r["setlId"], r["selRetnCnt"], r["bilgDrName"]) for r in sales] == [("S0001", D("2"), "李医生")]
    assert len(desk.ok("3513", asking())) == 1
    assert desk.ok("3508", asking(fixmedins_code="H43028110001"), fixmedins_code="H43028110001") == []
    # a period before the uploads finds nothing
    assert desk.ok("3508", asking(begndate="2020-01-01", enddate="2020-12-31")) == []


def test_batch_rows_are_checked_one_by_one(desk: Desk) -> None:
    bad = {**stocktake("B9"), "rx_flag": None}
    # the batch table (the single row's fields in a list) refuses before anything is sent ...
    with pytest.raises(DataValidationError, match=r"invinfoDetail\[1\]\.rx_flag"):
        REGISTRY["3501A"].validate_input({"invinfoDetail": [stocktake("B8"), bad]})
    # ... and the bureau checks each row of what reaches it
    desk.refused("3501A", {"invinfoDetail": [stocktake("B8"), bad]}, "第2条", validate=False)
    assert desk.session.query(InventoryRecord).count() == 0


def test_every_batch_upload_is_visible_to_its_query(desk: Desk) -> None:
    change = {
        "med_list_codg": ASPIRIN,
        "inv_chg_type": "101",
        "fixmedins_hilist_id": "YPB1",
        "fixmedins_hilist_name": "阿司匹林肠溶片",
        "fixmedins_bchno": "C1",
        "pric": D("15.80"),
        "cnt": D("3"),
        "rx_flag": "0",
        "inv_chg_time": "2025-07-14 11:00:00",
    }
    purchase = {
        "med_list_codg": ASPIRIN,
        "fixmedins_hilist_id": "YPB1",
        "fixmedins_hilist_name": "阿司匹林肠溶片",
        "fixmedins_bchno": "P1",
        "spler_name": "湘潭医药公司",
        "manu_lotnum": "L2025",
        "prodentp_name": "拜耳医药",
        "aprvno": "国药准字J20171021",
        "manu_date": "2025-01-01",
        "expy_end": "2027-12-31",
        "purc_retn_cnt": D("50"),
        "rx_flag": "0",
        "purc_retn_stoin_time": "2025-07-14 08:00:00",
        "purc_retn_opter_name": "孙药师",
    }
    giveback = {k: v for k, v in purchase.items() if k not in ("manu_lotnum", "prodentp_name", "aprvno")}
    giveback.update(fixmedins_bchno="P2", purc_invo_no="FP001", purc_retn_cnt=D("5"))
    refund = {
        k: v for k, v in sale("S2").items() if not k.startswith(("prsc_", "phar_", "mdtrt_sn", "rtal_"))
    }
    desk.ok("3502A", {"invinfoDetail": [change]})
    desk.ok("3503A", {"purcinfoDetail": [purchase]})
    desk.ok("3504A", {"purcinfoDetail": [giveback]})
    desk.ok("3505A", {"selinfoDetail": [sale("S1")]})
    desk.ok("3506A", {"selinfoDetail": [refund]})
    assert [r["fixmedinsBchno"] for r in desk.ok("3509", asking())] == ["C1"]
    assert [r["fixmedinsBchno"] for r in desk.ok("3510", asking())] == ["P1", "P2"]
    assert [r["fixmedinsBchno"] for r in desk.ok("3511", asking())] == ["S1", "S2"]
    assert [r["fixmedinsBchno"] for r in desk.ok("3512", asking())] == ["P1"]
    desk.ok("3507A", {"goodDetail": [{"fixmedins_bchno": "P1", "inv_data_type": "3"}]})
    assert [r["fixmedinsBchno"] for r in desk.ok("3510", asking())] == ["P2"]


def test_delete_by_batch_number_and_type(desk: Desk) -> None:
    desk.ok("3501", {"invinfo": stocktake("B1")})
    desk.ok("3505", {"selinfo": sale("B1")})
    desk.ok("3507", {"data": {"fixmedins_bchno": "B1", "inv_data_type": "1"}})
    assert desk.ok("3508", asking()) == []
    assert len(desk.ok("3511", asking())) == 1
    desk.refused("3507", {"data": {"fixmedins_bchno": "B1", "inv_data_type": "1"}}, "未找到对应的进销存数据")
    desk.ok("3507A", {"goodDetail": [{"fixmedins_bchno": "B1", "inv_data_type": "4"}]})
    assert desk.ok("3511", asking()) == []
