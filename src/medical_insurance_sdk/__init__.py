"""国家医保信息平台 SDK: one registry of the 206 bureau transactions, and everything derived from it.

    from medical_insurance_sdk import MedicalInsuranceSDK, MedicalInsuranceException
    sdk = MedicalInsuranceSDK(config_path="config.json")

The clients load on first use (PEP 562), so importing the package for its registry, engine or gateway does
not import the SDK, and importing the SDK never imports FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.sdk import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK

_LAZY = {
    "MedicalInsuranceSDK": "medical_insurance_sdk.sdk",
    "AsyncMedicalInsuranceSDK": "medical_insurance_sdk.sdk",
    "MedicalInsuranceException": "medical_insurance_sdk.exceptions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'medical_insurance_sdk' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["AsyncMedicalInsuranceSDK", "MedicalInsuranceException", "MedicalInsuranceSDK", "__version__"]
