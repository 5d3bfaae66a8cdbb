"""Reviewers' decisions reach the extract as outcomes, without who decided or why."""

from __future__ import annotations

import shutil
from datetime import datetime

import pandas as pd

from analytics.rules import review_alert
from mash.governance.pseudonymise import Pseudonymiser
from mash.research.extract import PSEUDONYM_HEX, write_extract
from mash.research.keys import ResearchKey
from mash.warehouse import connect


def test_link_and_alert_review_outcomes(sample_world, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_world.paths.warehouse, db)  # a copy: the sample world is shared and read-only
    con = connect(db)
    queued = con.execute("SELECT record_id_l, record_id_r FROM review_queue ORDER BY record_id_l, record_id_r "
                         "LIMIT 1").fetchall()[0]
    linked = con.execute("SELECT record_id_l, record_id_r FROM link_explanations WHERE comparison = '(total)' "
                         "AND (record_id_l, record_id_r) NOT IN (SELECT (record_id_l, record_id_r) FROM review_queue) "
                         "ORDER BY 1, 2 LIMIT 1").fetchall()[0]
    decisions = [(*queued, "cannot_link", "A. Reviewer", "different school years", datetime(2026, 7, 1)),
                 (*reversed(queued), "must_link", "A. Reviewer", "changed my mind", datetime(2026, 7, 2)),
                 (*linked, "cannot_link", "B. Reviewer", "twins", datetime(2026, 7, 3))]
    con.executemany("INSERT INTO review_decisions VALUES (?, ?, ?, ?, ?, ?)", decisions)
    alert = con.execute("SELECT min(alert_id) FROM alerts WHERE in_queue").fetchall()[0][0]
    review_alert(con, alert, "C. Analyst", "no_further_action", "spoke to the school", at=datetime(2026, 7, 4, 9))
    manifest = write_extract(con, tmp_path / "extract", ResearchKey(sample_world.key))
    con.close()

    pz = Pseudonymiser(sample_world.key, length=PSEUDONYM_HEX)
    pair = lambda l, r: pz.pseudonym("|".join(sorted([l, r])), "pair")  # noqa: E731
    review = pd.read_parquet(tmp_path / "extract" / "review_pairs.parquet").set_index("pair_pid")
    assert len(review) == manifest["tables"]["review_pairs"]["rows"] == len(set(review.index))
    # the latest decision on a queued pair, whichever way round it was recorded
    got = review.loc[pair(*queued)]
    assert got["outcome"] == "must_link" and str(got["decided_date"]) == "2026-07-02"
    assert got["queue_reason"] in ("probability in review band", "scored as a link but has a conflict")
    # a decision on a pair that was never queued is there too, without a queue reason
    got = review.loc[pair(*linked)]
    assert got["outcome"] == "cannot_link" and pd.isna(got["queue_reason"]) and got["linked_now"]
    assert (review["outcome"] == "pending").sum() == len(review) - 2
    alerts = pd.read_parquet(tmp_path / "extract" / "alerts.parquet").set_index("alert_pid")
    got = alerts.loc[pz.pseudonym(alert, "alert")]
    assert got["review_outcome"] == "no_further_action" and str(got["reviewed_date"]) == "2026-07-04"
    assert (alerts["review_outcome"] == "not reviewed").sum() == len(alerts) - 1
    # who reviewed and why never leave the warehouse
    text = " ".join(pd.read_parquet(p).astype(str).to_string() for p in (tmp_path / "extract").glob("*.parquet"))
    for secret in ("Reviewer", "Analyst", "school years", "changed my mind", "spoke to the school"):
        assert secret not in text
