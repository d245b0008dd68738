"""Field tables of the 医保业务服务 category: 2161-2181 异地就医购药, 2203A, 2507 (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {}
