"""The synthetic MASH world as a linkage benchmark: the partners' own files, the pipeline's own
ingestion and the engine's MASH defaults, scored against the generator's ground truth.

A world (``mash generate --out DIR``; the committed sample is ``data_samples/world``) is
ingested into a scratch in-memory warehouse exactly as the pipeline does, the person mentions
are linked with :func:`matching.api.link_table` (the same query and settings as
:func:`mash.linking.link_warehouse`), and each mention is given its true person from
``truth/mentions.csv`` (partner, file, row, member position).

Measures (:func:`world_scores`):

* pairwise precision / recall / F1 of the pairs inside each predicted person;
* B-cubed precision / recall / F1 (per mention: the share of its predicted person that is
  truly it, and of its true person that it was put with; averaged over mentions);
* cross-agency recall: of the true same-person pairs whose two mentions come from different
  agencies (partners), the share that end in one predicted person; this is what a
  multi-agency hub exists for;
* the engine's input is exactly the pipeline's (:data:`mash.linking._MENTIONS`: the people named
  in one notification share a ``group_id`` and are never merged);
* decoy false merges: for every ``truth/decoys.csv`` entry (twins, father and son with the
  same name, namesakes with close dates of birth, unrelated adults at one address), whether
  two or more of its persons share a predicted person. Counted once per decoy entry; the
  target is zero.

Run: ``uv run --group bench python -m bench.linkage.world [WORLD_DIR ...]``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from matching.evaluation import score_clustering

# the truth keys of each mention (the engine's input is the pipeline's own query, mash.linking._MENTIONS)
TRUTH_KEYS = """
SELECT mention_id AS record_id, partner, file_name, row_number, member_position FROM person_mentions
"""
KEY_COLUMNS = ["partner", "file_name", "row_number", "member_position", "true_id"]


def ingest_world(world_dir: Path | str):
    """A scratch in-memory warehouse holding every delivery of a world's ``landing/`` folder."""
    from mash.ingest import ingest_partner, load_configs
    from mash.settings import Paths
    from mash.warehouse import connect

    world_dir = Path(world_dir)
    configs = load_configs(Paths.from_env().partners)
    con = connect(":memory:")
    raw = Path(tempfile.mkdtemp(prefix="mash-world-raw-"))
    try:
        for name in sorted(configs):
            ingest_partner(con, configs[name], world_dir / "landing", raw)
    finally:
        shutil.rmtree(raw, ignore_errors=True)
    return con


def world_mentions(world_dir: Path | str) -> pd.DataFrame:
    """Every ingested mention with the engine's input columns, its partner and its true person id."""
    world_dir = Path(world_dir)
    con = ingest_world(world_dir)
    from mash.linking import _MENTIONS

    try:
        m = con.execute(_MENTIONS).df().merge(con.execute(TRUTH_KEYS).df(), on="record_id", validate="one_to_one")
    finally:
        con.close()
    truth = pd.read_csv(world_dir / "truth" / "mentions.csv", dtype=str, keep_default_na=False)
    truth = truth.astype({"row_number": "int64", "member_position": "int64"})
    m = m.astype({"row_number": "int64", "member_position": "int64"})
    m = m.merge(truth[["partner", "file_name", "row_number", "member_position", "person_id"]]
                .rename(columns={"person_id": "true_id"}),
                on=["partner", "file_name", "row_number", "member_position"], how="left", validate="one_to_one")
    if m["true_id"].isna().any():
        raise ValueError(f"{int(m['true_id'].isna().sum())} ingested mentions have no truth row")
    return m


def load_decoys(world_dir: Path | str) -> pd.DataFrame:
    return pd.read_csv(Path(world_dir) / "truth" / "decoys.csv", dtype=str, keep_default_na=False)


def world_scores(mentions: pd.DataFrame, person_id, decoys: pd.DataFrame) -> dict:
    """Every measure of the module docstring for one predicted clustering of a world's mentions."""
    return score_clustering(np.asarray(person_id), mentions["true_id"].to_numpy(),
                            mentions["partner"].to_numpy(), decoys)


def run_world(world_dir: Path | str, settings=None) -> dict:
    """Ingest, link with the MASH defaults (or ``settings``) and score one world."""
    from bench.linkage.metrics import measure
    from matching.api import link_table

    world_dir = Path(world_dir)
    mentions = world_mentions(world_dir)
    engine_input = mentions.drop(columns=KEY_COLUMNS)
    with measure() as m:
        res = link_table(engine_input, settings=settings)
    person = res.clusters.set_index("record_id").loc[mentions["record_id"], "person_id"].to_numpy()
    out = world_scores(mentions, person, load_decoys(world_dir))
    out.update({"world": str(world_dir), "seconds": m.seconds, "peak_gb": m.peak_rss_gb,
                "settings_version": res.settings.version_tag, "premises": res.premises})
    return out


def _print(r: dict) -> None:
    pw, bc, ca = r["pairwise"], r["b_cubed"], r["cross_agency"]
    print(f"{r['world']}: {r['mentions']:,} mentions, {r['true_persons']:,} true persons, "
          f"{r['predicted_persons']:,} predicted ({r['seconds']:.1f} s, {r['peak_gb']:.2f} GB)")
    print(f"  pairwise P/R/F1 {pw['precision']:.4f} / {pw['recall']:.4f} / {pw['f1']:.4f};  "
          f"B-cubed {bc['precision']:.4f} / {bc['recall']:.4f} / {bc['f1']:.4f}")
    print(f"  cross-agency recall {ca['recall']:.4f} ({ca['found']:,} of {ca['true']:,} pairs);  "
          f"decoy false merges {r['decoy_false_merges']} of {r['decoys']} {r['decoy_false_merges_by_type']}")
    for d in r["decoy_false_merge_list"]:
        print(f"    {d}")


if __name__ == "__main__":
    from mash.settings import SAMPLE_WORLD

    for w in sys.argv[1:] or [str(SAMPLE_WORLD)]:
        _print(run_world(w))
