"""Front-door contact records keep who made the contact and when the hub decided (for timeliness)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mash.ingest import ingest_partner, load_configs, reconciliation_problems
from mash.warehouse import connect

PARTNERS = Path(__file__).resolve().parents[2] / "data_samples" / "partners"
HEADER = ("ContactID,ContactDate,ChildForename,ChildSurname,ChildDOB,LAPersonID,Gender,Address,Postcode,"
          "SourceOfContact,ContactReason,NeedLevel,Decision,RAG,Consent,ConsentOverrideRationale,"
          "ConsentAuthorisedBy,DecisionDateTime\n")


def test_csc_contacts_load_source_and_decision_time(tmp_path):
    cfg = load_configs(PARTNERS)["csc"]
    landing = tmp_path / "landing" / "csc"
    landing.mkdir(parents=True)
    (landing / "csc_2025-05.csv").write_text(
        HEADER
        + "C1,2025-05-02,Ada,Smith,2015-01-02,,Female,1 Elm Rd,MH1 1AA,School,N,2,Referral,A,Y,,,2025-05-02T15:30:00\n"
        + "C2,2025-05-02,Ben,Jones,2014-01-02,,Male,2 Elm Rd,MH1 1AB,Health - ED,N,1,NFA,G,Y,,,\n"
        + "C3,2025-05-03,Cal,Brown,2013-01-02,,Male,3 Elm Rd,MH1 1AC,Carrier pigeon,N,1,NFA,G,Y,,,\n"
        + "C4,2025-05-03,Dee,Green,2012-01-02,,Female,4 Elm Rd,MH1 1AD,Police,N,1,NFA,G,Y,,,03/05/2025 10:00\n",
        encoding="utf-8-sig")
    con = connect(tmp_path / "w.duckdb")
    [r] = ingest_partner(con, cfg, tmp_path / "landing", tmp_path / "raw")
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    rows = con.execute("SELECT source_ref, contact_source, decided_at FROM notifications ORDER BY 1").fetchall()
    assert rows == [("C1", "Education", datetime(2025, 5, 2, 15, 30)), ("C2", "Health", None)]
    reasons = sorted(r for (r,) in con.execute("SELECT reason FROM rejects").fetchall())
    assert "'Carrier pigeon'" in reasons[0] and "[contact_source_map] of csc.toml" in reasons[0]
    assert "'03/05/2025 10:00'" in reasons[1] and "DecisionDateTime" in reasons[1]
    assert reconciliation_problems(con).empty


def test_a_warehouse_from_before_the_new_columns_gains_them(tmp_path):
    path = tmp_path / "old.duckdb"
    old = connect(path)
    for column in ("decided_at", "contact_source"):
        old.execute(f"ALTER TABLE notifications DROP COLUMN {column}")
    old.execute("INSERT INTO notifications (notification_id, partner, owner_agency, delivery_id, file_name, "
                "row_number, event_date, concern_code, concern_type, severity, severity_rank, channel, decision, "
                "consent, n_people) VALUES ('n1', 'csc', 'CSC', 'd', 'f', 1, DATE '2025-01-01', 'N', 'neglect', "
                "'low', 1, 'contact_record', 'nfa', 'given', 1)")
    old.close()
    con = connect(path)
    cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'notifications'").fetchall()]
    assert {"decided_at", "contact_source"} <= set(cols)
    assert con.execute("SELECT decision, decided_at FROM notifications").fetchall() == [("nfa", None)]
