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


def plain(obj: Any) -> Any:
    """The values `dumps(obj)` writes, as plain Python: what `json.loads(dumps(obj), parse_float=str)`
    gives, without the text (JSON columns: amounts keep their exact digits as text, "350.00", instead of
    becoming floats; a decimal without a point, like the JSON number it is written as, an int)."""
    return _Plain().value(obj)


def plain_and_size(obj: Any) -> tuple[Any, int]:
    """`plain(obj)` and the length in bytes of `dumps(obj)` (measured by the C encoder on the plain copy,
    whose decimals and floats are texts: two quotes longer each than the numbers `dumps` writes)."""
    walker = _Plain()
    value = walker.value(obj)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value, len(text.encode("utf-8")) + walker.size_difference


class _Plain:
    """One walk of `plain`; `size_difference`: how much longer `dumps` writes its numbers than the plain
    copy's JSON does (a text's quotes; `-0` read back as `0`)."""

    def __init__(self) -> None:
        self.size_difference = 0

    def value(self, obj: Any) -> Any:
        # the order of `_encode`: bool before int, datetime before date
        if isinstance(obj, str):
            return obj if type(obj) is str else str.__str__(obj)
        if obj is None or obj is True or obj is False:
            return obj
        if isinstance(obj, int):
            return obj if type(obj) is int else int(obj)
        if isinstance(obj, Decimal):
            text = format_decimal(obj)
            if "." not in text:
                number = int(text)
                self.size_difference += len(text) - len(int.__repr__(number))
                return number
            self.size_difference -= 2
            return text
        if isinstance(obj, float):
            if not math.isfinite(obj):
                raise ValueError(f"{obj} cannot be written as a JSON number")
            self.size_difference -= 2
            return float.__repr__(obj)
        if isinstance(obj, Mapping):
            out: dict[str, Any] = {}
            for key, item in obj.items():
                if not isinstance(key, str):
                    raise TypeError(f"JSON object keys must be str, not {type(key).__name__}: {key!r}")
                out[str.__str__(key)] = self.value(item)
            return out
        if isinstance(obj, list | tuple):
            return [self.value(item) for item in obj]
        if isinstance(obj, datetime):
            return format_datetime(obj)
        if isinstance(obj, date):
            return obj.strftime(DATE_FORMAT)
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable: {obj!r}")
