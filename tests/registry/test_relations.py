"""Cross-field rules (registry/relations.py): an inconsistent money body is refused with 30005 before anything
is sent (issue 15 §1), a consistent one and one within the bureau's rounding (one cent) pass (§3), and every
sample the registry publishes passes its own rules.  Through the gateway: 422, nothing reaches the bureau.
"""

from __future__ import annotations

import copy
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY, Safety
from medical_insurance_sdk.registry.relations import CODE, AtMost, NotBefore, Product, Sum, documented
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.storage.models import LedgerEntry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))

from tests.gateway.conftest import database_url, gateway  # noqa: F401  (the gateway suite's fixtures)

D = Decimal

SETTLE_2207 = {
    "data": {
        "psn_no": "43000030281000128715",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "430281199001010011",
        "med_type": "11",
        "medfee_sumamt": "100.00",
        "psn_setlway": "01",
        "mdtrt_id": "M20250714000001",
        "chrg_bchno": "CB0001",
        "insutype": "310",
        "acct_used_flag": "1",
        "fulamt_ownpay_amt": "10.00",
        "overlmt_selfpay": "0.00",
        "preselfpay_amt": "8.50",
        "inscp_scp_amt": "81.50",
    }
}

_LINE = {
    "feedetl_sn": "F1",
    "mdtrt_id": "M20250714000001",
    "psn_no": "43000030281000128715",
    "chrg_bchno": "CB0001",
    "rx_circ_flag": "0",
    "fee_ocur_time": "2025-07-14 09:30:00",
    "med_list_codg": "XM01AEB016A001010104494",
    "medins_list_codg": "YP-IBUPROFEN-300",
    "det_item_fee_sumamt": "25.00",
    "cnt": "2",
    "pric": "12.50",
    "bilg_dept_codg": "A03",
    "bilg_dept_name": "内科",
    "bilg_dr_codg": "D001",
    "bilg_dr_name": "张医生",
    "hosp_appr_flag": "1",
}
FEES_2204 = {
    "feedetail": [
        _LINE,
        {**_LINE, "feedetl_sn": "F2", "cnt": "3", "pric": "0.333333", "det_item_fee_sumamt": "1.00"},
    ]
}

PURCHASE_2102 = {
    "druginfo": {
        "psn_no": "43000030281000128801",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "430302198506150028",
        "begntime": "2025-07-14 09:30:00",
        "medfee_sumamt": "33.60",
        "insutype": "310",
        "acct_used_flag": "1",
        "med_type": "41",
    },
    "drugdetail": [
        {
            "feedetl_sn": f"P{i}",
            "fee_ocur_time": "2025-07-14 09:30:00",
            "med_list_codg": "XM01AEB016A001010104494",
            "medins_list_codg": "YP-IBUPROFEN-300",
            "det_item_fee_sumamt": amount,
            "cnt": cnt,
            "pric": "11.20",
        }
        for i, (cnt, amount) in enumerate((("2", "22.40"), ("1", "11.20")))
    ],
}

QUERY_5201 = {
    "data": {
        "psn_no": "43000030281000128715",
        "begntime": "2025-07-01 00:00:00",
        "endtime": "2025-07-14 23:59:59",
        "med_type": "11",
    }
}

REFUND_6203 = {
    "data": {
        "payOrdId": "ORD20250714001",
        "appRefdSn": "RF001",
        "totlRefdAmt": "95.00",
        "cashRefdAmt": "20.00",
        "psnAcctRefdAmt": "30.00",
        "fundRefdAmt": "40.00",  # 5.00 borne by the hospital: parts below the total are fine
    }
}


def _errors(infno: str, payload: Any) -> list[tuple[int, str, str]]:
    try:
        REGISTRY[infno].validate_input(payload)
    except DataValidationError as exc:
        return [(e.code, e.path, e.message) for e in exc.errors]
    return []


def _changed(
    body: dict[str, Any], node: str, field: str, value: Any, row: int | None = None
) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target = changed[node] if row is None else changed[node][row]
    target[field] = value
    return changed


# ----------------------------------------------------------------------------------------- the money rules


@pytest.mark.parametrize(
    ("infno", "body"),
    [
        ("2207", SETTLE_2207),
        ("2204", FEES_2204),
        ("2102", PURCHASE_2102),
        ("5201", QUERY_5201),
        ("6203", REFUND_6203),
    ],
)
def test_a_consistent_body_passes(infno: str, body: dict[str, Any]) -> None:
    assert _errors(infno, body) == []


