"""Field tables of one spec category (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}
