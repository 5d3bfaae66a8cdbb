"""Every kind of bad delivery gives a clear reason and loses nothing else."""

from __future__ import annotations

import io

import pandas as pd
import xlsxwriter

from mash.ingest.report import write_ingest_report

HEADER = "Ref,Date,Category,Risk,Role,Forename,Surname,DOB,Postcode,Summary\n"
GOOD = [
    "R1,01/02/2025,DA,Standard,Victim,Jane,Smith,03/04/2015,AB1 2CD,first\n",
    "R1,01/02/2025,DA,Standard,Suspect,John,Smith,05/06/1980,AB1 2CD,first\n",
    "R2,2025-03-01,NEG,Medium,Child Present,Amy,Jones,07/08/2016,CD3 4EF,second\n",
]


def police(*rows: str) -> str:
    return HEADER + "".join(rows)


def test_clean_file_loads_every_row_with_lineage(hub):
    [r] = hub.deliver("tpolice", "p1.csv", police(*GOOD)) and hub.ingest("tpolice")
    assert (r.status, r.rows_in, r.rows_loaded, r.rows_rejected) == ("loaded", 3, 3, 0)
    assert r.notifications == 2  # rows sharing Ref R1 are one notification
    lineage = hub.rows("SELECT file_name, row_number, member_position, role FROM person_mentions ORDER BY row_number")
    assert lineage == [("p1.csv", 1, 0, "victim"), ("p1.csv", 2, 0, "suspect"), ("p1.csv", 3, 0, "child_present")]
    assert hub.one("SELECT concern_type FROM notifications WHERE source_ref = 'R2'") == "neglect"
    assert hub.one("SELECT severity_rank FROM notifications WHERE source_ref = 'R2'") == 2


def test_truncated_file_rejects_only_the_cut_row(hub):
    text = police(*GOOD) + "R3,01/03/2025,DA,High,Vic"
    [r] = hub.deliver("tpolice", "p.csv", text) and hub.ingest("tpolice")
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (4, 3, 1)
    reason = hub.one("SELECT reason FROM rejects WHERE row_number = 4")
    assert "truncated" in reason and "5 fields" in reason


def test_wrong_delimiter_quarantines_with_a_hint(hub):
    text = police(*GOOD).replace(",", ";")
    [r] = hub.deliver("tpolice", "p.csv", text) and hub.ingest("tpolice")
    assert r.status == "quarantined" and r.rows_in == 3 and r.rows_rejected == 3
    assert "';'-delimited" in r.reason
    assert hub.one("SELECT count(*) FROM notifications") == 0


def test_missing_or_renamed_required_column_quarantines_naming_it(hub):
    text = police(*GOOD).replace("Category", "Concern Category", 1)
    [r] = hub.deliver("tpolice", "p.csv", text) and hub.ingest("tpolice")
    assert r.status == "quarantined"
    assert "'Category'" in r.reason and "renamed" in r.reason


def test_non_utf8_bytes_reject_that_row_only(hub):
    data = police(*GOOD).encode() + "R9,01/02/2025,DA,Standard,Victim,Zo\xeb,Brown,,,x\n".encode("cp1252")
    [r] = hub.deliver("tpolice", "p.csv", data) and hub.ingest("tpolice")
    assert (r.rows_loaded, r.rows_rejected) == (3, 1)
    reason, raw = hub.rows("SELECT reason, raw_row FROM rejects")[0]
    assert "not valid UTF-8" in reason and "Forename" in reason
    assert "Zo\ufffd" in raw  # the bad byte is visible, not dropped


def test_empty_file_is_quarantined(hub):
    [r] = hub.deliver("tpolice", "p.csv", b"") and hub.ingest("tpolice")
    assert r.status == "quarantined" and "empty (0 bytes)" in r.reason
    assert hub.one("SELECT count(*) FROM rejects WHERE row_number = 0") == 1


def test_header_only_loads_nothing_and_says_so(hub):
    [r] = hub.deliver("tpolice", "p.csv", HEADER) and hub.ingest("tpolice")
    assert (r.status, r.rows_in) == ("loaded", 0)
    assert "header only" in r.reason


