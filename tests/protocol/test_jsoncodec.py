"""jsoncodec: exact decimals both ways, bureau date/time text, compact UTF-8."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medical_insurance_sdk.protocol.jsoncodec import BEIJING, dumps, format_datetime, loads


def test_decimal_is_a_json_number_with_its_exact_digits() -> None:
    body = dumps({"medfee_sumamt": Decimal("12.50"), "pool_prop_selfpay": Decimal("0.1000")})
    assert body == b'{"medfee_sumamt":12.50,"pool_prop_selfpay":0.1000}'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0"), b"0"),
        (Decimal("0.00"), b"0.00"),
        (Decimal("-505.01"), b"-505.01"),
        (Decimal("2.000000"), b"2.000000"),
        (Decimal("1E+2"), b"100"),  # no exponent on the wire
        (Decimal("1E-7"), b"0.0000001"),
        (Decimal("0.1") + Decimal("0.2"), b"0.3"),
    ],
)
def test_decimal_text(value: Decimal, text: bytes) -> None:
    assert dumps(value) == text


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        dumps({"x": value})


def test_chinese_text_is_utf8_not_escaped_and_compact() -> None:
    body = dumps({"psn_name": "张三", "list": [1, True, None, 'a"b\n']})
    assert body == '{"psn_name":"张三","list":[1,true,null,"a\\"b\\n"]}'.encode()


def test_dates_use_the_bureau_text_formats() -> None:
    body = dumps({"brdy": date(1990, 1, 2), "begntime": datetime(2025, 7, 14, 10, 30, 5, 999)})
    assert body == b'{"brdy":"1990-01-02","begntime":"2025-07-14 10:30:05"}'


def test_aware_datetimes_are_written_in_beijing_time() -> None:
    assert dumps(datetime(2025, 7, 14, 18, 0, tzinfo=UTC)) == b'"2025-07-15 02:00:00"'
    assert format_datetime(datetime(2025, 7, 14, 2, 0, tzinfo=BEIJING)) == "2025-07-14 02:00:00"


@pytest.mark.parametrize("value", [{1: "a"}, {"a": {1, 2}}, b"bytes", object()])
def test_unknown_types_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        dumps(value)


def test_loads_reads_every_fractional_number_as_decimal() -> None:
    data = loads(b'{"a":12.50,"b":2.000000,"c":0,"d":-1,"e":1e2}')
    assert data == {"a": Decimal("12.50"), "b": Decimal("2.000000"), "c": 0, "d": -1, "e": Decimal("1e2")}
    assert str(data["a"]) == "12.50"
    assert isinstance(data["c"], int)


def test_loads_accepts_bom_str_and_declared_charset() -> None:
    assert loads(b'\xef\xbb\xbf{"a":"\xe5\xbc\xa0"}') == {"a": "张"}
    assert loads('{"a":1}') == {"a": 1}
    assert loads('{"a":"张三"}'.encode("gb18030"), encoding="GBK") == {"a": "张三"}


@pytest.mark.parametrize("text", [b"NaN", b'{"a":Infinity}', b"{", b"\xff\xfe", b""])
def test_loads_rejects_what_is_not_json(text: bytes) -> None:
    with pytest.raises(ValueError):
        loads(text)


def _json_values() -> st.SearchStrategy[object]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.text()
        | st.decimals(allow_nan=False, allow_infinity=False)
    )
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
        max_leaves=20,
    )


@given(_json_values())
def test_round_trip_is_exact(value: object) -> None:
    assert loads(dumps(value)) == value


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2))
def test_two_place_amounts_keep_their_text(value: Decimal) -> None:
    assert dumps(value).decode() == format(value, "f")
    assert str(loads(dumps(value))) == format(value, "f")


@given(st.dictionaries(st.text(), st.text() | st.integers() | st.booleans() | st.none(), max_size=6))
def test_matches_the_stdlib_for_plain_json(value: dict[str, object]) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    assert dumps(value) == expected
