"""The registry of the 206 bureau transactions.

    from medical_insurance_sdk.registry import REGISTRY
    tx = REGISTRY["2207"]            # by infno, interface_type or SDK method name
    tx = REGISTRY.by_route("POST", "business/outpatient/settle")

Declared as data in `catalog/<category>.py` (who, where, how safe) and `schemas/<category>.py` (the
bureau's field tables).  The registry checks itself when imported and refuses to load if anything is off.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.registry import Registry, RegistryError, assemble
from medical_insurance_sdk.registry.results import RESULT_TYPES
from medical_insurance_sdk.registry.transaction import (
    API_PREFIX,
    CATEGORY_COUNTS,
    Category,
    Channel,
    Route,
    Safety,
    Transaction,
)

REGISTRY: Registry = assemble()

__all__ = [
    "API_PREFIX",
    "CATEGORY_COUNTS",
    "REGISTRY",
    "RESULT_TYPES",
    "Category",
    "Channel",
    "Registry",
    "RegistryError",
    "Route",
    "Safety",
    "Transaction",
]
