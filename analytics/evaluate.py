"""Scoring the rules against the synthetic world's planted (and incidental) patterns.

Matching an alert to a pattern: an alert of a rule with ``pattern_type = T``
matches a pattern of type T when

1. **people overlap** - a person the alert is about (the subject of a child or
   adult alert; any family member of a household or family-network alert) is one
   of the pattern's people. Alert people are the matching engine's clusters; each
   is mapped to the true persons of its mentions, so a wrongly merged cluster can
   still "overlap" and is counted separately (decoys, below); and
2. **evidence overlaps** - one of the alert's evidence notifications (trigger or
   supporting) was delivered in one of the pattern's records
   (``partner:file_name:row_number``; all rows and re-sent copies of a
   notification count).

Recall for T = patterns matched by at least one alert / patterns (planted plus
incidental: the truth lists every instance its rule finds in the true data, so
a correct detector is not punished for finding a real, unplanted one).
Precision for T = alerts matching at least one pattern / alerts.

Verified precision: the truth lists incidental instances for every pattern type
but ``escalation`` (and lists only what the delivered records show, see
:mod:`mash.synth`), so an alert that matches no listed pattern may still be a
real instance the truth's rule reads differently. Each unmatched alert is checked
against the true data: for a household or family-network alert, every evidence
notification's true subject lived in **one** true household unit
(``truth/notifications.csv`` ``household_id``); for a person alert, the alert's
subject is one true person named in every evidence notification. The rule's
other conditions (dates, agencies, severities, decisions) are read from the
delivered data, which the generator does not corrupt, so a linkage-correct
alert is a true instance. ``precision_verified`` = (matching + verified) / alerts.

Decoys: an alert *rests on a wrongly merged decoy* when one of its people is a
cluster whose mentions belong to two or more persons of one ``decoys.csv``
entry (twins, namesakes, father and son ...) - the matching engine merged people
it must keep apart. With true person ids this is always 0.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analytics.truth import load_decoys, load_patterns


def _alert_records(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """alert_id -> record keys of every row (and re-sent copy) of its evidence notifications."""
    return con.execute("""
        WITH ev AS (
            SELECT ae.alert_id, c.notification_id
            FROM alert_evidence ae JOIN notification_copies c ON c.event_id = ae.notification_id
        )
        SELECT DISTINCT ev.alert_id, m.partner || ':' || m.file_name || ':' || m.row_number AS rec
        FROM ev JOIN person_mentions m USING (notification_id)
    """).df()


def _cluster_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> pd.DataFrame:
    """cluster person_id -> true person ids of its mentions."""
    return con.execute("""
        SELECT DISTINCT mp.person_id, t.person_id AS true_id
        FROM analytics_mention_person mp JOIN person_mentions m USING (mention_id)
        JOIN read_csv(?, all_varchar = true) t
          ON t.partner = m.partner AND t.file_name = m.file_name
         AND CAST(t.row_number AS BIGINT) = m.row_number AND CAST(t.member_position AS INTEGER) = m.member_position
    """, [str(truth_dir / "mentions.csv")]).df()


def _verify(con: duckdb.DuckDBPyConnection, truth_dir: Path, alert_id: str, true_of: pd.Series) -> bool:
    """Does the true data bear out an alert that matches no listed pattern? (see module docstring)"""
    rows = con.execute("""
        WITH ev AS (
            SELECT ae.alert_id, c.notification_id
            FROM alert_evidence ae JOIN notification_copies c ON c.event_id = ae.notification_id
            WHERE ae.alert_id = ?
        ), tm AS (SELECT * FROM read_csv(?, all_varchar = true)),
        tn AS (SELECT * FROM read_csv(?, all_varchar = true))
        SELECT DISTINCT ev.notification_id AS event, replace(tm.notification_id, '-D', '') AS true_nid,
               tm.person_id AS named, tn.subject_person_id AS subject, split_part(tn.household_id, '-', 1) AS unit
        FROM ev JOIN person_mentions m USING (notification_id)
        JOIN tm ON tm.partner = m.partner AND tm.file_name = m.file_name
               AND CAST(tm.row_number AS BIGINT) = m.row_number
               AND CAST(tm.member_position AS INTEGER) = m.member_position
        JOIN tn ON tn.notification_id = replace(tm.notification_id, '-D', '')
    """, [alert_id, str(truth_dir / "mentions.csv"), str(truth_dir / "notifications.csv")]).df()
    if rows.empty:
        return False
    a = con.execute("SELECT subject_type, subject_id FROM alerts WHERE alert_id = ?", [alert_id]).fetchall()[0]
    if a[0] in ("household", "family_network"):
        units = set(rows["unit"].dropna()) - {""}
        return len(units) == 1
    truth_ids = true_of.get(a[1], frozenset())
    if len(truth_ids) != 1:
        return False
    pid = next(iter(truth_ids))
    named_in = rows.groupby("true_nid")["named"].agg(set)
    return all(pid in s for s in named_in)


def evaluate(con: duckdb.DuckDBPyConnection, truth_dir: Path | str) -> dict:
    """Per-pattern-type precision and recall of the current ``alerts``, plus decoy-resting alerts.

    Returns ``{"by_pattern": DataFrame, "decoy_alerts": int (alerts of scored rules resting on a
    wrongly merged decoy), "decoy_alert_ids": [...], "decoy_alerts_all_rules": int (measures too),
    "wrongly_merged_clusters": [...], "unmatched_alerts": DataFrame, "missed_patterns": DataFrame}``.

    >>> evaluate(con, "data_samples/world/truth")["by_pattern"]  # doctest: +SKIP
    """
    truth_dir = Path(truth_dir)
    patterns = load_patterns(truth_dir)
    decoys = load_decoys(truth_dir)
    alerts = con.execute("SELECT alert_id, rule, pattern_type FROM alerts WHERE pattern_type <> ''").df()
    recs = _alert_records(con).groupby("alert_id")["rec"].agg(frozenset)
    cl = _cluster_truth(con, truth_dir)
    true_of = cl.groupby("person_id")["true_id"].agg(frozenset)
    # the people an alert is about: its subject (person alerts) or its family (household alerts); the
    # family context shown with a child's alert is not what the alert claims
    mem = con.execute("""
        SELECT m.alert_id, m.person_id FROM alert_members m JOIN alerts a USING (alert_id)
        WHERE a.subject_type IN ('household', 'family_network') OR m.relation = 'subject'
    """).df()
    mem["true"] = mem["person_id"].map(true_of)
    people = mem.dropna(subset=["true"]).groupby("alert_id")["true"].agg(lambda s: frozenset().union(*s))

    # index patterns by record for speed
    by_type = {t: g.reset_index(drop=True) for t, g in patterns.groupby("pattern_type")}
    matched_alerts: set[str] = set()
    matched_patterns: set[str] = set()
    for a in alerts.itertuples(index=False):
        g = by_type.get(a.pattern_type)
        if g is None:
            continue
        ar, ap = recs.get(a.alert_id, frozenset()), people.get(a.alert_id, frozenset())
        for p in g.itertuples(index=False):
            if (p.record_set & ar) and (p.person_set & ap):
                matched_alerts.add(a.alert_id)
                matched_patterns.add(p.pattern_id)

    rows = []
    types = sorted(set(patterns["pattern_type"]) | set(alerts["pattern_type"]))
    for t in types:
        pt = patterns[patterns["pattern_type"] == t]
        at = alerts[alerts["pattern_type"] == t]
        found = pt["pattern_id"].isin(matched_patterns)
        planted = pt["planted"] == 1
        n_al = len(at)
        rows.append({
            "pattern_type": t, "rules": ", ".join(sorted(set(at["rule"]))),
            "patterns": len(pt), "planted": int(planted.sum()), "incidental": int((~planted).sum()),
            "patterns_found": int(found.sum()), "planted_found": int((found & planted).sum()),
            "alerts": n_al, "alerts_matching": int(at["alert_id"].isin(matched_alerts).sum()),
            "recall": round(found.mean(), 4) if len(pt) else None,
            "recall_planted": round((found & planted).sum() / planted.sum(), 4) if planted.sum() else None,
            "precision": round(at["alert_id"].isin(matched_alerts).mean(), 4) if n_al else None,
        })
    by_pattern = pd.DataFrame(rows)

    # decoys: clusters holding two or more persons of one decoy entry
    bad_clusters: set[str] = set()
    for pid, trues in true_of.items():
        if len(trues) < 2:
            continue
        for s in decoys["person_set"]:
            if len(s & trues) >= 2:
                bad_clusters.add(pid)
                break
    all_mem = con.execute("SELECT alert_id, person_id FROM alert_members").df()
    decoy_all = set(all_mem.loc[all_mem["person_id"].isin(bad_clusters), "alert_id"])
    decoy_ids = sorted(decoy_all & set(alerts["alert_id"]))  # the scored (pattern) rules' alerts
    unmatched = alerts[~alerts["alert_id"].isin(matched_alerts)].copy()
    unmatched["verified"] = [_verify(con, truth_dir, a, true_of) for a in unmatched["alert_id"]]
    ok = set(unmatched.loc[unmatched["verified"], "alert_id"])
    by_pattern["alerts_verified"] = [int(alerts.loc[alerts["pattern_type"] == t, "alert_id"].isin(ok).sum())
                                     for t in by_pattern["pattern_type"]]
    by_pattern["precision_verified"] = [
        round((m + v) / n, 4) if n else None
        for m, v, n in zip(by_pattern["alerts_matching"], by_pattern["alerts_verified"], by_pattern["alerts"])]
    missed = patterns[~patterns["pattern_id"].isin(matched_patterns)][
        ["pattern_id", "pattern_type", "subject_id", "person_ids", "records", "planted"]]
    return {"by_pattern": by_pattern, "decoy_alerts": len(decoy_ids), "decoy_alert_ids": decoy_ids,
            "decoy_alerts_all_rules": len(decoy_all), "wrongly_merged_clusters": sorted(bad_clusters),
            "unmatched_alerts": unmatched, "missed_patterns": missed}


def write_evaluation(result: dict, out_dir: Path | str) -> dict[str, Path]:
    """Write ``evaluation_by_pattern.csv``, ``evaluation_missed.csv`` and ``evaluation_unmatched.csv``.

    >>> write_evaluation(evaluate(con, truth_dir), "var/outputs/analytics")  # doctest: +SKIP
    """
    from mash.export import write_csv_safe

    out_dir = Path(out_dir)
    return {
        "by_pattern": write_csv_safe(result["by_pattern"], out_dir / "evaluation_by_pattern.csv"),
        "missed": write_csv_safe(result["missed_patterns"], out_dir / "evaluation_missed.csv"),
        "unmatched": write_csv_safe(result["unmatched_alerts"], out_dir / "evaluation_unmatched.csv"),
    }
