"""Child rules on hand-built scenarios: low-level repeats, re-referrals, repeat contacts."""

from __future__ import annotations

import json



def test_three_low_from_two_agencies_in_90_days_is_one_alert(scenario, family):
    f = family(scenario)
    kid = f["kid0"]
    # a year earlier housing listed the household: that is how the analytics know the family
    scenario.notify("housing", "2024-03-01", "housing_conditions",
                    [(f["mum"], "subject"), (kid, "household_member"), (f["kid1"], "household_member")],
                    member_list=True)
    ids = [scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(kid, "subject")]),
           scenario.notify("health", "2025-04-10", "neglect", [(kid, "subject")]),
           scenario.notify("schools", "2025-05-20", "school_attendance", [(kid, "subject")])]
    scenario.run()
    a = scenario.alerts("low_level_repeat")
    assert len(a) == 1
    row = a.iloc[0]
    assert row["subject_id"] == kid and row["subject_type"] == "child"
    assert sorted(scenario.evidence(row["alert_id"])) == sorted(ids)
    assert row["n_agencies"] == 2 and row["n_evidence"] == 3
    assert json.loads(row["thresholds"]) == {"window_days": 90, "min_notifications": 3, "min_agencies": 2,
                                             "max_severity": "low", "threshold_decisions":
                                             ["early_help", "referral_s17", "strategy_s47"]}
    assert row["link_confidence"] == 1.0
    ev = scenario.con.execute("SELECT agency, event_date, concern_type, severity FROM alert_evidence "
                              "WHERE alert_id = ? ORDER BY event_date", [row["alert_id"]]).fetchall()
    assert [e[0] for e in ev] == ["Education", "Health", "Education"] and all(e[3] == "low" for e in ev)
    # the child's family is recorded with the alert
    rel = dict(scenario.con.execute("SELECT person_id, relation FROM alert_members WHERE alert_id = ?",
                                    [row["alert_id"]]).fetchall())
    assert rel[kid] == "subject" and rel[f["kid1"]] == "sibling" and rel[f["mum"]] == "carer"


def test_three_from_one_agency_is_no_alert(scenario, family):
    kid = family(scenario)["kid0"]
    for d in ("2025-03-01", "2025-03-20", "2025-04-15"):
        scenario.notify("schools", d, "behaviour_wellbeing", [(kid, "subject")])
    scenario.run()
    assert scenario.alerts("low_level_repeat").empty


def test_one_at_threshold_means_no_alert(scenario, family):
    kid = family(scenario)["kid0"]
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(kid, "subject")])
    scenario.notify("health", "2025-03-15", "neglect", [(kid, "subject")], severity="medium")
    scenario.notify("schools", "2025-04-01", "school_attendance", [(kid, "subject")])
    scenario.run()
    assert scenario.alerts("low_level_repeat").empty


def test_a_decision_at_early_help_is_at_threshold(scenario, family):
    kid = family(scenario)["kid0"]
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(kid, "subject")])
    scenario.notify("csc", "2025-03-15", "neglect", [(kid, "subject")], decision="early_help", rag="green")
    scenario.notify("health", "2025-04-01", "neglect", [(kid, "subject")])
    scenario.run()
    assert scenario.alerts("low_level_repeat").empty


def test_spread_over_more_than_90_days_is_no_alert(scenario, family):
    kid = family(scenario)["kid0"]
    scenario.notify("schools", "2025-01-01", "behaviour_wellbeing", [(kid, "subject")])
    scenario.notify("health", "2025-03-01", "neglect", [(kid, "subject")])
    scenario.notify("schools", "2025-04-05", "school_attendance", [(kid, "subject")])  # 94 days after the first
    scenario.run()
    assert scenario.alerts("low_level_repeat").empty


def test_overlapping_windows_make_one_alert_with_all_evidence(scenario, family):
    kid = family(scenario)["kid0"]
    days = ["2025-03-01", "2025-03-20", "2025-04-15", "2025-05-10", "2025-06-01"]
    partners = ["schools", "health", "schools", "online_form", "health"]
    for d, p in zip(days, partners):
        scenario.notify(p, d, "neglect", [(kid, "subject")])
    scenario.run()
    a = scenario.alerts("low_level_repeat")
    assert len(a) == 1 and a.iloc[0]["n_evidence"] == 5


def test_a_redelivered_notification_is_counted_once(scenario, family):
    kid = family(scenario)["kid0"]
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(kid, "subject")], source_ref="SR1")
    scenario.notify("health", "2025-03-15", "neglect", [(kid, "subject")], source_ref="HR1")
    scenario.notify("health", "2025-03-15", "neglect", [(kid, "subject")], source_ref="HR1")  # re-sent copy
    scenario.run()
    assert scenario.alerts("low_level_repeat").empty
    n = scenario.con.execute("SELECT count(*) FROM notification_events").fetchall()[0][0]
    assert n == 2


