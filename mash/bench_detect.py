"""Detection benchmark: graph build and every rule over a large synthetic world, with peak memory.

``mash bench detect --notifications 1000000``:

1. generates the world (or reuses ``<workdir>/world_<n>_<seed>``; not timed as detection);
2. ingests it into a fresh encrypted warehouse, in a child process (timed and measured separately, and
   skipped when ``<workdir>/prepared.json`` says the warehouse already holds this world: ``--fresh``
   redoes it);
3. links its person mentions: ``links="matching"`` runs the matching engine (``mash.linking``, as the
   pipeline does) in the child process; ``links="truth"`` uses the world's true person ids
   (``truth/mentions.csv``), which isolates detection from linkage (at 1,000,000 notifications the
   pipeline's linkage needs more memory than a 24 GB machine has: see BENCHMARKS.md);
4. in this process, runs the whole detection (:func:`analytics.run_all`: addresses, households, family
   graph, every rule in ``rules.toml``, RAG and the analyst outputs with ``max_pages`` alert pages) and
   reports the wall time of each stage and of each rule, and the peak resident memory of the process
   (DuckDB runs in it, so its memory is included).

Results go to ``<workdir>/result.json``. Figures are recorded in ``BENCHMARKS.md``; tests never time.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import psutil

from mash.bench_ingest import PeakRSS
from mash.synth.frames import release_memory
from mash.settings import REPO_ROOT

RULES = REPO_ROOT / "data_samples" / "rules.toml"
RAG = REPO_ROOT / "data_samples" / "rag.toml"


def _key() -> str:
    """The warehouse key: the configured one, else the demo key (synthetic data only)."""
    from mash.warehouse import KEY_ENV, KEY_FILE_ENV, use_demo_key, warehouse_key

    if not (os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV)):
        use_demo_key()
    return warehouse_key()


def _ingest(world: str, home: str, key: str) -> dict:
    """Ingest every partner's deliveries into a fresh warehouse (run in a child process)."""
    from mash.ingest import ingest_partner, load_configs
    from mash.settings import Paths
    from mash.warehouse import connect

    paths = Paths.from_env(Path(home))
    for p in (paths.warehouse, paths.raw_store):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    con = connect(paths.warehouse, key=key)
    out: dict = {}
    with PeakRSS() as mem:
        t = time.perf_counter()
        for cfg in load_configs(paths.partners).values():
            ingest_partner(con, cfg, Path(world) / "landing", paths.raw_store)
        out["ingest_seconds"] = round(time.perf_counter() - t, 1)
    out["ingest_peak_rss_gb"] = round(mem.peak / 1e9, 2)
    out["mentions"] = con.execute("SELECT count(*) FROM person_mentions").fetchall()[0][0]
    con.execute("CHECKPOINT")
    con.close()
    return out


def _link(home: str, key: str) -> dict:
    """Run the matching engine over the warehouse, as the pipeline does (run in a child process)."""
    from mash.linking import link_warehouse
    from mash.settings import Paths
    from mash.warehouse import connect

    paths = Paths.from_env(Path(home))
    con = connect(paths.warehouse, key=key)
    out: dict = {}
    with PeakRSS() as mem:
        t = time.perf_counter()
        stats = link_warehouse(con, paths.outputs / "matching")
        out["link_seconds"] = round(time.perf_counter() - t, 1)
    out["link_peak_rss_gb"] = round(mem.peak / 1e9, 2)
    out["persons"] = int(stats.get("persons", 0))
    con.execute("CHECKPOINT")
    con.close()
    return out


