"""What docs/interfaces.md says about the sandbox holds: most transactions keep state, and every write a
query reads back (answers_from) is really among that query's records."""

from __future__ import annotations

from medical_insurance_sdk.registry import REGISTRY, Safety
from medical_insurance_sdk.sandbox.coverage import STATEFUL, behaviour, stateful_count


def test_at_least_160_transactions_keep_state():
    assert stateful_count(REGISTRY.transactions) >= 160


def test_every_money_and_confirming_query_has_behaviour():
    for t in REGISTRY.transactions:
        if t.safety is Safety.MONEY:
            assert behaviour(t) in STATEFUL, t.infno
        if t.confirm_by:
            assert behaviour(REGISTRY[t.confirm_by]) in STATEFUL, (t.infno, t.confirm_by)
