"""Tenancy: a caller acts only as its own institution; the ledger records the caller's institution."""

from __future__ import annotations

from typing import Any

from gateway_support import HOSPITAL, PHARMACY, Gateway, register_visit, upload_visit
from sqlalchemy import select

from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.models import LedgerEntry

PERSON_INFO = "basic/person-info"


def as_pharmacy(gateway: Gateway, institution: str = PHARMACY) -> dict[str, str]:
    return {"X-API-Key": gateway.other_key, "X-Institution-Code": institution}


def person_query(index: int = 0) -> dict[str, Any]:
    who = PERSONS[index]
    return {"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "psn_cert_type": "01"}


def ledger(gateway: Gateway, msgid: str) -> LedgerEntry:
    gateway.state.engine.flush_ledger()  # a query's row is written after its answer, off the request path
    with gateway.state.database.session() as session:
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.msgid == msgid))
        assert entry is not None
        return entry


def test_institution_b_cannot_act_as_a(gateway: Gateway) -> None:
    response = gateway.post(PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway, HOSPITAL))
    assert response.status_code == 401 and response.json()["error_code"] == 10007


def test_each_call_is_sent_and_recorded_as_the_callers_institution(gateway: Gateway) -> None:
    mine = gateway.ok("POST", PERSON_INFO, json=person_query())
    theirs = gateway.ok("POST", PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway))
    for body, code in ((mine, HOSPITAL), (theirs, PHARMACY)):
        msgid = body["interface_info"]["msgid"]
        assert msgid.startswith(code)  # the msgid carries the sender's fixmedins_code
        entry = ledger(gateway, msgid)
        assert entry.institution_code == code
        assert entry.request["fixmedins_code"] == code


def test_the_body_cannot_choose_another_institution(gateway: Gateway) -> None:
    forged = {**person_query(), "fixmedins_code": HOSPITAL, "fixmedins_name": "湘潭市第一人民医院"}
    body = gateway.ok("POST", PERSON_INFO, json=forged, headers=as_pharmacy(gateway))
    entry = ledger(gateway, body["interface_info"]["msgid"])
    assert entry.institution_code == PHARMACY and entry.request["fixmedins_code"] == PHARMACY


def test_b_cannot_touch_the_visits_of_a(gateway: Gateway) -> None:
    who = PERSONS[4]
    mdtrt_id = register_visit(gateway, who)  # A's visit
    cancel = {"mdtrt_id": mdtrt_id, "psn_no": who.psn_no, "ipt_otp_no": f"MZ{who.psn_no[-8:]}"}
    response = gateway.post("business/outpatient/register-cancel", json=cancel, headers=as_pharmacy(gateway))
    body = response.json()
    assert body["success"] is False, body
    entry = ledger(gateway, body["data"]["msgid"] if body["data"] else body["interface_info"]["msgid"])
    assert entry.institution_code == PHARMACY

    upload_visit(gateway, who, mdtrt_id)  # A's visit is still open: B's cancel never touched it
