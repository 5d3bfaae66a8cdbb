"""Person linkage asset: the matching engine over every partner's mentions."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mash.linking import conflicting_identifiers, link_warehouse
from pipelines.governance import gate, purpose_metadata
from pipelines.resources import MashPaths

PERSONS_KEY = dg.AssetKey(["linkage", "persons"])


def build_linkage(ingest_keys: list[dg.AssetKey], pool: str) -> tuple[dg.AssetsDefinition, dg.AssetChecksDefinition]:
    """The ``linkage/persons`` asset and its blocking identifier-conflict check."""

    @dg.asset(key=PERSONS_KEY, deps=ingest_keys, group_name="linkage", pool=pool, kinds={"duckdb"},
              metadata=purpose_metadata("MASH screening", identifiable=True),
              description="Links person mentions across agencies into persons (mention_person, link_explanations, "
                          "review_queue, link_runs). Purpose: MASH screening; reads identifiable data.")
    def persons(context: dg.AssetExecutionContext, warehouse: DuckDBResource,
                paths: MashPaths) -> dg.MaterializeResult:
        gate(context, paths, "write_identifiable", "MASH screening")
        with warehouse.get_connection() as con:
            stats = link_warehouse(con, paths.path("outputs") / "matching")
        return dg.MaterializeResult(metadata={k: v for k, v in stats.items() if v is not None})

    @dg.asset_check(asset=PERSONS_KEY, name="no_conflicting_nhs_numbers", blocking=True,
                    description="no person holds two different NHS numbers that both pass the modulus-11 check")
    def no_conflicts(context: dg.AssetCheckExecutionContext, warehouse_reader: DuckDBResource,
                     paths: MashPaths) -> dg.AssetCheckResult:
        gate(context, paths, "read_identifiable", "data quality", check="no_conflicting_nhs_numbers")
        with warehouse_reader.get_connection() as con:
            bad = conflicting_identifiers(con)
        return dg.AssetCheckResult(passed=bad.empty, metadata={"persons_with_conflicts": len(bad)})

    return persons, no_conflicts
