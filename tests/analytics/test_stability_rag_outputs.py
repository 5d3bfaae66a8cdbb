"""Stable alert ids, reviews that survive re-runs, working-hours arithmetic, RAG, safe exports."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics import add_working_hours, load_rag, review_alert
from analytics.rag import WorkingCalendar, working_hours_between
from analytics.rules import latest_reviews

RAG = Path(__file__).resolve().parents[2] / "data_samples" / "rag.toml"


def _llr(scenario, kid, start_month=3):
    scenario.notify("schools", f"2025-0{start_month}-01", "behaviour_wellbeing", [(kid, "subject")])
    scenario.notify("health", f"2025-0{start_month}-20", "neglect", [(kid, "subject")])
    scenario.notify("schools", f"2025-0{start_month + 1}-10", "school_attendance", [(kid, "subject")])


def test_alert_ids_are_stable_and_reviews_survive_reruns(scenario, family):
    f = family(scenario, kids=2)
    _llr(scenario, f["kid0"])
    scenario.run(max_pages=0, now=datetime(2025, 5, 1, 10, 0))
    first = scenario.alerts()[["alert_id", "rule"]]
    llr = scenario.alerts("low_level_repeat").iloc[0]["alert_id"]
    review_alert(scenario.con, llr, "analyst.a", "information_shared", "sent to early help",
                 at=datetime(2025, 5, 1, 11, 0))
    scenario.run(max_pages=0, now=datetime(2025, 5, 2, 10, 0))
    again = scenario.alerts()[["alert_id", "rule"]]
    assert first.equals(again)
    rv = latest_reviews(scenario.con)
    assert rv.set_index("alert_id").loc[llr, "outcome"] == "information_shared"
    # raised time is kept from the first run, so the due time does not drift on re-runs
    raised = scenario.con.execute("SELECT first_raised_at, last_seen_at FROM alerts WHERE alert_id = ?",
                                  [llr]).fetchall()[0]
    assert raised == (datetime(2025, 5, 1, 10, 0), datetime(2025, 5, 2, 10, 0))
    # new evidence for another child: the reviewed alert keeps its id and review; the queue shows it
    _llr(scenario, f["kid1"], start_month=6)
    res = scenario.run(now=datetime(2025, 8, 1, 10, 0))
    assert llr in set(scenario.alerts("low_level_repeat")["alert_id"])
    with open(res["paths"]["queue_csv"], encoding="utf-8") as fh:
        rows = {r["alert_id"]: r for r in csv.DictReader(fh)}
    assert rows[llr]["review"] == "information_shared"


def test_review_outcome_must_be_known(scenario):
    with pytest.raises(ValueError):
        review_alert(scenario.con, "AL-x", "analyst.a", "looks fine")


def test_working_hours_friday_afternoon_red():
    assert add_working_hours(datetime(2025, 11, 21, 16, 0), 4) == datetime(2025, 11, 24, 12, 0)
    assert working_hours_between(datetime(2025, 11, 21, 16, 0), datetime(2025, 11, 24, 12, 0)) == 4.0


def test_working_hours_edges_holidays_and_time_zones():
    cal = load_rag(RAG).calendar
    # raised at 20:00 on Wednesday: the clock starts at 09:00 on Thursday
    assert add_working_hours(datetime(2025, 11, 19, 20, 0), 2, cal) == datetime(2025, 11, 20, 11, 0)
    # 24 working hours is three working days
    assert add_working_hours(datetime(2025, 11, 17, 9, 0), 24, cal) == datetime(2025, 11, 19, 17, 0)
    # Christmas and Boxing Day are not working days
    assert add_working_hours(datetime(2025, 12, 24, 16, 0), 4, cal) == datetime(2025, 12, 29, 12, 0)
    # an aware time is read in Europe/London (BST in July: 15:00 UTC is 16:00 London)
    got = add_working_hours(datetime(2025, 7, 4, 15, 0, tzinfo=ZoneInfo("UTC")), 4, cal)
    assert got == datetime(2025, 7, 7, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    assert WorkingCalendar(holidays=frozenset({date(2025, 11, 24)})).is_working(datetime(2025, 11, 24, 10)) is False


def test_rag_profiles_and_mapping():
    cfg = load_rag(RAG)
    assert (cfg.hours("red", "surrey"), cfg.hours("amber", "surrey"), cfg.hours("green", "surrey")) == (4, 24, 72)
    assert (cfg.hours("red", "merton"), cfg.hours("amber", "merton"), cfg.hours("green", "merton")) == (2, 6, 24)
    assert cfg.hours("blue") is None
    assert cfg.notification_rag("sexual_abuse", "low") == "amber"
    assert cfg.notification_rag("neglect", "low") == "green"
    assert cfg.notification_rag("neglect", "high") == "red"


def test_alert_rag_due_time_and_lead(scenario, family):
    kid = family(scenario)["kid0"]
    _llr(scenario, kid)
    scenario.run(max_pages=0, now=datetime(2025, 11, 21, 16, 0))  # a Friday, 16:00
    r = scenario.con.execute("""SELECT rag, rag_reason, timescale_working_hours, due_by, lead_agency, lead_reason
                                FROM alert_rag JOIN alerts USING (alert_id) WHERE rule = 'low_level_repeat'
                             """).fetchall()[0]
    assert r[0] == "amber" and "at least amber" in r[1]
    assert r[2] == 24 and r[3] == datetime(2025, 11, 26, 16, 0)
    assert r[4] == "Education" and "school_attendance" in r[5]


def test_csv_neutralises_formulas_and_html_escapes_script(scenario):
    evil = scenario.person("evil", "=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", "2014-01-01",
                           "1 Elm Road", "MH1 1AA")
    scenario.notify("schools", "2025-03-01", "neglect", [(evil, "subject")], free_text="<script>steal()</script>")
    scenario.notify("health", "2025-03-20", "neglect", [(evil, "subject")], free_text="@SUM(A1:A9)")
    scenario.notify("online_form", "2025-04-10", "neglect", [(evil, "subject")], free_text="+1 <b>x</b>")
    res = scenario.run()
    q = res["paths"]["queue_csv"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(q.splitlines()))
    assert rows and rows[0]["subject_label"].startswith("'=HYPERLINK")
    html_q = res["paths"]["queue_html"].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html_q and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_q
    pages = list(res["paths"]["pages_dir"].glob("AL-*.html"))
    assert pages
    page = pages[0].read_text(encoding="utf-8")
    assert "<script>steal()" not in page and "<script>alert(1)" not in page
    assert "&lt;script&gt;steal()&lt;/script&gt;" in page
    assert "Held by Education" in page and "Held by Health" in page
    # plotly.js is a file next to the pages, never a CDN
    assert '<script src="../plotly.min.js"></script>' in page and "cdn.plot.ly" not in page
    assert res["paths"]["plotly_js"].stat().st_size > 1_000_000
    assert page.count("Plotly.newPlot") == 2


def test_reads_the_linkage_table_by_name_and_never_overwrites_it(scenario, family):
    kid = family(scenario)["kid0"]
    _llr(scenario, kid)
    mp = scenario.mention_person().assign(cluster_size=1)
    scenario.con.register("_mp", mp)
    scenario.con.execute("CREATE TABLE mention_person AS SELECT mention_id, person_id, cluster_size, "
                         "link_probability * 0.9 AS link_probability FROM _mp")
    scenario.run(max_pages=0, mention_person="mention_person")
    cols = [r[0] for r in scenario.con.execute("DESCRIBE mention_person").fetchall()]
    assert cols == ["mention_id", "person_id", "cluster_size", "link_probability"]
    al = scenario.alerts("low_level_repeat")
    assert len(al) == 1 and round(al.iloc[0]["link_confidence"], 6) == 0.9
    with pytest.raises(ValueError):
        scenario.run(max_pages=0, mention_person=pd.concat([mp, mp]))  # a mention in two clusters


def test_the_run_holds_duckdb_to_its_memory_limit_and_gives_the_connection_back_as_it_was(scenario, family,
                                                                                           monkeypatch):
    f = family(scenario)
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(f["kid0"], "subject")])
    scenario.con.execute("SET memory_limit = '1GB'")
    seen = []
    monkeypatch.setenv("MASH_ANALYTICS_MEMORY_LIMIT", "750MB")
    scenario.run(max_pages=0, on_stage=lambda name: seen.append(
        scenario.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]))
    assert set(seen) == {"715.2 MiB"}  # 750 MB while every stage ran
    after = scenario.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert after.startswith("953.") and after.endswith("MiB")  # 1 GB again (DuckDB prints it to 0.1 MiB)
    monkeypatch.setenv("MASH_ANALYTICS_MEMORY_LIMIT", "lots; SET threads = 1")
    with pytest.raises(ValueError, match="not a size"):
        scenario.run(out="out2", max_pages=0)
    assert scenario.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0].startswith("953.")
