"""The commissioner report's parts on small hand-made inputs: period, timeliness, cubes, linked tables."""

from __future__ import annotations

import doctest
import importlib
import itertools
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.commissioner import figures as fig
from analytics.commissioner.figures import Cube
from analytics.commissioner.period import Period, default_period, resolve_period
from analytics.commissioner.protect import Published, TableSpec, exposed_cells, protect
from analytics.rag import rag_from_dict
from mash.governance.disclosure import POLICIES, apply_policy, suppression_pattern
from mash.warehouse import connect

MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
QUARTER = {m: "2025 Q1" if m <= "2025-03" else "2025 Q2" for m in MONTHS}


@pytest.mark.parametrize("name", ["period", "figures", "protect", "charts", "methodology", "report"])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(f"analytics.commissioner.{name}"), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def _warehouse_with_events(tmp_path, days: list[str]):
    con = connect(tmp_path / "w.duckdb")
    for k, d in enumerate(days):
        con.execute("INSERT INTO notifications (notification_id, partner, owner_agency, delivery_id, file_name, "
                    "row_number, event_date, concern_code, concern_type, severity, severity_rank, channel, consent, "
                    "n_people) VALUES (?, 'p', 'P', 'd', 'f', ?, ?, 'N', 'neglect', 'low', 1, "
                    "'partner_notification', 'given', 1)", [f"n{k}", k + 1, date.fromisoformat(d)])
    return con


def test_default_period_is_the_last_twelve_complete_months(tmp_path):
    con = _warehouse_with_events(tmp_path, ["2024-03-05", "2026-06-17"])  # June 2026 is not complete
    assert default_period(con) == Period(date(2025, 6, 1), date(2026, 5, 31))
    con.execute("INSERT INTO notifications SELECT * REPLACE ('n9' AS notification_id, DATE '2026-06-30' AS "
                "event_date) FROM notifications LIMIT 1")
    assert default_period(con) == Period(date(2025, 7, 1), date(2026, 6, 30))


def test_default_period_with_less_data_is_the_whole_range(tmp_path):
    con = _warehouse_with_events(tmp_path, ["2026-02-10", "2026-06-17"])
    assert default_period(con) == Period(date(2026, 2, 10), date(2026, 5, 31))
    con2 = _warehouse_with_events(tmp_path / "b", ["2026-06-02", "2026-06-17"])  # no complete month at all
    assert default_period(con2) == Period(date(2026, 6, 2), date(2026, 6, 17))


def test_resolve_period_from_one_or_two_dates(tmp_path):
    con = _warehouse_with_events(tmp_path, ["2025-01-01"])
    assert resolve_period(con, "2025-04-01") == Period(date(2025, 4, 1), date(2026, 3, 31))
    assert resolve_period(con, None, "2026-03-31") == Period(date(2025, 4, 1), date(2026, 3, 31))
    assert resolve_period(con, "2025-04-15", "2025-06-10").partial_months() == ["2025-04", "2025-06"]
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_period(con, "31/03/2026")
    with pytest.raises(ValueError, match="before it starts"):
        resolve_period(con, "2026-01-01", "2025-01-01")


def test_timeliness_counts_working_hours_from_both_ends_of_the_contact_day():
    cfg = rag_from_dict({"profile": "p", "profiles": {"p": {"red": 4, "amber": 24, "green": 72}},
                         "working_hours": {"holidays": ["2025-12-25", "2025-12-26"]}})
    t = fig.timeliness
    # Wednesday 24 December 2025; Christmas and Boxing Day do not count.
    assert t(date(2025, 12, 24), datetime(2025, 12, 24, 12, 0), "red", cfg) == fig.ON_TIME
    assert t(date(2025, 12, 24), datetime(2025, 12, 29, 12, 0), "red", cfg) == fig.DEPENDS  # 3 h from Thu 00:00
    assert t(date(2025, 12, 24), datetime(2025, 12, 29, 14, 0), "red", cfg) == fig.LATE
    assert t(date(2025, 12, 24), None, "amber", cfg) == fig.NO_TIME
    assert t(date(2025, 12, 24), datetime(2025, 12, 24, 12, 0), "blue", cfg) == fig.NO_SCALE
    assert t(date(2025, 12, 24), datetime(2025, 12, 24, 12, 0), None, cfg) == fig.NO_SCALE


def test_cube_refuses_values_outside_its_domain_and_fills_zeros():
    df = pd.DataFrame({"a": ["x", "y"], "b": ["u", "u"]})
    with pytest.raises(ValueError, match="outside its domain"):
        fig._cube("c", df, {"a": ["x"], "b": ["u"]})
    cube = fig._cube("c", df, {"a": ["x", "y", fig.NOT_KNOWN], "b": ["u", "v"]})
    assert cube.crosstab("a", "b").to_numpy().tolist() == [[1, 0], [1, 0]]  # "Not known" dropped: none missing


