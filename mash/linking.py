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
from matching.settings import LinkSettings

_MENTIONS = """
SELECT mention_id AS record_id, first_name, middle_name, surname, full_name,
       strftime(dob, '%Y-%m-%d') AS dob, CASE WHEN sex IN ('F', 'M') THEN sex END AS sex,
       postcode, address, nhs_number, upn, pnc, ni_number, la_id, other_id
FROM person_mentions ORDER BY mention_id
"""

DDL = """
CREATE TABLE IF NOT EXISTS review_decisions (
    record_id_l VARCHAR NOT NULL, record_id_r VARCHAR NOT NULL,
    decision VARCHAR NOT NULL CHECK (decision IN ('must_link', 'cannot_link')),
    reviewer VARCHAR NOT NULL, reason VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS link_runs (
    run_at TIMESTAMP, settings_version VARCHAR, threshold DOUBLE, mentions BIGINT, persons BIGINT,
    candidate_pairs BIGINT, linked_pairs BIGINT, review_pairs BIGINT, seconds DOUBLE, settings_json VARCHAR
);
"""


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
    clusters["link_probability"] = clusters["mention_id"].map(best).fillna(1.0).astype("float64")
    explanations = (result.explanations(same["record_id_l"], same["record_id_r"]) if len(same)
                    else pd.DataFrame(columns=["record_id_l", "record_id_r"]))
    queue = result.review_queue
    version = result.settings.version_tag.replace("@", "-")
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
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"settings-{version or 'current'}.json").write_text(result.settings.to_json())
        result.params.save(out_dir / f"model-{version or 'current'}.json")
    row = run.iloc[0].to_dict()
    row.pop("settings_json")
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
