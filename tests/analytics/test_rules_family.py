"""Family and adult rules on hand-built scenarios: sibling spread, escalation, DA suspect, family moves."""

from __future__ import annotations



def test_sibling_spread_fires_when_each_child_alone_is_below(scenario, family):
    f = family(scenario, kids=3)
    a, b = f["kid0"], f["kid1"]
    ids = [scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(a, "subject")]),
           scenario.notify("health", "2025-03-20", "neglect", [(b, "subject")]),
           scenario.notify("schools", "2025-04-25", "school_attendance", [(a, "subject")])]
    scenario.run(max_pages=0)
    al = scenario.alerts("sibling_spread")
    assert len(al) == 1, al
    assert scenario.evidence(al.iloc[0]["alert_id"]) == sorted(ids)
    assert al.iloc[0]["subject_type"] == "household"
    assert scenario.alerts("low_level_repeat").empty  # no child reaches 3 on their own
    kids = {p for p, in scenario.con.execute("SELECT person_id FROM alert_members WHERE alert_id = ? AND "
                                              "relation = 'child'", [al.iloc[0]["alert_id"]]).fetchall()}
    assert {a, b} <= kids


def test_no_sibling_spread_when_someone_in_the_family_is_at_threshold(scenario, family):
    f = family(scenario, kids=2)
    a, b = f["kid0"], f["kid1"]
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(a, "subject")])
    scenario.notify("health", "2025-03-20", "neglect", [(b, "subject")])
    scenario.notify("schools", "2025-04-25", "school_attendance", [(a, "subject")])
    # mother and both children at a medium-risk domestic incident in the same weeks
    scenario.notify("police", "2025-04-01", "domestic_abuse", [(f["mum"], "victim"), (a, "child_present"),
                                                               (b, "child_present")], severity="medium")
    scenario.run(max_pages=0)
    assert scenario.alerts("sibling_spread").empty


def test_children_merely_present_do_not_make_a_spread(scenario, family):
    f = family(scenario, kids=2)
    a, b = f["kid0"], f["kid1"]
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(a, "subject")])
    scenario.notify("police", "2025-03-10", "neglect", [(f["mum"], "parent_carer"), (a, "child_present"),
                                                        (b, "child_present")])
    scenario.notify("health", "2025-03-20", "neglect", [(b, "subject")])
    scenario.run(max_pages=0)
    assert scenario.alerts("sibling_spread").empty


def _escalating(s, f, rag=True, dash=True, attendance=True):
    mum, kid = f["mum"], f["kid0"]
    for i, (d, level, att, r, dec) in enumerate([("2025-02-01", "Standard", 88.4, "green", "nfa"),
                                                 ("2025-04-20", "Medium", 77.9, "amber", "early_help"),
                                                 ("2025-07-01", "High", 58.2, "red", "strategy_s47")]):
        sev = ["low", "medium", "high"][i]
        if dash:
            s.notify("police", d, "domestic_abuse", [(mum, "victim"), (kid, "child_present")], sev, dash=level)
        if attendance:
            s.notify("schools", d[:8] + "15", "school_attendance", [(kid, "subject")], sev, attendance=att)
        if rag:
            s.notify("csc", d[:8] + "25", "domestic_abuse", [(kid, "subject")], sev, decision=dec, rag=r)


def test_escalation_needs_two_rising_signals(scenario, family):
    f = family(scenario, kids=1)
    _escalating(scenario, f)
    g = family(scenario, tag="B", surname="NOWAK", address="3 Ash Way, Lowther", postcode="MH2 2BB", kids=1)
    _escalating(scenario, g, rag=False, attendance=False)  # DASH rising alone is one signal
    scenario.run(max_pages=0)
    al = scenario.alerts("escalation")
    assert len(al) == 1
    assert al.iloc[0]["subject_type"] == "family_network"
    assert al.iloc[0]["n_evidence"] == 9
    assert "dash rising: standard -> medium -> high" in al.iloc[0]["explanation"]
    assert "attendance falling: 88.4% -> 77.9% -> 58.2%" in al.iloc[0]["explanation"]
    members = {p for p, in scenario.con.execute("SELECT person_id FROM alert_members WHERE alert_id = ?",
                                                 [al.iloc[0]["alert_id"]]).fetchall()}
    assert members == {f["mum"], f["kid0"]}
    rag = scenario.con.execute("SELECT rag, lead_agency FROM alert_rag WHERE alert_id = ?",
                               [al.iloc[0]["alert_id"]]).fetchall()[0]
    assert rag == ("red", "Children's Social Care")


