"""Addresses, households and the family graph: institutions never make families, networks follow strong
edges only."""

from __future__ import annotations

import pandas as pd

from analytics.addresses import normalise_postcode, parse_addresses, resolve_address_records
from analytics.households import surname_groups


def test_written_variants_of_one_flat_resolve_to_one_entity():
    written = pd.Series(["Flat 2, 14 Elm Road, Millbrook", "2/14 ELM RD", "FLAT 2 14 ELM ROAD, MILLBROOK",
                         "14 Elm Road", "14a Elm Road", "Flat 2, 14 Elm Road", "Flat 2, 14 Elm Road"])
    p = parse_addresses(written)
    p["postcode"] = normalise_postcode(pd.Series(["MH1 1AA", "mh11aa", "MH1 1AA", "MH1 1AA", "MH1 1AA",
                                                  "MH1 1AB",  # one mistyped letter, same sector
                                                  None]))  # no postcode: joins the only entity that fits
    r = resolve_address_records(p)
    flat2 = r.loc[[0, 1, 2, 5, 6], "entity"]
    assert flat2.nunique() == 1
    assert r.loc[3, "entity"] not in set(flat2)  # the whole house is not flat 2
    assert r.loc[4, "entity"] not in set(flat2) | {r.loc[3, "entity"]}  # 14a is flat A
    assert r.loc[6, "match_rule"] == "no_postcode_single_fit"


def test_same_street_name_in_two_districts_stays_apart_and_ambiguous_stays_alone():
    written = pd.Series(["11 George Mews, Northgate", "11 George Mews, Lowther", "11 George Mews",
                         "Foxglove Gardens"])
    p = parse_addresses(written)
    p["postcode"] = normalise_postcode(pd.Series(["MH4 4GP", "MH4 5RZ", None, None]))
    r = resolve_address_records(p)
    assert r.loc[0, "entity"] != r.loc[1, "entity"]
    assert r.loc[2, "match_rule"] == "no_postcode_ambiguous"
    assert r.loc[2, "entity"] not in r.loc[[0, 1], "entity"].tolist()
    assert r.loc[3, "entity"] == -1  # a street alone puts nobody under one roof


def test_surname_groups_absorb_double_barrels_and_typos():
    assert surname_groups(["JACKSON", "JACKSONSMITH", "SMITH"]) == 1
    assert surname_groups(["BENNETT", "BENNTET", "KHAN", "NOWAK"]) == 3


def test_institution_residents_are_never_one_family(scenario, family):
    home = ("Church House, 51 Church Walk, Hollins Park", "MH4 2XH")
    names = ["KHAN", "SMITH", "NOWAK", "JONES", "PATEL", "BROWN", "EVANS"]
    kids = [scenario.person(f"r{i}", "Kid", sn, f"2009-0{i + 1}-01", *home) for i, sn in enumerate(names)]
    for i, k in enumerate(kids):
        scenario.notify("police", f"2025-0{i + 1}-03", "missing_from_home", [(k, "subject")])
    f = family(scenario, kids=2)
    scenario.notify("schools", "2025-02-02", "neglect", [(f["kid0"], "subject")])
    scenario.notify("health", "2025-02-09", "neglect", [(f["kid1"], "subject")])
    scenario.run(max_pages=0)
    kind = scenario.con.execute("""SELECT kind, reason FROM address_profiles JOIN address_entities USING (address_id)
                                   WHERE street = 'CHURCH WALK'""").fetchall()
    assert kind[0][0] == "institution" and "surname groups" in kind[0][1]
    edges = scenario.con.execute("""SELECT count(*) FROM family_edges
                                    WHERE person_a LIKE 'r%' AND person_b LIKE 'r%'""").fetchall()[0][0]
    assert edges == 0
    nets = scenario.con.execute("""SELECT network_id, count(*) FROM family_networks
                                   WHERE network_id IN
                                         (SELECT network_id FROM family_networks WHERE person_id LIKE 'r%')
                                   GROUP BY 1""").fetchall()
    assert len(nets) == len(kids) and all(n == 1 for _, n in nets)
    # the real family at a family home is one sibling group
    sib = scenario.con.execute("""SELECT edge_type, strength, inferred, rule FROM family_edges
                                  WHERE person_a = ? AND person_b = ? AND edge_type = 'sibling'""",
                               [f["kid0"], f["kid1"]]).fetchall()
    assert sib == [("sibling", "strong", True, "children_same_home")]


