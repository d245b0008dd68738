"""政策管理 (spec §2.11): 1 transaction (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Category, Safety, Transaction, tx

TRANSACTIONS: tuple[Transaction, ...] = (
    tx(
        "100001",
        "政策项查询接口",
        "policy_item_query",
        Category.POLICY,
        "GET policy/policy-item-query",
        safety=Safety.QUERY,
        permission="policy:query",
        perf="policy_query",
        sdk_method="query_policy_items",
        notes="Six-digit national code (hsa-his: 100001 政策项查询).",
    ),
)
