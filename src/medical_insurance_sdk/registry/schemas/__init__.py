"""The bureau's field tables, one module per spec category (data only).

Each module exports `SCHEMAS: dict[infno, Schema]`.  Transactions without an entry are `generic`.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema
from medical_insurance_sdk.registry.schemas import (
    basic,
    business,
    institution,
    monitoring,
    other,
    payment,
    policy_management,
    prescription,
    query,
    ticket,
    upload,
)


def _merge(*modules: object) -> dict[str, Schema]:
    merged: dict[str, Schema] = {}
    for module in modules:
        for infno, schema in module.SCHEMAS.items():  # type: ignore[attr-defined]
            if infno in merged:
                raise ValueError(f"schema for {infno} declared twice")
            merged[infno] = schema
    return merged


SCHEMAS: dict[str, Schema] = _merge(
    basic,
    business,
    institution,
    upload,
    query,
    payment,
    prescription,
    monitoring,
    other,
    ticket,
    policy_management,
)
