"""Ingest benchmark: throughput in rows/s and peak memory on a large synthetic world."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil


class PeakRSS:
    """Samples the resident memory of this process and its children (the reading workers) every 50 ms,
    added up; ``peak`` in bytes."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = self._proc.memory_info().rss
        for child in self._proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # it ended between the listing and the reading
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
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
        self.peak = max(self.peak, self._rss())


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, its children and their finished children."""
    total = 0.0
    for proc in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def run_ingest_bench(workdir: Path, notifications: int, seed: int = 11,
                     log: Callable[[str], None] = print, workers: int | None = None) -> dict:
    """Generate (or reuse) a world of ``notifications`` and time ingesting all of it into a fresh warehouse.

    ``workers``: reading processes (default: as ``mash ingest`` chooses, see ``default_workers``).
    """
    from mash.ingest import ingest_partners, load_configs, reconciliation_problems
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
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        results = ingest_partners(con, configs.values(), world / "landing", paths.raw_store, workers=workers)
        seconds = time.perf_counter() - t0
        cpu = cpu_seconds() - cpu0
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
        # On a shared machine the wall time depends on the others; CPU time much less so.
        "cpu_seconds": round(cpu, 1),
        "peak_rss_gb": round(mem.peak / 1e9, 2),
        "deliveries_not_reconciling": problems,
        "cores": psutil.cpu_count(),
        "workers": workers if workers is not None else "default",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    (workdir / "result.json").write_text(json.dumps(out, indent=2))
    con.close()
    return out
