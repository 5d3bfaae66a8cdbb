"""Run the matching engine over the warehouse's person mentions and store its links.

Tables written (replaced as a whole on each run, in one transaction):

- ``mention_person``: mention_id, person_id, cluster_size, link_probability
  (the strongest same-person link of that mention; 1.0 for a person seen once);
- ``link_explanations``: for every same-person pair, each field's comparison level,
  values, m, u, weight and term-frequency adjustment, with the settings version;
- ``review_queue``: pairs near the threshold for clerical review;
- ``link_runs``: when, how many, and the full settings JSON that made the links.

Reviewers' must-link / cannot-link decisions live in ``review_decisions`` and are
passed to every run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from matching.api import link_table
from mash.governance.decisions import ensure_decision_tables
from matching.settings import LinkSettings

# group_id: the people named in one notification are different people (a co-mention conflict).
_MENTIONS = """
SELECT mention_id AS record_id, first_name, middle_name, surname, full_name,
       strftime(dob, '%Y-%m-%d') AS dob, CASE WHEN sex IN ('F', 'M') THEN sex END AS sex,
       postcode, address, nhs_number, upn, pnc, ni_number, la_id, other_id, notification_id AS group_id
FROM person_mentions ORDER BY mention_id
"""

DDL = """
CREATE TABLE IF NOT EXISTS link_runs (
    run_at TIMESTAMP, settings_version VARCHAR, threshold DOUBLE, mentions BIGINT, persons BIGINT,
    candidate_pairs BIGINT, linked_pairs BIGINT, review_pairs BIGINT, seconds DOUBLE, settings_json VARCHAR
);
"""


PERSON_CHANGES_DDL = """
CREATE TABLE IF NOT EXISTS person_id_changes (
    run_at TIMESTAMP, change VARCHAR, person_id VARCHAR, other_person_ids VARCHAR, mentions BIGINT, reason VARCHAR
)
"""


def stable_person_ids(clusters: pd.DataFrame, first_seen: pd.Series) -> pd.Series:
    """A person id per mention that does not depend on run order: a hash of the person's anchor mention,
    the one loaded first (then the smallest id). New deliveries join existing persons without renumbering
    anyone; an id changes only when its anchor mention leaves the person (a split) or the person merges
    into an older one.

    >>> c = pd.DataFrame({"mention_id": ["b", "a", "c"], "person_id": ["P1", "P1", "P2"]})
    >>> ids = stable_person_ids(c, pd.Series({"a": 2, "b": 1, "c": 3}))
    >>> ids.iloc[0] == ids.iloc[1] != ids.iloc[2]
    True
    """
    import hashlib

    order = pd.DataFrame({"cluster": clusters["person_id"].to_numpy(), "mention_id": clusters["mention_id"].to_numpy(),
                          "seen": clusters["mention_id"].map(first_seen).to_numpy()})
    anchors = order.sort_values(["seen", "mention_id"]).drop_duplicates("cluster").set_index("cluster")["mention_id"]
    ids = {c: "P-" + hashlib.sha256(m.encode()).hexdigest()[:12] for c, m in anchors.items()}
    return clusters["person_id"].map(ids).rename("person_id")


def person_changes(old: pd.DataFrame, new: pd.DataFrame, split_reasons: str = "") -> pd.DataFrame:
    """Merges and splits between two runs' ``mention_id, person_id`` tables, with the reason.

    >>> old = pd.DataFrame({"mention_id": ["a", "b", "c"], "person_id": ["P1", "P2", "P3"]})
    >>> new = pd.DataFrame({"mention_id": ["a", "b", "c"], "person_id": ["P1", "P1", "P3"]})
    >>> person_changes(old, new)[["change", "person_id", "other_person_ids"]].values.tolist()
    [['merge', 'P1', 'P2']]
    """
    both = old.merge(new, on="mention_id", suffixes=("_old", "_new"))
    rows = []
    for pid, g in both.groupby("person_id_new", sort=True):
        olds = sorted(set(g["person_id_old"]))
        if len(olds) > 1:
            rows.append({"change": "merge", "person_id": pid, "other_person_ids": ";".join(o for o in olds if o != pid),
                         "mentions": len(g), "reason": "now linked above the match threshold (or a reviewer's "
                                                       "must-link); see link_explanations for the evidence"})
    for pid, g in both.groupby("person_id_old", sort=True):
        news = sorted(set(g["person_id_new"]))
        if len(news) > 1:
            rows.append({"change": "split", "person_id": pid, "other_person_ids": ";".join(news), "mentions": len(g),
                         "reason": "no longer linked: " + (split_reasons or "weaker evidence under the current "
                                                                            "settings, or a reviewer's cannot-link")})
    return pd.DataFrame(rows, columns=["change", "person_id", "other_person_ids", "mentions", "reason"])


def _replace(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    con.register("_link_batch", df)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _link_batch")  # noqa: S608 - fixed names
    finally:
        con.unregister("_link_batch")


def link_warehouse(con: duckdb.DuckDBPyConnection, out_dir: Path | None = None,
                   settings: LinkSettings | None = None) -> dict:
    """Link every person mention in the warehouse; returns counts and the settings version.

    >>> # link_warehouse(connect("var/warehouse.duckdb"), Path("var/outputs/matching"))
    """
    import time

    t0 = time.perf_counter()
    con.execute(DDL)
    ensure_decision_tables(con)  # review_decisions: the reviewers' must-link / cannot-link pairs
    mentions = con.execute(_MENTIONS).df()
    if mentions.empty:
        return {"mentions": 0, "persons": 0}
    decisions = con.execute("SELECT record_id_l, record_id_r, decision FROM review_decisions").df()
    result = link_table(mentions, settings=settings, decisions=decisions if len(decisions) else None)
    pairs = result.pairs
    same = pairs[pairs["same_person"]]
    best = pd.concat([same[["record_id_l", "probability"]].rename(columns={"record_id_l": "record_id"}),
                      same[["record_id_r", "probability"]].rename(columns={"record_id_r": "record_id"})])
    best = best.groupby("record_id")["probability"].max()
    clusters = result.clusters.rename(columns={"record_id": "mention_id"})
    first_seen = con.execute("""
        SELECT m.mention_id, d.ingested_at FROM person_mentions m JOIN deliveries d USING (delivery_id)
    """).df().set_index("mention_id")["ingested_at"]
    clusters["person_id"] = stable_person_ids(clusters, first_seen).to_numpy()
    con.execute(PERSON_CHANGES_DDL)
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    previous = (con.execute("SELECT mention_id, person_id FROM mention_person").df()
                if "mention_person" in tables else pd.DataFrame(columns=["mention_id", "person_id"]))
    reasons = ",".join(sorted(set(",".join(result.split_log["reasons"]).split(",")) - {""}))
    changes = person_changes(previous, clusters[["mention_id", "person_id"]], reasons)
    clusters["link_probability"] = clusters["mention_id"].map(best).fillna(1.0).astype("float64")
    explanations = (result.explanations(same["record_id_l"], same["record_id_r"]) if len(same)
                    else pd.DataFrame(columns=["record_id_l", "record_id_r"]))
    queue = result.review_queue
    version = result.settings.version_tag  # "default-1@<hash>", spelt as on every explanation
    run = pd.DataFrame([{
        "run_at": dt.datetime.now(), "settings_version": version, "threshold": float(result.threshold),
        "mentions": len(clusters), "persons": int(clusters["person_id"].nunique()),
        "candidate_pairs": int(result.n_candidate_pairs), "linked_pairs": int(len(same)),
        "review_pairs": int(len(queue)), "seconds": round(time.perf_counter() - t0, 2),
        "settings_json": result.settings.to_json(),
    }])
    con.execute("BEGIN TRANSACTION")
    try:
        _replace(con, "mention_person", clusters[["mention_id", "person_id", "cluster_size", "link_probability"]])
        _replace(con, "link_explanations", explanations)
        _replace(con, "review_queue", queue)
        con.register("_run", run)
        con.execute("INSERT INTO link_runs SELECT * FROM _run")
        con.unregister("_run")
        if len(changes):
            con.register("_changes", changes.assign(run_at=run["run_at"].iloc[0]))
            con.execute("INSERT INTO person_id_changes SELECT run_at, change, person_id, other_person_ids, mentions, "
                        "reason FROM _changes")
            con.unregister("_changes")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"settings-{version}.json").write_text(result.settings.to_json())
        result.params.save(out_dir / f"model-{version}.json")
    row = run.iloc[0].to_dict()
    row.pop("settings_json")
    row["merges"] = int((changes["change"] == "merge").sum())
    row["splits"] = int((changes["change"] == "split").sum())
    row["run_at"] = str(row["run_at"])
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}


def conflicting_identifiers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Persons holding two different NHS numbers that both pass the check (should never happen)."""
    from matching.identifiers import is_valid_nhs

    df = con.execute("SELECT mp.person_id, m.nhs_number FROM mention_person mp JOIN person_mentions m "
                     "USING (mention_id) WHERE m.nhs_number IS NOT NULL").df()
    if df.empty:
        return df
    df["nhs"] = df["nhs_number"].str.replace(r"\s", "", regex=True)
    df = df[df["nhs"].map(is_valid_nhs)]
    n = df.groupby("person_id")["nhs"].nunique()
    return n[n > 1].rename("distinct_valid_nhs").reset_index()


