"""Whole deliveries full of hostile values, ingested into a real warehouse file.

Whatever a partner sends (SQL fragments, formulas, markup, control and bidi characters, mixed
scripts, very long values, hostile file names), ingestion must:

* reconcile: rows in = rows loaded + rows rejected, per delivery and in the tables;
* store each value as data, unchanged (only the documented trim of surrounding white space);
* leave every warehouse table in place, with the rows loaded before still there;
* quarantine or reject only with a reason, never with an unexpected error.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mash.ingest.readers import MAX_FIELD_CHARS, Quarantine, read_csv, read_jsonl, read_xlsx
from mash.warehouse import TABLES
from tests.conftest import Hub
from tests.security.hostile import ENCODABLE_PIECES, SQL, encodable_text, hostile_text

DELIVERY = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HEADER = ["Ref", "Date", "Category", "Risk", "Role", "Forename", "Surname", "DOB", "Postcode", "Summary"]
SENTINEL = "Ref,Date,Category,Risk,Role,Forename,Surname,DOB,Postcode,Summary\n" \
           "S1,01/02/2025,DA,Standard,Victim,Sentinel,Row,03/04/2015,AB1 2CD,loaded before the attack\n"
FILE_NAMES = [
    "'; DROP TABLE notifications; --.csv", '"><img src=x onerror=alert(1)>.csv', "=HYPERLINK(1).csv",
    "+cmd|' ⁄C calc'!A0.csv", "evil\u202egpj.csv", "a\\..\\..\\x.csv", "<script>alert(1)<\\script>.csv",
    "Смирнов 李 🙂.csv", "x" * 200 + ".csv", " spaced .csv", "tab\tname.csv", "new\nline.csv",
]


def _stored(value: str) -> str | None:
    """What the warehouse keeps of a cell: the text without surrounding white space, '' as missing."""
    s = value.strip()
    return s or None


def _assert_warehouse_intact(hub: Hub) -> None:
    tables = {t for (t,) in hub.rows("SELECT table_name FROM information_schema.tables")}
    assert set(TABLES) <= tables, tables
    assert hub.one("SELECT count(*) FROM notifications WHERE source_ref = 'S1'") == 1
    assert hub.one("SELECT first_name FROM person_mentions WHERE surname = 'Row'") == "Sentinel"


def _new_hub() -> tuple[Hub, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory()
    hub = Hub(Path(tmp.name) / "hub")
    hub.deliver("tpolice", "0-sentinel.csv", SENTINEL)
    hub.ingest("tpolice")
    return hub, tmp


row = st.fixed_dictionaries({
    "ref": encodable_text(max_parts=3), "forename": encodable_text(), "surname": encodable_text(),
    "dob": encodable_text(max_parts=2), "postcode": encodable_text(max_parts=2),
    "summary": encodable_text(long=True), "date_ok": st.booleans(), "bad_date": encodable_text(max_parts=2),
})


@DELIVERY
@given(st.lists(row, min_size=1, max_size=6), st.sampled_from(FILE_NAMES))
def test_hostile_csv_delivery_is_stored_as_data(rows, file_name):
    hub, tmp = _new_hub()
    try:
        buf = io.StringIO(newline="")
        w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(HEADER)
        expected = {}
        for i, r in enumerate(rows, start=1):
            ref = f"R{i}-{r['ref']}"  # unique, so every row is its own notification
            date = "01/02/2025" if r["date_ok"] else f"x{r['bad_date']}"
            cells = [ref, date, "DA", "Standard", "Victim", r["forename"], r["surname"], r["dob"], r["postcode"],
                     r["summary"]]
            w.writerow(cells)
            loads = (r["date_ok"] and all(len(c) <= MAX_FIELD_CHARS for c in cells)
                     and bool(_stored(r["forename"]) or _stored(r["surname"])))
            if loads:
                expected[i] = cells
        hub.deliver("tpolice", file_name, buf.getvalue())
        [res] = [x for x in hub.ingest("tpolice") if x.file_name == file_name]
        assert res.status == "loaded", res.reason
        assert (res.rows_in, res.rows_loaded, res.rows_rejected) == (len(rows), len(expected),
                                                                     len(rows) - len(expected))
        got = {n: (ref, first, sur, dob_raw, pc, text) for n, ref, first, sur, dob_raw, pc, text in hub.rows(
            "SELECT m.row_number, n.source_ref, m.first_name, m.surname, m.dob_raw, m.postcode, n.free_text "
            "FROM person_mentions m JOIN notifications n USING (notification_id) WHERE m.file_name = ?",
            [file_name])}
        assert set(got) == set(expected)
        for n, cells in expected.items():
            want = (_stored(cells[0]), _stored(cells[5]), _stored(cells[6]), _stored(cells[7]), _stored(cells[8]),
                    _stored(cells[9]))
            assert got[n] == want, (n, got[n], want)
        assert hub.one("SELECT count(*) FROM rejects WHERE file_name = ?", [file_name]) == res.rows_rejected
        assert hub.one("SELECT file_name FROM deliveries WHERE delivery_id = ?", [res.delivery_id]) == file_name
        _assert_warehouse_intact(hub)
    finally:
        hub.con.close()
        tmp.cleanup()


json_value = st.one_of(encodable_text(), hostile_text(long=False), st.integers(), st.floats(allow_nan=False),
                       st.none(), st.booleans(), st.lists(st.sampled_from(ENCODABLE_PIECES), max_size=3))


@DELIVERY
@given(st.lists(st.tuples(json_value, json_value, json_value, json_value, st.booleans()), min_size=1, max_size=6),
       st.lists(encodable_text(), max_size=3), st.booleans())
def test_hostile_jsonl_delivery_is_stored_as_data(records, junk_lines, ascii_only):
    """JSON values of any type, lone-surrogate escapes (\\ud800), and lines that are not JSON at all."""
    hub, tmp = _new_hub()
    try:
        lines, expected = [], {}
        for i, (given_, family, dob, nhs, date_ok) in enumerate(records, start=1):
            obj = {"id": f"h{i}", "date": "2025-02-01" if date_ok else "2025-13-01", "concern": "SH",
                   "patient": {"given": given_, "family": family, "dob": dob, "nhs": nhs}}
            texts = [_as_text(v) for v in (given_, family, dob, nhs)]
            has_surrogate = any(t is not None and any(0xD800 <= ord(c) <= 0xDFFF for c in t) for t in texts)
            # a lone surrogate reaches the file only as a \\ud800 escape (UTF-8 cannot encode it)
            lines.append(json.dumps(obj, ensure_ascii=ascii_only or has_surrogate))
            named = any(_stored(t or "") for t in (texts[0], texts[1], texts[3]))
            if date_ok and named and not has_surrogate and len(lines[-1]) <= MAX_FIELD_CHARS:
                expected[len(lines)] = texts
        for junk in junk_lines:
            text = junk.replace("\r", " ").replace("\n", " ")
            if text.strip() and not text.lstrip().startswith("{"):
                lines.append(text)
        data = ("\n".join(lines) + "\n").encode("utf-8")
        hub.deliver("thealth", "h.jsonl", data)
        [res] = hub.ingest("thealth")
        assert res.status == "loaded", res.reason
        assert res.rows_in == len(lines) and res.rows_loaded == len(expected), (res, expected)
        got = {n: [g, f, d, h] for n, g, f, d, h in hub.rows(
            "SELECT row_number, first_name, surname, dob_raw, nhs_number FROM person_mentions "
            "WHERE partner = 'thealth'")}
        assert set(got) == set(expected)
        for n, texts in expected.items():
            assert got[n] == [_stored(t) if t is not None else None for t in texts], n
        reasons = [r for (r,) in hub.rows("SELECT reason FROM rejects WHERE partner = 'thealth'")]
        assert all(isinstance(r, str) and r for r in reasons)
        assert not any("unexpected error" in r for r in reasons)
        _assert_warehouse_intact(hub)
    finally:
        hub.con.close()
        tmp.cleanup()


def test_jsonl_line_breaks_inside_strings_and_surrogate_escapes(hub):
    """Found by the fuzzing above: a U+2028/U+2029/U+0085 inside a JSON string split the record in two
    (str.splitlines), and a \\ud800 escape quarantined the whole file as an unexpected error."""
    lines = [
        json.dumps({"id": "h1", "date": "2025-02-01", "concern": "SH",
                    "patient": {"given": "Ann\u2028Marie\x85", "family": "Lee\u2029"}}, ensure_ascii=False),
        '{"id": "h2", "date": "2025-02-01", "concern": "SH", "patient": {"given": "\\ud800", "family": "Wu"}}',
        json.dumps({"id": "h3", "date": "2025-02-01", "concern": "SH", "patient": {"family": "Ng 🙂"}}),
    ]
    hub.deliver("thealth", "h.jsonl", ("\r\n".join(lines) + "\n").encode("utf-8"))
    [res] = hub.ingest("thealth")
    assert (res.status, res.rows_in, res.rows_loaded, res.rows_rejected) == ("loaded", 3, 2, 1), res
    assert hub.rows("SELECT row_number, first_name, surname FROM person_mentions ORDER BY 1") == [
        (1, "Ann\u2028Marie", "Lee"), (3, None, "Ng 🙂")]  # (surrounding white space trimmed, as for all)
    row, reason = hub.rows("SELECT row_number, reason FROM rejects")[0]
    assert row == 2 and "surrogate" in reason


def _as_text(v: object) -> str | None:
    """How the JSON reader turns a value into text."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    return json.dumps(v) if isinstance(v, (dict, list)) else str(v)


