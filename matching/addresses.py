"""Addresses: flat, house number, street (abbreviations expanded) and town.

Partners write ``Flat 2, 14a High St, Leeds`` and ``14A HIGH STREET LEEDS`` for
the same home. Parsing pulls out the parts that identify a dwelling so that a
comparison can say "same house number, same street" instead of comparing two
free-text strings.

The parser is deliberately simple and never raises: comma-separated parts,
the first number is the house number (a number after FLAT/APARTMENT/UNIT is
the flat), the words after the house number form the street, the last
comma-separated part that is not the street is the town. A postcode found in
the text is removed from it (and returned).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from matching.postcodes import postcode_parts
from matching.text import APOSTROPHES, fold_accents, map_unique_frame, on_uniques, str_series, to_text

STREET_ABBREVIATIONS = {
    "RD": "ROAD", "ST": "STREET", "STR": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "AVN": "AVENUE",
    "LN": "LANE", "DR": "DRIVE", "DRV": "DRIVE", "CT": "COURT", "CRT": "COURT", "CL": "CLOSE",
    "CRES": "CRESCENT", "CRESC": "CRESCENT", "CR": "CRESCENT", "GDNS": "GARDENS", "GDN": "GARDEN",
    "GRN": "GREEN", "GR": "GROVE", "GRO": "GROVE", "GROV": "GROVE", "PL": "PLACE", "SQ": "SQUARE",
    "TER": "TERRACE", "TERR": "TERRACE", "TCE": "TERRACE", "PK": "PARK", "PDE": "PARADE",
    "WY": "WAY", "HL": "HILL", "MT": "MOUNT", "BLVD": "BOULEVARD", "HWY": "HIGHWAY", "EST": "ESTATE",
    "HSE": "HOUSE", "HO": "HOUSE", "BLDG": "BUILDING", "BLDGS": "BUILDINGS", "CTS": "COURTS",
    "MWS": "MEWS", "WLK": "WALK", "CIR": "CIRCUS", "CIRC": "CIRCUIT", "CNR": "CORNER", "CRN": "CORNER",
    "VW": "VIEW", "RW": "ROW", "YD": "YARD", "CLS": "CLOSE", "STH": "SOUTH", "NTH": "NORTH",
    "UPR": "UPPER", "LWR": "LOWER", "GT": "GREAT", "LT": "LITTLE", "PAS": "PASSAGE", "APPR": "APPROACH",
}
_FLAT_WORDS = {"FLAT", "FLT", "APARTMENT", "APT", "APTS", "UNIT", "ROOM", "RM", "SUITE", "MAISONETTE"}
_NUMBER = re.compile(r"^\d+[A-Z]?$|^\d+-\d+[A-Z]?$")
_NUMBER_PREFIX = re.compile(r"^(\d+)(?=[A-Z]{3,})")  # 14HIGH -> 14 HIGH


class ParsedAddress(NamedTuple):
    """Parts of an address (empty strings when absent)."""

    flat: str
    number: str
    street: str
    town: str
    postcode: str


def expand_street_words(text: str) -> str:
    """Expand abbreviations word by word (``ST`` first in a street is SAINT).

    >>> expand_street_words("ST JOHNS RD"), expand_street_words("HIGH ST")
    ('SAINT JOHNS ROAD', 'HIGH STREET')
    """
    words = text.split()
    out = []
    for i, w in enumerate(words):
        if w == "ST" and i == 0 and len(words) > 1:
            out.append("SAINT")
        else:
            out.append(STREET_ABBREVIATIONS.get(w, w))
    return " ".join(out)


def _clean(text: str) -> str:
    s = fold_accents(text)
    s = re.sub(f"[{re.escape(APOSTROPHES)}]", "", s)
    s = re.sub(r"[^A-Z0-9,\- ]", " ", s)
    s = re.sub(r"\s*,\s*", ",", s)
    s = re.sub(r"(\d)\s*-\s*(\d)", r"\1-\2", s)
    s = re.sub(r"\s*-\s*", " ", re.sub(r"(\d)-(\d)", r"\1~\2", s)).replace("~", "-")
    return re.sub(r" +", " ", s).strip(" ,")


def parse_address(value: Any) -> ParsedAddress:
    """Split a free-text address into flat, house number, street, town and postcode.

    >>> parse_address("Flat 2, 14a High St, Leeds LS6 2AB")
    ParsedAddress(flat='2', number='14A', street='HIGH STREET', town='LEEDS', postcode='LS6 2AB')
    >>> parse_address("wallaby place, delmar, cleveland")
    ParsedAddress(flat='', number='', street='WALLABY PLACE', town='CLEVELAND', postcode='')
    """
    text = _clean(to_text(value))
    if not text:
        return ParsedAddress("", "", "", "", "")
    postcode = ""
    # A trailing UK postcode (with or without its space) is split off.
    m = re.search(r"(?:^|[ ,])([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$", text)
    if m and postcode_parts(m[1]).valid:
        postcode = postcode_parts(m[1]).postcode
        text = text[: m.start(1)].strip(" ,")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    flat = number = street = ""
    street_idx = -1
    for idx, part in enumerate(parts):
        words = part.split()
        words = [w2 for w in words for w2 in (_NUMBER_PREFIX.sub(r"\1 ", w).split())]
        i = 0
        while i < len(words):
            w = words[i]
            if w in _FLAT_WORDS and i + 1 < len(words) and re.match(r"^\d+[A-Z]?$|^[A-Z]$", words[i + 1]):
                flat = words[i + 1]
                i += 2
                continue
            if _NUMBER.match(w) and not number:
                number = w
                rest = words[i + 1 :]
                if rest:
                    street = expand_street_words(" ".join(rest))
                    street_idx = idx
                break
            i += 1
        if street:
            break
    if not street:
        # No house number: the first part that is not only a flat is the street.
        for idx, part in enumerate(parts):
            words = [w for w in part.split() if not _NUMBER.match(w)]
            if words and words[0] in _FLAT_WORDS:
                continue
            if words:
                street = expand_street_words(" ".join(words))
                street_idx = idx
                break
    town = ""
    if len(parts) > 1 and street_idx != len(parts) - 1:
        town = re.sub(r"[0-9\-]", "", parts[-1]).strip()
    elif len(parts) == 1 and postcode and street:
        # "14 High Street Leeds LS6 2AB": the town cannot be told from the street
        town = ""
    return ParsedAddress(flat, number, street[:80], town[:40], postcode)


ADDRESS_COLUMNS = ["address_flat", "address_number", "address_street", "address_town", "address_postcode"]


def standardise_addresses(values: pd.Series) -> pd.DataFrame:
    """Address features for a column: ``address_flat, address_number, address_street,
    address_town, address_postcode`` and ``address_key`` (flat/number/street, the
    dwelling without the town), None where absent.

    >>> standardise_addresses(pd.Series(["3 Elm Rd, York"]))["address_key"].tolist()
    ['3 ELM ROAD']
    """
    return on_uniques(values, _standardise_addresses_vectorised)


def _standardise_addresses_vectorised(values: pd.Series) -> pd.DataFrame:
    v = values.reset_index(drop=True)
    text = str_series(v)
    # Fast path, vectorised: "<number> <street words>" in plain ASCII (most rows).
    simple = text.str.fullmatch(r" *[0-9]{1,5}[A-Za-z]? +[A-Za-z][A-Za-z ]*").fillna(False).to_numpy(dtype=bool).copy()
    up = text.str.upper().str.replace(r" +", " ", regex=True).str.strip()
    street = up.str.replace(r"^\S+ ", "", regex=True)
    simple &= ~street.str.startswith("ST ").fillna(False).to_numpy(dtype=bool)
    simple &= ~street.str.contains(r"\b(?:FLAT|FLT|APARTMENT|APT|UNIT|ROOM|SUITE)\b", regex=True).fillna(False).to_numpy(dtype=bool)
    last = street.str.replace(r"^.* ", "", regex=True)
    head = street.str.replace(r" ?[^ ]*$", "", regex=True)
    last_full = last.map(STREET_ABBREVIATIONS).fillna(last)
    street_full = (head + " " + last_full).str.strip()
    frame = pd.DataFrame({c: np.full(len(v), None, dtype=object) for c in ADDRESS_COLUMNS})
    if simple.any():
        frame.loc[simple, "address_number"] = up[simple].str.replace(r" .*$", "", regex=True).to_numpy(dtype=object)
        frame.loc[simple, "address_street"] = street_full[simple].str.slice(0, 80).to_numpy(dtype=object)
    if (~simple).any():
        idx = np.nonzero(~simple)[0]
        slow = map_unique_frame(pd.Series(v.to_numpy(dtype=object)[idx], dtype=object), parse_address, ADDRESS_COLUMNS)
        for c in ADDRESS_COLUMNS:
            frame.loc[idx, c] = slow[c].to_numpy(dtype=object)
    for col in ADDRESS_COLUMNS:
        frame[col] = frame[col].where(frame[col].notna() & (frame[col] != ""), None)
    flat = frame["address_flat"].fillna("")
    key = (("FLAT " + flat).where(flat != "", "") + " " + frame["address_number"].fillna("") + " "
           + frame["address_street"].fillna("")).str.replace(r" +", " ", regex=True).str.strip()
    frame["address_key"] = key.where(frame["address_street"].notna(), None).astype(object)
    return frame
