"""The reporting period: chosen dates, or by default the last 12 complete months of data."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb


@dataclass(frozen=True)
class Period:
    """An inclusive date range with the month and quarter labels the report uses.

    >>> p = Period(date(2025, 7, 1), date(2026, 6, 30))
    >>> p.slug, len(p.months()), p.quarters()[0]
    ('2025-07-01_2026-06-30', 12, '2025 Q3')
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def label(self) -> str:
        return f"{_day(self.start)} to {_day(self.end)}"

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the period touches, in order."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def quarters(self) -> list[str]:
        """Calendar quarters (``2025 Q3``) the period touches, in order."""
        return list(dict.fromkeys(quarter_of(m) for m in self.months()))

    def partial_months(self) -> list[str]:
        """Months only partly inside the period (their counts are not whole months)."""
        first, last = self.months()[0], self.months()[-1]
        out = []
        if self.start.day != 1:
            out.append(first)
        if self.end != _month_end(self.end):
            out.append(last)
        return list(dict.fromkeys(out))


def quarter_of(month: str) -> str:
    """``'2025-08'`` -> ``'2025 Q3'``.

    >>> quarter_of("2025-12")
    '2025 Q4'
    """
    y, m = month.split("-")
    return f"{y} Q{(int(m) - 1) // 3 + 1}"


def _day(d: date) -> str:
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def data_range(con: duckdb.DuckDBPyConnection) -> tuple[date, date]:
    """First and last event date in the warehouse's notifications.

    >>> data_range(con)  # doctest: +SKIP
    (datetime.date(2025, 1, 1), datetime.date(2026, 6, 30))
    """
    lo, hi = con.execute("SELECT min(event_date), max(event_date) FROM notifications").fetchall()[0]
    if lo is None:
        raise ValueError("the warehouse holds no notifications, so there is no period to report on")
    return lo, hi


def default_period(con: duckdb.DuckDBPyConnection) -> Period:
    """The last 12 complete months of data; the whole data range when there is less.

    A month is complete when the data reach its last day.

    >>> default_period(con)  # doctest: +SKIP
    Period(start=datetime.date(2025, 7, 1), end=datetime.date(2026, 6, 30))
    """
    lo, hi = data_range(con)
    end = hi if hi == _month_end(hi) else hi.replace(day=1) - timedelta(days=1)
    if end < lo:  # not one complete month
        return Period(lo, hi)
    start = max(_add_months(end.replace(day=1), -11), lo)
    return Period(start, end)


def resolve_period(con: duckdb.DuckDBPyConnection, start: str | date | None = None,
                   end: str | date | None = None) -> Period:
    """The period from optional ISO dates: both given, one given (12 months from or to it), or the default.

    >>> resolve_period(con, "2025-04-01", "2026-03-31").slug  # doctest: +SKIP
    '2025-04-01_2026-03-31'
    """
    s, e = _date(start, "start"), _date(end, "end")
    if s and e:
        return Period(s, e)
    if s:
        return Period(s, _add_months(s, 12) - timedelta(days=1))
    if e:
        return Period(_add_months(e, -12) + timedelta(days=1), e)
    return default_period(con)


def _date(value: str | date | None, what: str) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date written YYYY-MM-DD") from None