def test_network_follows_strong_edges_only(scenario, family):
    a = family(scenario, tag="A", kids=1)
    b = family(scenario, tag="B", surname="PRICE", address="40 Wharf Court", postcode="MH4 3LR", kids=1)
    ex = scenario.person("ex", "Lee", "WILSON", "1985-01-01", "9 Gas Avenue", "MH4 2TT", "M")
    # mother and child together (strong); the ex-partner as suspect (weak) at both families' incidents
    scenario.notify("police", "2025-02-01", "domestic_abuse",
                    [(a["mum"], "victim"), (ex, "suspect"), (a["kid0"], "child_present")])
    scenario.notify("police", "2025-06-01", "domestic_abuse",
                    [(b["mum"], "victim"), (ex, "suspect"), (b["kid0"], "child_present")])
    scenario.run(max_pages=0)
    net = scenario.con.execute("""SELECT person_id, relation FROM family_networks WHERE network_id =
                                  (SELECT network_id FROM family_networks WHERE person_id = ?)""",
                               [a["kid0"]]).fetchall()
    assert dict(net) == {a["kid0"]: "child", a["mum"]: "carer"}
    weak = scenario.con.execute("""SELECT DISTINCT edge_type FROM family_edges WHERE strength = 'weak'
                                   AND (person_a = ? OR person_b = ?)""", [ex, ex]).fetchall()
    assert sorted(w for w, in weak) == ["suspect_other", "victim_suspect"]
    pc = scenario.con.execute("""SELECT inferred, rule, detail FROM family_edges WHERE edge_type = 'parent_child'
                                 AND ? IN (person_a, person_b) AND ? IN (person_a, person_b)""",
                              [a["mum"], a["kid0"]]).fetchall()
    assert pc and pc[0][0] is True and pc[0][1] == "age_gap_15_50_shared_surname_or_address"
    assert "parent of" in pc[0][2]


def test_declared_household_members_link_a_family(scenario, family):
    f = family(scenario, kids=2)
    lodger = scenario.person("lodger", "Sam", "ROSS", "1990-01-01", None, None)
    scenario.notify("housing", "2025-02-01", "homelessness",
                    [(f["mum"], "subject"), (f["kid0"], "household_member"), (f["kid1"], "household_member"),
                     (lodger, "other")], member_list=True)
    scenario.run(max_pages=0)
    types = dict(((a, b), t) for a, b, t in scenario.con.execute(
        "SELECT person_a, person_b, edge_type FROM family_edges WHERE source = 'notification'").fetchall())
    assert types[tuple(sorted((f["mum"], f["kid0"])))] == "declared_household"
    assert types[tuple(sorted((f["mum"], lodger)))] == "declared_lodger"
    strength = scenario.con.execute("SELECT strength FROM family_edges WHERE edge_type = 'declared_lodger'"
                                    ).fetchall()
    assert {s for s, in strength} == {"weak"}


