"""Queries 5201-5206 show what the flows created (the outpatient basket of test_handlers_outpatient)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import LI_NA, Desk, fee_row, registration, settle_request, visit_info
from test_handlers_outpatient import TOTALS, open_visit

D = Decimal
DAY = {"begntime": "2025-07-14 00:00:00", "endtime": "2025-07-14 23:59:59"}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def visits(desk: Desk, med_type: str = "11", **extra: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = desk.ok(
        "5201", {"data": {"psn_no": LI_NA.psn_no, **DAY, "med_type": med_type, **extra}}
    )["mdtrtinfo"]
    return rows


def test_visits_show_registrations_and_their_med_type(desk: Desk) -> None:
    registered = desk.ok("2201", registration(LI_NA, "MZ-A"))["data"]["mdtrt_id"]
    # before 2203 the med_type is unknown: the registration matches any med_type
    assert [r["ipt_otp_no"] for r in visits(desk, "14")] == ["MZ-A"]
    mdtrt_id = open_visit(desk)
    rows = visits(desk)
    assert {r["mdtrt_id"] for r in rows} == {registered, mdtrt_id}
    row = next(r for r in rows if r["mdtrt_id"] == mdtrt_id)
    assert (row["ipt_otp_no"], row["med_type"], row["begntime"], row["psn_name"]) == (
        "MZ20250714001",
        "11",
        "2025-07-14 09:30:00",
        LI_NA.psn_name,
    )
    assert (row["atddr_no"], row["chfpdr_name"], row["otp_diag_info"]) == (
        "D430302000101",
        "李医生",
        "急性上呼吸道感染",
    )
    assert [r["mdtrt_id"] for r in visits(desk, "14")] == [registered]
    assert [r["mdtrt_id"] for r in visits(desk, mdtrt_id=mdtrt_id)] == [mdtrt_id]
    desk.ok("2202", {"data": {"psn_no": LI_NA.psn_no, "mdtrt_id": registered, "ipt_otp_no": "MZ-A"}})
    assert [r["mdtrt_id"] for r in visits(desk)] == [mdtrt_id]
    assert desk.ok(
        "5201", {"data": {"psn_no": LI_NA.psn_no, **DAY, "med_type": "11"}}, fixmedins_code="H44030500001"
    ) == {"mdtrtinfo": []}


def test_diagnoses(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    rows = desk.ok("5202", {"data": {"mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}})["diseinfo"]
    assert [(r["diag_code"], r["maindiag_flag"], r["diag_srt_no"], r["mdtrt_id"]) for r in rows] == [
        ("J06.900", "1", 1, mdtrt_id)
    ]
    assert rows[0]["diag_info_id"]


def test_settlement_is_found_by_its_setl_id_and_echoes_the_settling_msgid(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    output, msgid = desk.ok_with_msgid("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    setl_id = output["setlinfo"]["setl_id"]
    found = desk.ok("5203", {"data": {"psn_no": LI_NA.psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}})
    info = found["setlinfo"]
    assert info["medins_setl_id"] == msgid
    assert (info["setl_id"], info["medfee_sumamt"], info["acct_pay"], info["refd_setl_flag"]) == (
        setl_id,
        D("1775.00"),
        D("1624.40"),
        "0",
    )
    assert (info["fixmedins_code"], info["fixmedins_name"], info["begndate"], info["year"]) == (
        "H43028110001",
        "湘潭市第一人民医院",
        "2025-07-14",
        "2025",
    )
    assert (info["psn_pay"], info["cash_payamt"], info["hifdm_pay"]) == (D("1624.40"), D("0.00"), D("0.00"))
    assert found["setldetail"] == output["setldetail"]
    # the cancellation is found under its own setl_id
    cancel = desk.ok("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}})
    twin_id = cancel["setlinfo"]["setl_id"]
    twin = desk.ok("5203", {"data": {"psn_no": LI_NA.psn_no, "setl_id": twin_id, "mdtrt_id": mdtrt_id}})
    assert (twin["setlinfo"]["refd_setl_flag"], twin["setlinfo"]["medfee_sumamt"]) == ("1", D("-1775.00"))
    nobody = {"data": {"psn_no": LI_NA.psn_no, "setl_id": "NOPE", "mdtrt_id": mdtrt_id}}
    assert desk.ok("5203", nobody) == {"setlinfo": None, "setldetail": []}


def test_settlement_of_a_visit_without_setl_id(desk: Desk) -> None:
    # The registry requires setl_id; the handler also answers a visit's settlement without one (the
    # settlement in force, else the latest row), for a dispatcher or profile that lets it be blank.
    mdtrt_id = open_visit(desk)
    setl_id = desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))["setlinfo"]["setl_id"]
    query = {"data": {"psn_no": LI_NA.psn_no, "mdtrt_id": mdtrt_id}}
    assert desk.call("5203", query, validate=False).output["setlinfo"]["setl_id"] == setl_id
    twin = desk.ok("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}})
    latest = desk.call("5203", query, validate=False).output["setlinfo"]
    assert (latest["setl_id"], latest["refd_setl_flag"]) == (twin["setlinfo"]["setl_id"], "1")


def test_fee_lines_of_a_visit_and_of_a_settlement(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    query = {"data": {"psn_no": LI_NA.psn_no, "mdtrt_id": mdtrt_id}}
    rows = desk.ok("5204", query)
    assert [r["feedetl_sn"] for r in rows] == ["F1", "F2", "F3", "F4"]
    assert all(r["setl_id"] is None for r in rows)
    albumin = rows[2]
    assert (
        albumin["hilist_name"],
        albumin["list_type"],
        albumin["overlmt_amt"],
        albumin["inscp_scp_amt"],
    ) == (
        "人血白蛋白注射液",
        "101",
        D("160.00"),
        D("1216.00"),
    )
    assert (albumin["med_type"], albumin["fee_ocur_time"], albumin["bilg_dr_name"]) == (
        "11",
        "2025-07-14 09:45:00",
        "李医生",
    )
    setl_id = desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))["setlinfo"]["setl_id"]
    settled = desk.ok("5204", {"data": {**query["data"], "setl_id": setl_id}})
    assert [(r["feedetl_sn"], r["setl_id"]) for r in settled] == [
        (sn, setl_id) for sn in ("F1", "F2", "F3", "F4")
    ]
    assert desk.ok("5204", {"data": {**query["data"], "mdtrt_id": "NOPE"}}) == []


def test_chronic_medication_records(desk: Desk) -> None:
    mdtrt_id = desk.ok("2201", registration(LI_NA))["data"]["mdtrt_id"]
    desk.ok("2203", visit_info(LI_NA, mdtrt_id, med_type="14"))
    desk.ok("2204", {"feedetail": [fee_row(LI_NA, mdtrt_id, "M1", "XA10BAD002A001010100003", "3", "8.60")]})
    rows = desk.ok("5205", {"data": {"psn_no": LI_NA.psn_no, "begntime": "2025-07-01 00:00:00"}})["feedetail"]
    assert [(r["feedetl_sn"], r["hilist_name"], r["cnt"], r["med_type"]) for r in rows] == [
        ("M1", "盐酸二甲双胍片", D("3.0000"), "14")
    ]
    later = {"psn_no": LI_NA.psn_no, "begntime": "2025-08-01 00:00:00"}
    assert desk.ok("5205", {"data": later})["feedetail"] == []


def test_cumulative_counters(desk: Desk) -> None:
    assert desk.ok("5206", {"data": {"psn_no": LI_NA.psn_no, "cum_ym": "202507"}})["cuminfo"] == []
    mdtrt_id = open_visit(desk)
    desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    rows = desk.ok("5206", {"data": {"psn_no": LI_NA.psn_no, "cum_ym": "202507"}})["cuminfo"]
    assert {r["cum_type_code"]: (r["insutype"], r["cum"]) for r in rows} == {
        "DEDC_OTP": ("310", D("1000.00")),
        "POOL_OTP": ("310", D("150.60")),
        "310100": ("310", D("150.60")),
    }
    assert {(r["year"], r["cum_ym"]) for r in rows} == {("2025", "202507")}
    assert desk.ok("5206", {"data": {"psn_no": LI_NA.psn_no, "cum_ym": "202401"}})["cuminfo"] == []
