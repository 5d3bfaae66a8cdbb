"""Ingest benchmark: throughput in rows/s and peak memory on a large synthetic world."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil


class PeakRSS:
    """Samples this process's resident memory every 50 ms; ``peak`` in bytes."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def take(self) -> int:
        """The peak since the last ``take`` (or the start), then start over from the current level."""
        now = self._proc.memory_info().rss
        peak, self.peak = max(self.peak, now), now
        return peak

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def run_ingest_bench(workdir: Path, notifications: int, seed: int = 11,
                     log: Callable[[str], None] = print) -> dict:
    """Generate (or reuse) a world of ``notifications`` and time ingesting all of it into a fresh warehouse."""
    from mash.ingest import ingest_partner, load_configs, reconciliation_problems
    from mash.settings import Paths
    from mash.synth import generate_world
    from mash.governance.pseudonymise import new_key
    from mash.warehouse import connect

    workdir = Path(workdir).resolve()
    world = workdir / f"world_{notifications}_{seed}"
    if not (world / "truth" / "world.json").exists():
        log(f"generating {notifications:,} notifications into {world} ...")
        t = time.perf_counter()
        generate_world(world, n_notifications=notifications, seed=seed)
        log(f"generated in {time.perf_counter() - t:.1f} s")
    paths = Paths.from_env(workdir / "home")
    for p in (paths.warehouse, paths.raw_store):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    configs = load_configs(paths.partners)
    # The benchmark measures the real, encrypted warehouse, with a throwaway key of its own.
    con = connect(paths.warehouse, key=new_key().hex())
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        results = []
        for cfg in configs.values():
            results += ingest_partner(con, cfg, world / "landing", paths.raw_store)
        seconds = time.perf_counter() - t0
    rows_in = sum(r.rows_in for r in results)
    problems = len(reconciliation_problems(con))
    out = {
        "notifications_generated": notifications,
        "files": len(results),
        "rows_in": rows_in,
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_rejected": sum(r.rows_rejected for r in results),
        "notifications_loaded": sum(r.notifications for r in results),
        "mentions_loaded": sum(r.mentions for r in results),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows_in / seconds),
        "peak_rss_gb": round(mem.peak / 1e9, 2),
        "deliveries_not_reconciling": problems,
        "cores": psutil.cpu_count(),
    }
    (workdir / "result.json").write_text(json.dumps(out, indent=2))
    con.close()
    return out
