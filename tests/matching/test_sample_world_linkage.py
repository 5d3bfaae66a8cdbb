"""The pipeline's person linkage on the committed synthetic sample, scored against its ground truth.

The sample world (``data_samples/world``) plants decoys the engine must keep apart (twins, some with
near-identical names; a father and son with the same name; namesake children born days apart;
unrelated adults with one name at one address) and lists every natural twin and namesake pair too.
Figures on the committed sample (``bench/linkage/RESULTS.md``): pairwise F1 0.960, B-cubed F1 0.983,
cross-agency recall 0.901, no decoy merged; the floors below leave room for noise, not for a decoy.
"""

from __future__ import annotations

from analytics.evaluate import evaluate
from mash.linking import truth_scores
from mash.settings import SAMPLE_WORLD
from mash.warehouse import connect

TRUTH = SAMPLE_WORLD / "truth"


def test_sample_world_linkage_merges_no_decoy_and_keeps_its_accuracy(sample_world):
    con = connect(sample_world.paths.warehouse, read_only=True)
    try:
        s = truth_scores(con, TRUTH)
        assert s["decoys"] >= 40
        assert s["decoy_false_merges"] == 0, s["decoy_false_merge_list"]
        assert s["pairwise"]["precision"] >= 0.99, s["pairwise"]
        assert s["pairwise"]["f1"] >= 0.95, s["pairwise"]
        assert s["b_cubed"]["f1"] >= 0.975, s["b_cubed"]
        assert s["cross_agency"]["recall"] >= 0.88, s["cross_agency"]
        # the alerts rest on no wrongly merged decoy either
        ev = evaluate(con, TRUTH)
        assert ev["wrongly_merged_clusters"] == [] and ev["decoy_alerts_all_rules"] == 0
    finally:
        con.close()


def test_settings_version_is_spelt_one_way(sample_world):
    con = connect(sample_world.paths.warehouse, read_only=True)
    try:
        run = con.execute("SELECT settings_version FROM link_runs ORDER BY run_at DESC LIMIT 1").fetchall()[0][0]
        used = {v for (v,) in con.execute("SELECT DISTINCT settings_version FROM link_explanations").fetchall()}
    finally:
        con.close()
    assert used == {run}
    assert run.startswith("default-1@") and len(run.split("@")[1]) == 12
    assert (sample_world.paths.outputs / "matching" / f"settings-{run}.json").exists()
