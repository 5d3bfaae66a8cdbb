"""Loaders for the public linkage benchmarks, mapped to the engine's input columns.

Each loader returns ``(engine_input, truth)`` where ``engine_input`` has the
engine's canonical columns and ``truth`` is a Series of person labels aligned
with it; ``raw`` frames are also returned for Splink, which gets the columns as
published in its own examples.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mash.settings import shared_datasets

DATA = shared_datasets() / "linkage"


def _read_febrl(name: str) -> pd.DataFrame:
    df = pd.read_csv(DATA / "febrl" / name, dtype=str, skipinitialspace=True, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    for c in df.columns:  # FEBRL fields carry a leading space; blanks are missing
        df[c] = df[c].str.strip()
        df.loc[df[c] == "", c] = None
    df["cluster"] = df["rec_id"].str.extract(r"^rec-(\d+)")[0]
    return df


def febrl_to_engine(df: pd.DataFrame) -> pd.DataFrame:
    """FEBRL columns -> engine columns (address = number + street, locality, suburb; state dropped)."""
    addr = (df["street_number"].fillna("") + " " + df["address_1"].fillna("") + ", "
            + df["address_2"].fillna("") + ", " + df["suburb"].fillna(""))
    return pd.DataFrame({
        "record_id": df["rec_id"], "first_name": df["given_name"], "surname": df["surname"],
        "dob": df["date_of_birth"], "postcode": df["postcode"], "address": addr.str.strip(" ,"),
        "other_id": df["soc_sec_id"],
    })


def febrl3() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    raw = _read_febrl("dataset3.csv")
    return raw, febrl_to_engine(raw), raw["cluster"]


def febrl4() -> tuple[list[pd.DataFrame], pd.DataFrame, pd.Series]:
    a, b = _read_febrl("dataset4a.csv"), _read_febrl("dataset4b.csv")
    ea, eb = febrl_to_engine(a), febrl_to_engine(b)
    ea["source_dataset"], eb["source_dataset"] = "a", "b"
    both = pd.concat([ea, eb], ignore_index=True)
    truth = pd.concat([a["cluster"], b["cluster"]], ignore_index=True)
    return [a, b], both, truth


def fake_1000() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    raw = pd.read_csv(DATA / "fake_1000.csv", dtype=str, keep_default_na=False, na_values=[""])
    eng = pd.DataFrame({
        "record_id": raw["unique_id"], "first_name": raw["first_name"], "surname": raw["surname"],
        "dob": raw["dob"], "address": raw["city"], "other_id": raw["email"],
    })
    return raw, eng, raw["cluster"]


def historical_50k() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    raw = pd.read_parquet(DATA / "historical_figures_with_errors_50k.parquet")
    eng = pd.DataFrame({
        "record_id": raw["unique_id"], "first_name": raw["first_name"], "surname": raw["surname"],
        "dob": raw["dob"], "postcode": raw["postcode_fake"], "sex": raw["gender"],
        "address": raw["birth_place"],
    })
    return raw, eng, raw["cluster"]