def test_exact_redelivery_and_rerun_never_double_count(hub):
    hub.deliver("tpolice", "p1.csv", police(*GOOD))
    hub.ingest("tpolice")
    again = hub.ingest("tpolice")  # re-run: nothing new
    assert [r.status for r in again] == ["unchanged"]
    hub.deliver("tpolice", "p1_resent.csv", police(*GOOD))  # same bytes, new name
    statuses = {r.file_name: r.status for r in hub.ingest("tpolice")}
    assert statuses == {"p1.csv": "unchanged", "p1_resent.csv": "duplicate"}
    assert hub.one("SELECT count(*) FROM notifications") == 2
    assert hub.one("SELECT count(*) FROM person_mentions") == 3
    assert "identical bytes to 'p1.csv'" in hub.one("SELECT reason FROM deliveries WHERE status = 'duplicate'")
    hub.ingest("tpolice")
    assert hub.one("SELECT count(*) FROM deliveries") == 2


def test_changed_file_under_same_name_supersedes(hub):
    hub.deliver("tpolice", "p1.csv", police(*GOOD))
    hub.ingest("tpolice")
    hub.deliver("tpolice", "p1.csv", police(*GOOD[:1]))
    hub.ingest("tpolice")
    assert hub.one("SELECT count(*) FROM person_mentions") == 1
    assert hub.rows("SELECT status FROM deliveries ORDER BY ingested_at") == [("superseded",), ("loaded",)]


def test_future_and_impossible_dates(hub):
    rows = [GOOD[0],
            "R5,01/01/2099,DA,Standard,Victim,Tom,Future,,,x\n",
            "R6,31/02/2025,DA,Standard,Victim,Tom,Feb,,,x\n",
            "R7,01/02/2025,DA,Standard,Victim,Ann,Bad,31/02/2015,,x\n"]
    [r] = hub.deliver("tpolice", "p.csv", police(*rows)) and hub.ingest("tpolice")
    assert (r.rows_loaded, r.rows_rejected) == (2, 2)
    reasons = dict(hub.rows("SELECT row_number, reason FROM rejects"))
    assert "after the day the file was received" in reasons[2]
    assert "'31/02/2025'" in reasons[3] and "not a real date" in reasons[3]
    # An impossible DOB does not lose the notification: it loads with the DOB unset and the issue recorded.
    dob, raw, issue = hub.rows("SELECT dob, dob_raw, dob_issue FROM person_mentions WHERE surname = 'Bad'")[0]
    assert dob is None and raw == "31/02/2015" and "not a real date" in issue


def test_one_megabyte_field_rejects_that_row(hub):
    big = "x" * 1_048_576
    [r] = hub.deliver("tpolice", "p.csv", police(GOOD[0], f"R8,01/02/2025,DA,Standard,Victim,Al,Big,,,{big}\n")) \
        and hub.ingest("tpolice")
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    reason, raw = hub.rows("SELECT reason, raw_row FROM rejects")[0]
    assert "1,048,576 characters" in reason and "Summary" in reason
    assert len(raw) <= 2000


def test_formula_and_sql_looking_names_are_data(hub, tmp_path):
    names = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)",
             "Robert'); DROP TABLE students;--"]
    rows = [f'R{i},01/02/2025,DA,Standard,Victim,"{n.replace(chr(34), chr(34) * 2)}",Smith,,,x\n'
            for i, n in enumerate(names)]
    [r] = hub.deliver("tpolice", "p.csv", police(*rows)) and hub.ingest("tpolice")
    assert r.rows_loaded == 4
    stored = [x for (x,) in hub.rows("SELECT first_name FROM person_mentions ORDER BY row_number")]
    assert stored == names  # loaded unchanged
    assert hub.one("SELECT count(*) FROM information_schema.tables WHERE table_name = 'notifications'") == 1
    out = write_ingest_report(hub.con, tmp_path / "report")
    hub.deliver("tpolice", "bad.csv", police('=1+2,01/02/2025,XX,Standard,Victim,"=1+2",Smith,,,x\n'))
    hub.ingest("tpolice")
    out = write_ingest_report(hub.con, tmp_path / "report")
    exported = pd.read_csv(out["rejects"], dtype=str)
    assert exported.loc[0, "raw_row"].startswith("'=1+2")  # neutralised in the export
    assert hub.one("SELECT source_ref FROM notifications WHERE partner = 'tpolice' LIMIT 1") is not None


