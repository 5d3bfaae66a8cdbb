"""Dates as integer day numbers (days since 1970-01-01) and fast text formatting.

Formatting a million dates with strftime is slow; a lookup table indexed by day
number is one numpy gather. The table covers 1900-2049, wide enough for the
oldest adult and the longest world.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np

_FIRST = np.datetime64("1900-01-01", "D").astype(np.int64)
_LAST = np.datetime64("2050-01-01", "D").astype(np.int64)


def day_number(d: date) -> int:
    """``day_number(date(1970, 1, 2)) == 1``."""
    return int(np.datetime64(d, "D").astype(np.int64))


@lru_cache(maxsize=1)
def _tables() -> dict[str, np.ndarray]:
    days = np.arange(_FIRST, _LAST).astype("datetime64[D]")
    iso = np.datetime_as_string(days, unit="D").astype(object)
    y = days.astype("datetime64[Y]").astype(np.int64) + 1970
    m = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    uk = np.array([f"{a[8:10]}/{a[5:7]}/{a[0:4]}" for a in iso], dtype=object)
    return {"iso": iso, "uk": uk, "y": y, "m": m, "d": d}


def _idx(days: np.ndarray) -> np.ndarray:
    idx = np.asarray(days, dtype=np.int64) - _FIRST
    return np.clip(idx, 0, len(_tables()["iso"]) - 1)


def fmt_iso(days: np.ndarray) -> np.ndarray:
    """Object array of ``yyyy-mm-dd``: ``fmt_iso(np.array([0]))[0] == '1970-01-01'``."""
    return _tables()["iso"][_idx(days)]


def fmt_uk(days: np.ndarray) -> np.ndarray:
    """Object array of ``dd/mm/yyyy``: ``fmt_uk(np.array([0]))[0] == '01/01/1970'``."""
    return _tables()["uk"][_idx(days)]


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays for day numbers."""
    t, i = _tables(), _idx(days)
    return t["y"][i], t["m"][i], t["d"][i]


def from_ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Day numbers from year/month/day arrays (day clipped to the month's length).

    >>> int(from_ymd(np.array([1970]), np.array([1]), np.array([2]))[0])
    1
    """
    y = np.asarray(y, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    month_start = ((y - 1970) * 12 + (m - 1)).astype("datetime64[M]")
    next_start = month_start + np.timedelta64(1, "M")
    length = (next_start.astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(np.int64)
    dd = np.clip(np.asarray(d, dtype=np.int64), 1, length)
    return month_start.astype("datetime64[D]").astype(np.int64) + dd - 1


def month_index(days: np.ndarray, start_day: int) -> np.ndarray:
    """Whole months since the month containing ``start_day`` (0 for the first month)."""
    y0, m0, _ = ymd(np.array([start_day]))
    y, m, _ = ymd(days)
    return (y - y0[0]) * 12 + (m - m0[0])
