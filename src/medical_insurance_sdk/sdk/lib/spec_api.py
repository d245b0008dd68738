"""The spec's convenience methods (§9.1.1, §11.2.1, §11.3.1, §11.4), mixed into the two clients.

    sdk.query_person_info("01", "430281199001010001", name="张三")       # MedicalInsuranceSDK
    await sdk.query_person_info_async("01", cert_no, "")                # the spec's *_async twin
    await async_sdk.query_person_info("01", cert_no)                    # AsyncMedicalInsuranceSDK

Each method is one plan of `plans.py`, turned into a method by `sync_op` / `async_op`: nothing here is
written twice.  Where a name is also a generated method (`query_person_info`, `outpatient_register` …) the
spec's signature wins on the client; the generated form stays at `sdk.resources.<category>.<name>`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator, Mapping
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from medical_insurance_sdk.sdk._results import ValidationResult
from medical_insurance_sdk.sdk.lib import plans
from medical_insurance_sdk.sdk.lib.plans import PlanContext
from medical_insurance_sdk.sdk.lib.validation import validate

P = ParamSpec("P")
R = TypeVar("R")
Plan = Callable[Concatenate[PlanContext, P], Generator[Any, Any, R]]


def sync_op(plan: Plan[P, R]) -> Callable[Concatenate[Any, P], R]:
    """A blocking method running `plan` on the client's sync shell."""

    @wraps(plan)
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self._run(plan(self._plan_context, *args, **kwargs))
        return result

    return method


def async_op(plan: Plan[P, R]) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, R]]:
    """A coroutine method running `plan` on the client's async shell."""

    @wraps(plan)
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = await self._run_async(plan(self._plan_context, *args, **kwargs))
        return result

    return method


class _Local:
    def validate_medical_data(self, interface_type: str, data: Mapping[str, Any]) -> ValidationResult:
        """Check `data` against the registry's field tables locally (spec §11.4); no network.

        result = sdk.validate_medical_data("electronic_medical_record", data)
        """
        return validate(interface_type, data)


class SpecAPI(_Local):
    """For MedicalInsuranceSDK: every method blocking, plus its `*_async` twin."""

    call = sync_op(plans.call)
    call_async = async_op(plans.call)
    batch_upload = sync_op(plans.batch_upload)
    batch_upload_async = async_op(plans.batch_upload)
    query_person_info = sync_op(plans.query_person_info)
    query_person_info_async = async_op(plans.query_person_info)
    query_institution_info = sync_op(plans.query_institution_info)
    query_institution_info_async = async_op(plans.query_institution_info)
    download_catalog = sync_op(plans.download_catalog)
    download_catalog_async = async_op(plans.download_catalog)
    download_drug_catalog = sync_op(plans.download_drug_catalog)
    download_drug_catalog_async = async_op(plans.download_drug_catalog)
    download_tcm_catalog = sync_op(plans.download_tcm_catalog)
    download_tcm_catalog_async = async_op(plans.download_tcm_catalog)
    benefit_check = sync_op(plans.benefit_check)
    benefit_check_async = async_op(plans.benefit_check)
    pharmacy_pre_settle = sync_op(plans.pharmacy_pre_settle)
    pharmacy_pre_settle_async = async_op(plans.pharmacy_pre_settle)
    pharmacy_settle = sync_op(plans.pharmacy_settle)
    pharmacy_settle_async = async_op(plans.pharmacy_settle)
    pharmacy_settle_cancel = sync_op(plans.pharmacy_settle_cancel)
    pharmacy_settle_cancel_async = async_op(plans.pharmacy_settle_cancel)
    outpatient_register = sync_op(plans.outpatient_register)
    outpatient_register_async = async_op(plans.outpatient_register)
    outpatient_register_cancel = sync_op(plans.outpatient_register_cancel)
    outpatient_register_cancel_async = async_op(plans.outpatient_register_cancel)
    outpatient_visit_upload = sync_op(plans.outpatient_visit_upload)
    outpatient_visit_upload_async = async_op(plans.outpatient_visit_upload)
    outpatient_expense_upload = sync_op(plans.outpatient_expense_upload)
    outpatient_expense_upload_async = async_op(plans.outpatient_expense_upload)
    outpatient_expense_cancel = sync_op(plans.outpatient_expense_cancel)
    outpatient_expense_cancel_async = async_op(plans.outpatient_expense_cancel)
    outpatient_pre_settle = sync_op(plans.outpatient_pre_settle)
    outpatient_pre_settle_async = async_op(plans.outpatient_pre_settle)
    outpatient_settle = sync_op(plans.outpatient_settle)
    outpatient_settle_async = async_op(plans.outpatient_settle)
    outpatient_settle_cancel = sync_op(plans.outpatient_settle_cancel)
    outpatient_settle_cancel_async = async_op(plans.outpatient_settle_cancel)
    inpatient_admission = sync_op(plans.inpatient_admission)
    inpatient_admission_async = async_op(plans.inpatient_admission)
    inpatient_admission_cancel = sync_op(plans.inpatient_admission_cancel)
    inpatient_admission_cancel_async = async_op(plans.inpatient_admission_cancel)
    inpatient_expense_upload = sync_op(plans.inpatient_expense_upload)
    inpatient_expense_upload_async = async_op(plans.inpatient_expense_upload)
    inpatient_discharge = sync_op(plans.inpatient_discharge)
    inpatient_discharge_async = async_op(plans.inpatient_discharge)
    inpatient_pre_settle = sync_op(plans.inpatient_pre_settle)
    inpatient_pre_settle_async = async_op(plans.inpatient_pre_settle)
    inpatient_settle = sync_op(plans.inpatient_settle)
    inpatient_settle_async = async_op(plans.inpatient_settle)
    inpatient_settle_cancel = sync_op(plans.inpatient_settle_cancel)
    inpatient_settle_cancel_async = async_op(plans.inpatient_settle_cancel)
    upload_electronic_medical_record = sync_op(plans.upload_electronic_medical_record)
    upload_electronic_medical_record_async = async_op(plans.upload_electronic_medical_record)
    upload_settlement_list = sync_op(plans.upload_settlement_list)
    upload_settlement_list_async = async_op(plans.upload_settlement_list)
    prescription_pre_verify = sync_op(plans.prescription_pre_verify)
    prescription_pre_verify_async = async_op(plans.prescription_pre_verify)
    prescription_upload = sync_op(plans.prescription_upload)
    prescription_upload_async = async_op(plans.prescription_upload)
    prescription_download = sync_op(plans.prescription_download)
    prescription_download_async = async_op(plans.prescription_download)
    prescription_sale_upload = sync_op(plans.prescription_sale_upload)
    prescription_sale_upload_async = async_op(plans.prescription_sale_upload)


