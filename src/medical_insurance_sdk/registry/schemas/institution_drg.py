"""Field tables of the 医药机构管理 category: 3601-3611 DRG/DIP and 3701-3704 appeals (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {}
