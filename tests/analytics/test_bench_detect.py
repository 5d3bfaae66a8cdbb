"""`mash bench detect` on a tiny world: it prepares once, reuses the warehouse, and reports every stage.

No timing is asserted (figures belong in BENCHMARKS.md); the test checks the benchmark measures what it says.
"""

from __future__ import annotations

import json

from mash.bench_detect import run_detect_bench


def test_detect_bench_reports_stages_rules_and_memory_and_reuses_the_warehouse(tmp_path):
    said: list[str] = []
    first = run_detect_bench(tmp_path, 400, seed=3, max_pages=2, log=said.append)
    assert any("ingesting" in s for s in said) and any("linking" in s for s in said)
    assert first["notifications_loaded"] >= 400 and first["prepare"]["mentions"] == first["mentions_loaded"]
    stages = first["stage_seconds"]
    assert set(stages) == {"addresses", "base", "households", "family_graph", "rules", "rag", "outputs", "total"}
    assert set(first["rule_seconds"]) >= {"low_level_repeat", "sibling_spread", "escalation", "family_moves",
                                          "da_suspect_multi_household", "re_referral_12m", "assemble_and_write"}
    assert set(first["alerts"]) == set(first["rule_seconds"]) - {"child_notes", "assemble_and_write"}
    assert 0 < first["peak_rss_gb"] and first["pages_written"] <= 2
    assert set(first["stage_peak_rss_gb"]) == set(stages) - {"total"}
    assert first["peak_rss_gb"] >= max(first["stage_peak_rss_gb"].values())
    assert json.loads((tmp_path / "result.json").read_text())["stage_seconds"] == stages
    said.clear()
    again = run_detect_bench(tmp_path, 400, seed=3, max_pages=2, log=said.append)
    assert any("reusing" in s for s in said) and again["prepare"] == first["prepare"]
    assert again["alerts"] == first["alerts"]  # same world, same links: the same alerts
    truth = run_detect_bench(tmp_path, 400, seed=3, max_pages=0, links="truth", log=said.append)
    assert truth["links"] == "truth" and truth["persons"] > 0 and sum(truth["alerts"].values()) > 0
