"""Field tables of one spec category (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {}
