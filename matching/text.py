"""Text helpers shared by the standardisers.

Why a separate module: every standardiser needs the same two things, a safe
"any value to clean text" step (hostile input must never raise) and a way to
run a Python function once per *distinct* value of a column, which is what
makes the standardisers fast on a million rows (a million mentions carry a
few tens of thousands of distinct names, dates or postcodes).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

# Letters that NFKD does not decompose into "base letter + accent".
_SPECIAL_FOLDS = str.maketrans(
    {
        "ß": "SS", "ẞ": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE",
        "Ø": "O", "ø": "O", "Ł": "L", "ł": "L", "Đ": "D", "đ": "D",
        "Þ": "TH", "þ": "TH", "Ð": "D", "ð": "D", "ı": "I", "ſ": "S",
    }
)
# Apostrophe look-alikes: straight, curly, modifier letters, backtick, acute, prime.
APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\u2032"
# Hyphen and dash look-alikes.
HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate is not text: it cannot be stored or written
# Words partners type when they do not know a value: treated as missing, so
# that two records never "agree" on UNKNOWN.
MISSING_TOKENS = frozenset(
    {"NULL", "NONE", "NAN", "N/A", "NA", "N.A.", "UNKNOWN", "NOT KNOWN", "NOTKNOWN", "UNK", "-", "--",
     "?", "NK", "NOT STATED", "NOT RECORDED", "TBC", "NFA"}
)
MAX_FIELD_LENGTH = 200  # longer values are truncated: no real name or address is longer


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA/NaT and blank strings.

    >>> is_missing(None), is_missing(" "), is_missing("x")
    (True, True, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        stripped = value.strip()
        return stripped == "" or (len(stripped) <= 12 and stripped.upper() in MISSING_TOKENS)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def to_text(value: Any) -> str:
    """Any value as a bounded, control-character-free string ("" when missing).

    >>> to_text("  a\\x00b  ")
    'a b'
    """
    if is_missing(value):
        return ""
    s = value if isinstance(value, str) else str(value)
    s = s[: MAX_FIELD_LENGTH * 2]
    s = _CONTROL.sub(" ", s)
    s = _SURROGATE.sub("\ufffd", s)
    return s.strip()


def fold_accents(text: str) -> str:
    """Remove accents and fold special letters to ASCII-ish upper-case text.

    >>> fold_accents("Zoë Ørsted-Łukasz")
    'ZOE ORSTED-LUKASZ'
    """
    s = text.translate(_SPECIAL_FOLDS)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.upper().translate(_SPECIAL_FOLDS)


def map_unique(values: pd.Series | np.ndarray | list, func: Callable[[Any], Any]) -> np.ndarray:
    """Apply ``func`` once per distinct value and broadcast back (order kept), as an object array.

    >>> map_unique(pd.Series(["a", "b", "a"]), str.upper).tolist()
    ['A', 'B', 'A']
    """
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    out_unique = [func(v) for v in uniques]
    missing = func(None) if (codes < 0).any() else None
    table = np.empty(len(out_unique) + 1, dtype=object)  # code -1 (missing) takes the last slot
    table[: len(out_unique)] = out_unique
    table[-1] = missing
    idx = np.where(codes < 0, len(out_unique), codes)
    return table[idx]


def map_unique_frame(values: pd.Series | list, func: Callable[[Any], tuple], columns: list[str]) -> pd.DataFrame:
    """Like :func:`map_unique` for a function returning a tuple: one column per field.

    >>> map_unique_frame(["a b", "a b"], lambda v: tuple((v or "").split()) or ("", ""), ["x", "y"])
       x  y
    0  a  b
    1  a  b
    """
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    rows = [func(v) for v in uniques]
    rows.append(func(None) if (codes < 0).any() or not rows else rows[0])
    table = pd.DataFrame.from_records(rows, columns=columns)
    idx = np.where(codes < 0, len(rows) - 1, codes)
    out = table.iloc[idx].reset_index(drop=True)
    for col in out.columns:  # text columns: object dtype with None (not NaN) for missing
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = as_object(out[col])
    return out


def as_object(values: pd.Series) -> pd.Series:
    """Object-dtype copy of a Series with None (never NaN) for missing values.

    >>> as_object(pd.Series(["a", None])).tolist()
    ['a', None]
    """
    obj = values.astype(object)
    return obj.where(values.notna(), None)


def str_series(values: pd.Series) -> pd.Series:
    """Values as a pandas ``str`` Series: missing stays missing, any other value becomes its ``str()``.

    ``pd.Series(..., dtype="str")`` alone decodes ``bytes`` as UTF-8 and raises on invalid bytes;
    the scalar standardisers read every value through ``str()``, and so does this.

    >>> str_series(pd.Series(["a", None, b"ab", 5], dtype=object)).tolist()
    ['a', nan, "b'ab'", '5']
    """
    obj = values.astype(object)
    na = obj.isna().to_numpy(dtype=bool)
    if pd.api.types.infer_dtype(obj, skipna=True) not in ("string", "empty"):
        obj = pd.Series([v if isinstance(v, str) or m else str(v) for v, m in zip(obj, na)], dtype=object,
                        index=values.index)
    try:
        return pd.Series(obj.where(~na, None), dtype="str", index=values.index)
    except UnicodeEncodeError:  # a lone surrogate: shown as U+FFFD, as to_text does
        obj = pd.Series([_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for v in obj], dtype=object,
                        index=values.index)
        return pd.Series(obj.where(~na, None), dtype="str", index=values.index)


def missing_mask(values: pd.Series) -> np.ndarray:
    """Vectorised :func:`is_missing` for a Series (True where missing).

    >>> missing_mask(pd.Series(["a", " ", None, "n/a"])).tolist()
    [False, True, True, True]
    """
    na = values.isna().to_numpy(dtype=bool)
    txt = str_series(values).str.strip()
    blank = (txt == "").fillna(True).to_numpy(dtype=bool)
    token = txt.str.upper().isin(list(MISSING_TOKENS)).to_numpy(dtype=bool)
    return na | blank | token


def on_uniques(values: pd.Series, frame_fn: Callable[[pd.Series], pd.DataFrame]) -> pd.DataFrame:
    """Run a vectorised ``frame_fn`` on the distinct values only, then broadcast back.

    >>> on_uniques(pd.Series(["a", "a", None]), lambda s: pd.DataFrame({"u": s.str.upper()}))["u"].tolist()
    ['A', 'A', None]
    """
    v = values.reset_index(drop=True)
    codes, uniques = pd.factorize(v.astype(object), use_na_sentinel=True)
    base = pd.Series(list(uniques) + [None], dtype=object)
    table = frame_fn(base).reset_index(drop=True)
    idx = np.where(codes < 0, len(uniques), codes)
    out = table.iloc[idx].reset_index(drop=True)
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].where(out[col].notna(), None)
    return out