def _in_child(fn, *args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def run_detect_bench(workdir: Path, notifications: int, seed: int = 11, world: Path | None = None,
                     fresh: bool = False, max_pages: int = 100, links: str = "matching",
                     log: Callable[[str], None] = print) -> dict:
    """Time graph build and every rule over a world of ``notifications``; see the module docstring."""
    from analytics.run import run_all
    from analytics.truth import truth_mention_person
    from mash.settings import Paths
    from mash.synth import generate_world
    from mash.warehouse import connect

    if links not in ("matching", "truth"):
        raise ValueError(f"links must be 'matching' or 'truth', not {links!r}")

    workdir = Path(workdir).resolve()
    world = Path(world).resolve() if world else workdir / f"world_{notifications}_{seed}"
    out: dict = {"notifications_generated": notifications, "seed": seed, "world": str(world), "links": links}
    if not (world / "truth" / "world.json").exists():
        log(f"generating {notifications:,} notifications into {world} ...")
        t = time.perf_counter()
        generate_world(world, n_notifications=notifications, seed=seed)
        out["generate_seconds"] = round(time.perf_counter() - t, 1)
        log(f"generated in {out['generate_seconds']} s")
    home = workdir / "home"
    marker = workdir / "prepared.json"
    key = _key()
    prepared = json.loads(marker.read_text()) if marker.exists() else {}
    if fresh or prepared.get("world") != str(world) or not Paths.from_env(home).warehouse.exists():
        log("ingesting (a child process; timed separately) ...")
        prepared = {"world": str(world), **_in_child(_ingest, str(world), str(home), key)}
        marker.write_text(json.dumps(prepared, indent=2))
        log(f"ingest {prepared['ingest_seconds']} s")
    else:
        log(f"reusing the ingested warehouse in {home} (--fresh to redo)")
    if links == "matching" and "link_seconds" not in prepared:
        log("linking with the matching engine (a child process; timed separately) ...")
        prepared.update(_in_child(_link, str(home), key))
        marker.write_text(json.dumps(prepared, indent=2))
        log(f"link {prepared['link_seconds']} s")
    out["prepare"] = prepared

    paths = Paths.from_env(home)
    con = connect(paths.warehouse, key=key)
    out["notifications_loaded"] = con.execute("SELECT count(*) FROM notifications").fetchall()[0][0]
    out["mentions_loaded"] = con.execute("SELECT count(*) FROM person_mentions").fetchall()[0][0]
    if links == "matching":
        mention_person = "mention_person"
    else:  # loading the true ids is not detection: done before the clock starts, into a table as the
        # linkage's mention_person is (the detection reads it by name, as in the pipeline)
        t = time.perf_counter()
        truth = truth_mention_person(con, world / "truth")
        out["persons"] = int(truth["person_id"].nunique())
        con.register("_truth_links", truth)
        con.execute("CREATE OR REPLACE TABLE bench_truth_mention_person AS SELECT * FROM _truth_links")
        con.unregister("_truth_links")
        del truth
        release_memory()
        mention_person = "bench_truth_mention_person"
        out["truth_links_seconds"] = round(time.perf_counter() - t, 1)
    rss_before = psutil.Process().memory_info().rss
    log(f"detection ({links} links): addresses, households, family graph, rules, RAG, outputs ...")
    stage_peak: dict[str, float] = {}
    with PeakRSS() as mem:
        res = run_all(con, mention_person, RULES, RAG, workdir / "outputs", max_pages=max_pages,
                      on_stage=lambda name: stage_peak.__setitem__(name, round(mem.take() / 1e9, 2)))
    overall = max([mem.peak / 1e9, *stage_peak.values()])
    con.close()
    seconds = dict(res["seconds"])
    per_rule = seconds.pop("per_rule")
    out.update({
        "stage_seconds": seconds,
        "graph_and_rules_seconds": round(sum(seconds[k] for k in ("households", "family_graph", "rules")), 1),
        "rule_seconds": per_rule,
        "alerts": res["counts"]["alerts"],
        "family_graph": res["counts"]["family_graph"],
        "link_conflicts": res["counts"]["link_conflicts"],
        "pages_written": res["counts"]["pages"],
        "rss_before_gb": round(rss_before / 1e9, 2),
        "peak_rss_gb": round(overall, 2),
        "stage_peak_rss_gb": stage_peak,
        "cores": psutil.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    })
    (workdir / "result.json").write_text(json.dumps(out, indent=2, default=str))
    return out