def test_a_settlement_whose_total_is_not_the_sum_of_its_parts_is_30005() -> None:
    body = _changed(SETTLE_2207, "data", "medfee_sumamt", "101.50")
    assert _errors("2207", body) == [
        (
            CODE,
            "data.medfee_sumamt",
            "30005 - 数据关联性错误: data.medfee_sumamt (101.50 应等于 fulamt_ownpay_amt、overlmt_selfpay、"
            "preselfpay_amt、inscp_scp_amt 之和 100.00)",
        )
    ]
    wrong_part = _changed(SETTLE_2207, "data", "inscp_scp_amt", "80.00")
    assert [(c, p) for c, p, _ in _errors("2207", wrong_part)] == [(CODE, "data.medfee_sumamt")]
    for infno in ("2303", "2304"):  # the inpatient settlement: the same rule
        inpatient = copy.deepcopy(body)
        inpatient["data"].pop("med_type"), inpatient["data"].pop("chrg_bchno")
        inpatient["data"]["mid_setl_flag"] = "0"
        assert [(c, p) for c, p, _ in _errors(infno, inpatient)] == [(CODE, "data.medfee_sumamt")]


def test_a_settlement_total_within_one_cent_passes() -> None:
    assert _errors("2207", _changed(SETTLE_2207, "data", "medfee_sumamt", "100.01")) == []
    assert _errors("2207", _changed(SETTLE_2207, "data", "medfee_sumamt", "99.99")) == []
    assert _errors("2207", _changed(SETTLE_2207, "data", "medfee_sumamt", "100.02"))


def test_2304_checks_its_optional_parts_only_when_all_are_given() -> None:
    body = copy.deepcopy(SETTLE_2207)
    body["data"].pop("med_type"), body["data"].pop("chrg_bchno")
    body["data"]["mid_setl_flag"] = "0"
    body["data"]["medfee_sumamt"] = "250.00"
    assert [(c, p) for c, p, _ in _errors("2304", body)] == [(CODE, "data.medfee_sumamt")]
    del body["data"]["overlmt_selfpay"]  # a part not given: the bureau compares the rest with its lines
    assert _errors("2304", body) == []


def test_a_fee_line_whose_amount_is_not_count_times_price_is_30005_at_its_row() -> None:
    body = _changed(FEES_2204, "feedetail", "det_item_fee_sumamt", "24.00", row=0)
    assert _errors("2204", body) == [
        (
            CODE,
            "feedetail[0].det_item_fee_sumamt",
            "30005 - 数据关联性错误: feedetail[0].det_item_fee_sumamt "
            "(24.00 应等于 cnt × pric = 2 × 12.50 = 25.00)",
        )
    ]
    second = _changed(FEES_2204, "feedetail", "det_item_fee_sumamt", "1.02", row=1)
    assert [(c, p) for c, p, _ in _errors("2204", second)] == [(CODE, "feedetail[1].det_item_fee_sumamt")]
    inpatient = {"feedetail": [{k: v for k, v in _LINE.items() if k not in ("chrg_bchno", "rx_circ_flag")}]}
    inpatient["feedetail"][0] |= {"med_type": "21", "det_item_fee_sumamt": "30.00"}
    assert [(c, p) for c, p, _ in _errors("2301", inpatient)] == [(CODE, "feedetail[0].det_item_fee_sumamt")]


def test_a_fee_line_rounded_to_the_cent_passes() -> None:
    # 3 × 0.333333 = 0.999999: the bureau rounds to 1.00 (row 1 of the sample); 0.99 is within one cent
    assert _errors("2204", _changed(FEES_2204, "feedetail", "det_item_fee_sumamt", "0.99", row=1)) == []
    refund = _changed(FEES_2204, "feedetail", "cnt", "-2", row=0)  # a refund line: negative, still cnt × pric
    assert _errors("2204", _changed(refund, "feedetail", "det_item_fee_sumamt", "-25.00", row=0)) == []


def test_a_purchase_total_must_be_the_sum_of_its_lines() -> None:
    body = _changed(PURCHASE_2102, "druginfo", "medfee_sumamt", "22.40")
    for infno in ("2101", "2102"):
        assert _errors(infno, body) == [
            (
                CODE,
                "druginfo.medfee_sumamt",
                "30005 - 数据关联性错误: druginfo.medfee_sumamt "
                "(22.40 应等于 Σ drugdetail[].det_item_fee_sumamt 之和 33.60)",
            )
        ]
    line = _changed(PURCHASE_2102, "drugdetail", "cnt", "3", row=1)
    assert [(c, p) for c, p, _ in _errors("2102", line)] == [(CODE, "drugdetail[1].det_item_fee_sumamt")]


