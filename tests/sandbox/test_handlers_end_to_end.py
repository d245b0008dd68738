"""The settlement handlers behind the real dispatcher: envelopes over the in-process transport.

The dispatcher dumps the validated input with None for absent optional fields (the in-process harness
drops them), records the ledger row itself and commits once; this proves the handlers under those rules.
Amounts: the outpatient basket of test_handlers_outpatient and the purchase of test_handlers_pharmacy.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from bureau_harness import HOSPITAL, Bureau, assert_failure, assert_success, open_bureau
from handlers_support import LI_NA, LIU_FANG, fee_row, registration, settle_request, visit_info
from test_handlers_outpatient import ALBUMIN, AMOXICILLIN, CONSULT, SETTLED, TOTALS, VITAMINS
from test_handlers_pharmacy import EXPECTED, purchase

from medical_insurance_sdk.engine.compensation import ORIGINAL_NOT_EFFECTIVE
from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.sandbox.seed import DEMO_PHARMACY
from medical_insurance_sdk.sandbox.state import Person

D = Decimal


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    with open_bureau(tmp_path) as opened:
        opened.sign_in()
        yield opened


def balance(bureau: Bureau, psn_no: str) -> Decimal:
    with bureau.state.transaction() as session:
        person = session.get(Person, psn_no)
        assert person is not None
        return person.balc


def test_outpatient_settlement_and_its_reversal_through_the_dispatcher(bureau: Bureau) -> None:
    mdtrt_id = assert_success(bureau.call("2201", registration(LI_NA)))["data"]["mdtrt_id"]
    assert_success(bureau.call("2203", visit_info(LI_NA, mdtrt_id)))
    rows = [
        fee_row(LI_NA, mdtrt_id, "F1", CONSULT, "1", "10.00"),
        fee_row(LI_NA, mdtrt_id, "F2", AMOXICILLIN, "2", "12.50"),
        fee_row(LI_NA, mdtrt_id, "F3", ALBUMIN, "4", "420.00"),
        fee_row(LI_NA, mdtrt_id, "F4", VITAMINS, "1", "60.00"),
    ]
    assert len(assert_success(bureau.call("2204", {"feedetail": rows}))["result"]) == 4

    message = bureau.envelope("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    info = assert_success(loads(bureau.post(message).content))["setlinfo"]
    assert {name: info[name] for name in SETTLED} == SETTLED
    assert info["medins_setl_id"] == message["msgid"]
    assert balance(bureau, LI_NA.psn_no) == D("1056.10")
    assert_failure(bureau.call("2207", settle_request(LI_NA, mdtrt_id, TOTALS)), "该就诊已结算，不能重复结算")

    reversal = {"data": {"psn_no": LI_NA.psn_no, "omsgid": message["msgid"], "oinfno": "2207"}}
    assert_success(bureau.call("2601", reversal))
    assert_success(bureau.call("2601", reversal))  # idempotent
    assert balance(bureau, LI_NA.psn_no) == D("2680.50")
    row = bureau.message_row(message["msgid"])
    assert row is not None and row.reversed_by

    unknown = {"data": {"psn_no": LI_NA.psn_no, "omsgid": "H43028110001202507140000009999", "oinfno": "2207"}}
    text = assert_failure(bureau.call("2601", unknown), "原交易不存在")
    assert ORIGINAL_NOT_EFFECTIVE.search(text)


def test_pharmacy_purchase_through_the_dispatcher(bureau: Bureau) -> None:
    pharmacy = Bureau(
        bureau.app,
        config=HOSPITAL.with_options(fixmedins_code=DEMO_PHARMACY, fixmedins_name="湘潭演示大药房有限公司"),
    )
    try:
        pharmacy.sign_in()
        info = assert_success(pharmacy.call("2102", purchase()))["setlinfo"]
        assert {name: info[name] for name in EXPECTED} == EXPECTED
        assert balance(bureau, LIU_FANG.psn_no) == D("762.10")
        ids = {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": LIU_FANG.psn_no}
        cancel = pharmacy.call("2103", {"data": ids})
        assert assert_success(cancel)["setlinfo"]["balc"] == D("860.30")
        # the hospital cannot cancel the pharmacy's settlement
        assert_failure(bureau.call("2103", {"data": ids}), "结算信息不存在")
    finally:
        pharmacy.close()