def test_re_referral_within_12_months(scenario, family):
    kid = family(scenario)["kid0"]
    a = scenario.notify("csc", "2025-02-01", "neglect", [(kid, "subject")], "medium", decision="referral_s17")
    b = scenario.notify("csc", "2025-08-20", "neglect", [(kid, "subject")], "high", decision="strategy_s47")
    scenario.run()
    al = scenario.alerts("re_referral_12m")
    assert len(al) == 1 and scenario.evidence(al.iloc[0]["alert_id"]) == sorted([a, b])


def test_referrals_more_than_12_months_apart_or_not_referrals(scenario, family):
    f = family(scenario)
    scenario.notify("csc", "2025-01-01", "neglect", [(f["kid0"], "subject")], "medium", decision="referral_s17")
    scenario.notify("csc", "2026-02-01", "neglect", [(f["kid0"], "subject")], "medium", decision="referral_s17")
    scenario.notify("csc", "2025-03-01", "neglect", [(f["kid1"], "subject")], "medium", decision="referral_s17")
    scenario.notify("csc", "2025-05-01", "neglect", [(f["kid1"], "subject")], "low", decision="early_help")
    scenario.run()
    assert scenario.alerts("re_referral_12m").empty


def test_a_resent_referral_is_not_a_re_referral(scenario, family):
    kid = family(scenario)["kid0"]
    for _ in range(2):
        scenario.notify("csc", "2025-02-01", "neglect", [(kid, "subject")], "medium", decision="referral_s17",
                        source_ref="0000123")
    scenario.run()
    assert scenario.alerts("re_referral_12m").empty


def test_repeat_contacts_at_30_and_90_days_are_measures_not_queue(scenario, family):
    kid = family(scenario)["kid0"]
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(kid, "subject")])
    scenario.notify("schools", "2025-04-20", "behaviour_wellbeing", [(kid, "subject")])  # 50 days later
    scenario.run()
    assert scenario.alerts("repeat_contact_30d").empty
    assert len(scenario.alerts("repeat_contact_90d")) == 1
    assert len(scenario.alerts("repeat_contact_365d")) == 1
    assert not scenario.alerts("repeat_contact_90d").iloc[0]["in_queue"]
    queued = scenario.con.execute("SELECT count(*) FROM alerts WHERE in_queue").fetchall()[0][0]
    assert queued == 0


def test_twins_merged_by_the_linkage_raise_no_alert(scenario, family):
    """The matching engine puts twins (same surname, DOB and home) in one cluster. Both are named in one
    police occurrence, so the cluster holds two people: it is set aside (link_conflicts) and no alert rests
    on it. Merged, their police record and two school records would be a low-level repeat."""
    f = family(scenario, kids=2)
    mia = scenario.person("A-mia", "Mia", "OKAFOR", "2016-04-02", "12 Elm Road, Millbrook", "MH1 1AA", "F")
    max_ = scenario.person("A-max", "Max", "OKAFOR", "2016-04-02", "12 Elm Road, Millbrook", "MH1 1AA", "M")
    cwel = scenario.notify("police", "2025-03-01", "neglect",
                           [(f["mum"], "parent_carer"), (mia, "child_present"), (max_, "child_present")])
    scenario.notify("schools", "2025-03-08", "behaviour_wellbeing", [(mia, "subject")])
    scenario.notify("schools", "2025-03-21", "behaviour_wellbeing", [(max_, "subject")])
    merged = {m: ("TWINS", 0.97) for m, p in scenario.truth if p in (mia, max_)}
    res = scenario.run(mention_person=scenario.mention_person(merged), max_pages=0)
    assert res["counts"]["link_conflicts"] == 1
    conflicts = scenario.con.execute("SELECT person_id, notification_id, len(mention_ids) FROM link_conflicts"
                                     ).fetchall()
    assert conflicts == [("TWINS", cwel, 2)]
    assert scenario.alerts("low_level_repeat").empty
    left = scenario.con.execute("SELECT count(*) FROM analytics_mention_person WHERE person_id = 'TWINS'"
                                ).fetchall()[0][0]
    assert left == 0
    # with the twins kept apart by the linkage nothing is set aside
    res = scenario.run(out="out2", max_pages=0)
    assert res["counts"]["link_conflicts"] == 0 and scenario.alerts("low_level_repeat").empty
