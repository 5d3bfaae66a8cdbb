"""UK postcodes: normalise, validate and coarsen.

Normal form (PRIMER section 4): upper case, spaces removed, one space before the
last three characters (the inward code). The outward code is also the postal
*district* (``AB1``); the *sector* is the district plus the inward digit
(``AB1 2``); the *area* is the leading letters (``AB``).

A value that is not a UK postcode (a typo, or an Australian ``2119`` in FEBRL)
is kept as written (cleaned of spaces and case) so that it can still be
compared exactly or fuzzily; only the district/sector levels need a valid one.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from matching.text import (
    as_object, fold_accents, is_missing, map_unique_frame, missing_mask, on_uniques, str_series, to_text,
)

# Outward code: A9, A99, AA9, AA99, A9A, AA9A; inward: 9AA. GIR 0AA is the one exception.
_UK_POSTCODE = re.compile(r"^(?:([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})|(GIR) ?(0AA))$")


class PostcodeParts(NamedTuple):
    """A postcode and its coarser geographies (empty strings when not a UK postcode)."""

    postcode: str
    valid: bool
    outward: str
    sector: str
    district: str
    area: str


def normalise_postcode(value: Any) -> str:
    """Upper case, no spaces, then one space before the inward code when it looks UK-shaped.

    >>> normalise_postcode(" sw1a1aa "), normalise_postcode("2119")
    ('SW1A 1AA', '2119')
    """
    s = re.sub(r"[^A-Z0-9]", "", fold_accents(to_text(value)))[:12]
    if is_missing(s):  # folding can produce a placeholder such as "NK" ("ÑK"); keep normalising idempotent
        return ""
    if 5 <= len(s) <= 7 and s[-3].isdigit() and s[-2:].isalpha():
        return f"{s[:-3]} {s[-3:]}"
    return s


def is_valid_postcode(value: Any) -> bool:
    """True when the value, once normalised, has the shape of a UK postcode.

    >>> is_valid_postcode("sw1a1aa"), is_valid_postcode("SW1A 1A"), is_valid_postcode("2119")
    (True, False, False)
    """
    return bool(_UK_POSTCODE.match(normalise_postcode(value)))


def postcode_parts(value: Any) -> PostcodeParts:
    """Normalised postcode with outward code, sector, district and area.

    >>> postcode_parts("m1 1ae")
    PostcodeParts(postcode='M1 1AE', valid=True, outward='M1', sector='M1 1', district='M1', area='M')
    """
    pc = normalise_postcode(value)
    m = _UK_POSTCODE.match(pc)
    if not m:
        return PostcodeParts(pc, False, "", "", "", "")
    outward = m[1] or m[3]
    inward = m[2] or m[4]
    area = re.match(r"^[A-Z]+", outward)[0]
    return PostcodeParts(pc, True, outward, f"{outward} {inward[0]}", outward, area)


def standardise_postcodes(values: pd.Series) -> pd.DataFrame:
    """Postcode features for a column (computed once per distinct value): ``postcode,
    postcode_valid, postcode_outward, postcode_sector, postcode_district, postcode_area``.

    >>> standardise_postcodes(pd.Series(["ls6 2ab", None, "2119"]))["postcode_sector"].tolist()
    ['LS6 2', None, None]
    """
    out = on_uniques(values, _standardise_postcodes_vectorised)
    out["postcode_valid"] = out["postcode_valid"].astype(bool)
    return out


def _standardise_postcodes_vectorised(values: pd.Series) -> pd.DataFrame:
    """Postcode features for a column: ``postcode, postcode_valid, postcode_outward,
    postcode_sector, postcode_district, postcode_area`` (None where absent).

    Vectorised for plain ASCII values (pandas string methods); anything else goes
    through :func:`postcode_parts` one distinct value at a time.

    >>> standardise_postcodes(pd.Series(["ls6 2ab", None, "2119"]))["postcode_sector"].tolist()
    ['LS6 2', None, None]
    """
    cols = ["postcode", "postcode_valid", "postcode_outward", "postcode_sector", "postcode_district", "postcode_area"]
    v = values.reset_index(drop=True)
    text = v.astype(object).where(v.notna(), None)
    s = str_series(v)
    ascii_ok = s.str.isascii().fillna(True).to_numpy(dtype=bool)
    compact = s.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).str.slice(0, 12)
    valid = compact.str.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA").fillna(False).to_numpy(dtype=bool)
    ln = compact.str.len().fillna(0).to_numpy()
    shaped = (ln >= 5) & (ln <= 7) & compact.str.fullmatch(r".*[0-9][A-Z]{2}").fillna(False).to_numpy(dtype=bool)
    outward = compact.str.slice(0, -3)
    inward = compact.str.slice(-3)
    spaced = (outward + " " + inward)
    pc = spaced.where(shaped, compact)
    out = pd.DataFrame({
        "postcode": pc,
        "postcode_valid": valid,
        "postcode_outward": outward.where(valid),
        "postcode_sector": (outward + " " + inward.str.slice(0, 1)).where(valid),
        "postcode_district": outward.where(valid),
        "postcode_area": outward.str.replace(r"[0-9].*$", "", regex=True).where(valid),
    })
    out.loc[out["postcode"] == "", "postcode"] = None
    # Blank-like words ("UNKNOWN", "N/A") and non-ASCII values take the careful path.
    careful = ~ascii_ok | (missing_mask(pd.Series(text)) & pd.Series(text).notna().to_numpy(dtype=bool))
    if careful.any():
        idx = np.nonzero(careful)[0]
        slow = map_unique_frame(pd.Series(text[idx].tolist(), dtype=object), postcode_parts, cols)
        for c in cols:
            vals = slow[c].to_numpy(dtype=object)
            if c != "postcode_valid":
                vals = np.array([x if x else None for x in vals], dtype=object)
            out[c] = out[c].astype(object)
            out.loc[idx, c] = vals
    out["postcode_valid"] = out["postcode_valid"].astype(bool)
    for c in cols:
        if c != "postcode_valid":
            out[c] = as_object(out[c])
            out[c] = out[c].where(out[c].notna() & (out[c] != ""), None)
    return out
