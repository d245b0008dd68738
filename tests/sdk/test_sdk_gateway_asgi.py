"""The SDK against the real gateway app (create_app), in process through httpx.ASGITransport, with the
app's lifespan running and the embedded sandbox behind it: 1101 and the outpatient flow of §11.3.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi")

from medical_insurance_sdk.exceptions import DataValidationError, PermissionDeniedError
from medical_insurance_sdk.gateway import GatewaySettings, create_app
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.sandbox.seed import CATALOG, PERSONS
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sdk import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK

HOSPITAL = "H43028110001"
BASE = "http://gateway.test/api/v1/medical-insurance/"
WHO = PERSONS[1]
DRUG = next(item for item in CATALOG.values() if item.list_type == "101")


@pytest.fixture
async def gateway_app(tmp_path: Path) -> AsyncIterator[tuple[Any, dict[str, str]]]:
    settings = GatewaySettings(
        database_url=f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
        data_dir=tmp_path,
        environment="development",
        jwt_secret="sdk-tests-" + "x" * 40,
        sweeper_interval_s=0,
        demo_institution=True,
    )
    app = create_app(settings, sandbox_settings=SandboxSettings())
    async with app.router.lifespan_context(app):
        database = app.state.gateway.database
        keys = {role: create_key(database, HOSPITAL, role).key for role in ("admin", "data_analyst")}
        yield app, keys


def client(app: Any, key: str) -> AsyncMedicalInsuranceSDK:
    return AsyncMedicalInsuranceSDK(
        api_base_url=BASE,
        api_key=key,
        institution_code=HOSPITAL,
        env={},
        transport=httpx.ASGITransport(app=app),
    )


@pytest.mark.anyio
async def test_query_person_info_through_the_gateway(gateway_app) -> None:
    app, keys = gateway_app
    async with client(app, keys["admin"]) as sdk:
        patient = await sdk.query_person_info("02", WHO.certno, name=WHO.psn_name)
        assert (patient.name, patient.person_no) == (WHO.psn_name, WHO.psn_no)
        assert patient.insurance_balance == Decimal(WHO.balc)
        assert patient.msgid and patient.request_id
        # the generated form of the same transaction, flat fields as the spec's §2.1.1 example
        again = await sdk.resources.basic.query_person_info(
            mdtrt_cert_type="02", mdtrt_cert_no=WHO.certno, psn_cert_type="01", certno=WHO.certno
        )
        assert again.person_no == WHO.psn_no and again.msgid != patient.msgid


@pytest.mark.anyio
async def test_outpatient_flow_through_the_gateway(gateway_app) -> None:
    app, keys = gateway_app
    async with client(app, keys["admin"]) as sdk:
        patient = await sdk.query_person_info("02", WHO.certno)
        benefit = await sdk.benefit_check(person_no=patient.person_no, check_items=["drug_limit"])
        assert benefit.status in ("pass", "restricted")
        register = await sdk.outpatient_register(
            {
                "person_no": patient.person_no,
                "dept_code": "NK01",
                "dept_name": "普通内科",
                "doctor_code": "D001",
                "doctor_name": "李医生",
            }
        )
        await sdk.outpatient_visit_upload(
            {
                "visit_id": register.register_id,
                "diagnosis_info": [{"diag_code": "I10.x00", "diag_name": "原发性高血压"}],
            }
        )
        await sdk.outpatient_expense_upload(
            {
                "visit_id": register.register_id,
                "expense_items": [
                    {"item_code": DRUG.med_list_codg, "quantity": 3, "unit_price": DRUG.ref_pric}
                ],
            }
        )
        pre = await sdk.outpatient_pre_settle(register.register_id)
        assert pre.total_amount == DRUG.ref_pric * 3
        settle = await sdk.outpatient_settle(register.register_id)
        assert settle.settlement_id and settle.insurance_amount == pre.insurance_amount
        # the settlement is there when asked by its id (5203, a GET with query parameters)
        found = await sdk.call(
            "5203",
            {
                "data": {
                    "psn_no": patient.person_no,
                    "setl_id": settle.settlement_id,
                    "mdtrt_id": register.register_id,
                }
            },
        )
        assert found.get("setl_id") == settle.settlement_id


@pytest.mark.anyio
async def test_gateway_errors_map_onto_the_exception_tree(gateway_app) -> None:
    app, keys = gateway_app
    async with client(app, keys["data_analyst"]) as analyst:
        with pytest.raises(PermissionDeniedError):
            await analyst.call("2207", {"data": {"psn_no": WHO.psn_no}})
    async with client(app, keys["admin"]) as sdk:
        with pytest.raises(DataValidationError) as caught:
            await sdk.call("2207", {"data": {"psn_no": WHO.psn_no}})
        assert {e.path for e in caught.value.errors} >= {"data.mdtrt_id", "data.medfee_sumamt"}


@pytest.mark.anyio
async def test_sync_client_async_twins_through_the_gateway(gateway_app) -> None:
    app, keys = gateway_app
    sdk = MedicalInsuranceSDK(
        api_base_url=BASE,
        api_key=keys["admin"],
        institution_code=HOSPITAL,
        env={},
        transport=httpx.ASGITransport(app=app),
    )
    patient = await sdk.query_person_info_async("02", WHO.certno, "")
    assert patient.person_no == WHO.psn_no
    await sdk.aclose()
