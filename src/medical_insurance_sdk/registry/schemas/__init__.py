"""The bureau's field tables, one module per spec category or part of one (data only).

Each module exports `SCHEMAS: dict[infno, Schema]` and may export `UNPUBLISHED: dict[infno, str]`: the
transactions for which no public field table was found, each with what was searched (rendered into
docs/interfaces.md).  Transactions without a schema are `generic`.
"""

from __future__ import annotations

from types import ModuleType

from medical_insurance_sdk.registry.fields import Schema
from medical_insurance_sdk.registry.schemas import (
    basic,
    business,
    business_offsite,
    business_variants,
    institution,
    institution_drg,
    institution_inventory,
    institution_review,
    monitoring,
    other,
    payment,
    policy_management,
    prescription,
    query,
    query_mutual,
    ticket,
    upload,
    upload_clinical,
    upload_emr,
    upload_reports,
)

_MODULES: tuple[ModuleType, ...] = (
    basic,
    business,
    business_offsite,
    business_variants,
    institution,
    institution_review,
    institution_inventory,
    institution_drg,
    upload,
    upload_clinical,
    upload_reports,
    upload_emr,
    query,
    query_mutual,
    payment,
    prescription,
    monitoring,
    other,
    ticket,
    policy_management,
)


def _merge(attribute: str) -> dict[str, object]:
    merged: dict[str, object] = {}
    for module in _MODULES:
        for infno, value in getattr(module, attribute, {}).items():
            if infno in merged:
                raise ValueError(f"{attribute} for {infno} declared twice")
            merged[infno] = value
    return merged


SCHEMAS: dict[str, Schema] = _merge("SCHEMAS")  # type: ignore[assignment]
UNPUBLISHED: dict[str, str] = _merge("UNPUBLISHED")  # type: ignore[assignment]