class AsyncSpecAPI(_Local):
    """For AsyncMedicalInsuranceSDK: the same methods as coroutines (no suffix)."""

    call = async_op(plans.call)
    batch_upload = async_op(plans.batch_upload)
    query_person_info = async_op(plans.query_person_info)
    query_institution_info = async_op(plans.query_institution_info)
    download_catalog = async_op(plans.download_catalog)
    download_drug_catalog = async_op(plans.download_drug_catalog)
    download_tcm_catalog = async_op(plans.download_tcm_catalog)
    benefit_check = async_op(plans.benefit_check)
    pharmacy_pre_settle = async_op(plans.pharmacy_pre_settle)
    pharmacy_settle = async_op(plans.pharmacy_settle)
    pharmacy_settle_cancel = async_op(plans.pharmacy_settle_cancel)
    outpatient_register = async_op(plans.outpatient_register)
    outpatient_register_cancel = async_op(plans.outpatient_register_cancel)
    outpatient_visit_upload = async_op(plans.outpatient_visit_upload)
    outpatient_expense_upload = async_op(plans.outpatient_expense_upload)
    outpatient_expense_cancel = async_op(plans.outpatient_expense_cancel)
    outpatient_pre_settle = async_op(plans.outpatient_pre_settle)
    outpatient_settle = async_op(plans.outpatient_settle)
    outpatient_settle_cancel = async_op(plans.outpatient_settle_cancel)
    inpatient_admission = async_op(plans.inpatient_admission)
    inpatient_admission_cancel = async_op(plans.inpatient_admission_cancel)
    inpatient_expense_upload = async_op(plans.inpatient_expense_upload)
    inpatient_discharge = async_op(plans.inpatient_discharge)
    inpatient_pre_settle = async_op(plans.inpatient_pre_settle)
    inpatient_settle = async_op(plans.inpatient_settle)
    inpatient_settle_cancel = async_op(plans.inpatient_settle_cancel)
    upload_electronic_medical_record = async_op(plans.upload_electronic_medical_record)
    upload_settlement_list = async_op(plans.upload_settlement_list)
    prescription_pre_verify = async_op(plans.prescription_pre_verify)
    prescription_upload = async_op(plans.prescription_upload)
    prescription_download = async_op(plans.prescription_download)
    prescription_sale_upload = async_op(plans.prescription_sale_upload)
