"""Property tests: the readers never lose or invent a row, whatever bytes arrive."""

from __future__ import annotations

import csv
import json
import io
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mash.ingest.config import load_config
from mash.ingest.mapping import map_rows, parse_dates, split_full_name
from mash.ingest.readers import Quarantine, read_csv, read_jsonl
from tests.conftest import FIXTURE_PARTNERS

POLICE = load_config(FIXTURE_PARTNERS / "tpolice.toml")
HEALTH = load_config(FIXTURE_PARTNERS / "thealth.toml")
HEADER = ["Ref", "Date", "Category", "Risk", "Role", "Forename", "Surname", "DOB", "Postcode", "Summary"]
hostile = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_the_csv_reader(data):
    try:
        table = read_csv(data, POLICE)
    except Quarantine:
        return
    assert table.rows_in == len(table.rows) + len(table.rejects)
    assert table.rows["_row"].is_unique


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_the_jsonl_reader(data):
    try:
        table = read_jsonl(data, HEALTH)
    except Quarantine:
        return
    assert table.rows_in == len(table.rows) + len(table.rejects)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(hostile, hostile), min_size=1, max_size=8))
def test_hostile_names_load_unchanged_and_every_row_is_accounted_for(names):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for i, (first, last) in enumerate(names):
        w.writerow([f"R{i}", "01/02/2025", "DA", "Standard", "Victim", first, last, "", "", ""])
    table = read_csv(buf.getvalue().encode(), POLICE)
    mapped = map_rows(table, POLICE, "d", "f.csv", received=pd.Timestamp("2026-01-01").date())
    assert len(mapped.rejects) + len(mapped.mentions) + len(table.rejects) == len(names)
    loaded = {int(r): (f, s) for r, f, s in zip(mapped.mentions["row_number"], mapped.mentions["first_name"],
                                                mapped.mentions["surname"])}
    for row, (f, s) in loaded.items():
        first, last = names[row - 1]
        assert (f if isinstance(f, str) else "") == first.strip()
        assert (s if isinstance(s, str) else "") == last.strip()


@given(st.dates(), st.sampled_from(["%d/%m/%Y", "%Y-%m-%d"]))
def test_dates_round_trip_in_their_format(d, fmt):
    parsed = parse_dates(pd.Series([d.strftime(fmt)]), ("%d/%m/%Y", "%Y-%m-%d"))
    if d.year >= 1000:  # strftime pads differently below year 1000; no DOB or event is that old
        assert parsed.iloc[0].date() == d


@given(hostile)
def test_split_full_name_never_raises_and_keeps_tokens(text):
    first, middle, surname = split_full_name(text)
    for part in (first, middle, surname):
        squash = "".join(text.replace(",", " ").split())
        assert part is None or "".join(part.split()) in squash


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=12), st.sampled_from([",", ";", "|"]))
def test_fast_and_row_by_row_csv_paths_agree(records, delimiter):
    cfg = __import__("dataclasses").replace(POLICE, delimiter=delimiter)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(["a", "b", "c"])
    w.writerows(records)
    data = buf.getvalue().encode()
    fast, slow = read_csv(data, cfg), read_csv(data, cfg, fast=False)
    assert fast.rejects == slow.rejects
    pd.testing.assert_frame_equal(fast.rows.astype(str), slow.rows.astype(str), check_dtype=False)


json_values = st.one_of(st.none(), cells, st.integers(-10**20, 10**20), st.floats(allow_nan=True), st.booleans(),
                        st.lists(cells, max_size=2), st.dictionaries(cells, cells, max_size=2))
json_objects = st.fixed_dictionaries({}, optional={
    "id": json_values, "date": json_values, "concern": json_values, "other": json_values,
    "patient": st.one_of(json_values, st.fixed_dictionaries({}, optional={"given": json_values, "family": json_values,
                                                                           "nhs": json_values, "dob": json_values}))})
json_lines = st.one_of(
    json_objects.map(json.dumps), json_objects.map(lambda o: json.dumps(o, ensure_ascii=False)),
    st.sampled_from(["", " ", "\t", "{oops", "[1, 2]", '"text"', "null", '{"id": "a"}{"id": "b"}', '{"id": "\\ud800"}',
                     '{"id": "a", "id": "b"}', '{"id": "a\tb"}', "\u00a0", "\ufeff{}", '{"id": NaN}']),
    cells)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(json_lines, min_size=1, max_size=10), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(),
       st.booleans())
def test_fast_and_row_by_row_jsonl_paths_agree(lines, newline, final_newline, bom):
    text = newline.join(lines) + (newline if final_newline else "")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass")
    try:
        slow = read_jsonl(data, HEALTH, fast=False)
    except Quarantine:
        try:
            read_jsonl(data, HEALTH)
        except Quarantine:
            return
        raise AssertionError("the fast path loaded a file the row-by-row path quarantines")
    fast = read_jsonl(data, HEALTH)
    assert fast.rejects == slow.rejects
    pd.testing.assert_frame_equal(fast.rows.astype(object), slow.rows.astype(object), check_dtype=False)


def test_the_jsonl_fast_path_is_taken_for_a_clean_file():
    data = b'{"id": "h1", "date": "2025-02-01", "patient": {"given": "Amy"}}\r\n{"id": "h2", "patient": null}\r\n'
    from mash.ingest.readers import _read_jsonl_arrow, _utf8_payload

    table = _read_jsonl_arrow(_utf8_payload(data, HEALTH), read_jsonl(data, HEALTH).header)
    assert table is not None and table.rows["_row"].tolist() == [1, 2]
    assert table.rows["patient.given"].tolist()[0] == "Amy" and pd.isna(table.rows["patient.given"].tolist()[1])


def _parse_dates_reference(values: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """parse_dates as it was first written: pandas' strptime, format by format, on every value."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    todo = values.notna()
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(values[todo], format=fmt, errors="coerce").astype("datetime64[s]")
        out.loc[parsed.index] = out.loc[parsed.index].fillna(parsed)
        todo = values.notna() & out.isna()
    return out


date_like = st.one_of(
    st.builds(lambda d, m, y, sep: f"{d:02d}{sep}{m:02d}{sep}{y:04d}", st.integers(0, 32), st.integers(0, 13),
              st.integers(1890, 2110), st.sampled_from(["/", "-"])),
    st.builds(lambda d, m, y, sep: f"{y:04d}{sep}{m:02d}{sep}{d:02d}", st.integers(0, 32), st.integers(0, 13),
              st.integers(1890, 2110), st.sampled_from(["/", "-"])),
    st.builds(lambda d, m, y: f"{d}/{m}/{y}", st.integers(1, 31), st.integers(1, 12), st.integers(1, 3000)),
    st.text(alphabet="0123456789/- ٠١٢", max_size=11), st.none())


@settings(max_examples=200, deadline=None)
@given(st.lists(date_like, max_size=20),
       st.sampled_from([("%d/%m/%Y", "%Y-%m-%d"), ("%Y-%m-%d",), ("%d-%m-%Y", "%Y/%m/%d"), ("%m/%d/%Y",)]))
def test_parse_dates_matches_pandas_strptime_value_by_value(values, formats):
    series = pd.Series(values, dtype="string")
    pd.testing.assert_series_equal(parse_dates(series, formats), _parse_dates_reference(series, formats),
                                   check_dtype=False)
