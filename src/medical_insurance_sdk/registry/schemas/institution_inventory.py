"""Field tables of the 医药机构管理 category: 3401A batch departments, 3501A-3513 batch inventory, 3592B."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {}
