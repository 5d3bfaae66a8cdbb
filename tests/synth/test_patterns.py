"""Planted patterns exist, rest on delivered records, and decoys are different people."""

from __future__ import annotations

import pandas as pd

from mash.synth.patterns import BASE_COUNTS

PATTERNS = ["low_level_repeat", "sibling_spread", "escalation", "da_suspect_multi_household", "family_moves",
            "re_referral"]


def test_every_pattern_type_planted(truth):
    pat = truth["patterns"]
    planted = pat[pat["planted"] == "1"]["pattern_type"].value_counts()
    for t in PATTERNS:
        assert planted.get(t, 0) >= 1, t


def test_pattern_records_exist_in_delivered_files(world, truth):
    out, _ = world
    m = truth["mentions"]
    keys = set(m["partner"] + ":" + m["file_name"] + ":" + m["row_number"])
    by_row = m.groupby(m["partner"] + ":" + m["file_name"] + ":" + m["row_number"])["person_id"].apply(set)
    for _, p in truth["patterns"].iterrows():
        recs = p["records"].split(";")
        assert recs and all(r in keys for r in recs), p["pattern_id"]
        for r in recs:
            partner, fname, _ = r.split(":")
            assert (out / "landing" / partner / fname).is_file()
        if p["subject_type"] == "person":
            assert any(p["subject_id"] in by_row[r] for r in recs), p["pattern_id"]


def test_low_level_repeat_rule_holds(truth):
    pat = truth["patterns"]
    n = truth["notifications"]
    n = n[n["duplicate_of"] == ""]
    m = truth["mentions"]
    m = m[~m["notification_id"].str.endswith("-D")]
    for _, p in pat[(pat["pattern_type"] == "low_level_repeat") & (pat["planted"] == "1")].iterrows():
        nids = m[m["person_id"] == p["subject_id"]]["notification_id"].unique()
        rows = n[n["notification_id"].isin(nids)]
        assert len(rows) >= 3 and rows["partner"].nunique() >= 2
        assert (rows["severity"] == "low").all()
        days = pd.to_datetime(rows["event_date"])
        assert (days.max() - days.min()).days <= 89
        assert not rows["decision"].isin(["Early Help", "Referral", "Strategy"]).any()


def test_escalation_rises(truth):
    pat = truth["patterns"]
    n = truth["notifications"].set_index("notification_id")
    m = truth["mentions"]
    m = m.assign(key=m["partner"] + ":" + m["file_name"] + ":" + m["row_number"])
    nid_of = m.drop_duplicates("key").set_index("key")["notification_id"]
    rank = {"low": 1, "medium": 2, "high": 3, "critical": 4}
    for _, p in pat[pat["pattern_type"] == "escalation"].iterrows():
        rows = n.loc[nid_of.loc[p["records"].split(";")].unique()]
        police = rows[rows["partner"] == "police"].sort_values("event_date")
        sev = [rank[s] for s in police["severity"]]
        assert len(sev) >= 2 and sev == sorted(sev) and sev[-1] > sev[0]
        rag = rows[rows["partner"] == "csc"].sort_values("event_date")["rag"].tolist()
        assert rag == ["G", "A", "R"][: len(rag)]


def test_planted_counts_scale_with_n(world):
    _, s = world
    expected = max(2, round(BASE_COUNTS["escalation"] * 900 / 3000))
    assert s.pattern_counts["escalation"]["planted"] == expected


def test_decoys_are_different_people(truth):
    dec = truth["decoys"]
    p = truth["persons"].set_index("person_id")
    assert set(dec["decoy_type"]) >= {"twins", "same_name_close_dob", "unrelated_adults_same_address",
                                      "father_son_same_name"}
    mentioned = set(truth["mentions"]["person_id"])
    for _, d in dec.iterrows():
        ids = d["person_ids"].split(";")
        assert len(ids) >= 2 and len(set(ids)) == len(ids)
        assert all(i in mentioned for i in ids)
        rows = p.loc[ids]
        if d["decoy_type"] == "twins":
            assert rows["dob"].nunique() == 1 and rows["given_name"].nunique() == 2
        if d["decoy_type"] == "same_name_close_dob":
            assert rows["given_name"].nunique() == 1 and rows["family_name"].nunique() == 1
            gap = abs((pd.Timestamp(rows["dob"].iloc[0]) - pd.Timestamp(rows["dob"].iloc[1])).days)
            assert 1 <= gap <= 14
        if d["decoy_type"] == "father_son_same_name":
            assert rows["given_name"].nunique() == 1 and rows["family_name"].nunique() == 1
            gap = abs((pd.Timestamp(rows["dob"].iloc[0]) - pd.Timestamp(rows["dob"].iloc[1])).days) / 365.25
            assert 24.5 <= gap <= 30.5


def test_hmo_decoys_share_an_address_not_a_household(truth):
    hh = truth["households"]
    hmo = set(truth["addresses"].query("kind == 'hmo'")["address_id"])
    for _, d in truth["decoys"].query("decoy_type == 'unrelated_adults_same_address'").iterrows():
        ids = d["person_ids"].split(";")
        spells = hh[hh["person_id"].isin(ids) & hh["address_id"].isin(hmo)]
        assert spells["address_id"].nunique() == 1
        assert spells["household_id"].nunique() == len(ids)
    rel = truth["relationships"]
    pairs = set(zip(rel["person_a"], rel["person_b"]))
    for _, d in truth["decoys"].query("decoy_type == 'unrelated_adults_same_address'").iterrows():
        a, b = d["person_ids"].split(";")[:2]
        assert (a, b) not in pairs and (b, a) not in pairs
