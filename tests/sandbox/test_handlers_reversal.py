"""2601 冲正 through the handlers: what each reversible original becomes, and the texts the engine reads.

Amounts are those of the outpatient basket of test_handlers_outpatient (李娜, 个人账户 2680.50 → 1056.10 after
the 2207), the admission of test_handlers_inpatient and the purchase of test_handlers_pharmacy (刘芳, 个人账户
860.30 → 762.10 after the 2102).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from handlers_support import LI_NA, WANG_JIANGUO, Desk, settle_request
from test_handlers_inpatient import admission, inpatient_row
from test_handlers_outpatient import TOTALS, open_visit
from test_handlers_pharmacy import WHO as BUYER
from test_handlers_pharmacy import purchase

from medical_insurance_sdk.engine.compensation import ORIGINAL_NOT_EFFECTIVE
from medical_insurance_sdk.sandbox.business_state import FeeDetail, SettlementRow, Visit
from medical_insurance_sdk.sandbox.seed import DEMO_PHARMACY
from medical_insurance_sdk.sandbox.state import Message

D = Decimal


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def pharmacy(tmp_path: Path) -> Iterator[Desk]:
    opened = Desk(tmp_path, fixmedins_code=DEMO_PHARMACY)
    yield opened
    opened.close()


def reversal(omsgid: str, oinfno: str, psn_no: str = LI_NA.psn_no) -> dict[str, object]:
    return {"data": {"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno}}


def settled(desk: Desk) -> tuple[str, str, str]:
    """The outpatient visit settled by 2207: (mdtrt_id, setl_id, the 2207 msgid)."""
    mdtrt_id = open_visit(desk)
    output, msgid = desk.ok_with_msgid("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    return mdtrt_id, output["setlinfo"]["setl_id"], msgid


def test_reversing_a_settlement_gives_everything_back(desk: Desk) -> None:
    mdtrt_id, setl_id, msgid = settled(desk)
    assert desk.balance(LI_NA) == D("1056.10")

    answer = desk.call("2601", reversal(msgid, "2207"))
    assert answer.infcode == 0 and answer.output is None
    person = desk.person(LI_NA)
    assert person.balc == D("2680.50") and person.year_to_date == {}
    row = desk.session.get(SettlementRow, setl_id)
    assert row is not None and row.status == "reversed" and row.reversed_by == answer.msgid
    original = desk.session.get(Message, msgid)
    assert original is not None and original.reversed_by == answer.msgid
    assert {fd.status for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id)} == {"uploaded"}
    # the settlement is gone from the queries, and the visit can be settled again
    query = {"data": {"psn_no": LI_NA.psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}}
    assert desk.ok("5203", query) == {"setlinfo": None, "setldetail": []}
    assert desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))["setlinfo"]["balc"] == D("1056.10")


def test_reversal_is_idempotent(desk: Desk) -> None:
    _, _, msgid = settled(desk)
    first = desk.call("2601", reversal(msgid, "2207"))
    second = desk.call("2601", reversal(msgid, "2207"))
    assert (first.infcode, second.infcode) == (0, 0)
    assert first.output == second.output
    assert desk.balance(LI_NA) == D("2680.50")
    original = desk.session.get(Message, msgid)
    assert original is not None and original.reversed_by == first.msgid


def test_unknown_or_failed_originals_never_took_effect(desk: Desk) -> None:
    unknown = desk.refused("2601", reversal("H43028110001202507140000009999", "2207"), "原交易不存在")
    assert ORIGINAL_NOT_EFFECTIVE.search(unknown)
    mdtrt_id = open_visit(desk)
    # validate=False: the registry refuses these totals before sending (30005); the bureau does too
    wrong = settle_request(LI_NA, mdtrt_id, {**TOTALS, "medfee_sumamt": D("1.00")})
    failed = desk.call("2207", wrong, validate=False)
    assert failed.infcode == -2  # a business refusal
    text = desk.refused("2601", reversal(failed.msgid, "2207"), "原交易未成功，无需冲正")
    assert ORIGINAL_NOT_EFFECTIVE.search(text)
    # another institution's message is not found either
    _, _, msgid = settled(desk)
    desk.refused("2601", reversal(msgid, "2207"), "原交易不存在", fixmedins_code="H44030500001")


def test_only_reversible_transactions(desk: Desk) -> None:
    mdtrt_id = open_visit(desk)
    upload = desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id).first()
    assert upload is not None
    text = desk.refused("2601", reversal(upload.msgid, "2204"), "该交易不支持冲正")
    assert not ORIGINAL_NOT_EFFECTIVE.search(text)
    _, _, msgid = settled(desk)
    desk.refused("2601", reversal(msgid, "2304"), "原交易编号与原报文不符")
    desk.refused("2601", reversal(msgid, "2207", WANG_JIANGUO.psn_no), "人员编号与原交易不符")


def test_reversing_a_cancellation_restores_the_settlement(desk: Desk) -> None:
    mdtrt_id, setl_id, _ = settled(desk)
    cancel = {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}}
    output, cancel_msgid = desk.ok_with_msgid("2208", cancel)
    twin_id = output["setlinfo"]["setl_id"]
    assert desk.balance(LI_NA) == D("2680.50")

    desk.ok("2601", reversal(cancel_msgid, "2208"))
    person = desk.person(LI_NA)
    assert person.balc == D("1056.10")
    assert person.year_to_date["fund.310100"] == "150.60"
    original, twin = desk.session.get(SettlementRow, setl_id), desk.session.get(SettlementRow, twin_id)
    assert original is not None and original.status == "settled" and original.cancelled_by is None
    assert twin is not None and twin.status == "reversed"
    assert {fd.setl_id for fd in desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id)} == {setl_id}
    desk.refused("2207", settle_request(LI_NA, mdtrt_id, TOTALS), "该就诊已结算，不能重复结算")


def test_a_cancelled_settlement_is_not_reversed(desk: Desk) -> None:
    mdtrt_id, setl_id, msgid = settled(desk)
    desk.ok("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}})
    text = desk.refused("2601", reversal(msgid, "2207"), "原结算已撤销，不能冲正")
    assert not ORIGINAL_NOT_EFFECTIVE.search(text)
    assert desk.balance(LI_NA) == D("2680.50")


def test_a_cancellation_is_not_reversed_once_resettled(desk: Desk) -> None:
    mdtrt_id, setl_id, _ = settled(desk)
    cancel = {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": LI_NA.psn_no}}
    _, cancel_msgid = desk.ok_with_msgid("2208", cancel)
    desk.ok("2207", settle_request(LI_NA, mdtrt_id, TOTALS))
    desk.refused("2601", reversal(cancel_msgid, "2208"), "原结算的费用明细已变更")
    assert desk.balance(LI_NA) == D("1056.10")


def test_reversing_an_admission(desk: Desk) -> None:
    who = WANG_JIANGUO
    output, msgid = desk.ok_with_msgid("2401", admission())
    mdtrt_id = output["result"]["mdtrt_id"]
    desk.ok("2601", reversal(msgid, "2401", who.psn_no))
    visit = desk.session.get(Visit, mdtrt_id)
    assert visit is not None and visit.status == "cancelled"
    period = {"begntime": "2025-07-01 00:00:00", "endtime": "2025-07-31 23:59:59"}
    assert desk.ok("5303", {"data": period})["data"] == []
    # a new admission is possible again; with fees, 2601 refuses
    output, msgid = desk.ok_with_msgid("2401", admission("ZY2025070002"))
    second = output["result"]["mdtrt_id"]
    desk.ok("2301", {"feedetail": [inpatient_row(second, "I1", "001101000010100-110100001", "1", "40.00")]})
    text = desk.refused("2601", reversal(msgid, "2401", who.psn_no), "该就诊已发生费用，不能冲正入院")
    assert re.search("不能冲正", text)


# ------------------------------------------------------------------------------------------ pharmacy


def bought(desk: Desk) -> tuple[str, str, str]:
    """刘芳's purchase settled by 2102: (mdtrt_id, setl_id, the 2102 msgid)."""
    output, msgid = desk.ok_with_msgid("2102", purchase())
    info = output["setlinfo"]
    assert desk.balance(BUYER) == D("762.10")
    return info["mdtrt_id"], info["setl_id"], msgid


