"""Ingest assets: one per partner feed, with blocking reconciliation and contract checks."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from mash.contracts import CONTRACTS
from mash.ingest import PartnerConfig, ingest_partner, partner_summary, reconciliation_problems
from mash.warehouse import ensure_schema
from pipelines.governance import gate, purpose_metadata
from pipelines.resources import MashPaths

PURPOSE = "MASH screening"


def ingest_asset_key(partner: str) -> dg.AssetKey:
    return dg.AssetKey(["ingest", partner])


def build_ingest(cfg: PartnerConfig, pool: str, freshness: dg.FreshnessPolicy | None = None,
                 ) -> tuple[dg.AssetsDefinition, list[dg.AssetChecksDefinition]]:
    """The ingest asset of one partner feed and its two blocking checks (policy passed in by definitions)."""
    key = ingest_asset_key(cfg.partner)

    @dg.asset(
        key=key,
        group_name="ingest",
        pool=pool,
        kinds={"duckdb", cfg.format},
        freshness_policy=freshness,
        metadata=purpose_metadata(PURPOSE, identifiable=True),
        description=(f"{cfg.agency}: every file in landing/{cfg.partner}/ copied to the raw store and "
                     f"loaded into notifications, person_mentions and rejects ({cfg.path.name}). "
                     f"Purpose: MASH screening of partner notifications (identifiable data)."),
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                paths: MashPaths) -> dg.MaterializeResult:
        gate(context, paths, "write_identifiable", PURPOSE, partner=cfg.partner)
        with warehouse.get_connection() as con:
            ensure_schema(con)
            results = ingest_partner(con, cfg, paths.path("landing"), paths.path("raw_store"),
                                     on_file=lambda r: context.log.info(
                                         f"{r.file_name}: {r.status} in={r.rows_in} loaded={r.rows_loaded} "
                                         f"rejected={r.rows_rejected}" + (f" ({r.reason})" if r.reason else "")))
            summary = partner_summary(con, cfg.partner)
        row = summary.iloc[0].to_dict() if len(summary) else {}
        quarantined = [f"{r.file_name}: {r.reason}" for r in results if r.status == "quarantined"]
        return dg.MaterializeResult(metadata={
            "files_seen": len(results),
            "files_new": sum(r.status in ("loaded", "quarantined") for r in results),
            "files_quarantined": dg.MetadataValue.md("\n".join(f"- {q}" for q in quarantined) or "none"),
            **{k: int(v) for k, v in row.items() if k != "partner"},
        })

    @dg.asset_check(asset=key, name="rows_reconcile", blocking=True,
                    description="rows in = rows loaded + rows rejected for every delivery, and the tables agree")
    def _reconcile(context: dg.AssetCheckExecutionContext, warehouse_reader: DuckDBResource,
                   paths: MashPaths) -> dg.AssetCheckResult:
        gate(context, paths, "read_identifiable", "data quality", partner=cfg.partner, check="rows_reconcile")
        with warehouse_reader.get_connection() as con:
            bad = reconciliation_problems(con, cfg.partner)
        return dg.AssetCheckResult(passed=bad.empty, metadata={
            "deliveries_not_reconciling": len(bad),
            "detail": dg.MetadataValue.md("```\n" + bad.head(20).to_string(index=False) + "\n```" if len(bad) else "all reconcile"),
        })

    @dg.asset_check(asset=key, name="contracts", blocking=True,
                    description="this partner's canonical rows satisfy the pandera contracts")
    def _contracts(context: dg.AssetCheckExecutionContext, warehouse_reader: DuckDBResource,
                   paths: MashPaths) -> dg.AssetCheckResult:
        gate(context, paths, "read_identifiable", "data quality", partner=cfg.partner, check="contracts")
        failures: dict[str, str] = {}
        with warehouse_reader.get_connection() as con:
            for table, schema in CONTRACTS.items():
                df = con.execute(f"SELECT * FROM {table} WHERE partner = ?", [cfg.partner]).df()  # noqa: S608
                try:
                    schema.validate(df, lazy=True)
                except Exception as exc:  # pandera SchemaErrors: record and fail the check
                    failures[table] = str(exc)[:2000]
        return dg.AssetCheckResult(passed=not failures, metadata={
            "failed_tables": dg.MetadataValue.md("\n\n".join(f"**{t}**\n```\n{e}\n```" for t, e in failures.items())
                                                 or "none")})

    return _ingest, [_reconcile, _contracts]
