"""Turn an input table of person mentions into standardised matching features.

Input columns (any subset): ``record_id`` (required), ``first_name, middle_name,
surname, full_name, dob, sex, postcode, address, nhs_number, upn, pnc,
ni_number, la_id, other_id``; for linking between files, ``source_dataset``; and
``group_id``: records sharing one (the people named in one notification) are
never the same person.

The output has one row per input row, in the same order, with ``_row`` (the
position, used as the internal id) and the feature columns that blocking
rules and comparisons refer to. Missing values are None (NULL in DuckDB).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from matching.addresses import standardise_addresses
from matching.identifiers import nhs_valid_array, standardise_identifier
from matching.postcodes import standardise_postcodes
from matching.standardise_dates import standardise_dobs
from matching.standardise_names import standardise_names
from matching.text import as_object, fold_accents, map_unique, missing_mask, str_series, to_text

_SEX = {
    "M": "M", "MALE": "M", "MAN": "M", "BOY": "M", "1": "M",
    "F": "F", "FEMALE": "F", "WOMAN": "F", "GIRL": "F", "2": "F",
}
IDENTIFIER_KINDS = {"nhs_number": "nhs", "upn": "upn", "pnc": "pnc", "ni_number": "ni"}
ID_PREFIX = {"nhs_number": "nhs", "upn": "upn", "pnc": "pnc", "ni_number": "ni"}


def normalise_sex(value: object) -> str:
    """``M`` or ``F`` for the usual spellings, another recorded value upper-cased, "" if unknown.

    >>> normalise_sex("female"), normalise_sex(" m "), normalise_sex("unknown")
    ('F', 'M', '')
    """
    s = fold_accents(to_text(value))
    if not s:
        return ""
    if s in _SEX:
        return _SEX[s]
    if s in {"U", "UNKNOWN", "NOT KNOWN", "9", "0", "N"}:
        return ""
    return s[:12]


def normalise_free_identifier(value: object) -> str:
    """An identifier without a check rule: upper case, separators removed.

    >>> normalise_free_identifier(" ab-12 34 ")
    'AB1234'
    """
    s = to_text(value)
    if re.fullmatch(r"-?\d+\.0", s):  # a number read from a spreadsheet as float
        s = s[:-2]
    return re.sub(r"[\s\-/.]", "", fold_accents(s))[:40]


def _none_if_blank(values: list) -> pd.Series:
    s = pd.Series(values, dtype=object)
    return s.where(s.notna() & (s != ""), None)


def prepare_records(df: pd.DataFrame, *, dob_min_year: int = 1880) -> pd.DataFrame:
    """Standardised features for every row of ``df`` (see module docstring).

    >>> f = prepare_records(pd.DataFrame({"record_id": ["a"], "surname": ["O'Neil"],
    ...                                   "dob": ["01/02/2003"], "nhs_number": ["9434765919"]}))
    >>> f.loc[0, ["surname", "dob"]].tolist(), bool(f.loc[0, "nhs_valid"])
    (['ONEIL', '2003-02-01'], True)
    """
    if "record_id" not in df.columns:
        raise ValueError("input needs a record_id column")
    n = len(df)
    src = df.reset_index(drop=True)
    out = pd.DataFrame({"_row": np.arange(n, dtype=np.int64)})
    out["record_id"] = as_object(src["record_id"].astype(str))
    if out["record_id"].duplicated().any():
        dup = out.loc[out["record_id"].duplicated(), "record_id"].iloc[0]
        raise ValueError(f"record_id must be unique; {dup!r} appears more than once")
    out["source"] = as_object(src["source_dataset"].astype(str)) if "source_dataset" in src else None
    # Records sharing a group (the people named in one notification) are different people.
    if "group_id" in src:
        g = as_object(src["group_id"].astype(str))
        g[missing_mask(src["group_id"])] = None
        out["group"] = g
    else:
        out["group"] = None

    def col(name: str) -> pd.Series | None:
        return src[name] if name in src.columns else None

    names = standardise_names(col("first_name"), col("surname"), col("middle_name"), col("full_name"))
    out = pd.concat([out, names], axis=1)

    if "dob" in src.columns:
        out = pd.concat([out, standardise_dobs(src["dob"], min_year=dob_min_year)], axis=1)
    else:
        for c in ("dob", "dob_days", "dob_year", "dob_month", "dob_day", "dob_ymd", "dob_reason", "dob_digits"):
            out[c] = None
        for c in ("dob_ambiguous", "dob_placeholder", "dob_us_order"):
            out[c] = False

    out["sex"] = _none_if_blank(map_unique(src["sex"], normalise_sex)) if "sex" in src.columns else None

    if "address" in src.columns:
        addr = standardise_addresses(src["address"])
    else:
        addr = pd.DataFrame({c: [None] * n for c in
                             ("address_flat", "address_number", "address_street", "address_town",
                              "address_postcode", "address_key")}, dtype=object)
    postcode_in = src["postcode"] if "postcode" in src.columns else pd.Series([None] * n, dtype=object)
    # A postcode written only inside the address still counts as the postcode.
    postcode_in = postcode_in.astype(object).where(~missing_mask(postcode_in), addr["address_postcode"])
    out = pd.concat([out, standardise_postcodes(postcode_in), addr.drop(columns=["address_postcode"])], axis=1)

    # Location keys: the dwelling with its postcode (both needed), and "any location
    # known" (either), which decides whether the location comparison is missing.
    pc, ak = out["postcode"], out["address_key"]
    both = pc.notna() & ak.notna()
    out["location_key"] = (ak.fillna("") + " | " + pc.fillna("")).where(both, None).astype(object)
    out["location_any"] = pc.where(pc.notna(), ak).astype(object)

    for col_name, kind in IDENTIFIER_KINDS.items():
        prefix = ID_PREFIX[col_name]
        if col_name == "nhs_number" and col_name in src.columns:
            # Vectorised: a million NHS numbers are mostly distinct, so per-value Python is too slow.
            raw = src[col_name]
            txt = str_series(raw)
            clean = txt.str.replace(r"[\s\-/.]", "", regex=True).str.upper().str.slice(0, 40)
            blank = missing_mask(raw)
            clean = as_object(clean)
            clean[blank] = None
            text = clean.tolist()
            valid = nhs_valid_array(text)
        elif col_name in src.columns:
            pairs = map_unique(src[col_name], lambda v, k=kind: standardise_identifier(to_text(v) or None, k))
            text = [p[0] for p in pairs]
            valid = np.fromiter((p[1] for p in pairs), dtype=bool, count=n)
        else:
            text, valid = [""] * n, np.zeros(n, dtype=bool)
        out[col_name] = _none_if_blank(text)
        out[f"{prefix}_valid"] = valid
        # Only a valid identifier may drive blocking and strong evidence.
        out[f"{prefix}_valid_number"] = out[col_name].where(valid, None)
    for col_name in ("la_id", "other_id"):
        out[col_name] = (
            _none_if_blank(map_unique(src[col_name], normalise_free_identifier)) if col_name in src.columns else None
        )
    for c in out.columns:
        if str(out[c].dtype) in ("str", "string"):
            out[c] = as_object(out[c])
    return out


def present_input_columns(df: pd.DataFrame) -> list[str]:
    """Input columns of ``df`` that hold at least one value (drives the default settings).

    >>> present_input_columns(pd.DataFrame({"record_id": [1], "surname": ["x"], "dob": [None]}))
    ['surname']
    """
    from matching.settings import INPUT_COLUMNS

    return [c for c in INPUT_COLUMNS if c in df.columns and df[c].notna().any()
            and (df[c].astype(str).str.strip() != "").any()]
