"""FEBRL 3 subset: a sanity check of end-to-end quality (skipped where the data is absent)."""

from pathlib import Path

import pandas as pd
import pytest

from matching.api import link_table

from mash.settings import shared_datasets

FEBRL3 = shared_datasets() / "linkage" / "febrl" / "dataset3.csv"


@pytest.mark.skipif(not FEBRL3.exists(), reason="FEBRL 3 not available")
def test_febrl3_subset_f1():
    df = pd.read_csv(FEBRL3, dtype=str, skipinitialspace=True, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    df = df.apply(lambda c: c.str.strip()).replace("", None)
    df["person"] = df["rec_id"].str.extract(r"rec-(\d+)")[0]
    keep = df["person"].astype(int) < 700  # whole persons only
    df = df[keep].reset_index(drop=True)
    eng = pd.DataFrame({
        "record_id": df["rec_id"], "first_name": df["given_name"], "surname": df["surname"],
        "dob": df["date_of_birth"], "postcode": df["postcode"], "other_id": df["soc_sec_id"],
        "address": (df["street_number"].fillna("") + " " + df["address_1"].fillna("") + ", "
                    + df["suburb"].fillna("")),
    })
    res = link_table(eng)
    pid = res.clusters["person_id"].to_numpy()
    truth = df["person"].to_numpy()
    both = pd.Series(list(zip(pid, truth))).value_counts().to_numpy()
    tp = int((both * (both - 1) // 2).sum())
    pred = pd.Series(pid).value_counts().to_numpy()
    true = pd.Series(truth).value_counts().to_numpy()
    precision = tp / max(int((pred * (pred - 1) // 2).sum()), 1)
    recall = tp / int((true * (true - 1) // 2).sum())
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 > 0.97, (precision, recall, f1)
