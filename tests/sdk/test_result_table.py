"""The Python result classes are the registry's result table (registry/results.py), which every client reads:
each friendly name is a field of its class, typed as the table says (amounts Decimal, never float)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medical_insurance_sdk.registry.results import RESULT_FIELDS
from medical_insurance_sdk.sdk._results import RESULT_CLASSES


@pytest.mark.parametrize("name", sorted(RESULT_FIELDS))
def test_friendly_names_are_typed_fields(name):
    cls = RESULT_CLASSES[name]
    for attr, friendly in RESULT_FIELDS[name].items():
        assert attr in cls.model_fields, f"{name}.{attr} is in the registry's table but not on the class"
        annotation = str(cls.model_fields[attr].annotation)
        assert ("Decimal" in annotation) == (friendly.kind == "decimal"), f"{name}.{attr}: {annotation}"
        assert "float" not in annotation


def test_an_amount_is_read_exactly():
    cls = RESULT_CLASSES["SettlementResult"]
    result = cls.build("2207", {"setlinfo": {"setl_id": "S1", "medfee_sumamt": "100.10"}})
    assert result.total_amount == Decimal("100.10")
