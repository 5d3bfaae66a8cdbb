"""The pandera contracts decide which rows of a delivery are rejected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from mash.contracts import CONTRACTS, row_failures


def _mentions(**changes) -> pd.DataFrame:
    df = pd.DataFrame({"mention_id": ["d:1:0", "d:2:0", "d:3:0"], "notification_id": "d:1", "partner": "p",
                       "delivery_id": "d", "file_name": "f", "row_number": [1, 2, 3], "member_position": 0,
                       "role": "subject", "sex": "U", "first_name": ["A", "B", "C"], "surname": None,
                       "full_name": None, "nhs_number": None, "upn": None, "pnc": None, "ni_number": None,
                       "la_id": None, "other_id": None})
    for column, (position, value) in changes.items():
        df.loc[position, column] = value
    return df


def test_rows_pandera_rejects_are_named_with_the_check():
    assert row_failures("person_mentions", _mentions()) == {}
    bad = _mentions(sex=(1, "Q"), first_name=(2, None), row_number=(0, 0))
    failures = row_failures("person_mentions", bad)
    assert set(failures) == {0, 1, 2}
    assert "row_number 0 fails greater_than_or_equal_to(1)" in failures[0]
    assert "sex Q fails isin" in failures[1]
    assert failures[2] == "breaks the person_mentions contract: every mention has a name or an identifier"
    with pytest.raises(pa.errors.SchemaErrors):
        CONTRACTS["person_mentions"].validate(bad, lazy=True)  # the same schema, validated in full


def test_duplicate_ids_are_rejected_every_time_they_occur():
    failures = row_failures("person_mentions", _mentions(mention_id=(2, "d:1:0")))
    assert set(failures) == {0, 2} and all("field_uniqueness" in why for why in failures.values())


def test_a_missing_column_is_not_a_row_problem():
    with pytest.raises(pa.errors.SchemaErrors):
        row_failures("rejects", pd.DataFrame({"reject_id": ["a"], "row_number": [np.int64(1)]}))