def test_unmapped_code_names_the_config_table(hub):
    [r] = hub.deliver("tpolice", "p.csv", police("R1,01/02/2025,ZZZ,Standard,Victim,A,B,,,x\n")) and hub.ingest("tpolice")
    assert "'ZZZ'" in hub.one("SELECT reason FROM rejects") and "[concern_map] of tpolice.toml" in hub.one(
        "SELECT reason FROM rejects")


def test_jsonl_with_one_invalid_line(hub):
    lines = ['{"id": "h1", "date": "2025-02-01", "concern": "SH", "patient": {"given": "Amy", "family": "Lee", '
             '"nhs": "9434765919", "dob": "2010-01-02"}}',
             '{"id": "h2", "date": "2025-02-02", "concern": "SH", "patient": {"given": "Bo"',
             '{"id": "h3", "date": "2025-02-03", "concern": "SH", "patient": {"family": "Wu"}}']
    [r] = hub.deliver("thealth", "h.jsonl", "\n".join(lines) + "\n") and hub.ingest("thealth")
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    row, reason = hub.rows("SELECT row_number, reason FROM rejects")[0]
    assert row == 2 and "not valid JSON" in reason
    assert hub.rows("SELECT row_number, nhs_number FROM person_mentions ORDER BY 1") == [(1, "9434765919"), (3, None)]


def _workbook(extra_sheet_first: bool = True) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    if extra_sheet_first:
        wb.add_worksheet("Notes").write(0, 0, "Read me first")
    ws = wb.add_worksheet("Referrals")
    ws.merge_range(0, 0, 0, 6, "Safeguarding referrals - spring term")
    for c, h in enumerate(["UPN", "Forename", "Surname", "DOB", "Date", "Concern", "Attendance"]):
        ws.write(1, c, h)
    ws.write_row(2, 0, ["B801200005001", "Amy", "Lee", "02/01/2014", "03/02/2025", "ATT", 82.5])
    ws.write_row(3, 0, ["B801200005001", "Amy", "Lee", "02/01/2014", "03/03/2025", "ATT", "n/a"])
    wb.close()
    return buf.getvalue()


def test_xlsx_with_extra_sheet_and_merged_title(hub):
    [r] = hub.deliver("tschools", "s.xlsx", _workbook()) and hub.ingest("tschools")
    assert (r.status, r.rows_in, r.rows_loaded, r.rows_rejected) == ("loaded", 2, 1, 1)
    assert hub.one("SELECT attendance_pct FROM notifications") == 82.5
    assert "'n/a' is not a number" in hub.one("SELECT reason FROM rejects")


def test_xlsx_missing_sheet_and_corrupt_workbook_are_quarantined(hub):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("Sheet1").write(0, 0, "x")
    wb.close()
    hub.deliver("tschools", "a.xlsx", buf.getvalue())
    hub.deliver("tschools", "b.xlsx", b"PK\x03\x04 not really a zip")
    results = {r.file_name: r for r in hub.ingest("tschools")}
    assert "sheet 'Referrals' not found" in results["a.xlsx"].reason and "Sheet1" in results["a.xlsx"].reason
    assert results["b.xlsx"].status == "quarantined" and "not a readable xlsx" in results["b.xlsx"].reason


def test_household_member_list_in_one_cell(hub):
    text = ("Date|Reason|Applicant|Address|Members\n"
            "01/02/2025|HL|SMITH, Jane|1 High St|Tom SMITH (03/04/2015) - Child; Ann SMITH (05/06/2017)\n"
            "01/02/2025|HL|Zoë O’Brien|2 High St|garbage without brackets\n")
    [r] = hub.deliver("thousing", "h.csv", text, encoding="cp1252") and hub.ingest("thousing")
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    got = hub.rows("SELECT member_position, first_name, surname, dob, role FROM person_mentions ORDER BY 1")
    assert [(p, f, s, role) for p, f, s, _, role in got] == [
        (0, "Jane", "SMITH", "subject"), (1, "Tom", "SMITH", "household_member"), (2, "Ann", "SMITH", "household_member")]
    assert str(got[1][3]) == "2015-04-03"
    assert "household member 1" in hub.one("SELECT reason FROM rejects")


