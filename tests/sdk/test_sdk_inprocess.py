"""In-process mode: no gateway configured, the SDK runs the engine over the embedded sandbox itself —
with the same methods, results and errors as through the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from medical_insurance_sdk.exceptions import BureauRefusalError, DataValidationError
from medical_insurance_sdk.sandbox.seed import CATALOG, PERSONS
from medical_insurance_sdk.sdk import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK

pytest.importorskip("fastapi")  # the embedded sandbox is a FastAPI app

WHO = PERSONS[0]  # 张三, 职工医保 with a personal account
DRUG = next(item for item in CATALOG.values() if item.list_type == "101")


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"


@pytest.fixture
def local_sdk(ledger: str) -> Iterator[MedicalInsuranceSDK]:
    with MedicalInsuranceSDK(env={}, database_url=ledger) as sdk:
        yield sdk


def test_no_gateway_means_in_process(local_sdk: MedicalInsuranceSDK) -> None:
    assert local_sdk.in_process and local_sdk.config.api_base_url is None


def test_query_person_info_against_the_embedded_sandbox(local_sdk: MedicalInsuranceSDK) -> None:
    patient = local_sdk.query_person_info("02", WHO.certno, name=WHO.psn_name)
    assert (patient.name, patient.person_no) == (WHO.psn_name, WHO.psn_no)
    assert patient.insurance_balance == Decimal(WHO.balc)
    assert patient.msgid and patient.msgid.startswith("H43028110001")
    assert patient.insuinfo[0]["insuplc_admdvs"] == WHO.insuplc_admdvs


def test_outpatient_flow_against_the_embedded_sandbox(local_sdk: MedicalInsuranceSDK) -> None:
    sdk = local_sdk
    patient = sdk.query_person_info("02", WHO.certno, name=WHO.psn_name)
    assert sdk.benefit_check(person_no=patient.person_no, check_items=["drug_limit"]).status == "pass"
    register = sdk.outpatient_register(
        {
            "person_no": patient.person_no,
            "dept_code": "NK01",
            "dept_name": "普通内科",
            "doctor_code": "D001",
            "doctor_name": "李医生",
        }
    )
    assert register.register_id
    sdk.outpatient_visit_upload(
        {
            "visit_id": register.register_id,
            "diagnosis_info": [{"diag_code": "I10.x00", "diag_name": "原发性高血压"}],
        }
    )
    fees = sdk.outpatient_expense_upload(
        {
            "visit_id": register.register_id,
            "expense_items": [{"item_code": DRUG.med_list_codg, "quantity": 2, "unit_price": DRUG.ref_pric}],
        }
    )
    total = sum(Decimal(str(row["det_item_fee_sumamt"])) for row in fees.rows("result"))
    assert total == DRUG.ref_pric * 2
    pre = sdk.outpatient_pre_settle(register.register_id)
    assert pre.total_amount == total and pre.insurance_amount is not None
    settle = sdk.outpatient_settle(register.register_id)
    assert settle.settlement_id and settle.total_amount == total
    assert settle.insurance_amount == pre.insurance_amount
    # settling twice is the bureau's business refusal, mapped like the gateway maps it
    with pytest.raises(BureauRefusalError) as caught:
        sdk.outpatient_settle(register.register_id)
    refusal = caught.value
    assert "重复结算" in refusal.message and (refusal.code, refusal.http_status) == (50008, 409)
    assert refusal.infcode == -2 and refusal.details["kind"] == "business" and refusal.retry is False
    cancel = sdk.outpatient_settle_cancel(settle.settlement_id)
    assert cancel.settlement_id and cancel.settlement_id != settle.settlement_id


def test_catalogue_download_and_validation_errors_in_process(local_sdk: MedicalInsuranceSDK) -> None:
    drugs = local_sdk.download_drug_catalog(version="1.0")
    assert len(drugs) > 0 and drugs[0].code
    with pytest.raises(DataValidationError) as caught:
        local_sdk.call(
            "2207", {"data": {"psn_no": WHO.psn_no}}
        )  # the engine validates, errors come back as 422
    assert caught.value.http_status == 422 and {e.code for e in caught.value.errors} == {30002}


@pytest.mark.anyio
async def test_async_client_in_process(ledger: str) -> None:
    async with AsyncMedicalInsuranceSDK(env={}, database_url=ledger) as sdk:
        patient = await sdk.query_person_info("02", WHO.certno)
        assert patient.person_no == WHO.psn_no