def test_da_suspect_at_two_households_with_children(scenario, family):
    a = family(scenario, tag="A", kids=1)
    b = family(scenario, tag="B", surname="PRICE", address="40 Wharf Court, Hollins Park", postcode="MH4 3LR",
               kids=1)
    man = scenario.person("man", "Lee", "WILSON", "1985-01-01", "9 Gas Avenue", "MH4 2TT", "M")
    e1 = scenario.notify("police", "2025-02-01", "domestic_abuse",
                         [(a["mum"], "victim"), (man, "suspect"), (a["kid0"], "child_present")])
    e2 = scenario.notify("police", "2025-09-01", "domestic_abuse",
                         [(b["mum"], "victim"), (man, "suspect"), (b["kid0"], "child_present")], "medium")
    # another man: two incidents at the same household, and one at a household with no children named
    c = family(scenario, tag="C", surname="GREEN", address="7 Mill Lane", postcode="MH5 5CC", kids=1)
    other = scenario.person("other", "Tom", "BLACK", "1980-01-01", None, None, "M")
    solo = scenario.person("solo", "Amy", "WHITE", "1990-01-01", "1 Quay Street", "MH6 6DD", "F")
    scenario.notify("police", "2025-03-01", "domestic_abuse",
                    [(c["mum"], "victim"), (other, "suspect"), (c["kid0"], "child_present")])
    scenario.notify("police", "2025-05-01", "domestic_abuse",
                    [(c["mum"], "victim"), (other, "suspect"), (c["kid0"], "child_present")])
    scenario.notify("police", "2025-06-01", "domestic_abuse", [(solo, "victim"), (other, "suspect")])
    scenario.run(max_pages=0)
    al = scenario.alerts("da_suspect_multi_household")
    assert al["subject_id"].tolist() == [man]
    assert scenario.evidence(al.iloc[0]["alert_id"]) == sorted([e1, e2])
    assert scenario.con.execute("SELECT lead_agency FROM alert_rag WHERE alert_id = ?",
                                [al.iloc[0]["alert_id"]]).fetchall()[0][0] == "Police"


def test_family_moves_counts_family_homes_not_institutions(scenario, family):
    f = family(scenario, kids=1)
    kid = f["kid0"]
    homes = [("12 Elm Road, Millbrook", "MH1 1AA"), ("5 Pine Street, Eastbrook", "MH6 3WD"),
             ("Flat 2, 8 Oak Close, Westcombe", "MH2 7QQ")]
    for i, (addr, pc) in enumerate(homes):
        scenario.notify(["schools", "health", "csc"][i], f"2025-0{2 + 3 * i}-10", "neglect",
                        [(kid, "subject", addr, pc)], decision="nfa" if i == 2 else None)
    # a second child: two homes plus a children's home full of unrelated children -> not three family homes
    g = family(scenario, tag="G", surname="ADEYEMI", address="3 Ash Way", postcode="MH2 2BB", kids=1)
    scenario.notify("schools", "2025-02-01", "neglect", [(g["kid0"], "subject")])
    scenario.notify("schools", "2025-05-01", "neglect", [(g["kid0"], "subject", "14 Birch Rise", "MH3 3CC")])
    home = ("George Children's Home, 51 George Mews", "MH6 7XS")
    for i, sn in enumerate(["KHAN", "SMITH", "NOWAK", "JONES", "PATEL", "BROWN"]):
        p = scenario.person(f"lac{i}", "Kid", sn, f"2009-0{i + 1}-01", *home)
        scenario.notify("police", f"2025-0{i + 2}-03", "missing_from_home", [(p, "subject")])
    scenario.notify("police", "2025-08-03", "missing_from_home", [(g["kid0"], "subject", *home)])
    scenario.run(max_pages=0)
    al = scenario.alerts("family_moves")
    assert len(al) == 1
    assert al.iloc[0]["n_evidence"] == 3
    kind = scenario.con.execute("SELECT kind FROM address_profiles p JOIN address_entities e USING (address_id) "
                                "WHERE e.street = 'GEORGE MEWS'").fetchall()
    assert kind == [("institution",)]


def test_a_carer_who_moves_out_is_not_the_family_moving(scenario, family):
    f = family(scenario, kids=1)
    kid, mum = f["kid0"], f["mum"]
    dad = scenario.person("A-dad", "Mark", "OKAFOR", "1986-01-01", "12 Elm Road, Millbrook", "MH1 1AA", "M")
    scenario.notify("police", "2025-02-01", "domestic_abuse", [(mum, "victim"), (dad, "suspect"),
                                                               (kid, "child_present")])
    # he leaves: recorded at two new addresses, while the child stays at the family home
    scenario.notify("housing", "2025-03-01", "homelessness", [(dad, "subject", "Flat 1, 3 Quay Street", "MH6 6DD")])
    scenario.notify("probation", "2025-06-01", "offending", [(dad, "subject", "9 Gas Avenue", "MH4 2TT")])
    # the child stays at the family home
    scenario.notify("schools", "2025-09-01", "behaviour_wellbeing", [(kid, "subject")])
    scenario.run(max_pages=0)
    carer = scenario.con.execute("SELECT relation FROM family_networks WHERE person_id = ?", [dad]).fetchall()
    assert carer == [("carer",)]
    assert scenario.alerts("family_moves").empty
    # the family really moving twice is found, with the other notifications at each address as support
    for i, (addr, pc) in enumerate([("5 Pine Street", "MH6 3WD"), ("8 Oak Close", "MH2 7QQ")]):
        scenario.notify("schools", f"2025-1{i}-10", "neglect", [(kid, "subject", addr, pc)])
    scenario.notify("health", "2025-11-20", "neglect", [(kid, "subject", "8 Oak Close", "MH2 7QQ")])
    scenario.run(max_pages=0)
    al = scenario.alerts("family_moves")
    assert len(al) == 1 and al.iloc[0]["n_evidence"] == 3
    roles = scenario.con.execute("SELECT evidence_role, count(*) FROM alert_evidence WHERE alert_id = ? GROUP BY 1",
                                 [al.iloc[0]["alert_id"]]).fetchall()
    assert dict(roles)["trigger"] == 3 and dict(roles).get("supporting", 0) >= 1


