"""Governance assets: the retention purge and the record of configuration changes, on every run."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mash.governance.config_audit import record_config_changes
from mash.governance.retention import purge
from pipelines.governance import gate, pipeline_actor, purpose_metadata
from pipelines.resources import MashPaths

RETENTION_KEY = dg.AssetKey(["governance", "retention"])
CONFIG_KEY = dg.AssetKey(["governance", "config_versions"])


def build_governance(ingest_keys: list[dg.AssetKey], pool: str, config_files) -> list[dg.AssetsDefinition]:
    """``governance/config_versions`` (audits changed configuration) and ``governance/retention`` (purge)."""

    @dg.asset(key=CONFIG_KEY, group_name="governance", pool=pool, kinds={"duckdb"},
              metadata=purpose_metadata("MASH screening", identifiable=False),
              description="Hashes of every configuration file (partners, rules, RAG, governance); a change is "
                          "recorded in the audit log (config_change) with the old and new hash.")
    def config_versions(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                        paths: MashPaths) -> dg.MaterializeResult:
        actor = gate(context, paths, "write_identifiable", "MASH screening", step="config hashes")
        with warehouse.get_connection() as con:
            changes = record_config_changes(con, paths, actor, config_files(paths))
        return dg.MaterializeResult(metadata={"changes": len(changes),
                                              "changed": dg.MetadataValue.md("\n".join(
                                                  f"- {c['file']}: {c['change']}" for c in changes) or "none")})

    @dg.asset(key=RETENTION_KEY, deps=[*ingest_keys, CONFIG_KEY], group_name="governance", pool=pool,
              kinds={"duckdb"}, metadata=purpose_metadata("retention purge", identifiable=True),
              description="Applies the retention policy in governance.toml: removes expired deliveries' personal "
                          "data from the warehouse, raw store and landing. Purpose: retention purge (audited).")
    def retention(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                  paths: MashPaths) -> dg.MaterializeResult:
        actor = pipeline_actor("retention purge")
        with warehouse.get_connection() as con:
            counts = purge(con, paths, actor)
        context.log.info(f"retention: {counts}")
        return dg.MaterializeResult(metadata={k: v for k, v in counts.items()})

    return [config_versions, retention]
