"""A lost answer to an electronic prescription upload (7103) is resolved by 7105, matched by hiRxno.

The prescription is named by its 医保处方编号 (`identity_keys`), not by a settlement or visit key: the
ledger keeps hiRxno and the visit fields 7105 is asked with, the call's own resolution adds the person's
name and ID number (never kept), and 7105 answers the prescription (CONFIRMED) or "处方未上传" (FAILED,
once the processing window has passed: it may be uploaded again).  Every fault kind, SQLite; the two
lost-answer kinds on PostgreSQL.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sandbox_support import (
    FAULT_KINDS,
    FAULTED_CALL_TIMEOUT_S,
    HANGING_FAULTS,
    Answer,
    Counter,
    SandboxBureau,
    assert_definite_answer,
    expected_state,
)

from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message, sample_node
from medical_insurance_sdk.registry.schemas.prescription import (
    DISEINFO_ROWS,
    MDTRTINFO_ROWS,
    RXDRUGDETAIL_ROWS,
)
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS
from medical_insurance_sdk.storage.database import Database

WHO = PERSONS[0]
_TIME = "%Y-%m-%d %H:%M:%S"


def _message(infno: str, **data: Any) -> dict[str, Any]:
    message = sample_message(REGISTRY[infno].request_nodes, optional=False)
    assert isinstance(message, dict)
    message["data"].update(data)
    return message


def _pre_verify(hosp_rxno: str) -> dict[str, Any]:
    now = datetime.now()
    begin, end = now - timedelta(hours=1), now + timedelta(days=3)
    drug = sample_node(RXDRUGDETAIL_ROWS, optional=False) | {
        "medListCodg": "XA01BA001A001010100001",
        "drugGenname": "阿司匹林肠溶片",
        "medcBegntime": begin.strftime(_TIME),
        "medcEndtime": end.strftime(_TIME),
        "drugCnt": "30",
        "hospApprFlag": "1",
    }
    visit = sample_node(MDTRTINFO_ROWS, optional=False) | {
        "fixmedinsCode": DEMO_HOSPITAL,
        "mdtrtId": f"MD{hosp_rxno}",
        "psnNo": WHO.psn_no,
        "patnName": WHO.psn_name,
        "psnCertType": "01",
        "certno": WHO.certno,
        "gend": "1",
        "medType": "11",
    }
    return _message(
        "7101",
        mdtrtCertType="02",
        mdtrtCertNo=WHO.certno,
        hospRxno=hosp_rxno,
        prscTime=begin.strftime(_TIME),
        valiDays=3,
        valiEndTime=end.strftime(_TIME),
        rxdrugdetail=[drug],
        mdtrtinfo=visit,
        diseinfo=[sample_node(DISEINFO_ROWS, optional=False) | {"diagType": "1"}],
    )


def _prescribed(counter: Counter, hosp_rxno: str) -> dict[str, Any]:
    """7101 → 7102: the 7103 message that files the prescription."""
    verified = counter.call("7101", _pre_verify(hosp_rxno)).output["data"]
    hi_rxno, trace = verified["hiRxno"], verified["rxTraceCode"]
    original = {"rxTraceCode": trace, "hiRxno": hi_rxno, "certno": WHO.certno}
    signed = counter.call(
        "7102",
        _message(
            "7102",
            fixmedinsCode=DEMO_HOSPITAL,
            originalValue=base64.b64encode(json.dumps(original).encode()).decode(),
            originalRxFile="UERGLTEuNw==",
        ),
    ).output["data"]
    return _message(
        "7103",
        rxTraceCode=trace,
        hiRxno=hi_rxno,
        mdtrtId=f"MD{hosp_rxno}",
        psnCertType="01",
        certno=WHO.certno,
        patnName=WHO.psn_name,
        fixmedinsCode=DEMO_HOSPITAL,
        pharName="王药师",
        pharCode="HY430200000001",
        signDigest=signed["signDigest"],
    )


def _upload(counter: Counter, upload: dict[str, Any], **options: Any) -> Answer:
    try:
        return Answer(result=counter.call("7103", upload, **options))
    except MedicalInsuranceException as error:
        return Answer(error=error)


def _state_at_the_centre(counter: Counter, upload: dict[str, Any]) -> str:
    data = upload["data"]
    query = _message(
        "7105",
        hiRxno=data["hiRxno"],
        fixmedinsCode=DEMO_HOSPITAL,
        mdtrtId=data["mdtrtId"],
        psnName=WHO.psn_name,
        psnCertType="01",
        certno=WHO.certno,
    )
    return str(counter.call("7105", query).output["data"]["rxStasCodg"])


def prove(bureau: SandboxBureau, kind: str, hosp_rxno: str) -> None:
    counter = bureau.counter
    upload = _prescribed(counter, hosp_rxno)
    bureau.fault("7103", kind)
    wait = {"timeout_s": FAULTED_CALL_TIMEOUT_S} if kind in HANGING_FAULTS else {}
    answer = _upload(counter, upload, **wait)
    state = expected_state("7103", kind)
    assert_definite_answer(answer, "7103", state, kind)
    entry = counter.ledger.get(answer.msgid)
    assert entry is not None and entry.state == state
    keys = entry.business_keys
    assert keys["hiRxno"] == upload["data"]["hiRxno"] and keys["mdtrtId"] == upload["data"]["mdtrtId"]
    assert not {"certno", "psnName", "patnName"} & set(keys), "the person is never a ledger key"
    assert counter.sweep_until_resolved() == {}, "nothing left for the sweeper"
    if state == "CONFIRMED":
        assert answer.result is not None and answer.result.output is not None
        assert answer.result.output["hiRxno"] == upload["data"]["hiRxno"]
    else:
        _upload(counter, upload)  # it did not take effect: the prescription is uploaded again
    assert _state_at_the_centre(counter, upload) == "1"  # filed once, in force


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_a_lost_prescription_upload_is_resolved_by_its_query(sqlite_db: Database, kind: str) -> None:
    with SandboxBureau(sqlite_db) as bureau:
        prove(bureau, kind, f"RX{FAULT_KINDS.index(kind):03d}")


@pytest.mark.parametrize("kind", ["timeout_after", "timeout_before"])
def test_a_lost_prescription_upload_on_postgresql(postgres_db: Database, kind: str) -> None:
    with SandboxBureau(postgres_db) as bureau:
        prove(bureau, kind, f"RXPG{kind[-5:]}")
