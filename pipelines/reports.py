"""Report assets built from the warehouse."""

from pathlib import Path
from typing import Optional

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from analytics.commissioner import build_report
from analytics.commissioner.report import FOLDER, headline
from mash.governance.disclosure import POLICIES
from mash.ingest.report import write_ingest_report
from pipelines.governance import exported, gate, purpose_metadata
from pipelines.detection import ALERTS_KEY, RAG, RULES
from pipelines.resources import MashPaths

COMMISSIONER_KEY = dg.AssetKey(["reports", "commissioner_report"])


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


class CommissionerReportConfig(dg.Config):
    """Run config of ``reports/commissioner_report``; with none, the scheduled default."""

    start: Optional[str] = Field(default=None, description="First day, YYYY-MM-DD (default: the start of the "
                                                           "last 12 complete months of data)")
    end: Optional[str] = Field(default=None, description="Last day, YYYY-MM-DD (default: the end of the last "
                                                         "complete month of data)")
    policy: str = Field(default="dfe", description=f"Disclosure policy: one of {', '.join(sorted(POLICIES))}")


def build_commissioner_report(pool: str, rules: Path = RULES, rag: Path = RAG) -> dg.AssetsDefinition:
    """The ``reports/commissioner_report`` asset: one HTML file of disclosure-controlled aggregates.

    >>> dg.materialize([build_commissioner_report("duckdb_writer")], resources=build_resources(paths),
    ...                run_config={"ops": {"reports__commissioner_report": {"config": {"policy": "nhsd"}}}})
    ... # doctest: +SKIP
    """

    @dg.asset(key=COMMISSIONER_KEY, deps=[ALERTS_KEY], group_name="reports", pool=pool, kinds={"html", "plotly"},
              metadata=purpose_metadata("commissioning report", identifiable=True),
              description=f"Commissioner report for a period (default: the last 12 complete months; run config "
                          f"start, end, policy): contacts by source and concern, conversion, repeats and "
                          f"re-referrals, timeliness against the RAG timescales, alerts and review outcomes, alert "
                          f"rates by group, base rates and methodology. One self-contained HTML file in "
                          f"outputs/{FOLDER}/. Purpose: commissioning and oversight. Outputs aggregates only, every "
                          f"count disclosure-controlled (dfe by default); reads the warehouse read-only.")
    def commissioner_report(context: dg.AssetExecutionContext, config: CommissionerReportConfig,
                            warehouse_reader: DuckDBResource, paths: MashPaths) -> dg.MaterializeResult:
        # aggregates are made by the analyst service from identifiable data; only they leave for commissioners
        actor = gate(context, paths, "read_identifiable", "commissioning report", policy=config.policy)
        with warehouse_reader.get_connection() as con:
            result = build_report(con, paths.path("outputs"), config.start, config.end, config.policy, rules, rag)
        exported(context, paths, actor, [result.path.name], audience="commissioner")
        data = result.data
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "period_start": data.period.start.isoformat(), "period_end": data.period.end.isoformat(),
            "policy": data.policy.name, "charts": result.charts,
            "hidden_counts": sum(t.hidden_count() for t in data.tables.values()),
            # headline figures as published (-1 where a count is hidden)
            **{f"published_{k}": (-1 if v is None else v) for k, v in headline(data).items()},
        })

    return commissioner_report
