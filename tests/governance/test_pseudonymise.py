"""Keyed pseudonyms, key handling and coarsening of quasi-identifiers."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mash.governance.pseudonymise import (
    Pseudonymiser,
    dob_to_month,
    key_fingerprint,
    load_key,
    new_key,
    postcode_district,
    postcode_sector,
    save_key,
)

KEY = bytes.fromhex("5e" * 32)
OTHER = bytes.fromhex("a7" * 32)
NHS = "9434765919"  # a valid example NHS number (mod-11 check digit)
HEX = re.compile(r"^[0-9a-f]+$")


def nhs_check_digit(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = 11 - total % 11
    return {11: 0, 10: None}.get(check, check)


def valid_nhs_numbers(start: int, count: int) -> list[str]:
    out = []
    for n in range(start, start + count):
        nine = f"{n:09d}"
        check = nhs_check_digit(nine)
        if check is not None:
            out.append(nine + str(check))
    return out


# ----------------------------------------------------------------- pseudonyms
def test_same_input_and_key_give_the_same_pseudonym() -> None:
    a, b = Pseudonymiser(KEY), Pseudonymiser(bytes(KEY))
    assert a.pseudonym(NHS) == b.pseudonym(NHS)
    assert len(a.pseudonym(NHS)) == 64 and HEX.match(a.pseudonym(NHS))


def test_different_keys_give_different_pseudonyms() -> None:
    assert Pseudonymiser(KEY).pseudonym(NHS) != Pseudonymiser(OTHER).pseudonym(NHS)


def test_namespaces_separate_the_same_id() -> None:
    p = Pseudonymiser(KEY)
    assert p.pseudonym("12345", "person") != p.pseudonym("12345", "household")
    with pytest.raises(ValueError):
        p.pseudonym("12345", "Person Id")  # namespaces are simple lowercase names


@settings(max_examples=200, deadline=None)
@given(
    st.tuples(st.sampled_from(["person", "person_x", "household", "h"]), st.text(max_size=12)),
    st.tuples(st.sampled_from(["person", "person_x", "household", "h"]), st.text(max_size=12)),
)
def test_distinct_namespace_value_pairs_never_collide(a, b) -> None:
    # The NUL separator keeps ("person", "_x1") and ("person_x", "1") apart.
    p = Pseudonymiser(KEY)
    if (a[0], a[1].strip()) != (b[0], b[1].strip()):
        assert p.pseudonym(a[1], a[0]) != p.pseudonym(b[1], b[0])


def test_unkeyed_hash_of_an_nhs_number_is_reversible_but_hmac_is_not() -> None:
    # An attacker enumerates valid NHS numbers (about a billion exist; here a slice of
    # ten thousand around the target stands in for the full space) and hashes each.
    candidates = valid_nhs_numbers(int(NHS[:9]) - 5000, 10_000)
    assert NHS in candidates
    table = {hashlib.sha256(c.encode()).hexdigest(): c for c in candidates}

    leaked_unkeyed = hashlib.sha256(NHS.encode()).hexdigest()
    assert table.get(leaked_unkeyed) == NHS  # reversed: the "pseudonym" gave the NHS number away

    leaked_hmac = Pseudonymiser(KEY).pseudonym(NHS)
    assert leaked_hmac not in table  # the same dictionary finds nothing
    # Nor does redoing the enumeration with a guessed key.
    guessed = Pseudonymiser(new_key())
    assert leaked_hmac not in {guessed.pseudonym(c) for c in candidates}
    # Only the key holder can make the link.
    assert leaked_hmac in {Pseudonymiser(KEY).pseudonym(c) for c in candidates}


def test_truncation() -> None:
    full = Pseudonymiser(KEY).pseudonym(NHS)
    assert Pseudonymiser(KEY, length=16).pseudonym(NHS) == full[:16]
    for bad in (8, 15, 65):
        with pytest.raises(ValueError):
            Pseudonymiser(KEY, length=bad)


def test_equivalent_spellings_of_an_id() -> None:
    p = Pseudonymiser(KEY)
    assert p.pseudonym(9434765919) == p.pseudonym(" 9434765919\n") == p.pseudonym(9434765919.0) == p.pseudonym(NHS)
    with pytest.raises(TypeError):
        p.pseudonym(943.5)
    with pytest.raises(TypeError):
        p.pseudonym(True)


def test_missing_stays_missing() -> None:
    p = Pseudonymiser(KEY)
    for missing in (None, float("nan"), pd.NA, pd.NaT, np.nan):
        assert p.pseudonym(missing) is None


def test_series_is_vectorised_and_matches_scalars() -> None:
    p = Pseudonymiser(KEY, length=20)
    s = pd.Series([NHS, None, "4010232137", NHS], index=[10, 11, 12, 13], name="nhs_number")
    out = p.pseudonym(s, "person")
    assert out.index.tolist() == [10, 11, 12, 13] and out.name == "nhs_number"
    assert out[10] == out[13] == p.pseudonym(NHS)
    assert pd.isna(out[11])
    assert out[12] == p.pseudonym("4010232137")
    # A float column with gaps (as pandas reads digits with blanks) gives the same pseudonyms.
    floats = pd.Series([9434765919.0, np.nan])
    assert p.pseudonym(floats).iloc[0] == p.pseudonym(NHS)


def test_frame_replaces_named_columns_only() -> None:
    p = Pseudonymiser(KEY, length=16)
    df = pd.DataFrame({"person_id": ["A1", "A2"], "household_id": ["A1", "H9"], "count": [1, 2]})
    out = p.frame(df, {"person_id": "person", "household_id": "household"})
    assert df["person_id"].tolist() == ["A1", "A2"]  # input untouched
    assert out["count"].tolist() == [1, 2]
    assert out.loc[0, "person_id"] != out.loc[0, "household_id"]
    with pytest.raises(KeyError):
        p.frame(df, {"nope": "person"})


# ------------------------------------------------------------------------ keys
def test_key_id_is_a_short_fingerprint_that_does_not_reveal_the_key() -> None:
    p = Pseudonymiser(KEY)
    assert p.key_id == hashlib.sha256(b"key-id" + KEY).hexdigest()[:8] == key_fingerprint(KEY)
    assert p.key_id not in KEY.hex()
    assert Pseudonymiser(OTHER).key_id != p.key_id
    assert KEY.hex() not in repr(p) and p.key_id in repr(p)


def test_wrong_key_id_is_refused() -> None:
    Pseudonymiser(KEY, key_id=key_fingerprint(KEY))
    with pytest.raises(ValueError, match="does not match"):
        Pseudonymiser(KEY, key_id=key_fingerprint(OTHER))


def test_short_or_non_bytes_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        Pseudonymiser(b"short")
    with pytest.raises(TypeError):
        Pseudonymiser(KEY.hex())  # type: ignore[arg-type]


def test_pseudonymiser_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Pseudonymiser(KEY))


def test_new_keys_are_random_and_long_enough() -> None:
    keys = {new_key() for _ in range(5)}
    assert len(keys) == 5 and all(len(k) == 32 for k in keys)


def test_load_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASH_TEST_KEY", " " + KEY.hex().upper() + "\n")
    assert load_key("env:MASH_TEST_KEY") == KEY
    monkeypatch.setenv("MASH_TEST_KEY", "zz" * 32)
    with pytest.raises(ValueError, match="hex"):
        load_key("env:MASH_TEST_KEY")
    monkeypatch.setenv("MASH_TEST_KEY", "ab" * 8)
    with pytest.raises(ValueError, match="bytes"):
        load_key("env:MASH_TEST_KEY")
    monkeypatch.delenv("MASH_TEST_KEY")
    with pytest.raises(KeyError):
        load_key("env:MASH_TEST_KEY")


def test_save_and_load_key_file(tmp_path: Path) -> None:
    path = save_key(KEY, tmp_path / "project.key")
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert load_key(path) == load_key(str(path)) == KEY
    with pytest.raises(FileExistsError):
        save_key(OTHER, path)  # never silently replace a project key


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = save_key(KEY, tmp_path / "project.key")
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_key(path)
    assert load_key(path, strict_permissions=False) == KEY


def test_key_file_inside_a_git_work_tree_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "secrets").mkdir()
    with pytest.raises(ValueError, match="git"):
        save_key(KEY, repo / "secrets" / "project.key")
    path = repo / "secrets" / "project.key"
    path.write_text(KEY.hex())
    path.chmod(0o600)
    with pytest.raises(ValueError, match="outside the repository"):
        load_key(path)


# ------------------------------------------------------------------ coarsening
def test_dob_to_month() -> None:
    assert dob_to_month("2012-03-04") == "2012-03"
    assert dob_to_month("2012-03-04T10:00:00") == "2012-03"
    assert dob_to_month(date(2009, 12, 31)) == "2009-12"
    assert dob_to_month(datetime(2009, 1, 1, 5)) == "2009-01"
    assert dob_to_month(pd.Timestamp("2020-02-29")) == "2020-02"
    for unusable in ("04/03/2012", "2012-13-01", "", None, float("nan"), pd.NaT, 20120304):
        assert dob_to_month(unusable) is None


def test_dob_to_month_series() -> None:
    s = pd.Series(pd.to_datetime(["2012-03-04", None, "1999-11-30"]), index=[5, 6, 7])
    out = dob_to_month(s)
    assert out.index.tolist() == [5, 6, 7]
    assert out[5] == "2012-03" and pd.isna(out[6]) and out[7] == "1999-11"


@pytest.mark.parametrize(
    "raw, sector, district",
    [
        ("AB1 2CD", "AB1 2", "AB1"),
        ("ab12cd", "AB1 2", "AB1"),
        ("  sw1a  2aa ", "SW1A 2", "SW1A"),
        ("M1 1AE", "M1 1", "M1"),
        ("B33 8TH", "B33 8", "B33"),
        ("CR2 6XH", "CR2 6", "CR2"),
        ("DN55 1PT", "DN55 1", "DN55"),
        ("W1A 0AX", "W1A 0", "W1A"),
        ("EC1A 1BB", "EC1A 1", "EC1A"),
        ("AB1 2", "AB1 2", "AB1"),  # already a sector
        ("AB1", None, "AB1"),  # a district
        ("AB12", None, "AB12"),  # read as district AB12, not sector "AB1 2"
        ("not a postcode", None, None),
        ("AB1 2C", None, None),
        ("12AB 3CD", None, None),
        ("", None, None),
        (None, None, None),
        (12345, None, None),
    ],
)
def test_postcode_coarsening(raw, sector, district) -> None:
    assert postcode_sector(raw) == sector
    assert postcode_district(raw) == district


def test_postcode_coarsening_series() -> None:
    s = pd.Series(["AB1 2CD", None, "junk"], index=["a", "b", "c"])
    assert postcode_sector(s).tolist()[0] == "AB1 2"
    assert postcode_sector(s).isna().tolist() == [False, True, True]
    assert postcode_district(s).index.tolist() == ["a", "b", "c"]


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\Z"))
def test_any_well_formed_postcode_coarsens_consistently(pc: str) -> None:
    sector, district = postcode_sector(pc), postcode_district(pc)
    assert sector.startswith(district + " ") and len(sector) == len(district) + 2
    assert postcode_sector(pc.lower()) == sector
    assert postcode_district(sector) == district and postcode_sector(sector) == sector
