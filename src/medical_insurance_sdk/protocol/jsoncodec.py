"""The bureau's wire text: compact UTF-8 JSON with exact decimals, and its date/time formats.

Amounts never pass through float: `dumps` writes a `Decimal` as a JSON number with its exact digits
(`Decimal("12.50")` → `12.50`) and `loads` reads every JSON number with a point or exponent as a `Decimal`.
Dates are written as `yyyy-MM-dd` and datetimes as `yyyy-MM-dd HH:mm:ss` in Beijing time (reference §1).

    body = dumps({"medfee_sumamt": Decimal("12.50"), "begntime": datetime(2025, 7, 14, 10, 30)})
    # b'{"medfee_sumamt":12.50,"begntime":"2025-07-14 10:30:00"}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

# A fixed offset, not ZoneInfo("Asia/Shanghai"): China has no daylight saving since 1991 and a fixed
# offset needs no tzdata on slim containers or Windows hosts.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_encode_str = json.encoder.encode_basestring  # the C escaper json.dumps uses with ensure_ascii=False


def beijing(moment: datetime) -> datetime:
    """`moment` as a Beijing wall-clock time; a naive datetime is taken to be Beijing time already."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=BEIJING)
    return moment.astimezone(BEIJING)


def format_datetime(moment: datetime) -> str:
    """`yyyy-MM-dd HH:mm:ss` in Beijing time, the bureau's 日期时间型."""
    return beijing(moment).strftime(DATETIME_FORMAT)


def format_decimal(value: Decimal) -> str:
    """The exact digits of `value` as a JSON number, without exponent (`Decimal("1E+2")` → `100`)."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    return format(value, "f")


def _encode(obj: Any, out: list[str]) -> None:
    # Order matters: bool before int (bool is an int), datetime before date (datetime is a date).
    if isinstance(obj, str):
        out.append(_encode_str(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, Decimal):
        out.append(format_decimal(obj))
    elif isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"{obj} cannot be written as a JSON number")
        out.append(float.__repr__(obj))
    elif isinstance(obj, Mapping):
        out.append("{")
        for i, (key, value) in enumerate(obj.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be str, not {type(key).__name__}: {key!r}")
            if i:
                out.append(",")
            out.append(_encode_str(key))
            out.append(":")
            _encode(value, out)
        out.append("}")
    elif isinstance(obj, list | tuple):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _encode(value, out)
        out.append("]")
    elif isinstance(obj, datetime):
        out.append(_encode_str(format_datetime(obj)))
    elif isinstance(obj, date):
        out.append(_encode_str(obj.strftime(DATE_FORMAT)))
    else:
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable: {obj!r}")


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (no ASCII escaping) with exact decimals and bureau date/time text."""
    out: list[str] = []
    _encode(obj, out)
    return "".join(out).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(data: bytes | bytearray | str, *, encoding: str = "utf-8") -> Any:
    """Parse JSON text; numbers with a point or exponent become `Decimal`, never float.

    Raises `ValueError` (a `json.JSONDecodeError` or `UnicodeDecodeError`) on bad input.
    """
    if isinstance(data, bytes | bytearray):
        # A leading UTF-8 BOM is common from Windows-hosted gateways; utf-8-sig drops it.
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        text = bytes(data).decode(codec)
    else:
        text = data
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
