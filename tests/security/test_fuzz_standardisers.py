"""Every public parser and standardiser, fuzzed with hostile values (see ``tests/security/hostile.py``).

For each one: it never raises (or raises only its documented ``ValueError``-type rejection), the
result has the documented type, its size is bounded (no explosion, whatever the input length), it is
idempotent where standardising twice must change nothing, and the vectorised form agrees with the
scalar one. The list of functions covered is in ``SECURITY.md``; ``test_every_public_standardiser_is_fuzzed``
fails when a new public function appears in a standardiser module without being added here.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import matching.addresses as m_addresses
import matching.identifiers as m_ids
import matching.postcodes as m_postcodes
import matching.prepare as m_prepare
import matching.standardise_dates as m_dates
import matching.standardise_names as m_names
import matching.text as m_text
from analytics.addresses import normalise_postcode as analytics_normalise_postcode
from analytics.addresses import parse_addresses
from analytics.names import SURNAME_SQL
from analytics.outputs import esc
from mash.export import neutralise
from mash.governance.pseudonymise import Pseudonymiser, dob_to_month, postcode_district, postcode_sector
from mash.ingest.config import norm_code
from mash.ingest.mapping import parse_dates, split_full_name
from matching.blocking import parse_rule
from matching.name_variants import are_name_variants, name_group, related_names
from tests.security.hostile import column_values, encodable_text, hostile_text, hostile_values, long_text

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = dt.date(2026, 1, 1)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BOUND = 1_000  # no scalar standardiser returns more than this many characters, whatever it is given


def _series(values: list) -> pd.Series:
    return pd.Series(values, dtype=object)


def _bounded(text: str, limit: int = _BOUND) -> None:
    assert isinstance(text, str), type(text)
    assert len(text) <= limit, len(text)


# --------------------------------------------------------------------- text helpers


@FAST
@given(hostile_values())
def test_to_text_and_is_missing(value):
    out = m_text.to_text(value)
    _bounded(out, 2 * m_text.MAX_FIELD_LENGTH)
    assert not _CONTROL.search(out)
    assert m_text.to_text(out) == out
    assert isinstance(m_text.is_missing(value), bool)
    assert (out == "") == m_text.is_missing(value) or not isinstance(value, str) or out != value.strip()


@FAST
@given(hostile_text())
def test_fold_accents_is_bounded_upper_and_idempotent(text):
    text = m_text.to_text(text)  # every caller hands it cleaned text
    out = m_text.fold_accents(text)
    _bounded(out, 18 * len(text))  # NFKD expands one character to at most 18
    assert not any(unicodedata.combining(c) for c in out)
    assert m_text.fold_accents(out) == out


@SLOW
@given(st.lists(hostile_values(long=False), max_size=8))
def test_missing_mask_agrees_with_is_missing(values):
    mask = m_text.missing_mask(_series(values))
    assert mask.tolist() == [m_text.is_missing(v) for v in values]


# --------------------------------------------------------------------- names


@FAST
@given(hostile_values())
@example("'NONE'")  # placeholder words left once the quotes are cleaned away (found by this test)
@example("(unknown)")
@example(["NONE"])
def test_normalise_name(value):
    out = m_names.normalise_name(value)
    _bounded(out, 120)
    assert re.fullmatch(r"[\w \-]*", out) and not re.search(r"[\d_]", out), out
    assert m_names.normalise_name(out) == out


@FAST
@given(hostile_values())
def test_split_parse_and_surname_parts(value):
    first, middle = m_names.split_forenames(value)
    parsed = m_names.parse_full_name(value)
    p1, p2 = m_names.surname_parts(value)
    assert isinstance(parsed, m_names.ParsedName)
    for part in (first, middle, *parsed, p1, p2):
        _bounded(part, 240)
        assert re.fullmatch(r"[\w \-]*", part) and not re.search(r"[\d_]", part), part
        # a part is a normalised name, or a word that alone means "no name" (a title, "NONE")
        assert m_names.normalise_name(part) in (part, "")
    for code in (m_names.phonetic_code(value), m_names.nysiis_code(value)):
        _bounded(code, 12)
    group = name_group(first)
    _bounded(group, 120)
    assert isinstance(are_name_variants(first, m_names.normalise_name(value)), bool)
    assert all(isinstance(n, str) for n in related_names(first))


@SLOW
@given(st.lists(column_values(), max_size=6))
def test_standardise_names_vectorised_matches_scalar(values):
    s = _series(values)
    df = m_names.standardise_names(first_name=s, surname=s, full_name=s)
    assert len(df) == len(values)
    assert df["surname"].tolist() == [m_names.normalise_name(v) or None for v in values]
    assert m_names.normalise_name_series(s).tolist() == [m_names.normalise_name(v) for v in values]
    for col in df.columns:
        assert all(v is None or (isinstance(v, str) and len(v) <= 240) for v in df[col]), col


# --------------------------------------------------------------------- dates


@FAST
@given(hostile_values())
def test_parse_dob_and_digits(value):
    parsed = m_dates.parse_dob(value, today=TODAY)
    assert isinstance(parsed, m_dates.ParsedDate)
    if parsed.date is not None:
        assert dt.date(1880, 1, 1) <= parsed.date <= TODAY and parsed.reason == ""
    else:
        assert isinstance(parsed.reason, str) and 0 < len(parsed.reason) <= 120
    digits = m_dates.dob_digits(value)
    assert digits == "" or re.fullmatch(r"[0-9]{8}", digits), digits


@SLOW
@given(st.lists(column_values(), max_size=6))
def test_standardise_dobs_matches_scalar(values):
    df = m_dates.standardise_dobs(_series(values), today=TODAY)
    assert len(df) == len(values) and list(df.columns) == m_dates.DOB_COLUMNS
    for v, iso in zip(values, df["dob"]):
        p = m_dates.parse_dob(v.strip() if isinstance(v, str) else v, today=TODAY)
        assert iso == (p.date.isoformat() if p.date else None), (v, iso, p)


@SLOW
@given(st.lists(encodable_text(), min_size=1, max_size=6))
def test_ingest_parse_dates_rejects_instead_of_guessing(values):
    out = parse_dates(pd.Series(values, dtype="string"), ("%d/%m/%Y", "%Y-%m-%d"))
    assert len(out) == len(values)
    for v, d in zip(values, out):
        if pd.notna(d):  # anything parsed must have been a real date in one of the formats
            assert v.strip() in (d.strftime("%d/%m/%Y"), d.strftime("%Y-%m-%d")) or re.fullmatch(
                r"\s*[0-9]{1,4}[/-][0-9]{1,2}[/-][0-9]{1,4}\s*", v), v


# --------------------------------------------------------------------- postcodes and addresses


@FAST
@given(hostile_values())
def test_postcodes(value):
    pc = m_postcodes.normalise_postcode(value)
    _bounded(pc, 13)
    assert re.fullmatch(r"[A-Z0-9 ]*", pc), pc
    assert m_postcodes.normalise_postcode(pc) == pc
    parts = m_postcodes.postcode_parts(value)
    assert isinstance(parts, m_postcodes.PostcodeParts) and parts.postcode == pc
    assert parts.valid == m_postcodes.is_valid_postcode(value)
    if parts.valid:
        assert re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}", pc), pc
    for coarse in (postcode_sector(value), postcode_district(value)):
        assert coarse is None or re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?( [0-9])?", coarse), coarse


@SLOW
@given(st.lists(column_values(), max_size=6))
def test_standardise_postcodes_matches_scalar(values):
    df = m_postcodes.standardise_postcodes(_series(values))
    assert len(df) == len(values)
    for v, pc, valid in zip(values, df["postcode"], df["postcode_valid"]):
        parts = m_postcodes.postcode_parts(v)
        assert (pc or "", bool(valid)) == (parts.postcode, parts.valid), (v, pc, parts)
    a = analytics_normalise_postcode(_series(values))
    assert [x if isinstance(x, str) else None for x in a] == [
        p if ok else None for p, ok in zip(df["postcode"], df["postcode_valid"])]


@FAST
@given(hostile_values())
def test_parse_address(value):
    parsed = m_addresses.parse_address(value)
    assert isinstance(parsed, m_addresses.ParsedAddress)
    assert all(isinstance(p, str) for p in parsed)
    assert len(parsed.street) <= 80 and len(parsed.town) <= 40 and len(parsed.flat) <= 400
    assert len(parsed.number) <= 400
    assert parsed.postcode == "" or m_postcodes.is_valid_postcode(parsed.postcode)
    assert not _CONTROL.search("".join(parsed))
    words = m_text.to_text(value)
    assert isinstance(m_addresses.expand_street_words(words), str)


@SLOW
@given(st.lists(column_values(), max_size=6))
def test_standardise_addresses_and_analytics_parser(values):
    df = m_addresses.standardise_addresses(_series(values))
    assert len(df) == len(values)
    for col in df.columns:
        assert all(v is None or (isinstance(v, str) and len(v) <= 500) for v in df[col]), col
    p = parse_addresses(_series(values))
    assert len(p) == len(values) and list(p.columns) == ["flat", "number", "street", "locality", "building"]
    assert all(isinstance(v, str) for col in p.columns for v in p[col])


# --------------------------------------------------------------------- identifiers


def _nhs_ok(digits: str) -> bool:
    """Independent modulus-11 check over ASCII digits."""
    if not re.fullmatch(r"[0-9]{10}", digits):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    return (0 if check == 11 else check) == int(digits[9]) and check != 10


@FAST
@given(hostile_values())
@example("²" * 10)  # isdigit() but not int(): raised (found by this test)
@example("٩٤٣٤٧٦٥٩١٩")  # Arabic-Indic digits of a valid NHS number: passed as valid (found by this test)
def test_identifiers_never_raise_and_validity_implies_the_rule(value):
    for kind in m_ids.identifier_kinds():
        text, ok = m_ids.standardise_identifier(value, kind)
        _bounded(text, 40)
        assert isinstance(ok, bool)
    for normalise, valid in ((m_ids.normalise_nhs, m_ids.is_valid_nhs), (m_ids.normalise_upn, m_ids.is_valid_upn),
                             (m_ids.normalise_pnc, m_ids.is_valid_pnc), (m_ids.normalise_ni, m_ids.is_valid_ni)):
        assert isinstance(normalise(value), str)
        assert isinstance(valid(value), bool)
    if m_ids.is_valid_nhs(value):
        assert _nhs_ok(m_ids.normalise_nhs(value))
    if m_ids.is_valid_upn(value):
        assert re.fullmatch(r"[A-Z][0-9]{11}[0-9A-Z]", m_ids.normalise_upn(value))
    if m_ids.is_valid_pnc(value):
        assert re.fullmatch(r"[0-9]{2}/[0-9]{7}[A-Z]", m_ids.normalise_pnc(value))
    if m_ids.is_valid_ni(value):
        assert re.fullmatch(r"[A-Z]{2}[0-9]{6}[A-D]", m_ids.normalise_ni(value))
    assert m_ids.nhs_valid_array([m_ids.normalise_nhs(value)]).tolist() == [m_ids.is_valid_nhs(value)]
    assert isinstance(m_prepare.normalise_free_identifier(value), str)
    assert len(m_prepare.normalise_free_identifier(value)) <= 40
    assert len(m_prepare.normalise_sex(value)) <= 12


NHS_DIGITS = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda d: m_ids.nhs_check_digit(d) is not None)
UPN_BODY = st.text(alphabet="0123456789", min_size=11, max_size=11)


@FAST
@given(NHS_DIGITS, st.integers(1, 9), st.sampled_from(["{}", " {} ", "{}\u200b", "{}\u202e"]),
       st.sampled_from(["ascii", "arabic", "fullwidth"]))
def test_identifiers_with_a_bad_check_digit_are_never_valid(nine, delta, wrap, digits):
    good = nine + str(m_ids.nhs_check_digit(nine))
    bad = nine + str((int(good[-1]) + delta) % 10)
    assert m_ids.is_valid_nhs(good) and not m_ids.is_valid_nhs(bad)
    assert not m_ids.standardise_identifier(wrap.format(bad), "nhs")[1]
    # the same number in other digit scripts is not an NHS number (and must not raise)
    table = {"ascii": None, "arabic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
             "fullwidth": str.maketrans("0123456789", "０１２３４５６７８９")}[digits]
    if table:
        assert not m_ids.is_valid_nhs(good.translate(table))
        assert not m_ids.standardise_identifier(good.translate(table), "nhs")[1]
    assert not m_ids.is_valid_nhs("²" * 10) and not m_ids.is_valid_nhs("¹²³⁴⁵⁶⁷⁸⁹⁰")


@FAST
@given(UPN_BODY, st.integers(1, 22), st.sampled_from(["ascii", "arabic"]))
def test_upn_pnc_with_a_bad_check_character_are_never_valid(body, delta, digits):
    letter = body[:0] + m_ids.upn_check_letter("8" + body)
    good = letter + "8" + body
    alphabet = m_ids.UPN_ALPHABET
    bad = alphabet[(alphabet.index(letter) + delta) % 23] + good[1:]
    assert m_ids.is_valid_upn(good) and not m_ids.is_valid_upn(bad)
    serial = body[:7]
    pnc = f"12/{serial}{m_ids.pnc_check_char('12', serial)}"
    wrong = m_ids.PNC_ALPHABET[(m_ids.PNC_ALPHABET.index(pnc[-1]) + delta) % 23]
    assert m_ids.is_valid_pnc(pnc) and not m_ids.is_valid_pnc(pnc[:-1] + wrong)
    if digits == "arabic":
        t = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
        assert not m_ids.is_valid_upn(good.translate(t))
        assert not m_ids.is_valid_pnc(pnc.translate(t))
        assert not m_ids.is_valid_ni("AB" + "123456".translate(t) + "C")


def test_upn_check_letter_rejects_with_value_error():
    """The one documented rejection: a character that cannot be in a UPN."""
    with pytest.raises(ValueError):
        m_ids.upn_check_letter("80120000500<")


# --------------------------------------------------------------------- whole-table preparation


@SLOW
@given(st.lists(st.tuples(column_values(long=False), column_values(long=False), column_values(long=False)),
                min_size=1, max_size=5), long_text(max_size=200_000))
def test_prepare_records_on_a_hostile_table(rows, long_value):
    df = pd.DataFrame(dtype=object, data={
        "record_id": [f"r{i}" for i in range(len(rows))],
        "first_name": [r[0] for r in rows], "surname": [r[1] for r in rows], "full_name": [r[2] for r in rows],
        "dob": [r[1] for r in rows], "sex": [r[0] for r in rows], "postcode": [r[2] for r in rows],
        "address": [long_value] + [r[0] for r in rows[1:]], "nhs_number": [r[1] for r in rows],
        "upn": [r[2] for r in rows], "pnc": [r[0] for r in rows], "ni_number": [r[1] for r in rows],
        "la_id": [r[2] for r in rows], "other_id": [long_value] * len(rows),
    })
    out = m_prepare.prepare_records(df)
    assert len(out) == len(df) and out["_row"].tolist() == list(range(len(df)))
    for col in out.columns:
        if out[col].dtype == object:
            assert all(v is None or not isinstance(v, str) or len(v) <= 1000 for v in out[col]), col
    for kind in ("nhs", "upn", "pnc", "ni"):
        # an identifier that fails its check never drives blocking
        assert (out[f"{kind}_valid_number"].notna() <= out[f"{kind}_valid"]).all()


def test_prepare_records_rejects_only_with_value_error():
    with pytest.raises(ValueError, match="record_id"):
        m_prepare.prepare_records(pd.DataFrame({"surname": ["'; DROP TABLE x; --"]}))
    with pytest.raises(ValueError, match="unique"):
        m_prepare.prepare_records(pd.DataFrame({"record_id": ["=1", "=1"]}))


# --------------------------------------------------------------------- ingest helpers, SQL, outputs


@FAST
@given(hostile_values())
def test_ingest_name_split_and_code_normalisation(value):
    parts = split_full_name(value)
    assert len(parts) == 3 and all(p is None or isinstance(p, str) for p in parts)
    if isinstance(value, str):
        assert sum(len(p or "") for p in parts) <= len(value)
    code = norm_code(value)
    assert isinstance(code, str) and norm_code(code) == code


@FAST
@given(hostile_text())
def test_blocking_rule_parser_rejects_or_yields_identifiers(text):
    try:
        rule = parse_rule(text)
    except ValueError:
        return
    for a, b in rule.equalities:
        for term in (a, b):
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", term.column)
            assert term.function in (None, "substr", "left", "right", "lower", "upper")
            assert all(isinstance(x, int) for x in term.args)
    assert ";" not in rule.condition_sql() and "--" not in rule.condition_sql()


@pytest.fixture(scope="module")
def duck():
    import duckdb

    con = duckdb.connect()
    yield con
    con.close()


@SLOW
@given(st.lists(hostile_text(max_long=100_000), min_size=1, max_size=6))
def test_surname_sql_over_hostile_values(duck, values):
    """The SQL standardiser (analytics.names.SURNAME_SQL) reads hostile names as data."""
    values = [v for v in values if "\ud800" not in v]  # DuckDB strings are UTF-8
    assume(values)
    duck.register("hostile_names", pd.DataFrame({"surname": values, "full_name": values}))
    try:
        out = duck.execute(f"SELECT {SURNAME_SQL} AS s FROM hostile_names").fetchall()
    finally:
        duck.unregister("hostile_names")
    assert len(out) == len(values)
    assert all(s is None or re.fullmatch(r"[A-Z]*", s) for (s,) in out)


@FAST
@given(hostile_values())
def test_governance_coarsening_and_pseudonyms(value):
    month = dob_to_month(value)
    assert month is None or re.fullmatch(r"[0-9]{4}-[0-9]{2}", month)
    p = Pseudonymiser(bytes(range(32)), length=16)
    try:
        out = p.pseudonym(value)
    except (TypeError, ValueError):  # documented: refuses booleans, fractions, containers, unencodable text
        return
    assert out is None or re.fullmatch(r"[0-9a-f]{16}", out)


@FAST
@given(hostile_values())
def test_output_escapers(value):
    cell = neutralise(value)
    if isinstance(value, str):
        assert not re.match(r"[=+\-@\t\r＝＋－＠]", cell.lstrip(" \n\x0b\x0c")) or cell.startswith("'")
    else:
        assert cell is value
    text = esc(value)
    assert isinstance(text, str) and not set("<>\"'") & set(text)


# --------------------------------------------------------------------- coverage of the list


FUZZED = {
    "matching.text": {"is_missing", "to_text", "fold_accents", "missing_mask", "map_unique", "map_unique_frame",
                      "as_object", "on_uniques", "str_series"},
    "matching.standardise_names": {"normalise_name", "split_forenames", "parse_full_name", "surname_parts",
                                   "phonetic_code", "nysiis_code", "standardise_names", "normalise_name_series",
                                   "ParsedName"},
    "matching.standardise_dates": {"parse_dob", "dob_digits", "standardise_dobs", "days_from_civil", "ParsedDate"},
    "matching.postcodes": {"normalise_postcode", "is_valid_postcode", "postcode_parts", "standardise_postcodes",
                           "PostcodeParts"},
    "matching.addresses": {"expand_street_words", "parse_address", "standardise_addresses", "ParsedAddress"},
    "matching.identifiers": {"normalise_nhs", "nhs_check_digit", "is_valid_nhs", "upn_check_letter", "normalise_upn",
                             "is_valid_upn", "pnc_check_char", "normalise_pnc", "is_valid_pnc", "normalise_ni",
                             "is_valid_ni", "identifier_kinds", "standardise_identifier", "nhs_valid_array"},
    "matching.prepare": {"normalise_sex", "normalise_free_identifier", "prepare_records", "present_input_columns"},
}


@pytest.mark.parametrize("module", sorted(FUZZED))
def test_every_public_standardiser_is_fuzzed(module):
    """A new public function in a standardiser module must be added to the fuzz tests (and SECURITY.md)."""
    import importlib

    mod = importlib.import_module(module)
    public = {n for n, obj in vars(mod).items() if not n.startswith("_") and (inspect.isfunction(obj) or
              inspect.isclass(obj)) and getattr(obj, "__module__", None) == module}
    assert public <= FUZZED[module], f"not fuzzed: {sorted(public - FUZZED[module])}"


def test_days_from_civil_on_extreme_dates():
    y = np.array([1, 9999, 1970]); m = np.array([1, 12, 1]); d = np.array([1, 31, 1])  # noqa: E702
    assert days_ok(m_dates.days_from_civil(y, m, d))


def days_ok(days: np.ndarray) -> bool:
    return days.tolist() == [(dt.date(1, 1, 1) - dt.date(1970, 1, 1)).days,
                             (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days, 0]
