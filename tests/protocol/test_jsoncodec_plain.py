"""`plain` and `plain_and_size` give what writing the JSON text and reading it back gives, without the text
(issue 16: the audit and the ledger keep plain copies of every call)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medical_insurance_sdk.protocol.jsoncodec import dumps, plain, plain_and_size


class Kind(StrEnum):
    A = "a"


class Level(IntEnum):
    HIGH = 3


def reference(value: Any) -> Any:
    return json.loads(dumps(value), parse_float=str)


SAMPLES: list[Any] = [
    {"medfee_sumamt": Decimal("12.50"), "n": Decimal("100"), "e": Decimal("1E+2"), "tiny": Decimal("1E-7")},
    {"neg": Decimal("-0.00"), "zero": Decimal("-0"), "f": 1.5, "big": 1e16, "i": -7, "b": True, "none": None},
    {"when": datetime(2025, 7, 14, 10, 30), "utc": datetime(2025, 7, 14, 2, 30, tzinfo=UTC)},
    {"day": date(2025, 7, 14), "rows": ({"a": '患者\n"引号"\\'}, [1, [2, [3]]]), "empty": {}},
    {"kind": Kind.A, Kind.A: Level.HIGH, "control": "\x00\x1f\u2028"},
    [Decimal("3"), "text", 0.1],
    "alone",
    Decimal("0.10"),
]


@pytest.mark.parametrize("value", SAMPLES)
def test_the_same_values_and_size_as_the_text_read_back(value: Any) -> None:
    copy, size = plain_and_size(value)
    assert copy == reference(value) == plain(value)
    assert type(copy) is type(reference(value))
    assert size == len(dumps(value))


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.dates(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(JSONISH)
def test_any_message_gives_the_values_and_size_of_its_text(value: Any) -> None:
    try:
        text = dumps(value)
    except UnicodeEncodeError:  # a lone surrogate: neither writes it
        with pytest.raises(UnicodeEncodeError):
            plain_and_size(value)
        return
    copy, size = plain_and_size(value)
    assert copy == json.loads(text, parse_float=str)
    assert size == len(text)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({1: "a"}, TypeError),
        ({"x": object()}, TypeError),
        (Decimal("NaN"), ValueError),
        (float("inf"), ValueError),
    ],
)
def test_what_dumps_refuses_is_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        dumps(value)
    with pytest.raises(error):
        plain(value)
