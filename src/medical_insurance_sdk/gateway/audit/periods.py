"""Time ranges of the operations reads: dates are Beijing dates, instants are stored and answered in UTC.

    Period.of_dates(date(2025, 7, 1), date(2025, 7, 14))   # 2025-06-30 16:00 UTC .. 2025-07-14 16:00 UTC
    iso_utc(row.call_time)                                  # "2025-07-14T02:30:00Z"

A hospital's "7月14日" is a Beijing day, whatever the server's clock says; the tables keep naive UTC (like
every table of the product) and answers write instants as the §1.3 `timestamp` does.  A naive datetime in a
request is Beijing time, as everywhere in the bureau's protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MINYEAR, UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column

from medical_insurance_sdk.protocol.jsoncodec import BEIJING


def utc_naive(moment: datetime) -> datetime:
    """A request's datetime as the tables keep it (naive = Beijing time)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=BEIJING)
    try:
        return aware.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # within hours of year 1 or 9999: the first or last instant there is
        return datetime.min if moment.year == MINYEAR else datetime.max


def day_start(day: date) -> datetime:
    """The first instant of a Beijing day, as the tables keep it."""
    return utc_naive(datetime.combine(day, time.min))


def iso_utc(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


@dataclass(frozen=True)
class Period:
    """[start, end) as the tables keep time."""

    start: datetime
    end: datetime

    @classmethod
    def of_dates(cls, first: date, last: date) -> Period:
        """Beijing days `first` to `last`, both included."""
        return cls(day_start(first), day_start(last + timedelta(days=1)) if last < date.max else datetime.max)

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None) -> Period:
        last = today or beijing_today()
        return cls.of_dates(last - timedelta(days=days - 1), last)


def beijing_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """SQL for the Beijing date of a stored (UTC) timestamp column."""
    if dialect == "sqlite":
        return func.date(column, "+8 hours")
    return func.date(column + literal_column("interval '8 hours'"))