def test_bad_file_never_stops_other_partners(hub):
    hub.deliver("tpolice", "bad.csv", b"")
    hub.deliver("tpolice", "good.csv", police(*GOOD))
    hub.deliver("thealth", "h.jsonl", '{"id": "h1", "date": "2025-02-01", "concern": "SH", "patient": {"family": "Lee"}}\n')
    p = {r.file_name: r.status for r in hub.ingest("tpolice")}
    h = hub.ingest("thealth")
    assert p == {"bad.csv": "quarantined", "good.csv": "loaded"}
    assert h[0].status == "loaded"
    counts = dict(hub.rows("SELECT partner, count(*) FROM notifications GROUP BY 1"))
    assert counts == {"tpolice": 2, "thealth": 1}


def test_raw_store_is_immutable_copy(hub):
    path = hub.deliver("tpolice", "p1.csv", police(*GOOD))
    hub.ingest("tpolice")
    raw = hub.one("SELECT raw_path FROM deliveries")
    from pathlib import Path
    assert Path(raw).read_bytes() == path.read_bytes()
    assert not (Path(raw).stat().st_mode & 0o222)
    assert pd.Series([raw]).str.contains(hub.one("SELECT content_hash FROM deliveries")).all()


def test_household_member_positions_skip_blank_items_and_the_first_bad_member_is_named(hub):
    text = ("Date|Reason|Applicant|Address|Members\n"
            "01/02/2025|HL|SMITH, Jane|1 High St|; Tom SMITH (03/04/2015) ;; Ann SMITH ( ) - Child ;\n"
            "01/02/2025|HL|JONES, Al|2 High St|Bo JONES (01/01/2016); no brackets; also bad\n"
            "01/02/2025|HL||3 High St|Cy KAY (02/02/2017)\n"
            "01/02/2025|HL||4 High St|\n")
    [r] = hub.deliver("thousing", "h.csv", text, encoding="cp1252") and hub.ingest("thousing")
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    got = hub.rows("SELECT row_number, member_position, first_name, surname, dob_raw, role FROM person_mentions "
                   "ORDER BY 1, 2")
    assert got == [(1, 0, "Jane", "SMITH", None, "subject"),
                   (1, 1, "Tom", "SMITH", "03/04/2015", "household_member"),
                   (1, 2, "Ann", "SMITH", None, "household_member"),
                   (3, 1, "Cy", "KAY", "02/02/2017", "household_member")]
    reasons = dict(hub.rows("SELECT row_number, reason FROM rejects"))
    assert reasons[2].startswith("household member 2 'no brackets'")
    assert "no name or identifier" in reasons[4]


def test_a_row_breaking_a_contract_is_rejected_with_the_contracts_reason(hub):
    # "  (04/05/2016)" matches the [members] pattern with a blank name: the mapping lets that member
    # through, and the person_mentions contract (every mention has a name or an identifier) stops its row.
    text = ("Date|Reason|Applicant|Address|Members\n"
            "01/02/2025|HL|SMITH, Jane|1 High St|Tom SMITH (03/04/2015)\n"
            "01/02/2025|HL|JONES, Al|2 High St|Bo JONES (03/04/2015);  (04/05/2016)\n")
    [r] = hub.deliver("thousing", "h.csv", text, encoding="cp1252") and hub.ingest("thousing")
    assert (r.status, r.rows_in, r.rows_loaded, r.rows_rejected) == ("loaded", 2, 1, 1)
    row, reason, raw = hub.rows("SELECT row_number, reason, raw_row FROM rejects")[0]
    assert row == 2 and "person_mentions contract" in reason and "name or an identifier" in reason
    assert "JONES, Al" in raw
    assert hub.rows("SELECT DISTINCT row_number FROM person_mentions") == [(1,)]
