"""Report assets built from the warehouse."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from mash.ingest.report import write_ingest_report
from pipelines.governance import exported, gate, purpose_metadata
from pipelines.resources import MashPaths


def build_ingest_report(ingest_keys: list[dg.AssetKey], pool: str) -> dg.AssetsDefinition:
    """CSV report of deliveries and rejects, after every partner's ingest."""

    @dg.asset(key=dg.AssetKey(["reports", "ingest_report"]), deps=ingest_keys, group_name="reports",
              pool=pool, kinds={"csv"}, metadata=purpose_metadata("data quality", identifiable=True),
              description="Deliveries, rejects with reasons, per-partner counts (outputs/ingest/*.csv). "
                          "Purpose: data-quality follow-up with partners; holds rejected raw rows (identifiable).")
    def ingest_report(context: dg.AssetExecutionContext, warehouse_reader: DuckDBResource,
                      paths: MashPaths) -> dg.MaterializeResult:
        actor = gate(context, paths, "read_identifiable", "data quality")
        with warehouse_reader.get_connection() as con:
            written = write_ingest_report(con, paths.path("outputs") / "ingest")
        exported(context, paths, actor, written.values(), audience="analyst")
        with warehouse_reader.get_connection() as con:
            totals = con.execute("SELECT coalesce(sum(rows_in),0), coalesce(sum(rows_loaded),0), "
                                 "coalesce(sum(rows_rejected),0) FROM deliveries").fetchall()[0]
        return dg.MaterializeResult(metadata={
            **{name: dg.MetadataValue.path(str(p)) for name, p in written.items()},
            "rows_in": int(totals[0]), "rows_loaded": int(totals[1]), "rows_rejected": int(totals[2]),
        })

    return ingest_report
