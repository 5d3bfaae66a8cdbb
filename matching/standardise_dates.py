"""Dates of birth: parse the many ways partners write them, and keep what is doubtful.

* Accepted: ``dd/mm/yyyy`` (UK order; ``-``, ``.`` or space as separator, one-digit
  day or month), ISO ``yyyy-mm-dd`` (with or without a time), ``yyyymmdd``,
  ``dd/mm/yy`` (century chosen so the date is not in the future), ``12 Mar 1985``,
  ``March 12, 1985`` and date/datetime objects.
* Day/month ambiguity is kept as information: ``03/04/2010`` parses as 3 April
  in UK order and is flagged ``ambiguous`` (a swap is plausible); ``04/13/2010``
  can only be US order and is read as 13 April, flagged ``us_order``.
* Impossible dates (31/02, month 13, future, before ``min_year``) are rejected
  with a reason; the value is then missing for matching, never guessed.
* A placeholder (01/01/yyyy, the usual "unknown day and month") is flagged so
  that agreement on it counts for less.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from matching.text import as_object, to_text

_MONTHS = {
    m: i
    for i, names in enumerate(
        [("JAN", "JANUARY"), ("FEB", "FEBRUARY"), ("MAR", "MARCH"), ("APR", "APRIL"), ("MAY",),
         ("JUN", "JUNE"), ("JUL", "JULY"), ("AUG", "AUGUST"), ("SEP", "SEPT", "SEPTEMBER"),
         ("OCT", "OCTOBER"), ("NOV", "NOVEMBER"), ("DEC", "DECEMBER")],
        start=1,
    )
    for m in names
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})(?:[T ]\d{1,2}:\d{2}.*)?$")
_D_MON_Y = re.compile(r"^(\d{1,2})(?:ST|ND|RD|TH)?[-/. ]+([A-Z]+)[-/. ,]+(\d{4})$")
_MON_D_Y = re.compile(r"^([A-Z]+)[-/. ]+(\d{1,2})(?:ST|ND|RD|TH)?[-/. ,]+(\d{4})$")


class ParsedDate(NamedTuple):
    """Result of parsing one date of birth."""

    date: dt.date | None
    reason: str  # "" when parsed; otherwise why the value was rejected
    ambiguous: bool  # day and month both <= 12 and different: a swap is plausible
    placeholder: bool  # 1 January: often entered when the real date is unknown
    us_order: bool  # read as mm/dd because the second number cannot be a month


def _reject(reason: str) -> ParsedDate:
    return ParsedDate(None, reason, False, False, False)


def parse_dob(
    value: Any, *, min_year: int = 1880, today: dt.date | None = None
) -> ParsedDate:
    """Parse one date of birth.

    >>> parse_dob("03/04/2010")
    ParsedDate(date=datetime.date(2010, 4, 3), reason='', ambiguous=True, placeholder=False, us_order=False)
    >>> parse_dob("31/02/2001").reason
    'impossible date: day 31 month 2 year 2001'
    >>> parse_dob("1985-01-01").placeholder, parse_dob("19850412").date
    (True, datetime.date(1985, 4, 12))
    """
    today = today or dt.date.today()
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return _reject("missing")
        value = value.date()
    if isinstance(value, dt.date):
        y, m, d = value.year, value.month, value.day
        return _check(y, m, d, min_year, today, ambiguous=False, us=False)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = str(int(value))
    text = to_text(value).upper()
    if not text:
        return _reject("missing")
    text = re.sub(r"\s+", " ", text)[:40]
    if m := _ISO.match(text):
        return _check(int(m[1]), int(m[2]), int(m[3]), min_year, today, False, False)
    if m := _COMPACT.match(text):
        return _check(int(m[1]), int(m[2]), int(m[3]), min_year, today, False, False)
    if m := _DMY.match(text):
        a, b, y = int(m[1]), int(m[2]), m[3]
        year = int(y) if len(y) == 4 else _two_digit_year(int(y), today)
        if b > 12 and a <= 12:  # cannot be dd/mm: read as US mm/dd
            return _check(year, a, b, min_year, today, False, True)
        ambiguous = a <= 12 and b <= 12 and a != b
        return _check(year, b, a, min_year, today, ambiguous, False)
    if m := _D_MON_Y.match(text):
        month = _MONTHS.get(m[2])
        if month is None:
            return _reject(f"unknown month name {m[2][:12]!r}")
        return _check(int(m[3]), month, int(m[1]), min_year, today, False, False)
    if m := _MON_D_Y.match(text):
        month = _MONTHS.get(m[1])
        if month is None:
            return _reject(f"unknown month name {m[1][:12]!r}")
        return _check(int(m[3]), month, int(m[2]), min_year, today, False, False)
    return _reject("unrecognised format")


def _two_digit_year(yy: int, today: dt.date) -> int:
    # A date of birth is never in the future, so the century is the latest one
    # that keeps the year at or before this year.
    year = 2000 + yy
    return year if year <= today.year else 1900 + yy


def _check(y: int, m: int, d: int, min_year: int, today: dt.date, ambiguous: bool, us: bool) -> ParsedDate:
    try:
        date = dt.date(y, m, d)
    except ValueError:
        return _reject(f"impossible date: day {d} month {m} year {y}")
    if date > today:
        return _reject(f"in the future: {date.isoformat()}")
    if y < min_year:
        return _reject(f"before {min_year}: {date.isoformat()}")
    return ParsedDate(date, "", ambiguous, (m == 1 and d == 1), us)


def dob_digits(value: Any) -> str:
    """The written date as ``yyyymmdd`` digits, even when the date is impossible.

    Keeps typo evidence for a date that was rejected: ``31/02/2001`` gives
    ``20010231``, which is still one digit away from ``20010221``.

    >>> dob_digits("31/02/2001"), dob_digits("1985-4-12"), dob_digits("junk")
    ('20010231', '19850412', '')
    """
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        if pd.isna(value):
            return ""
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = str(int(value))
    text = re.sub(r"\s+", " ", to_text(value).upper())[:40]
    if m := _ISO.match(text):
        return f"{int(m[1]):04d}{int(m[2]):02d}{int(m[3]):02d}"
    if m := _COMPACT.match(text):
        return text
    if (m := _DMY.match(text)) and len(m[3]) == 4:
        return f"{int(m[3]):04d}{int(m[2]):02d}{int(m[1]):02d}"
    parsed = parse_dob(value, min_year=1)
    return parsed.date.strftime("%Y%m%d") if parsed.date else ""


# --- vectorised -------------------------------------------------------------------

DOB_COLUMNS = [
    "dob", "dob_days", "dob_year", "dob_month", "dob_day", "dob_ymd",
    "dob_ambiguous", "dob_placeholder", "dob_us_order", "dob_reason", "dob_digits",
]
_EPOCH = dt.date(1970, 1, 1)


def _row(value: Any, parsed: ParsedDate) -> tuple:
    d = parsed.date
    if d is None:
        return (None, None, None, None, None, None, False, False, False, parsed.reason or None,
                dob_digits(value) or None)
    return (
        d.isoformat(), (d - _EPOCH).days, d.year, d.month, d.day, d.year * 10000 + d.month * 100 + d.day,
        parsed.ambiguous, parsed.placeholder, parsed.us_order, None, d.strftime("%Y%m%d"),
    )


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 for proleptic Gregorian dates, vectorised (any year >= 1).

    pandas timestamps stop at 1677; historical records go further back.

    >>> days_from_civil(np.array([1970, 2000, 1]), np.array([1, 3, 1]), np.array([1, 1, 1])).tolist()
    [0, 11017, -719162]
    """
    y = np.asarray(y, np.int64) - (np.asarray(m) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (np.asarray(m, np.int64) + 9) % 12
    doy = (153 * mp + 2) // 5 + np.asarray(d, np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _fast_parse(texts: np.ndarray, min_year: int, today: dt.date) -> tuple[np.ndarray, ...]:
    """Vectorised parse of the three commonest exact shapes (dd/mm/yyyy, yyyy-mm-dd,
    yyyymmdd) of valid, unambiguous-order dates; everything else is left to
    :func:`parse_dob`. Returns (handled, y, m, d, ambiguous)."""
    n = len(texts)
    handled = np.zeros(n, bool)
    y = np.zeros(n, np.int64)
    m = np.zeros(n, np.int64)
    d = np.zeros(n, np.int64)
    amb = np.zeros(n, bool)
    if n == 0:
        return handled, y, m, d, amb
    lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    short = np.where(lens <= 10)[0]
    if len(short) == 0:
        return handled, y, m, d, amb
    cp = np.array(texts[short].tolist(), dtype="U10").view(np.uint32).reshape(len(short), 10).astype(np.int64)
    isdig = (cp >= 48) & (cp <= 57)
    dig = cp - 48
    ln = lens[short]

    def num(cols):
        out = np.zeros(len(short), np.int64)
        for c in cols:
            out = out * 10 + dig[:, c]
        return out

    uk = (ln == 10) & isdig[:, [0, 1, 3, 4, 6, 7, 8, 9]].all(1) & (cp[:, 2] == 47) & (cp[:, 5] == 47)
    iso = (ln == 10) & isdig[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(1) & (cp[:, 4] == 45) & (cp[:, 7] == 45)
    compact = (ln == 8) & isdig[:, :8].all(1)
    yy = np.where(uk, num([6, 7, 8, 9]), np.where(iso | compact, num([0, 1, 2, 3]), 0))
    mm = np.where(uk, num([3, 4]), np.where(iso, num([5, 6]), np.where(compact, num([4, 5]), 0)))
    dd = np.where(uk, num([0, 1]), np.where(iso, num([8, 9]), np.where(compact, num([6, 7]), 0)))
    leap = ((yy % 4 == 0) & (yy % 100 != 0)) | (yy % 400 == 0)
    dim = _DAYS_IN_MONTH[np.clip(mm, 0, 12)] + ((mm == 2) & leap)
    ok = (uk | iso | compact) & (mm >= 1) & (mm <= 12) & (dd >= 1) & (dd <= dim) & (yy >= min_year)
    ok &= (yy * 10000 + mm * 100 + dd) <= today.year * 10000 + today.month * 100 + today.day
    idx = short[ok]
    handled[idx] = True
    y[idx], m[idx], d[idx] = yy[ok], mm[ok], dd[ok]
    amb[idx] = (uk & (dd <= 12) & (mm <= 12) & (dd != mm))[ok]
    return handled, y, m, d, amb


def standardise_dobs(values: pd.Series, *, min_year: int = 1880, today: dt.date | None = None) -> pd.DataFrame:
    """Parse a column of dates of birth (once per distinct value).

    Columns: ``dob`` (ISO text), ``dob_days`` (days since 1970-01-01), ``dob_year``,
    ``dob_month``, ``dob_day``, ``dob_ymd`` (yyyymmdd as an integer), the flags
    ``dob_ambiguous``, ``dob_placeholder``, ``dob_us_order``, ``dob_reason`` (why a
    non-blank value was rejected; None otherwise) and ``dob_digits`` (the written
    date as yyyymmdd digits, kept for rejected dates too so a typo still counts).
    Numbers are nullable ``Int64``.

    >>> standardise_dobs(pd.Series(["12/03/1990", "x"]))[["dob", "dob_reason"]].values.tolist()
    [['1990-03-12', None], [None, 'unrecognised format']]
    """
    today = today or dt.date.today()
    codes, uniques = pd.factorize(values.reset_index(drop=True).astype(object), use_na_sentinel=True)
    texts = np.array([v.strip() if isinstance(v, str) else "" for v in uniques], dtype=object)
    handled, y, m, d, amb = _fast_parse(texts, min_year, today)
    k = len(uniques)
    rows: list = [None] * k
    for i in np.nonzero(~handled)[0]:
        rows[i] = _row(uniques[i], parse_dob(uniques[i], min_year=min_year, today=today))
    ymd = y * 10000 + m * 100 + d
    days = days_from_civil(y, m, d)
    table = {c: np.empty(k + 1, dtype=object) for c in DOB_COLUMNS}
    h = np.nonzero(handled)[0]
    # (np.char.zfill fails on an empty array: a column with no date written in the fast shapes)
    ymd_txt = np.char.zfill(ymd[h].astype(str), 8) if len(h) else np.array([], dtype="U8")
    table["dob"][h] = [f"{t[:4]}-{t[4:6]}-{t[6:]}" for t in ymd_txt]
    table["dob_days"][h] = days[h]
    table["dob_year"][h] = y[h]
    table["dob_month"][h] = m[h]
    table["dob_day"][h] = d[h]
    table["dob_ymd"][h] = ymd[h]
    table["dob_ambiguous"][h] = amb[h]
    table["dob_placeholder"][h] = (m[h] == 1) & (d[h] == 1)
    table["dob_us_order"][h] = False
    table["dob_reason"][h] = None
    table["dob_digits"][h] = ymd_txt
    for i in np.nonzero(~handled)[0]:
        for c, v in zip(DOB_COLUMNS, rows[i]):
            table[c][i] = v
    missing_row = _row(None, _reject("missing"))
    for c, v in zip(DOB_COLUMNS, missing_row):
        table[c][k] = v
    idx = np.where(codes < 0, k, codes)
    frame = pd.DataFrame({c: table[c][idx] for c in DOB_COLUMNS})
    frame.loc[frame["dob_reason"] == "missing", "dob_reason"] = None
    for col in ("dob_days", "dob_year", "dob_month", "dob_day", "dob_ymd"):
        frame[col] = pd.array(frame[col], dtype="Int64")
    for col in ("dob_ambiguous", "dob_placeholder", "dob_us_order"):
        frame[col] = frame[col].astype(bool)
    for col in ("dob", "dob_reason", "dob_digits"):
        frame[col] = as_object(frame[col])
    return frame