def purchase_state(desk: Desk, mdtrt_id: str) -> tuple[str, set[str]]:
    """(visit status, statuses of its fee lines)."""
    visit = desk.session.get(Visit, mdtrt_id)
    assert visit is not None
    desk.session.refresh(visit)
    lines = desk.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id).all()
    for fd in lines:
        desk.session.refresh(fd)
    return visit.status, {fd.status for fd in lines}


def test_reversing_a_pharmacy_settlement_ends_the_purchase(pharmacy: Desk) -> None:
    seed_counters = dict(pharmacy.person(BUYER).year_to_date or {})
    mdtrt_id, setl_id, msgid = bought(pharmacy)
    assert purchase_state(pharmacy, mdtrt_id) == ("registered", {"settled"})

    first = pharmacy.call("2601", reversal(msgid, "2102", BUYER.psn_no))
    assert first.infcode == 0 and first.output is None, first.err_msg
    person = pharmacy.person(BUYER)
    assert person.balc == D("860.30") and dict(person.year_to_date or {}) == seed_counters
    row = pharmacy.session.get(SettlementRow, setl_id)
    assert row is not None and row.status == "reversed" and row.reversed_by == first.msgid
    # a purchase has no life outside its settlement: lines and visit end with it, not back to "uploaded"
    assert purchase_state(pharmacy, mdtrt_id) == ("cancelled", {"cancelled"})
    query = {"data": {"psn_no": BUYER.psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}}
    assert pharmacy.ok("5203", query) == {"setlinfo": None, "setldetail": []}

    # idempotent: the second 2601 succeeds and changes nothing
    second = pharmacy.call("2601", reversal(msgid, "2102", BUYER.psn_no))
    assert (second.infcode, second.output) == (0, None)
    assert pharmacy.balance(BUYER) == D("860.30")
    original = pharmacy.session.get(Message, msgid)
    assert original is not None and original.reversed_by == first.msgid
    # nothing is left to cancel, and the pharmacy simply sells again
    cancel = {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": BUYER.psn_no}}
    pharmacy.refused("2103", cancel, "结算信息不存在")
    bought(pharmacy)


def test_a_cancelled_purchase_is_not_reversed(pharmacy: Desk) -> None:
    mdtrt_id, setl_id, msgid = bought(pharmacy)
    pharmacy.ok("2103", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": BUYER.psn_no}})
    text = pharmacy.refused("2601", reversal(msgid, "2102", BUYER.psn_no), "原结算已撤销，不能冲正")
    assert not ORIGINAL_NOT_EFFECTIVE.search(text)  # it did take effect: the engine must not call it FAILED
    assert pharmacy.balance(BUYER) == D("860.30")
    row = pharmacy.session.get(SettlementRow, setl_id)
    assert row is not None and row.status == "cancelled"
    assert purchase_state(pharmacy, mdtrt_id) == ("cancelled", {"cancelled"})


def test_reversing_a_pharmacy_cancellation_restores_the_purchase(pharmacy: Desk) -> None:
    mdtrt_id, setl_id, _ = bought(pharmacy)
    cancel = {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": BUYER.psn_no}}
    output, cancel_msgid = pharmacy.ok_with_msgid("2103", cancel)
    twin_id = output["setlinfo"]["setl_id"]
    assert pharmacy.balance(BUYER) == D("860.30")
    assert purchase_state(pharmacy, mdtrt_id) == ("cancelled", {"cancelled"})

    first = pharmacy.call("2601", reversal(cancel_msgid, "2103", BUYER.psn_no))
    assert first.infcode == 0 and first.output is None, first.err_msg
    assert pharmacy.balance(BUYER) == D("762.10")  # charged again
    original = pharmacy.session.get(SettlementRow, setl_id)
    twin = pharmacy.session.get(SettlementRow, twin_id)
    assert original is not None and original.status == "settled" and original.cancelled_by is None
    assert twin is not None and twin.status == "reversed" and twin.reversed_by == first.msgid
    # the purchase is as 2102 left it: lines settled by the original, visit registered
    assert purchase_state(pharmacy, mdtrt_id) == ("registered", {"settled"})
    lines = pharmacy.session.query(FeeDetail).filter_by(mdtrt_id=mdtrt_id).all()
    assert {fd.setl_id for fd in lines} == {setl_id}
    query = {"data": {"psn_no": BUYER.psn_no, "setl_id": setl_id, "mdtrt_id": mdtrt_id}}
    live = pharmacy.ok("5203", query)["setlinfo"]
    assert (live["setl_id"], live["refd_setl_flag"], live["balc"]) == (setl_id, "0", D("762.10"))

    # idempotent, and the settlement that stands again can be cancelled again
    second = pharmacy.call("2601", reversal(cancel_msgid, "2103", BUYER.psn_no))
    assert (second.infcode, second.output) == (0, None)
    assert pharmacy.balance(BUYER) == D("762.10")
    pharmacy.ok("2103", cancel)
    assert pharmacy.balance(BUYER) == D("860.30")
