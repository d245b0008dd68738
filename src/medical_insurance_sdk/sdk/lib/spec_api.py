"""The spec's convenience methods (§9.1.1, §11.2.1, §11.3.1, §11.4), mixed into the two clients.

    sdk.query_person_info("01", "430281199001010001", name="张三")       # MedicalInsuranceSDK
    await sdk.query_person_info_async("01", cert_no, "")                # the spec's *_async twin
    await async_sdk.query_person_info("01", cert_no)                    # AsyncMedicalInsuranceSDK

Each method is one plan of `plans.py`, turned into a method by `sync_op` / `async_op`: nothing here is
written twice.  The flows over one transaction (`outpatient_settle` …) are the registry's `spec_flow`
declarations, generated into `resources/_flows.py` and inherited here.  Where a name is also a generated
method (`query_person_info`, `outpatient_register` …) the spec's signature wins on the client; the
generated form stays at `sdk.resources.<category>.<name>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medical_insurance_sdk.sdk._results import ValidationResult
from medical_insurance_sdk.sdk.lib import plans
from medical_insurance_sdk.sdk.lib.ops import async_op, sync_op
from medical_insurance_sdk.sdk.lib.validation import validate
from medical_insurance_sdk.sdk.resources._flows import AsyncSpecFlows, SpecFlows

__all__ = ["AsyncSpecAPI", "SpecAPI", "async_op", "sync_op"]


class _Local:
    def validate_medical_data(self, interface_type: str, data: Mapping[str, Any]) -> ValidationResult:
        """Check `data` against the registry's field tables locally (spec §11.4); no network.

        result = sdk.validate_medical_data("electronic_medical_record", data)
        """
        return validate(interface_type, data)


class SpecAPI(_Local, SpecFlows):
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


class AsyncSpecAPI(_Local, AsyncSpecFlows):
    """For AsyncMedicalInsuranceSDK: the same methods as coroutines (no suffix)."""

    call = async_op(plans.call)
    batch_upload = async_op(plans.batch_upload)
    query_person_info = async_op(plans.query_person_info)
    query_institution_info = async_op(plans.query_institution_info)
    download_catalog = async_op(plans.download_catalog)
    download_drug_catalog = async_op(plans.download_drug_catalog)
    download_tcm_catalog = async_op(plans.download_tcm_catalog)
    benefit_check = async_op(plans.benefit_check)
