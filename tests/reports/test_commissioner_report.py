"""The commissioner report on the sample world: its figures against the warehouse, recomputed independently.

The sample goes through the whole ``mash_daily`` job once (``sample_run``), which builds the
report as a scheduled asset. Headline figures are then recomputed here with plain SQL and pandas
on the loaded notifications and the linkage's person ids (not the analytics tables the report
reads), and compared with what the report's figures functions return and with what the HTML shows
wherever a cell is not suppressed.
"""

from __future__ import annotations

import html
import re
from datetime import date
from html.parser import HTMLParser

import dagster as dg
import pandas as pd
import pytest

from analytics.commissioner import figures as fig
from analytics.commissioner import report_data
from analytics.commissioner.period import Period, default_period
from analytics.commissioner.protect import TOTAL, exposed_cells
from analytics.commissioner.report import RAG, RULES, output_path, table_specs
from analytics.rag import load_rag
from analytics.rule_config import load_rules
from analytics.rules import KINDS
from mash.governance.disclosure import describe
from mash.warehouse import connect
from pipelines.reports import COMMISSIONER_KEY

SAMPLE_PERIOD = Period(date(2025, 7, 1), date(2026, 6, 30))  # the last 12 complete months of the sample
REFERRALS = ("referral_s17", "strategy_s47")