def test_co_residence_edges_are_dated_first_before_last(scenario, family):
    """Spells at one address that do not overlap (here six months apart) still make a co-resident edge;
    it is dated by the gap between them, never with its first date after its last."""
    f = family(scenario, kids=1)
    scenario.notify("schools", "2025-01-10", "neglect", [(f["kid0"], "subject")])
    scenario.notify("schools", "2025-01-20", "neglect", [(f["kid0"], "subject")])
    scenario.notify("health", "2025-07-15", "parental_mental_health", [(f["mum"], "subject")])
    scenario.notify("health", "2025-08-01", "parental_mental_health", [(f["mum"], "subject")])
    scenario.run(max_pages=0)
    edge = scenario.con.execute("""SELECT first_date, last_date FROM family_edges WHERE edge_type = 'co_resident'
                                   AND ? IN (person_a, person_b) AND ? IN (person_a, person_b)""",
                                [f["mum"], f["kid0"]]).fetchall()
    assert [(str(a), str(b)) for a, b in edge] == [("2025-01-20", "2025-07-15")]
    # overlapping spells: the overlap
    scenario.notify("health", "2025-01-15", "parental_mental_health", [(f["mum"], "subject")])
    scenario.run(out="out2", max_pages=0)
    edge = scenario.con.execute("""SELECT first_date, last_date FROM family_edges WHERE edge_type = 'co_resident'
                                   AND ? IN (person_a, person_b) AND ? IN (person_a, person_b)""",
                                [f["mum"], f["kid0"]]).fetchall()
    assert [(str(a), str(b)) for a, b in edge] == [("2025-01-15", "2025-01-20")]
    bad = scenario.con.execute("SELECT count(*) FROM family_edges WHERE first_date > last_date").fetchall()[0][0]
    assert bad == 0


def test_children_of_one_parent_are_siblings_but_a_new_partner_joins_no_families(scenario, family):
    """A father recorded with one child at one home and with his other child at the next: the two children
    are siblings (rule children_of_one_parent) though no record names them together. A man living with two
    families in turn, sharing a surname with neither family's children, joins their children into nothing."""
    dad = scenario.person("dad", "Simon", "WATSON", "1979-05-06", "55 Ivy Lane", "MH1 3JQ", "M")
    evie = scenario.person("evie", "Evie", "WATSON", "2019-10-10", "55 Ivy Lane", "MH1 3JQ", "F")
    grace = scenario.person("grace", "Grace", "WATSON", "2012-09-23", "36 Brunswick Terrace", "MH5 6UG", "F")
    scenario.notify("probation", "2025-01-09", "domestic_abuse", [(dad, "subject")])
    scenario.notify("schools", "2025-03-13", "behaviour_wellbeing", [(evie, "subject")])
    scenario.notify("police", "2026-04-03", "missing_from_home",
                    [(grace, "subject"), (dad, "referrer", "36 Brunswick Terrace", "MH5 6UG")])
    a = family(scenario, tag="A", surname="GARCIA", address="44 Forest Gardens", postcode="MH2 1YB", kids=1)
    b = family(scenario, tag="B", surname="ROBINSON", address="19 Forest Gardens", postcode="MH2 9QA", kids=1)
    man = scenario.person("man", "David", "SMITH", "1983-01-01", None, None, "M")
    for kid, (addr, pc), day in ((a["kid0"], ("44 Forest Gardens", "MH2 1YB"), "2025-02-06"),
                                 (b["kid0"], ("19 Forest Gardens", "MH2 9QA"), "2025-09-06")):
        scenario.notify("police", day, "domestic_abuse", [(kid, "child_present"), (man, "parent_carer", addr, pc)])
    scenario.run(max_pages=0)
    sib = scenario.con.execute("""SELECT rule, inferred, detail FROM family_edges WHERE edge_type = 'sibling'
                                  AND person_a = ? AND person_b = ?""", sorted([evie, grace])).fetchall()
    assert len(sib) == 1 and sib[0][0] == "children_of_one_parent" and sib[0][1] is True
    assert "dad" in sib[0][2] and "shared surname" in sib[0][2]
    net = scenario.con.execute("SELECT network_id FROM family_networks WHERE person_id IN (?, ?)",
                               [evie, grace]).fetchall()
    assert len({n for n, in net}) == 1
    apart = scenario.con.execute("""SELECT count(*) FROM family_edges WHERE edge_type = 'sibling'
                                    AND person_a = ? AND person_b = ?""", sorted([a["kid0"], b["kid0"]])).fetchall()
    assert apart[0][0] == 0
