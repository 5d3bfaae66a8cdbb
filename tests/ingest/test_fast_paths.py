"""The fast readers give exactly what the plain row-by-row readers give."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mash.ingest.config import load_config
from mash.ingest.readers import _cell_text, _unique_header, read_xlsx
from tests.conftest import FIXTURE_PARTNERS

SCHOOLS = load_config(FIXTURE_PARTNERS / "tschools.toml")


def _xlsx_row_by_row(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The reference: every cell through _cell_text, row by row (the reader before it went column-wise)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SCHOOLS.sheet).to_python(skip_empty_area=False)
    header = _unique_header([_cell_text(c) for c in rows[SCHOOLS.header_row]])
    out = []
    for number, raw in enumerate(rows[SCHOOLS.header_row + 1:], start=1):
        values = [_cell_text(c) for c in raw][:len(header)]
        values += [""] * (len(header) - len(values))
        if any(v.strip() for v in values):
            out.append((number, values))
    return header, out


cell = st.one_of(
    st.none(), st.text(max_size=8), st.sampled_from(["", " ", "\u00a0", "\t \u2028", "\x1c"]),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, max_size=9), max_size=12), st.integers(1, 8))
def test_column_wise_xlsx_reader_matches_row_by_row(tmp_path_factory, rows, width):
    path = tmp_path_factory.mktemp("x") / "s.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws = wb.add_worksheet(SCHOOLS.sheet)
    ws.write(0, 0, "title")
    for c in range(width):
        ws.write_string(1, c, f"H{c}")
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values):
            if isinstance(v, (dt.date, dt.datetime)):
                ws.write_datetime(r, c, v, date_format)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write(r, c, v)
    wb.close()
    header, expected = _xlsx_row_by_row(path)
    table = read_xlsx(path, SCHOOLS)
    assert table.header == header and table.rejects == []
    assert table.rows["_row"].tolist() == [n for n, _ in expected]
    got = table.rows.drop(columns="_row").astype(object).values.tolist()
    assert got == [values for _, values in expected]