# ------------------------------------------------------------------ linked tables
def _notes_cube(counts: dict[str, list[list[int]]]) -> Cube:
    rows = [(a, c, m, by_concern[ci][mi]) for a, by_concern in counts.items()
            for ci, c in enumerate("xyz") for mi, m in enumerate(MONTHS)]
    df = pd.DataFrame(rows, columns=["agency", "concern", "month", "n"])
    return Cube("notes", df, {"agency": list(counts), "concern": list("xyz"), "month": MONTHS},
                {"quarter": ("month", QUARTER)})


def _separately(specs: list[TableSpec]) -> dict[str, Published]:
    out = {}
    for s in specs:
        counts = s.cube.crosstab(s.rows, s.cols)
        out[s.key] = Published(s, counts, apply_policy(counts, "dfe"), suppression_pattern(counts, "dfe"),
                               POLICIES["dfe"])
    return out


def test_a_month_hidden_in_one_table_is_given_away_by_the_quarter_in_another_unless_checked_together():
    cube = _notes_cube({"A": [[6, 6, 8, 1, 12, 0], [0, 12, 12, 1, 0, 1], [0, 12, 6, 3, 0, 2]],
                        "B": [[0, 8, 2, 0, 1, 6], [3, 1, 1, 0, 3, 6], [3, 12, 12, 0, 3, 6]]})
    specs = [TableSpec("am", cube, "agency", "month"), TableSpec("cq", cube, "concern", "quarter")]
    alone = _separately(specs)
    # Each table is safe on its own, but January's total (hidden) = Q1 - February - March (all shown).
    assert alone["am"].shown.at["Total", "2025-01"] == "c"
    assert ("am", "Total", "2025-01") in exposed_cells(alone)
    together = protect(specs, "dfe")
    assert exposed_cells(together) == []
    assert together["am"].hidden_count() >= alone["am"].hidden_count()
    # What is still shown is the truth.
    for key, p in together.items():
        truth = _separately([p.spec])[key].counts
        for r, c in itertools.product(truth.index, truth.columns):
            assert p.value(r, c) in (None, int(truth.at[r, c]))


cells = st.sampled_from([0, 0, 1, 2, 3, 6, 9, 14, 30])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cells, min_size=36, max_size=36), st.sampled_from(["dfe", "tre10"]))
def test_linked_tables_leave_no_hidden_count_recoverable(values, policy):
    v = np.array(values).reshape(2, 3, 6)
    cube = _notes_cube({a: v[i].tolist() for i, a in enumerate("AB")})
    specs = [TableSpec("am", cube, "agency", "month"), TableSpec("cq", cube, "concern", "quarter"),
             TableSpec("a", cube, "agency")]
    published = protect(specs, policy)
    assert exposed_cells(published) == []
    symbol = POLICIES[policy].symbol
    # one count, one answer: the grand total and each agency's total agree wherever they appear
    grand = {p.shown.at["Total", "Total" if p.spec.cols else "All"] for p in published.values()}
    assert len(grand) == 1
    for a in "AB":
        assert published["am"].shown.at[a, "Total"] == published["a"].shown.at[a, "All"]
    for p in published.values():
        for x in p.shown.to_numpy().ravel():
            if x != symbol:
                assert int(x) >= 10 if policy == "tre10" else (int(x) == 0 or int(x) >= 6)


# ------------------------------------------------------------------ a tiny world end to end
def test_a_tiny_world_gets_a_report_under_every_policy(tmp_path):
    from analytics.commissioner import build_report
    from tests.analytics.conftest import Scenario, make_family

    s = Scenario(tmp_path)
    fam = make_family(s)
    s.notify("police", "2025-03-01", "domestic_abuse", [(fam["mum"], "victim"), (fam["kid0"], "child_present")])
    s.notify("schools", "2025-03-10", "neglect", [(fam["kid0"], "subject")])
    s.notify("health", "2025-03-20", "neglect", [(fam["kid0"], "subject")])
    s.run()
    for policy, symbol in (("dfe", "c"), ("nhsd", "*"), ("tre10", "c")):
        result = build_report(s.con, tmp_path / "out", policy=policy)
        page = result.path.read_text(encoding="utf-8")
        assert result.path.parent.name == "commissioner" and f'data-policy="{policy}"' in page
        # three notifications about one child: every count is small, so hidden; the page says so
        assert result.data.tables["agency_month"].value("Total", "Total") is None
        assert f">{symbol}<" in page and ">3<" not in page
    s.con.close()


def test_the_report_needs_the_pipeline_tables(tmp_path):
    from analytics.commissioner import report_data

    con = _warehouse_with_events(tmp_path, ["2025-01-01"])
    with pytest.raises(ValueError, match="run the pipeline"):
        report_data(con)
    with pytest.raises(ValueError, match="unknown policy"):
        report_data(con, policy="ons")
