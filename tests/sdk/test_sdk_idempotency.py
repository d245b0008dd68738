"""`options={"idempotency_key": ...}`: the SDK sends the `Idempotency-Key` header, and a resubmitted
settlement with the same key gets the first settlement back instead of a second one (in process too)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sdk_support import FakeGateway

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import CATALOG, PERSONS
from medical_insurance_sdk.sdk import MedicalInsuranceSDK

pytest.importorskip("fastapi")  # the embedded sandbox is a FastAPI app

WHO = PERSONS[1]
DRUG = next(item for item in CATALOG.values() if item.list_type == "101")


def test_the_option_becomes_the_idempotency_key_header(
    sdk: MedicalInsuranceSDK, gateway: FakeGateway
) -> None:
    settle = sample_message(REGISTRY["2207"].request_nodes)
    sdk.call("2207", settle, options={"idempotency_key": "HIS-SETTLE:0001"})
    assert gateway.requests[-1].headers["Idempotency-Key"] == "HIS-SETTLE:0001"  # as given, not encoded
    sdk.call("2207", settle)
    assert "Idempotency-Key" not in gateway.requests[-1].headers


@pytest.fixture
def local_sdk(tmp_path: Path) -> Iterator[MedicalInsuranceSDK]:
    with MedicalInsuranceSDK(env={}, database_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}") as sdk:
        yield sdk


def test_a_resubmitted_settlement_with_the_same_key_is_the_first_one(local_sdk: MedicalInsuranceSDK) -> None:
    sdk = local_sdk
    patient = sdk.query_person_info("02", WHO.certno, name=WHO.psn_name)
    register = sdk.outpatient_register(
        {
            "person_no": patient.person_no,
            "dept_code": "NK01",
            "dept_name": "普通内科",
            "doctor_code": "D001",
            "doctor_name": "李医生",
        }
    )
    sdk.outpatient_visit_upload(
        {
            "visit_id": register.register_id,
            "diagnosis_info": [{"diag_code": "I10.x00", "diag_name": "原发性高血压"}],
        }
    )
    sdk.outpatient_expense_upload(
        {
            "visit_id": register.register_id,
            "expense_items": [{"item_code": DRUG.med_list_codg, "quantity": 1, "unit_price": DRUG.ref_pric}],
        }
    )
    sdk.outpatient_pre_settle(register.register_id)
    key = {"idempotency_key": f"HIS-SETTLE-{register.register_id}"}
    first = sdk.outpatient_settle(register.register_id, options=key)
    again = sdk.outpatient_settle(register.register_id, options=key)  # no 50008 重复结算: nothing was sent
    assert (again.settlement_id, again.msgid) == (first.settlement_id, first.msgid)
    assert again.total_amount == first.total_amount == Decimal(DRUG.ref_pric)
