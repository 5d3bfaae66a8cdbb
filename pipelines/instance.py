"""The local Dagster instance: storage under $MASH_HOME/dagster, policy from definitions.py."""

from __future__ import annotations

import os
from pathlib import Path

from mash.settings import Paths


def instance_yaml() -> str:
    """dagster.yaml carrying the pool limit and telemetry setting chosen in definitions.py."""
    from pipelines.definitions import TELEMETRY_ENABLED, WRITER_POOL_LIMIT

    return (
        "telemetry:\n"
        f"  enabled: {str(TELEMETRY_ENABLED).lower()}\n"
        "concurrency:\n"
        "  pools:\n"
        f"    default_limit: {WRITER_POOL_LIMIT}\n"
        "  runs:\n"
        "    max_concurrent_runs: 1\n"
    )


def ensure_dagster_home(paths: Paths | None = None) -> Path:
    """Create DAGSTER_HOME (default ``$MASH_HOME/dagster``) with our dagster.yaml and export it."""
    paths = paths or Paths.from_env()
    home = Path(os.environ.get("DAGSTER_HOME") or paths.home / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(instance_yaml(), encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
