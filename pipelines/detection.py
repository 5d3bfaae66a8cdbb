"""Detection asset: households, family graph, explainable alerts and the analyst's outputs."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from analytics.run import run_all
from mash.settings import REPO_ROOT
from pipelines.linkage import PERSONS_KEY
from pipelines.governance import exported, gate, purpose_metadata
from pipelines.resources import MashPaths

ALERTS_KEY = dg.AssetKey(["detection", "alerts"])
RULES = REPO_ROOT / "data_samples" / "rules.toml"
RAG = REPO_ROOT / "data_samples" / "rag.toml"


def build_detection(pool: str, rules: Path = RULES, rag: Path = RAG) -> dg.AssetsDefinition:
    """The ``detection/alerts`` asset, reading the linkage's ``mention_person`` table."""

    @dg.asset(key=ALERTS_KEY, deps=[PERSONS_KEY], group_name="detection", pool=pool, kinds={"duckdb", "html"},
              metadata=purpose_metadata("MASH screening", identifiable=True),
              description=f"Rule-based alerts ({rules.name}) with their evidence, RAG and due times ({rag.name}); "
                          "alert queue, chronologies and information products in outputs/analytics/. "
                          "Purpose: MASH screening; reads identifiable data. No risk scores: a person decides.")
    def alerts(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
               paths: MashPaths) -> dg.MaterializeResult:
        actor = gate(context, paths, "write_identifiable", "MASH screening")
        out = paths.path("outputs") / "analytics"
        with warehouse.get_connection() as con:
            result = run_all(con, "mention_person", rules, rag, out)
        exported(context, paths, actor, [p.relative_to(out) for p in out.rglob("*") if p.is_file()],
                 audience="analyst")
        meta = {f"count_{k}": int(v) for k, v in result["counts"].items() if isinstance(v, (int, float))}
        for name, p in result["paths"].items():
            if isinstance(p, (str, Path)):
                meta[f"path_{name}"] = dg.MetadataValue.path(str(p))
        return dg.MaterializeResult(metadata=meta)

    return alerts
