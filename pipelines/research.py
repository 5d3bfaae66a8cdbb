"""Research extract asset: the pseudonymised Parquet extract researchers work from."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from mash.research.extract import extract_dir, write_extract
from mash.research.keys import KEY_FILE_ENV, NoResearchKey, research_key
from pipelines.detection import ALERTS_KEY
from pipelines.governance import exported, gate, purpose_metadata
from pipelines.resources import MashPaths

EXTRACT_KEY = dg.AssetKey(["research", "extract"])


def build_research_extract(pool: str) -> dg.AssetsDefinition:
    """The ``research/extract`` asset, written after detection from the read-only warehouse.

    It is in the writer pool although it only reads: DuckDB refuses a read-only open while
    another process holds the file for writing, and the pool keeps it off any writer's turn.
    """

    @dg.asset(key=EXTRACT_KEY, deps=[ALERTS_KEY], group_name="research", pool=pool, kinds={"parquet"},
              output_required=False, metadata=purpose_metadata("research extract", identifiable=True),
              description="Pseudonymised research extract in outputs/researcher/extract/: Parquet tables, data "
                          "dictionary and manifest. Person, household and other ids become keyed HMAC-SHA256 "
                          "pseudonyms under the project key in $MASH_RESEARCH_KEY_FILE (only its id is written); "
                          "DOB to month, postcode to sector, no free text, no names or identifiers. "
                          "Purpose: research and analysis (MASH core element 5). Skipped when no key is set.")
    def extract(context: dg.AssetExecutionContext, warehouse_reader: DuckDBResource, paths: MashPaths):
        try:
            key = research_key()
        except NoResearchKey:
            # No project key, no extract: a real extract must use a key chosen for its project.
            context.log.warning(f"research/extract skipped: {KEY_FILE_ENV} is not set")
            return
        actor = gate(context, paths, "read_identifiable", "research extract", key_id=key.key_id)
        out = extract_dir(paths.path("outputs"))
        with warehouse_reader.get_connection() as con:
            manifest = write_extract(con, out, key)
        exported(context, paths, actor, [p.name for p in out.iterdir()], audience="researcher")
        if key.kind == "demo":
            context.log.warning(f"extract written with the demo key {key.key_id}: for synthetic data only")
        meta = {"path": dg.MetadataValue.path(str(out)), "key_id": key.key_id, "key_kind": key.kind}
        meta.update({f"rows_{name}": t["rows"] for name, t in manifest["tables"].items()})
        yield dg.MaterializeResult(metadata=meta)

    return extract