class _Tables(HTMLParser):
    """Every <table> of a page as {caption: [[cell text, ...], ...]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._name = [], None
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._name = "".join(self._caption)
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def html_tables(page: str) -> dict[str, pd.DataFrame]:
    parser = _Tables()
    parser.feed(page)
    out = {}
    for name, rows in parser.tables.items():
        out[name] = pd.DataFrame([r[1:] for r in rows[1:]], index=[r[0] for r in rows[1:]], columns=rows[0][1:])
    return out


@pytest.fixture(scope="module")
def con(sample_run):
    c = connect(sample_run.warehouse, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def report(sample_run):
    path = output_path(sample_run.outputs, SAMPLE_PERIOD, "dfe")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(con):
    return report_data(con, policy="dfe")


@pytest.fixture(scope="module")
def events(con) -> pd.DataFrame:
    """Independent of the analytics: loaded notifications, a re-sent reference counted once."""
    return con.execute("""
        SELECT partner, owner_agency, ref, min(event_date) AS event_date, any_value(decision) AS decision,
               min(notification_id) AS notification_id
        FROM (SELECT *, coalesce(source_ref, notification_id) AS ref FROM notifications) GROUP BY partner,
             owner_agency, ref
    """).df()


def _in(df: pd.DataFrame, period: Period) -> pd.DataFrame:
    d = pd.to_datetime(df["event_date"]).dt.date
    return df[(d >= period.start) & (d <= period.end)]


def test_the_scheduled_job_built_the_default_report_into_the_commissioner_folder(sample_run, con, report):
    assert default_period(con) == SAMPLE_PERIOD
    folder = sample_run.outputs / "commissioner"
    assert all(re.fullmatch(r"commissioner_report_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d_\w+\.html", p.name)
               for p in folder.iterdir())
    instance = dg.DagsterInstance.from_config(str(sample_run.home.parent / "dagster"))
    event = instance.get_latest_materialization_event(COMMISSIONER_KEY)
    meta = event.asset_materialization.metadata
    assert meta["path"].value == str(output_path(sample_run.outputs, SAMPLE_PERIOD, "dfe"))
    assert meta["policy"].value == "dfe" and meta["period_end"].value == "2026-06-30"
    assert 'data-policy="dfe"' in report and html.escape(describe("dfe"), quote=True) in report
    assert report.count('<figure class="chart"') == int(re.search(r'data-charts="(\d+)"', report).group(1)) >= 7
    for heading in ("Base rates and the limits of rule-based flags", "Methodology", "Ethnicity"):
        assert heading in report


def test_notifications_by_agency_match_the_warehouse(data, events, report):
    truth = _in(events, SAMPLE_PERIOD).groupby("owner_agency").size()
    counts = data.tables["agency_month"].counts.sum(axis=1)
    assert counts.to_dict() == truth.to_dict()
    shown = html_tables(report)["Notifications by source agency and month"]
    for agency, n in truth.items():
        cell = shown.at[html.escape(agency, quote=False), TOTAL]
        assert cell in ("c", str(n))
    assert shown.at[TOTAL, TOTAL] == str(truth.sum())  # the grand total is large and never hidden here


def test_re_referral_rate_matches_an_independent_computation(con, data, events, report):
    people = con.execute("""
        SELECT DISTINCT n.partner, coalesce(n.source_ref, n.notification_id) AS ref, mp.person_id
        FROM notifications n JOIN person_mentions m USING (notification_id) JOIN mention_person mp USING (mention_id)
        WHERE n.decision IN ('referral_s17', 'strategy_s47')
    """).df()
    refs = events[events["decision"].isin(REFERRALS)].merge(people, on=["partner", "ref"])
    refs = refs.assign(event_date=pd.to_datetime(refs["event_date"])).sort_values(["person_id", "event_date", "ref"])
    gap = refs.groupby("person_id")["event_date"].diff().dt.days
    refs["re_referral"] = gap.le(365)
    in_period = _in(refs, SAMPLE_PERIOD).groupby(["partner", "ref"])["re_referral"].any()
    n_refs, n_re = len(in_period), int(in_period.sum())
    decisions = data.tables["decisions"].counts["All"]
    assert (decisions[fig.REFERRAL_REPEAT], decisions[fig.REFERRAL_REPEAT] + decisions[fig.REFERRAL_FIRST]) == \
        (n_re, n_refs)
    assert n_refs > 50 and 0.1 < n_re / n_refs < 0.4  # the sample is near the national 22%
    shown = html_tables(report)
    assert shown["Front-door decisions, with referrals split by re-referral"].at[fig.REFERRAL_REPEAT, "All"] == str(n_re)
    assert f"{round(100 * n_re / n_refs)}%" in report
    # The same definition as the re_referral_12m rule: every referral after the first in an alert's chain.
    chains = con.execute("""
        SELECT a.alert_id, a.subject_id, e.event_date FROM alerts a JOIN alert_evidence e USING (alert_id)
        WHERE a.rule = 're_referral_12m' AND e.evidence_role = 'trigger'
    """).df()
    later = chains[chains["event_date"] > chains.groupby("alert_id")["event_date"].transform("min")]
    from_alerts = {(p, pd.Timestamp(d)) for p, d in zip(later["subject_id"], later["event_date"])}
    mine = {(p, d) for p, d, r in zip(refs["person_id"], refs["event_date"], refs["re_referral"]) if r}
    assert from_alerts == mine


def test_alerts_by_rule_match_the_warehouse(con, data, report):
    truth = dict(con.execute("SELECT rule, count(*) FROM alerts WHERE in_queue AND window_end BETWEEN ? AND ? "
                             "GROUP BY rule", [SAMPLE_PERIOD.start, SAMPLE_PERIOD.end]).fetchall())
    counts = data.tables["alerts"].counts.sum(axis=1)
    assert {r: n for r, n in counts.items() if n} == truth
    shown = html_tables(report)["Queued alerts by rule and latest review outcome"]
    for rule, n in truth.items():
        assert shown.at[rule, TOTAL] in ("c", str(n))
    assert sum(int(shown.at[r, TOTAL]) for r in truth if shown.at[r, TOTAL] != "c") > 0


def test_repeat_contacts_agree_with_the_repeat_contact_rule(con):
    whole = Period(*con.execute("SELECT min(event_date), max(event_date) FROM notifications").fetchall()[0])
    kids = fig.children_cube(con, whole).crosstab("repeat_band")["All"]
    for days, bands in ((30, 1), (90, 2), (365, 3)):
        subjects = con.execute("SELECT count(DISTINCT subject_id) FROM alerts WHERE rule = ?",
                               [f"repeat_contact_{days}d"]).fetchall()[0][0]
        assert int(kids.iloc[:bands].sum()) == subjects


def test_contacts_timeliness_and_children_add_up(con, data, events):
    contacts = _in(events[events["partner"] == "csc"], SAMPLE_PERIOD)
    t = data.tables
    assert t["conversion"].counts.to_numpy().sum() == t["timeliness"].counts.to_numpy().sum() == len(contacts)
    kids = con.execute("""
        SELECT count(DISTINCT mp.person_id) FROM notifications n JOIN person_mentions m USING (notification_id)
        JOIN mention_person mp USING (mention_id) WHERE n.event_date BETWEEN ? AND ?
    """, [SAMPLE_PERIOD.start, SAMPLE_PERIOD.end]).fetchall()[0][0]
    children = t["age"].counts.to_numpy().sum()
    assert 0.3 * kids < children < kids  # children are a part of everyone notified
    for key in ("sex", "district", "repeats"):
        assert t[key].counts.to_numpy().sum() == children


def test_no_hidden_count_can_be_worked_out_from_the_whole_report(con):
    rules, rag = load_rules(RULES, KINDS), load_rag(RAG)
    specs, identities = table_specs(con, SAMPLE_PERIOD, rules, rag)
    assert identities, "contacts are the csc feed's notifications: the identity must be declared"
    for policy in ("dfe", "tre10"):
        published = report_data(con, policy=policy).tables
        assert exposed_cells(published, identities) == []
        assert sum(p.hidden_count() for p in published.values()) > 0


def test_published_html_shows_no_small_count(report):
    for name, table in html_tables(report).items():
        for value in table.to_numpy().ravel():
            if value.endswith("%") or value == "c":
                continue
            assert not 1 <= int(value) <= 5, f"{name}: {value}"
