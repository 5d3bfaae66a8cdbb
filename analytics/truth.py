"""Ground truth from the synthetic world, for development, tests and evaluation only.

Production person ids come from the matching engine; here they are read from
``truth/mentions.csv`` so that the analytics can be developed and scored
without depending on matching quality.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def truth_mention_person(con: duckdb.DuckDBPyConnection, truth_dir: Path | str) -> pd.DataFrame:
    """``mention_person(mention_id, person_id, link_probability)`` built from the world's true person ids.

    Joins ``person_mentions`` to ``truth/mentions.csv`` on partner, file, row and
    member position; every link is certain (probability 1.0).

    >>> mp = truth_mention_person(con, "data_samples/world/truth")  # doctest: +SKIP
    >>> list(mp.columns)  # doctest: +SKIP
    ['mention_id', 'person_id', 'link_probability']
    """
    path = Path(truth_dir) / "mentions.csv"
    return con.execute(
        """
        SELECT m.mention_id, t.person_id, 1.0::DOUBLE AS link_probability
        FROM person_mentions m
        JOIN read_csv(?, all_varchar = true, header = true) t
          ON t.partner = m.partner AND t.file_name = m.file_name
         AND CAST(t.row_number AS BIGINT) = m.row_number
         AND CAST(t.member_position AS INTEGER) = m.member_position
        ORDER BY m.mention_id
        """,
        [str(path)],
    ).df()


def load_patterns(truth_dir: Path | str) -> pd.DataFrame:
    """``truth/patterns.csv`` with ``person_ids`` and ``records`` split into Python sets.

    >>> load_patterns("data_samples/world/truth").columns[:3].tolist()  # doctest: +SKIP
    ['pattern_id', 'pattern_type', 'subject_type']
    """
    p = pd.read_csv(Path(truth_dir) / "patterns.csv", dtype=str, keep_default_na=False)
    p["person_set"] = p["person_ids"].map(lambda s: frozenset(x for x in s.split(";") if x))
    p["record_set"] = p["records"].map(lambda s: frozenset(x for x in s.split(";") if x))
    p["planted"] = p["planted"].astype(int)
    return p


def load_decoys(truth_dir: Path | str) -> pd.DataFrame:
    """``truth/decoys.csv`` with ``person_ids`` split into a set (people that must never be merged).

    >>> load_decoys("data_samples/world/truth")["decoy_type"].unique()  # doctest: +SKIP
    """
    d = pd.read_csv(Path(truth_dir) / "decoys.csv", dtype=str, keep_default_na=False)
    d["person_set"] = d["person_ids"].map(lambda s: frozenset(x for x in s.split(";") if x))
    return d
