"""3201 对总账 and 3202 对明细账 against the sandbox's settlements.

The settlements are the outpatient basket of test_handlers_outpatient (李娜: medfee 1775.00, fund 150.60,
个人账户 1624.40) and the pharmacy-free simple visits below, all on 2025-07-14, setl_optins 430200.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from handlers_support import (
    LI_NA,
    LIU_FANG,
    WANG_JIANGUO,
    Desk,
    fee_row,
    registration,
    settle_request,
    visit_info,
)
from test_handlers_outpatient import TOTALS, open_visit

from medical_insurance_sdk.protocol.catalog_file import BadRow, iter_rows, write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, InsuredPerson
from medical_insurance_sdk.sandbox.state import StoredFile

D = Decimal
DAY = {"stmt_begndate": "2025-07-14", "stmt_enddate": "2025-07-14"}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


def totals(medfee: str, fund: str, acct: str, count: int, **extra: Any) -> dict[str, Any]:
    data = {
        "insutype": "310",
        "clr_type": "11",
        "setl_optins": "430200",
        **DAY,
        "medfee_sumamt": D(medfee),
        "fund_pay_sumamt": D(fund),
        "acct_pay": D(acct),
        "fixmedins_setl_cnt": count,
        **extra,
    }
    return {"data": data}


def consult(desk: Desk, who: InsuredPerson, ipt_otp_no: str) -> dict[str, Any]:
    """A 10.00 consultation settled for `who`: all within the 1000 deductible, the account pays 10.00."""
    mdtrt_id = desk.ok("2201", registration(who, ipt_otp_no))["data"]["mdtrt_id"]
    desk.ok("2203", visit_info(who, mdtrt_id))
    desk.ok("2204", {"feedetail": [fee_row(who, mdtrt_id, "C1", "001102000010000-110200001", "1", "10.00")]})
    amounts = {
        "medfee_sumamt": D("10.00"),
        "fulamt_ownpay_amt": D("0.00"),
        "overlmt_selfpay": D("0.00"),
        "preselfpay_amt": D("0.00"),
        "inscp_scp_amt": D("10.00"),
    }
    info: dict[str, Any] = desk.ok("2207", settle_request(who, mdtrt_id, amounts))["setlinfo"]
    return info


def test_totals_balanced_and_unbalanced(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    setl_id = desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))["setlinfo"]["setl_id"]

    info = desk.ok("3201", totals("1775.00", "150.60", "1624.40", 1))["stmtinfo"]
    assert (info["setl_optins"], info["stmt_rslt"]) == ("430200", "0")
    assert info["stmt_rslt_dscr"].startswith("对账平")

    info = desk.ok("3201", totals("1800.00", "150.60", "1624.40", 2))["stmtinfo"]
    assert info["stmt_rslt"] == "1"
    assert "医疗费总额机构1800.00/医保1775.00" in info["stmt_rslt_dscr"]
    assert "结算笔数机构2/医保1" in info["stmt_rslt_dscr"]

    # another day, insutype or clr_type sees nothing
    assert desk.ok("3201", totals("0", "0", "0", 0, clr_type="21"))["stmtinfo"]["stmt_rslt"] == "0"
    other_day = totals("0", "0", "0", 0, stmt_begndate="2025-07-15", stmt_enddate="2025-07-15")
    assert desk.ok("3201", other_day)["stmtinfo"]["stmt_rslt"] == "0"

    # a cancellation nets the day to zero; refd_setl_flag splits originals and cancellations
    desk.ok("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}})
    assert desk.ok("3201", totals("0.00", "0.00", "0.00", 0))["stmtinfo"]["stmt_rslt"] == "0"
    originals = totals("1775.00", "150.60", "1624.40", 1, refd_setl_flag="0")
    assert desk.ok("3201", originals)["stmtinfo"]["stmt_rslt"] == "0"
    refunds = totals("-1775.00", "-150.60", "-1624.40", 1, refd_setl_flag="1")
    assert desk.ok("3201", refunds)["stmtinfo"]["stmt_rslt"] == "0"


def test_a_reversed_settlement_is_not_reconciled(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    _, msgid = desk.ok_with_msgid("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    desk.ok("2601", {"data": {"psn_no": LI_NA.psn_no, "omsgid": msgid, "oinfno": "2207"}})
    assert desk.ok("3201", totals("0", "0", "0", 0))["stmtinfo"]["stmt_rslt"] == "0"


def detail_file(rows: list[dict[str, Any]]) -> str:
    """The 7-column 3202 detail file, zipped and Base64-encoded for 9101."""
    buffer = io.BytesIO()
    write_catalog(buffer, LAYOUTS["3202_upload"], rows, member_name="detail.txt")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def line(info: dict[str, Any], **changes: Any) -> dict[str, Any]:
    row = {
        "setl_id": info["setl_id"],
        "mdtrt_id": info["mdtrt_id"],
        "psn_no": info["psn_no"],
        "medfee_sumamt": f"{info['medfee_sumamt']:f}",
        "fund_pay_sumamt": f"{info['fund_pay_sumamt']:f}",
        "acct_pay": f"{info['acct_pay']:f}",
        "refd_setl_flag": "0",
    }
    return {**row, **changes}


def test_detail_reconciliation_names_the_discrepancies(desk: Desk) -> None:
    matched = consult(desk, LI_NA, "MZ1")
    planted = consult(desk, WANG_JIANGUO, "MZ2")
    missing = consult(desk, LIU_FANG, "MZ3")
    rows = [
        line(matched),
        line(planted, medfee_sumamt="12.00"),  # the planted discrepancy
        line(matched, setl_id="NOT-AT-THE-BUREAU", mdtrt_id="M9", psn_no="P9"),
    ]
    upload = {
        "fsUploadIn": {"in": detail_file(rows), "filename": "detail.zip", "fixmedins_code": DEMO_HOSPITAL}
    }
    file_qury_no = desk.ok("9101", upload)["file_qury_no"]
    query = {
        "data": {
            "setl_optins": "430200",
            "file_qury_no": file_qury_no,
            **DAY,
            "medfee_sumamt": D("32.00"),
            "fund_pay_sumamt": D("0.00"),
            "cash_payamt": D("0.00"),
            "fixmedins_setl_cnt": 3,
        }
    }
    expires = f"{desk.now + timedelta(hours=24):%Y-%m-%d %H:%M:%S}"  # the file store keeps files 24 hours
    fileinfo = desk.ok("3202", query)["fileinfo"]
    assert fileinfo["filename"].endswith(".zip") and fileinfo["dld_endtime"] == expires
    stored = desk.session.get(StoredFile, fileinfo["file_qury_no"])
    assert stored is not None and stored.fixmedins_code == DEMO_HOSPITAL and stored.content
    result = [row for row in iter_rows(stored.content, LAYOUTS["3202_result"]) if not isinstance(row, BadRow)]
    by_setl = {row["setl_id"]: row.values for row in result}
    assert len(result) == 4

    assert by_setl[matched["setl_id"]]["stmt_rslt"] == "0"
    assert by_setl[matched["setl_id"]]["msgid"] == matched["medins_setl_id"]
    bad = by_setl[planted["setl_id"]]
    assert (bad["stmt_rslt"], bad["psn_no"], bad["medfee_sumamt"]) == ("1", WANG_JIANGUO.psn_no, "10.00")
    assert bad["memo"] == "医疗费总额机构12.00/医保10.00"
    assert by_setl["NOT-AT-THE-BUREAU"]["stmt_rslt"] == "2"
    assert by_setl["NOT-AT-THE-BUREAU"]["memo"] == "医保无此结算记录"
    assert (by_setl[missing["setl_id"]]["stmt_rslt"], by_setl[missing["setl_id"]]["memo"]) == (
        "3",
        "机构未上传此结算记录",
    )


def test_detail_reconciliation_needs_an_own_readable_file(desk: Desk) -> None:
    base = {
        "setl_optins": "430200",
        **DAY,
        "medfee_sumamt": D("0"),
        "fund_pay_sumamt": D("0"),
        "cash_payamt": D("0"),
        "fixmedins_setl_cnt": 0,
    }
    desk.refused("3202", {"data": {**base, "file_qury_no": "NOPE"}}, "不存在")
    broken = base64.b64encode(b"setl_id\tonly two\n").decode("ascii")
    upload = {"fsUploadIn": {"in": broken, "filename": "detail.txt", "fixmedins_code": DEMO_HOSPITAL}}
    file_qury_no = desk.ok("9101", upload)["file_qury_no"]
    desk.refused("3202", {"data": {**base, "file_qury_no": file_qury_no}}, "对明细账文件格式错误")
    desk.refused(
        "3202",
        {"data": {**base, "file_qury_no": file_qury_no}},
        "不属于定点医药机构",
        fixmedins_code="H44030500001",
    )
