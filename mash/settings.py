"""Where things live, from environment variables with working defaults.

| variable          | default                        | what                                   |
|-------------------|--------------------------------|----------------------------------------|
| MASH_HOME         | ./var                          | everything the pipeline writes         |
| MASH_WAREHOUSE    | $MASH_HOME/warehouse.duckdb    | the identifiable warehouse             |
| MASH_LANDING      | $MASH_HOME/landing             | one folder per partner, files dropped  |
| MASH_RAW_STORE    | $MASH_HOME/raw                 | immutable copies keyed by content hash |
| MASH_OUTPUTS      | $MASH_HOME/outputs             | reports and exports                    |
| MASH_PARTNERS     | data_samples/partners          | one TOML config per partner feed       |
| MASH_AUDIT_LOG    | $MASH_HOME/audit/audit.jsonl   | append-only, hash-chained audit log    |
| MASH_GOVERNANCE   | data_samples/governance.toml   | roles, purposes, retention policy      |
| MASH_RESEARCH_KEY_FILE | (none: no research extract) | per-project pseudonymisation key file, outside the repository (mash/research/keys.py) |
| MASH_EXTRACT_DIR  | var/outputs/researcher/extract | the extract the researcher notebooks read |
| MASH_INGEST_WORKERS | one per core but one, above 32 MB to read | processes reading deliveries ahead of the writer (0: none) |
| MASH_ANALYTICS_MEMORY_LIMIT | 1200MB               | DuckDB's memory while the detection runs (it spills to disk beyond it) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_WORLD = REPO_ROOT / "data_samples" / "world"


def shared_datasets() -> Path:
    """Public linkage benchmarks: ``$MASH_SHARED_DATASETS`` or ``shared/datasets`` beside the checkout."""
    env = os.environ.get("MASH_SHARED_DATASETS")
    if env:
        return Path(env)
    for candidate in (REPO_ROOT.parent / "shared" / "datasets", REPO_ROOT.parent.parent / "shared" / "datasets"):
        if candidate.is_dir():
            return candidate
    return REPO_ROOT.parent / "shared" / "datasets"


@dataclass(frozen=True)
class Paths:
    """Resolved locations; build with :meth:`from_env`."""

    home: Path
    warehouse: Path
    landing: Path
    raw_store: Path
    outputs: Path
    partners: Path
    audit_log: Path
    governance: Path

    @classmethod
    def from_env(cls, home: Path | str | None = None) -> "Paths":
        """Locations from the environment, with ``home`` overriding ``MASH_HOME``.

        >>> Paths.from_env("/tmp/mash").warehouse.name
        'warehouse.duckdb'
        """
        h = Path(home or os.environ.get("MASH_HOME", "var")).resolve()

        def env(name: str, default: Path) -> Path:
            return Path(os.environ[name]).resolve() if os.environ.get(name) and home is None else default

        return cls(
            home=h,
            warehouse=env("MASH_WAREHOUSE", h / "warehouse.duckdb"),
            landing=env("MASH_LANDING", h / "landing"),
            raw_store=env("MASH_RAW_STORE", h / "raw"),
            outputs=env("MASH_OUTPUTS", h / "outputs"),
            partners=Path(os.environ.get("MASH_PARTNERS", REPO_ROOT / "data_samples" / "partners")).resolve(),
            audit_log=env("MASH_AUDIT_LOG", h / "audit" / "audit.jsonl"),
            governance=Path(os.environ.get("MASH_GOVERNANCE",
                                           REPO_ROOT / "data_samples" / "governance.toml")).resolve(),
        )
