"""Field tables of the 信息采集上传 category: 4301-4701 clinical records and their 4507-4512 queries."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {}
