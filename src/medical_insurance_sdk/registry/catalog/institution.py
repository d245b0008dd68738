"""Transactions of one spec category (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Transaction

TRANSACTIONS: tuple[Transaction, ...] = ()