@DELIVERY
@given(st.lists(st.tuples(encodable_text(), encodable_text(), st.sampled_from(SQL + ["=1+1", "@SUM(1)"])),
                min_size=1, max_size=5), st.booleans())
def test_hostile_xlsx_delivery_is_stored_as_data(rows, formulas_as_formulas):
    """Text cells keep their text; a real formula cell is read as its cached value, never evaluated."""
    hub, tmp = _new_hub()
    try:
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet("Referrals")
        ws.write_string(0, 0, "<script>alert(1)</script> title row")
        for c, h in enumerate(["UPN", "Forename", "Surname", "DOB", "Date", "Concern", "Attendance"]):
            ws.write_string(1, c, h)
        expected = {}
        for i, (first, sur, payload) in enumerate(rows, start=1):
            first, sur = first[:32_000], sur[:32_000]  # an xlsx cell holds at most 32,767 characters
            ws.write_string(i + 1, 0, payload)
            ws.write_string(i + 1, 1, first)
            ws.write_string(i + 1, 2, sur)
            ws.write_string(i + 1, 4, "03/02/2025")
            ws.write_string(i + 1, 5, "ATT")
            if formulas_as_formulas:
                ws.write_formula(i + 1, 6, "=1+1", None, 7)  # cached value 7: what a reader sees
            if _stored(first) or _stored(sur) or _stored(payload):
                expected[i] = (_stored(payload), _stored(first), _stored(sur))
        wb.close()
        hub.deliver("tschools", "s.xlsx", buf.getvalue())
        [res] = hub.ingest("tschools")
        assert res.status == "loaded", res.reason
        assert res.rows_loaded == len(expected)
        got = {n: (u, f, s) for n, u, f, s in hub.rows(
            "SELECT row_number, upn, first_name, surname FROM person_mentions WHERE partner = 'tschools'")}
        assert got == expected
        if formulas_as_formulas and expected:
            assert {a for (a,) in hub.rows("SELECT attendance_pct FROM notifications WHERE partner = 'tschools'")} \
                == {7.0}
        _assert_warehouse_intact(hub)
    finally:
        hub.con.close()
        tmp.cleanup()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(encodable_text(), min_size=1, max_size=5))
