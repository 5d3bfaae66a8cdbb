"""The Dagster code location. Cross-cutting policy is set here, once.

Policy:
- time zone Europe/London for every schedule;
- every asset that writes the warehouse is in the ``duckdb_writer`` pool, whose limit
  is 1 (DuckDB has a single writer), set in the instance config written by
  :func:`pipelines.instance.ensure_dagster_home`;
- telemetry off (same instance config);
- multiprocess executor, two processes (the machine has two cores);
- ingest assets are expected fresh daily.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from mash.ingest import load_configs
from mash.settings import Paths
from pipelines.ingest import build_ingest, ingest_asset_key
from pipelines.detection import RAG, RULES, build_detection
from pipelines.governance_assets import RETENTION_KEY, build_governance
from pipelines.linkage import build_linkage
from pipelines.reports import build_commissioner_report, build_ingest_report
from pipelines.research import build_research_extract
from pipelines.resources import build_resources
from pipelines.sensors import build_landing_sensor

TIMEZONE = "Europe/London"
WRITER_POOL = "duckdb_writer"
WRITER_POOL_LIMIT = 1
TELEMETRY_ENABLED = False
DAILY_CRON = "0 6 * * *"
EXECUTOR = dg.multiprocess_executor.configured({"max_concurrent": 2})
INGEST_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=26),
                                                  warn_window=dt.timedelta(hours=24))


def _config_files(paths) -> list:
    """Every configuration file whose change the audit log must record."""
    from pathlib import Path

    return [*sorted(Path(paths.partners).glob("*.toml")), RULES, RAG, Path(paths.governance)]


def build_definitions(paths: Paths | None = None) -> dg.Definitions:
    """Everything Dagster serves, for the folders in ``paths`` (default: the MASH_* environment)."""
    paths = paths or Paths.from_env()
    configs = load_configs(paths.partners)
    assets: list = []
    checks: list = []
    for cfg in configs.values():
        asset, asset_checks = build_ingest(cfg, pool=WRITER_POOL, freshness=INGEST_FRESHNESS)
        assets.append(asset)
        checks.extend(asset_checks)
    ingest_keys = [ingest_asset_key(p) for p in sorted(configs)]
    assets.extend(build_governance(ingest_keys, pool=WRITER_POOL, config_files=_config_files))
    # retention runs before anything downstream reads or derives from the warehouse
    assets.append(build_ingest_report([*ingest_keys, RETENTION_KEY], pool=WRITER_POOL))
    persons, persons_check = build_linkage([*ingest_keys, RETENTION_KEY], pool=WRITER_POOL)
    assets.append(persons)
    checks.append(persons_check)
    assets.append(build_detection(pool=WRITER_POOL))
    assets.append(build_research_extract(pool=WRITER_POOL))
    # Reads only, but in the writer pool like every warehouse user: DuckDB refuses a read-only
    # open while another process holds the file for writing.
    assets.append(build_commissioner_report(pool=WRITER_POOL))

    daily = dg.define_asset_job("mash_daily", selection=dg.AssetSelection.all(),
                                description="The whole pipeline: ingest every partner, then everything downstream.")
    partner_jobs = {
        p: dg.define_asset_job(f"ingest_{p}", selection=dg.AssetSelection.assets(ingest_asset_key(p)).downstream(),
                               description=f"Ingest {configs[p].agency} and refresh what depends on it.")
        for p in configs
    }
    sensors = [build_landing_sensor(configs[p], partner_jobs[p], paths.landing) for p in sorted(configs)]
    schedule = dg.ScheduleDefinition(name="mash_daily_schedule", job=daily, cron_schedule=DAILY_CRON,
                                     execution_timezone=TIMEZONE, default_status=dg.DefaultScheduleStatus.RUNNING)
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[daily, *partner_jobs.values()],
        sensors=sensors,
        schedules=[schedule],
        resources=build_resources(paths),
        executor=EXECUTOR,
    )


defs = build_definitions()
