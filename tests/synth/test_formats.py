"""Each partner's delivery looks like its real export: encodings, BOM, multi-line records, xlsx layout."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def _files(out, partner):
    files = sorted((out / "landing" / partner).iterdir())
    assert files, partner
    return files


def test_cp1252_feeds_decode_and_carry_accents(world):
    out, _ = world
    for partner in ("asc", "probation"):
        text = "".join(f.read_bytes().decode("cp1252") for f in _files(out, partner))
        assert any(ord(c) > 127 for c in text), partner
        raw = b"".join(f.read_bytes() for f in _files(out, partner))
        try:
            raw.decode("utf-8")
            utf8_ok = True
        except UnicodeDecodeError:
            utf8_ok = False
        assert not utf8_ok, f"{partner} should be cp1252 bytes, not UTF-8"


def test_probation_is_semicolon_delimited_and_housing_pipe(world):
    out, _ = world
    assert _files(out, "probation")[0].read_bytes().decode("cp1252").splitlines()[0].count(";") >= 10
    assert _files(out, "housing")[0].read_text(encoding="utf-8").splitlines()[0].count("|") >= 8


def test_csc_has_utf8_bom(world):
    out, _ = world
    for f in _files(out, "csc"):
        assert f.read_bytes().startswith(b"\xef\xbb\xbf")


def test_online_form_has_multiline_quoted_record(world):
    out, _ = world
    multiline = 0
    for f in _files(out, "online_form"):
        text = f.read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        multiline += sum(any("\n" in v for v in r) for r in rows[1:])
        assert len(rows) - 1 < text.count("\n")  # physical lines outnumber records
    assert multiline > 0


def test_schools_workbook_layout(world):
    out, _ = world
    f = _files(out, "schools")[0]
    assert f.suffix == ".xlsx"
    wb = load_workbook(f)
    assert len(wb.sheetnames) == 2 and wb.sheetnames[0] == "Referrals"
    ws = wb["Referrals"]
    assert ws.merged_cells.ranges, "title row should be a merged cell"
    assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges)
    header = [c.value for c in ws[2]]
    assert "UPN" in header and "DOB" in header


def test_health_is_nested_jsonl(world):
    import json

    out, _ = world
    first = json.loads(_files(out, "health")[0].read_text(encoding="utf-8").splitlines()[0])
    assert {"referral_id", "referral_date", "patient", "service"} <= set(first)
    assert {"nhs_number", "given_name", "family_name", "birth_date"} <= set(first["patient"])