def test_a_mobile_payment_upload_total_must_be_the_sum_of_its_lines() -> None:
    rows = [{"feedetlSn": "1", "medListCodg": "X1", "detItemFeeSumamt": "10.00", "cnt": "1", "pric": "10"}]
    body: dict[str, Any] = {
        "data": {
            "medOrgOrd": "MO1",
            "psnNo": "43000011000000000001",
            "insutype": "310",
            "medType": "11",
            "medfeeSumamt": "10.00",
            "feedetailList": rows,
        }
    }
    assert _errors("6201", body) == []
    assert [(c, p) for c, p, _ in _errors("6201", _changed(body, "data", "medfeeSumamt", "12.00"))] == [
        (CODE, "data.medfeeSumamt")
    ]
    wrong_line = copy.deepcopy(body)
    wrong_line["data"]["feedetailList"][0]["cnt"] = 2
    assert [(c, p) for c, p, _ in _errors("6201", wrong_line)] == [
        (CODE, "data.feedetailList[0].detItemFeeSumamt")
    ]


def test_a_refund_whose_parts_exceed_its_total_is_30005() -> None:
    body = _changed(REFUND_6203, "data", "fundRefdAmt", "50.00")
    assert _errors("6203", body) == [
        (
            CODE,
            "data.totlRefdAmt",
            "30005 - 数据关联性错误: data.totlRefdAmt "
            "(95.00 不应小于 cashRefdAmt、psnAcctRefdAmt、fundRefdAmt 之和 100.00)",
        )
    ]


# ------------------------------------------------------------------------------------------- time ranges


def test_an_end_before_its_beginning_is_30005() -> None:
    body = _changed(QUERY_5201, "data", "endtime", "2025-06-30 23:59:59")
    assert _errors("5201", body) == [
        (
            CODE,
            "data.endtime",
            "30005 - 数据关联性错误: data.endtime "
            "(2025-06-30 23:59:59 不应早于 begntime 2025-07-01 00:00:00)",
        )
    ]
    dates = {"data": {"psn_no": "P1", "begntime": "2025-07-14 10:00:00", "endtime": "2025-07-14 09:00:00"}}
    assert [(c, p) for c, p, _ in _errors("5205", dates)] == [(CODE, "data.endtime")]


def test_a_bare_date_end_on_the_same_day_passes() -> None:
    # a date given for a datetime is midnight (issue 15 §3): the same day is not "before"
    body = _changed(QUERY_5201, "data", "begntime", "2025-07-14 10:00:00")
    assert _errors("5201", _changed(body, "data", "endtime", "2025-07-14")) == []
    assert _errors("5201", _changed(body, "data", "endtime", "2025-07-14 10:00:00")) == []  # equal is fine


def test_every_money_transaction_with_amounts_in_its_request_has_rules_with_sources() -> None:
    rules = documented()
    for infno in ("2101", "2102", "2163", "2204", "2207", "2301", "2303", "2304", "6201", "6203"):
        money = [r for on in rules[infno] for r in on.rules if isinstance(r, Sum | AtMost | Product)]
        assert money and all(r.source for r in money), infno
    assert REGISTRY["2207"].safety is Safety.MONEY
    ranges = {
        infno for infno, ons in rules.items() for on in ons for r in on.rules if isinstance(r, NotBefore)
    }
    assert {"2001", "5201", "5205", "2403", "3201"} <= ranges


# ---------------------------------------------------------------------------------- the published samples


@pytest.mark.parametrize("tx", REGISTRY.transactions, ids=lambda tx: tx.infno)
def test_every_published_sample_passes_its_own_relations(tx: Any) -> None:
    if not any(n.fields for n in tx.request_nodes):
        return
    for optional in (True, False):
        sample = sample_message(tx.request_nodes, optional=optional)
        assert [e for e in _errors(tx.infno, sample) if e[0] == CODE] == [], tx.infno


def test_the_sample_totals_are_made_from_their_parts() -> None:
    sample = sample_message(REGISTRY["2207"].request_nodes)["data"]
    parts = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")
    assert sample["medfee_sumamt"] == sum((D(str(sample[p])) for p in parts), D(0))
    line = sample_message(REGISTRY["2204"].request_nodes)["feedetail"][0]
    assert line["det_item_fee_sumamt"] == D(str(line["cnt"])) * D(str(line["pric"]))


# -------------------------------------------------------------------------------------- through the gateway


def test_the_gateway_refuses_an_inconsistent_2207_and_nothing_reaches_the_bureau(gateway: Any) -> None:  # noqa: F811
    body = _changed(SETTLE_2207, "data", "medfee_sumamt", "120.00")
    response = gateway.post(REGISTRY["2207"].route.path, json=body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error_code"] == CODE, answer
    assert [(e["code"], e["field"]) for e in answer["data"]["errors"]] == [(CODE, "data.medfee_sumamt")]
    assert "120.00" in answer["data"]["errors"][0]["message"]
    gateway.state.engine.flush_ledger()
    with gateway.state.database.session() as session:
        sent = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.infno == "2207")
        )
    assert sent == 0
