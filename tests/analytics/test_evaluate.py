"""Scoring against ground truth, including alerts that rest on a wrong merge of look-alike people."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.evaluate import evaluate


def _truth(scenario, root: Path, patterns: list[dict], decoys: list[dict], household: dict[str, str]) -> Path:
    d = root / "truth"
    d.mkdir()
    m = scenario.con.execute("SELECT mention_id, partner, file_name, row_number, member_position, notification_id "
                             "FROM person_mentions").df()
    m["person_id"] = m["mention_id"].map(dict(scenario.truth))
    m[["partner", "file_name", "row_number", "member_position", "person_id", "notification_id"]].to_csv(
        d / "mentions.csv", index=False)
    subj = m[m["member_position"] == 0].drop_duplicates("notification_id")
    pd.DataFrame({"notification_id": subj["notification_id"], "subject_person_id": subj["person_id"],
                  "household_id": subj["person_id"].map(household).fillna("")}).to_csv(
        d / "notifications.csv", index=False)
    pd.DataFrame(patterns, columns=["pattern_id", "pattern_type", "subject_type", "subject_id", "person_ids",
                                    "records", "planted"]).to_csv(d / "patterns.csv", index=False)
    pd.DataFrame(decoys, columns=["decoy_id", "decoy_type", "person_ids", "planted"]).to_csv(
        d / "decoys.csv", index=False)
    return d


def test_scores_patterns_and_counts_alerts_on_merged_decoys(scenario, family, tmp_path):
    f = family(scenario, kids=1)
    k = f["kid0"]
    recs = []
    for p, day in (("schools", "2025-03-01"), ("health", "2025-03-20"), ("schools", "2025-04-10")):
        nid = scenario.notify(p, day, "neglect", [(k, "subject")])
        recs.append(f"{p}:{p}.csv:{nid.rsplit(':', 1)[1]}")
    t1 = scenario.person("t1", "Amy", "TWIN", "2015-06-01", "8 Oak Close", "MH2 7QQ")
    t2 = scenario.person("t2", "Ava", "TWIN", "2015-06-01", "8 Oak Close", "MH2 7QQ")
    scenario.notify("schools", "2025-05-01", "behaviour_wellbeing", [(t1, "subject")])
    scenario.notify("health", "2025-05-15", "neglect", [(t1, "subject")])
    scenario.notify("online_form", "2025-06-01", "neglect", [(t2, "subject")])
    # matching wrongly merged the twins: t2's one mention joined t1's cluster on a weak link
    t2_mention = [m for m, p in scenario.truth if p == "t2"][0]
    mp = scenario.mention_person({t2_mention: ("t1", 0.8)})
    scenario.run(max_pages=0, mention_person=mp)
    truth = _truth(scenario, tmp_path, [dict(pattern_id="PAT1", pattern_type="low_level_repeat", subject_type="person",
                                             subject_id=k, person_ids=k, records=";".join(recs), planted=1)],
                   [dict(decoy_id="DEC1", decoy_type="twins", person_ids="t1;t2", planted=1)],
                   {k: "H0000001-0", "t1": "H0000002-0", "t2": "H0000002-0"})
    ev = evaluate(scenario.con, truth)
    row = ev["by_pattern"].set_index("pattern_type").loc["low_level_repeat"]
    assert row["patterns"] == 1 and row["patterns_found"] == 1 and row["recall"] == 1.0
    assert row["alerts"] == 2 and row["alerts_matching"] == 1 and row["precision"] == 0.5
    assert ev["decoy_alerts"] == 1
    merged = scenario.con.execute("SELECT alert_id, link_confidence FROM alerts WHERE rule = 'low_level_repeat' "
                                  "AND subject_id = 't1'").fetchall()
    assert merged[0][0] in ev["decoy_alert_ids"] and merged[0][1] == 0.8
    # the merged alert is not borne out by the true data: two true people behind one "child"
    assert not ev["unmatched_alerts"].set_index("alert_id").loc[merged[0][0], "verified"]
