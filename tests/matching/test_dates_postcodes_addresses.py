import datetime as dt

import pandas as pd
from hypothesis import given, settings, strategies as st

from matching.addresses import parse_address, standardise_addresses
from matching.postcodes import is_valid_postcode, normalise_postcode, postcode_parts, standardise_postcodes
from matching.standardise_dates import dob_digits, parse_dob, standardise_dobs

TODAY = dt.date(2025, 6, 1)


def test_dob_formats_agree():
    want = dt.date(1985, 4, 12)
    for text in ["12/04/1985", "12-04-1985", "12.4.1985", "1985-04-12", "19850412", "12 Apr 1985",
                 "April 12, 1985", "1985-04-12T00:00:00"]:
        assert parse_dob(text, today=TODAY).date == want, text


def test_dob_ambiguity_and_us_order_kept():
    p = parse_dob("03/04/2010", today=TODAY)
    assert p.date == dt.date(2010, 4, 3) and p.ambiguous
    q = parse_dob("04/13/2010", today=TODAY)
    assert q.date == dt.date(2010, 4, 13) and q.us_order and not q.ambiguous


def test_impossible_dates_rejected_with_reason():
    assert parse_dob("31/02/2001", today=TODAY).reason.startswith("impossible")
    assert parse_dob("2030-01-05", today=TODAY).reason.startswith("in the future")
    assert parse_dob("1700-01-05", today=TODAY).reason.startswith("before")
    assert parse_dob("banana", today=TODAY).reason == "unrecognised format"
    assert dob_digits("31/02/2001") == "20010231"


def test_placeholder_flagged():
    assert parse_dob("01/01/1990", today=TODAY).placeholder
    assert not parse_dob("02/01/1990", today=TODAY).placeholder


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_vectorised_dob_matches_scalar(d):
    texts = [d.strftime("%d/%m/%Y"), d.isoformat(), d.strftime("%Y%m%d"), f"{d.day}/{d.month}/{d.year}"]
    frame = standardise_dobs(pd.Series(texts), today=TODAY)
    assert set(frame["dob"]) == {d.isoformat()}
    for i, t in enumerate(texts):
        p = parse_dob(t, today=TODAY)
        assert bool(frame.loc[i, "dob_ambiguous"]) == p.ambiguous
        assert bool(frame.loc[i, "dob_placeholder"]) == p.placeholder


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), st.integers(), st.none(), st.floats()))
def test_parse_dob_never_raises(value):
    p = parse_dob(value, today=TODAY)
    assert (p.date is None) == bool(p.reason)


def test_postcodes():
    assert normalise_postcode(" sw1a1aa ") == "SW1A 1AA"
    assert normalise_postcode("2119") == "2119"
    assert is_valid_postcode("M1 1AE") and not is_valid_postcode("M1 1A")
    parts = postcode_parts("ls62ab")
    assert (parts.postcode, parts.outward, parts.sector, parts.district, parts.area) == (
        "LS6 2AB", "LS6", "LS6 2", "LS6", "LS")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_postcode_idempotent_and_vectorised_agrees(text):
    once = normalise_postcode(text)
    assert normalise_postcode(once) == once
    frame = standardise_postcodes(pd.Series([text]))
    scalar = postcode_parts(text)
    assert (frame.loc[0, "postcode"] or "") == scalar.postcode
    assert bool(frame.loc[0, "postcode_valid"]) == scalar.valid
    assert (frame.loc[0, "postcode_sector"] or "") == scalar.sector


def test_addresses():
    a = parse_address("Flat 2, 14a High St, Leeds LS6 2AB")
    assert (a.flat, a.number, a.street, a.town, a.postcode) == ("2", "14A", "HIGH STREET", "LEEDS", "LS6 2AB")
    assert parse_address("14 St Johns Rd").street == "SAINT JOHNS ROAD"
    assert parse_address("22 Acacia Ave").street == "ACACIA AVENUE"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), st.from_regex(r"\d{1,3}[a-z]? [A-Za-z]{3,8} (Rd|St|Ave|Road|Lane)",
                                                     fullmatch=True)))
def test_address_fast_path_agrees_with_parser(text):
    frame = standardise_addresses(pd.Series([text]))
    p = parse_address(text)
    assert (frame.loc[0, "address_number"] or "") == p.number
    assert (frame.loc[0, "address_street"] or "") == p.street
