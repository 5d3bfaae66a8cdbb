"""Spreadsheet formula injection: every CSV a person opens is neutralised, and no other CSV writer exists.

Rule (``mash/export.py``): a text cell that starts with ``= + - @``, a tab or a carriage return (also
after leading blanks, and the full-width ``＝ ＋ － ＠``) is written with a leading apostrophe. Numeric
columns are written as numbers, so a negative number in a numeric column stays as it is; text that
looks like a number is still neutralised.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mash.export import neutralise, write_csv_safe
from tests.security.hostile import FORMULAS, encodable_text
from tests.security.world import DDE, HYPERLINK

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("mash", "matching", "analytics", "pipelines", "bench", "notebooks")
FORMULA_START = re.compile(r"[ \n\x0b\x0c\u00a0\u2007\u202f\u3000]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
# Writers of CSV/xlsx other than mash/export.py, each with the reason it is not a person-facing output.
ALLOWED_WRITERS = {
    "mash/export.py": "the neutralising writer itself",
    "mash/synth/writers.py": "the synthetic world's partner deliveries and ground truth: inputs that imitate what "
                             "partners send (hostile values included) and hold synthetic people only",
    "mash/synth/world.py": "calls mash/synth/writers.py to write the synthetic deliveries (see above)",
}
WRITER_CALLS = {"to_csv", "to_excel", "write_csv", "writer", "DictWriter", "Workbook", "to_clipboard"}
COPY_TO = re.compile(r"\bCOPY\b[^;]*?\bTO\b", re.IGNORECASE)


def _cells(path: Path) -> list[tuple[str, str]]:
    """(column, cell) for every cell of a CSV file, header cells included."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0] if rows else []
    out = [("<header>", h) for h in header]
    for row in rows[1:]:
        out += list(zip(header, row))
    return out


def _numeric_columns(path: Path) -> set[str]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {c for c in df.columns if len(df) and df[c].map(lambda v: v == "" or bool(NUMBER.fullmatch(v))).all()}


def test_no_cell_of_any_output_csv_starts_a_formula(hostile_world):
    csvs = sorted(hostile_world.out.rglob("*.csv"))
    names = {p.relative_to(hostile_world.out).as_posix() for p in csvs}
    assert {"ingest/deliveries.csv", "ingest/rejects.csv", "ingest/partners.csv", "analytics/alert_queue.csv",
            "analytics/repeat_contacts.csv", "evaluation/evaluation_by_pattern.csv",
            "matching/persons.csv"} <= names, names
    bad = []
    for path in csvs:
        numeric = _numeric_columns(path)
        for col, cell in _cells(path):
            if FORMULA_START.match(cell) and not (col in numeric and NUMBER.fullmatch(cell)):
                bad.append(f"{path.name}[{col}]: {cell[:60]!r}")
    assert not bad, "\n".join(bad)


def test_the_attacks_reached_the_outputs_neutralised(hostile_world):
    """Not vacuous: the hostile values are in the CSVs, each behind an apostrophe, and unchanged in the warehouse."""
    out = hostile_world.out
    text = {p.name: p.read_text(encoding="utf-8") for p in out.rglob("*.csv")}
    queue = pd.read_csv(out / "analytics" / "alert_queue.csv", dtype=str)
    assert any(v.startswith("'" + HYPERLINK) for v in queue["subject_label"])
    assert any(v.startswith("'@SUM(1+1)") for v in queue["subject_label"])
    rejects = pd.read_csv(out / "ingest" / "rejects.csv", dtype=str)
    assert any(v.startswith("'" + DDE) for v in rejects["raw_row"]) and any(
        v.startswith("'=1+1") for v in rejects["raw_row"])
    deliveries = pd.read_csv(out / "ingest" / "deliveries.csv", dtype=str)
    assert any(v.startswith("'=HYPERLINK(1)") for v in deliveries["file_name"])
    persons = pd.read_csv(out / "matching" / "persons.csv", dtype=str)
    assert set(persons["record_id"]) == {"'" + HYPERLINK, "'" + DDE, "'@r3", "'-4"}
    assert "'\t=1" in text["evaluation_by_pattern.csv"]
    from mash.warehouse import connect

    con = connect(hostile_world.warehouse, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM person_mentions WHERE first_name = ?", [HYPERLINK]).fetchall() \
            == [(3,)]
    finally:
        con.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FORMULAS), encodable_text()), min_size=1, max_size=8),
       st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=8))
def test_write_csv_safe_round_trip(tmp_path_factory, texts, numbers):
    """Any text survives the CSV (commas, quotes, newlines, NUL...) and comes back as itself or with one apostrophe."""
    n = min(len(texts), len(numbers))
    df = pd.DataFrame({"text": pd.Series(texts[:n], dtype="string"), "obj": pd.Series(texts[:n], dtype=object),
                       "cat": pd.Categorical(texts[:n]), "n": numbers[:n], "=HEADER": numbers[:n]})
    path = write_csv_safe(df, tmp_path_factory.mktemp("csv") / "x.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["text", "obj", "cat", "n", "'=HEADER"]
    assert len(rows) == n + 1
    for row, original, number in zip(rows[1:], texts, numbers):
        for cell in row[:3]:
            assert cell == neutralise(original)
            assert not FORMULA_START.match(cell) or cell.startswith("'")
        assert row[3] == str(number)  # numbers stay numbers, negative ones included


# --- no other writer ---------------------------------------------------------------------------------


def _writers(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in WRITER_CALLS:
                found.append(f"{name} (line {node.lineno})")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            if any(m and m.split(".")[0] in ("xlsxwriter", "openpyxl") for m in mods):
                found.append(f"import of a spreadsheet writer (line {node.lineno})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("execute", "sql") and node.args:
            sql = " ".join(c.value for c in ast.walk(node.args[0])
                           if isinstance(c, ast.Constant) and isinstance(c.value, str))
            if COPY_TO.search(sql):
                found.append(f"SQL COPY ... TO (line {node.lineno})")
    return found


def test_every_csv_writer_is_the_neutralising_one():
    """A new to_csv/to_excel/csv.writer/COPY TO outside mash/export.py fails here until it uses write_csv_safe
    (or is added to ALLOWED_WRITERS with the reason it is not something a person opens)."""
    offenders = []
    for pkg in SCANNED:
        for path in sorted((ROOT / pkg).rglob("*.py")) if (ROOT / pkg).is_dir() else []:
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED_WRITERS:
                continue
            offenders += [f"{rel}: {w}" for w in _writers(path)]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("snippet", [
    "df.to_csv('out.csv')", "df.to_excel('out.xlsx')", "import csv\ncsv.writer(fh)", "import xlsxwriter",
    "con.execute(\"COPY alerts TO 'alerts.csv'\")", "rel.write_csv('x.csv')",
])
def test_the_writer_check_catches(tmp_path, snippet):
    path = tmp_path / "m.py"
    path.write_text(snippet + "\n")
    assert _writers(path)


def test_allowed_writers_exist():
    assert all((ROOT / p).is_file() for p in ALLOWED_WRITERS)