def test_readers_reject_or_quarantine_only(values):
    """Hostile text as a whole file: each reader returns rows and rejects, or quarantines with a reason."""
    from tests.conftest import FIXTURE_PARTNERS
    from mash.ingest.config import load_config

    police = load_config(FIXTURE_PARTNERS / "tpolice.toml")
    health = load_config(FIXTURE_PARTNERS / "thealth.toml")
    schools = load_config(FIXTURE_PARTNERS / "tschools.toml")
    data = "\n".join(values).encode("utf-8")
    for reader, cfg in ((read_csv, police), (read_jsonl, health)):
        try:
            table = reader(data, cfg)
        except Quarantine as exc:
            assert str(exc)
            continue
        assert table.rows_in == len(table.rows) + len(table.rejects)
        assert all(isinstance(reason, str) and len(raw) <= 2000 for _, reason, raw in table.rejects)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(data)
        f.flush()
        try:
            read_xlsx(Path(f.name), schools)
        except Quarantine as exc:
            assert "not a readable xlsx" in str(exc)


CONFIG = """partner = {partner}
agency = {agency}
format = "csv"
delimiter = {delimiter}
file_glob = {glob}
[notification]
event_date = {column}
concern_code = "C"
[concern_map]
{code} = "neglect"
"""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({k: hostile_text(max_parts=3, long=False) for k in
                              ("partner", "agency", "delimiter", "glob", "column", "code")}))
def test_partner_config_values_are_validated(tmp_path_factory, values):
    """A partner TOML full of hostile values loads only if its partner id and file pattern are safe."""
    from mash.ingest.config import ConfigError, load_config

    values = {k: json.dumps(v.encode("utf-8", "replace").decode("utf-8")) for k, v in values.items()}
    path = tmp_path_factory.mktemp("cfg") / "p.toml"
    path.write_text(CONFIG.format(**values), encoding="utf-8")
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        assert str(exc).startswith("p.toml: ")
        return
    assert re.fullmatch(r"[a-z][a-z0-9_]*", cfg.partner)
    assert "/" not in cfg.file_glob and "\\" not in cfg.file_glob and not cfg.file_glob.startswith(".")
    assert len(cfg.delimiter) == 1


def test_a_file_pattern_cannot_leave_the_landing_folder(tmp_path):
    from mash.ingest.config import ConfigError, load_config
    from mash.ingest.load import landing_files

    for glob in ("../../*.csv", "../other/*", "/etc/*", "..\\\\*", ".*"):
        path = tmp_path / "p.toml"
        path.write_text(CONFIG.format(partner='"p"', agency='"P"', delimiter='","', glob=json.dumps(glob),
                                      column='"D"', code='"X"'), encoding="utf-8")
        with pytest.raises(ConfigError, match="file_glob"):
            load_config(path)
    (tmp_path / "secret.csv").write_text("not a delivery")
    (tmp_path / "landing" / "p").mkdir(parents=True)
    path.write_text(CONFIG.format(partner='"p"', agency='"P"', delimiter='","', glob='"*.csv"', column='"D"',
                                  code='"X"'), encoding="utf-8")
    cfg = load_config(path)
    object.__setattr__(cfg, "file_glob", "../../*.csv")  # even a pattern set after validation stays inside
    assert landing_files(cfg, tmp_path / "landing") == []