def test_a_carer_recorded_alone_before_the_family_moves_on_together_counts(scenario, family):
    """Mother alone at the first home, then with the child at the next, the child at a third: three homes.
    The child recorded at the second home within the year does not contradict the first: she is
    recorded there too."""
    f = family(scenario, kids=1)
    kid, mum = f["kid0"], f["mum"]
    scenario.notify("health", "2025-02-07", "parental_mental_health", [(mum, "subject")])  # 12 Elm Road
    scenario.notify("police", "2025-05-10", "missing_from_home",
                    [(kid, "subject", "Flat 3, 22 Trinity Mews", "MH2 9QZ"),
                     (mum, "referrer", "Flat 3, 22 Trinity Mews", "MH2 9QZ")])
    scenario.notify("schools", "2025-05-27", "behaviour_wellbeing",
                    [(kid, "subject", "Flat 3, 22 Trinity Mews", "MH2 9QZ")])
    scenario.notify("csc", "2026-01-15", "neglect", [(kid, "subject", "36 Salisbury Close", "MH5 1SL")],
                    decision="nfa")
    scenario.run(max_pages=0)
    al = scenario.alerts("family_moves")
    assert len(al) == 1 and al.iloc[0]["n_evidence"] == 3
    assert "12 Elm Road" in al.iloc[0]["explanation"]


def test_a_carer_with_another_familys_children_is_not_this_family_moving(scenario, family):
    """A father leaves his family and lives with a new partner and her children: his records there (and
    a probation address before it) are not his first family's homes."""
    f = family(scenario, kids=1)
    kid, mum = f["kid0"], f["mum"]
    dad = scenario.person("A-dad", "Mark", "OKAFOR", "1986-01-01", "12 Elm Road, Millbrook", "MH1 1AA", "M")
    scenario.notify("police", "2025-02-01", "domestic_abuse", [(mum, "victim"), (dad, "suspect"),
                                                               (kid, "child_present")])
    scenario.notify("schools", "2025-03-01", "behaviour_wellbeing", [(kid, "subject")])
    b = family(scenario, tag="B", surname="PRICE", address="40 Wharf Court", postcode="MH4 3LR", kids=1)
    scenario.notify("probation", "2025-06-01", "domestic_abuse", [(dad, "subject", "9 Gas Avenue", "MH4 2TT")])
    scenario.notify("police", "2025-09-01", "domestic_abuse",
                    [(b["mum"], "victim"), (dad, "suspect", "40 Wharf Court", "MH4 3LR"), (b["kid0"], "child_present")])
    scenario.notify("police", "2025-12-01", "domestic_abuse",
                    [(b["mum"], "victim"), (dad, "suspect", "40 Wharf Court", "MH4 3LR"), (b["kid0"], "child_present")])
    scenario.run(max_pages=0)
    nets = scenario.con.execute("SELECT network_id FROM family_networks WHERE person_id = ? AND relation = 'carer'",
                                [dad]).fetchall()
    assert len(nets) == 2  # he is a carer in both networks (co-resident with each family's child)
    assert scenario.alerts("family_moves").empty


def test_a_child_with_no_age_anywhere_counts_when_the_concern_is_only_ever_about_a_child(scenario, family):
    """Three siblings at one home; the third is named once, by health, with no DOB: a 'was not brought'
    referral (rules.toml [people] child_concern_codes) is about a child, so the spread across three
    siblings is seen. The same record as a parental mental health referral is about an adult."""
    f = family(scenario, kids=2)
    holly = scenario.person("A-holly", "Holly", "OKAFOR", None, "12 Elm Road, Millbrook", "MH1 1AA")
    ids = [scenario.notify("csc", "2026-01-04", "other", [(f["kid0"], "subject")], decision="nfa"),
           scenario.notify("schools", "2026-01-05", "school_attendance", [(f["kid1"], "subject")]),
           scenario.notify("health", "2026-01-09", "neglect", [(holly, "subject")], concern_code="WNB")]
    scenario.run(max_pages=0)
    al = scenario.alerts("sibling_spread")
    assert len(al) == 1 and scenario.evidence(al.iloc[0]["alert_id"]) == sorted(ids)
    child = scenario.con.execute("SELECT bool_or(is_child) FROM linked_mentions WHERE person_id = ?",
                                 [holly]).fetchall()[0][0]
    assert child is True
    scenario.con.execute("UPDATE notifications SET concern_code = 'PMH' WHERE notification_id = ?", [ids[2]])
    scenario.run(out="out2", max_pages=0)
    assert scenario.alerts("sibling_spread").empty
