"""Reading ahead in worker processes writes exactly what reading in the writing process writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from mash.ingest import ingest_partners, load_configs, reconciliation_problems
from mash.settings import SAMPLE_WORLD, Paths
from mash.warehouse import TABLES, connect

# every column but the time of writing, in a fixed order
_NOT_COMPARED = {"ingested_at"}


def _contents(con) -> dict[str, list[tuple]]:
    out = {}
    for table in TABLES:
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall() if c not in _NOT_COMPARED]
        rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()  # noqa: S608 - catalog names
        out[table] = sorted(rows, key=repr)
    return out


def _landing(tmp_path: Path) -> Path:
    """The committed sample plus a few bad deliveries: an empty file, a resent copy, a truncated file."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_WORLD / "landing", landing)
    police = sorted((landing / "police").glob("*.csv"))
    (landing / "police" / "police_9999-00.csv").write_bytes(b"")
    shutil.copy(police[0], landing / "police" / "police_resent.csv")
    text = police[1].read_bytes()
    (landing / "police" / "police_truncated.csv").write_bytes(text[: len(text) // 2])
    (landing / "health" / "health_9999-bad.jsonl").write_bytes(b'{"referral_id": "x"}\nnull\n{oops\n')
    return landing


def test_worker_processes_write_the_same_warehouse(tmp_path):
    landing = _landing(tmp_path)
    configs = load_configs(Paths.from_env(tmp_path).partners)
    results, contents = {}, {}
    for workers in (0, 2):
        home = tmp_path / f"w{workers}"
        con = connect(home / "warehouse.duckdb")
        results[workers] = ingest_partners(con, configs.values(), landing, home / "raw", workers=workers)
        assert reconciliation_problems(con).empty
        contents[workers] = _contents(con)
        if workers:
            again = ingest_partners(con, configs.values(), landing, home / "raw", workers=workers)
            assert {r.status for r in again} == {"unchanged", "duplicate"}
            assert _contents(con) == contents[workers]  # a re-run changes nothing
        con.close()
    assert [(r.file_name, r.status, r.rows_in, r.rows_loaded, r.rows_rejected) for r in results[0]] == \
           [(r.file_name, r.status, r.rows_in, r.rows_loaded, r.rows_rejected) for r in results[2]]
    statuses = {r.file_name: r.status for r in results[2]}
    assert statuses["police_9999-00.csv"] == "quarantined" and statuses["police_resent.csv"] == "duplicate"
    raw_paths = {t: rows for t, rows in contents[2].items()}
    for table in TABLES:
        if table == "deliveries":  # raw_path differs (each run has its own raw store)
            strip = lambda rows: sorted((r[:4] + r[5:] for r in rows), key=repr)  # noqa: E731
            assert strip(contents[0][table]) == strip(raw_paths[table])
        else:
            assert contents[0][table] == contents[2][table], table


def test_a_dead_worker_costs_nothing_but_time(tmp_path):
    """A reading process that dies (as one would on a reader crash) is replaced; every file still loads."""
    import time

    import psutil

    from mash.ingest import landing_files
    from mash.ingest.load import Writer, _ReadAhead

    configs = load_configs(Paths.from_env(tmp_path).partners)
    jobs = [(cfg, p) for cfg in configs.values() for p in landing_files(cfg, SAMPLE_WORLD / "landing")][:6]
    ahead = _ReadAhead(jobs, tmp_path / "raw", frozenset(), workers=1)
    try:
        deadline = time.monotonic() + 120
        while not ahead._ready():
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)
        for pid in list(ahead.pool._processes):
            psutil.Process(pid).kill()
        con = connect(tmp_path / "warehouse.duckdb")
        writer = Writer(con, tmp_path / "raw")
        for i, (cfg, _) in enumerate(jobs):
            writer.add(cfg, ahead.get(i))
        writer.flush()
        assert [r.status for r in writer.results] == ["loaded"] * len(jobs)
        assert reconciliation_problems(con).empty
        con.close()
    finally:
        ahead.close(finished=True)