def truth_scores(con: duckdb.DuckDBPyConnection, truth_dir: Path | str) -> dict:
    """The last linkage run's persons (``mention_person``) scored against a synthetic world's truth:
    pairwise and B-cubed precision / recall / F1, cross-agency recall (true same-person pairs from two
    partners that end in one person) and decoy false merges (:mod:`matching.evaluation`).

    >>> truth_scores(connect("var/warehouse.duckdb"), "data_samples/world/truth")["decoy_false_merges"]  # doctest: +SKIP
    0
    """
    from matching.evaluation import score_clustering

    truth_dir = Path(truth_dir)
    df = con.execute("""
        SELECT mp.person_id, m.partner, t.person_id AS true_id
        FROM mention_person mp JOIN person_mentions m USING (mention_id)
        JOIN read_csv(?, all_varchar = true) t
          ON t.partner = m.partner AND t.file_name = m.file_name
         AND CAST(t.row_number AS BIGINT) = m.row_number AND CAST(t.member_position AS INTEGER) = m.member_position
        ORDER BY mp.mention_id
    """, [str(truth_dir / "mentions.csv")]).df()
    decoys = pd.read_csv(truth_dir / "decoys.csv", dtype=str, keep_default_na=False)
    return score_clustering(df["person_id"].to_numpy(), df["true_id"].to_numpy(), df["partner"].to_numpy(), decoys)
