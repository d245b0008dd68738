"""The Python SDK (spec §9): `MedicalInsuranceSDK`, `AsyncMedicalInsuranceSDK`, their config and results.

    from medical_insurance_sdk import MedicalInsuranceSDK
    sdk = MedicalInsuranceSDK(config_path="config.json")    # gateway mode; no api_base_url: in process

Layout: _config (settings) · _core (I/O-free: request and the attempt loop) · _answers (answers and error
mapping) · _retry (the one policy) · _cache · _results (typed results, friendly names) · _client (the two
shells) · _inprocess (the engine as a transport) · _resource · _logging · resources/ (GENERATED, one method
per transaction) · lib/ (the spec's convenience methods: friendly-name table, flow memory, catalogue
files, validation).
"""

from __future__ import annotations

from medical_insurance_sdk.sdk._client import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK
from medical_insurance_sdk.sdk._config import SDKConfig
from medical_insurance_sdk.sdk._core import CallOptions
from medical_insurance_sdk.sdk._results import (
    AdmissionResult,
    BatchResult,
    BenefitCheckResult,
    InstitutionInfo,
    PersonInfo,
    RegisterResult,
    Result,
    SettlementResult,
    ValidationResult,
)
from medical_insurance_sdk.sdk.lib.catalog import CatalogRows

__all__ = [
    "AdmissionResult",
    "AsyncMedicalInsuranceSDK",
    "BatchResult",
    "BenefitCheckResult",
    "CallOptions",
    "CatalogRows",
    "InstitutionInfo",
    "MedicalInsuranceSDK",
    "PersonInfo",
    "RegisterResult",
    "Result",
    "SDKConfig",
    "SettlementResult",
    "ValidationResult",
]
