"""The Dagster code location loads, materialises on a real DuckDB file, and its sensors react to files."""

from __future__ import annotations

import dataclasses
import json

import dagster as dg
from mash.warehouse import connect

from mash.settings import Paths
from pipelines.definitions import TIMEZONE, WRITER_POOL, build_definitions
from pipelines.ingest import build_ingest
from pipelines.reports import build_ingest_report
from pipelines.resources import build_resources
from pipelines.sensors import build_landing_sensor
from tests.conftest import FIXTURE_PARTNERS
from tests.ingest.test_bad_input import GOOD, police


def _paths(tmp_path) -> Paths:
    return dataclasses.replace(Paths.from_env(tmp_path / "hub"), partners=FIXTURE_PARTNERS)


def test_shipped_code_location_loads():
    from pipelines import definitions

    dg.Definitions.validate_loadable(definitions.defs)
    assert definitions.defs.resolve_job_def("mash_daily") is not None


def test_definitions_policy(tmp_path):
    defs = build_definitions(_paths(tmp_path))
    dg.Definitions.validate_loadable(defs)
    schedule = defs.resolve_schedule_def("mash_daily_schedule")
    assert schedule.execution_timezone == TIMEZONE == "Europe/London"
    ingest = [a for a in defs.resolve_all_asset_specs() if a.key.path[0] == "ingest"]
    assert {a.key.path[1] for a in ingest} == {"tpolice", "thealth", "tschools", "thousing"}
    assert {s.name for s in defs.sensors} == {"landing_tpolice", "landing_thealth", "landing_tschools",
                                              "landing_thousing"}
    pools = {a.key: a.op.pool for a in defs.assets}
    assert pools and set(pools.values()) == {WRITER_POOL}  # every warehouse user shares the single-writer pool


def test_materialise_ingest_on_temporary_warehouse(tmp_path):
    paths = _paths(tmp_path)
    (paths.landing / "tpolice").mkdir(parents=True)
    (paths.landing / "tpolice" / "p1.csv").write_text(police(*GOOD))
    (paths.landing / "tpolice" / "empty.csv").write_text("")
    from mash.ingest import load_configs

    configs = load_configs(paths.partners)
    asset, checks = build_ingest(configs["tpolice"], pool=WRITER_POOL)
    report = build_ingest_report([asset.key], pool=WRITER_POOL)
    result = dg.materialize([asset, *checks, report], resources=build_resources(paths),
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    evals = result.get_asset_check_evaluations()
    assert {e.check_name: e.passed for e in evals} == {"rows_reconcile": True, "contracts": True}
    meta = result.asset_materializations_for_node(asset.op.name)[0].metadata
    assert meta["rows_loaded"].value == 3 and meta["files_quarantined"].value != "none"
    assert (paths.outputs / "ingest" / "deliveries.csv").exists()
    con = connect(paths.warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM person_mentions").fetchall() == [(3,)]
    con.close()
    # Re-materialising gives the same warehouse.
    again = dg.materialize([asset, *checks], resources=build_resources(paths), instance=dg.DagsterInstance.ephemeral())
    assert again.success
    con = connect(paths.warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM person_mentions").fetchall() == [(3,)]
    assert con.execute("SELECT count(*) FROM deliveries").fetchall() == [(2,)]
    con.close()


def test_landing_sensor_requests_once_per_change(tmp_path):
    paths = _paths(tmp_path)
    defs = build_definitions(paths)
    from mash.ingest import load_configs

    cfg = load_configs(paths.partners)["tpolice"]
    sensor = build_landing_sensor(cfg, defs.resolve_job_def("ingest_tpolice"), paths.landing)
    ctx = dg.build_sensor_context(cursor=None)
    assert isinstance(sensor(ctx), dg.SkipReason)
    (paths.landing / "tpolice").mkdir(parents=True)
    (paths.landing / "tpolice" / "p1.csv").write_text(police(*GOOD))
    (paths.landing / "tpolice" / "notes.txt").write_text("not a delivery")  # outside the feed's glob
    req = sensor(ctx)
    assert isinstance(req, dg.RunRequest) and req.tags["files"] == "p1.csv"
    ctx2 = dg.build_sensor_context(cursor=ctx.cursor)
    assert isinstance(sensor(ctx2), dg.SkipReason)  # same files: no second run
    (paths.landing / "tpolice" / "p2.csv").write_text(police(GOOD[0]))
    req2 = sensor(dg.build_sensor_context(cursor=ctx.cursor))
    assert isinstance(req2, dg.RunRequest) and req2.tags["files"] == "p2.csv" and req2.run_key != req.run_key
    assert set(json.loads(ctx.cursor)) == {"p1.csv"}
