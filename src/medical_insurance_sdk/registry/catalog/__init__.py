"""The 206 transactions, one module per spec category (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.catalog import (
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
from medical_insurance_sdk.registry.transaction import Transaction

TRANSACTIONS: tuple[Transaction, ...] = (
    *basic.TRANSACTIONS,
    *business.TRANSACTIONS,
    *institution.TRANSACTIONS,
    *upload.TRANSACTIONS,
    *query.TRANSACTIONS,
    *payment.TRANSACTIONS,
    *prescription.TRANSACTIONS,
    *monitoring.TRANSACTIONS,
    *other.TRANSACTIONS,
    *ticket.TRANSACTIONS,
    *policy_management.TRANSACTIONS,
)
