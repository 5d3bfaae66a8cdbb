"""Dagster resources: where the pipeline reads and writes."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from mash.settings import Paths


class MashPaths(dg.ConfigurableResource):
    """Folders the pipeline uses; defaults come from the MASH_* environment variables."""

    home: str
    landing: str
    raw_store: str
    outputs: str
    partners: str

    @classmethod
    def from_paths(cls, p: Paths) -> "MashPaths":
        return cls(home=str(p.home), landing=str(p.landing), raw_store=str(p.raw_store),
                   outputs=str(p.outputs), partners=str(p.partners))

    def path(self, name: str) -> Path:
        return Path(getattr(self, name))


def build_resources(paths: Paths) -> dict:
    """The writer (read-write), the reader (read-only) and the folders, for one warehouse."""
    return {
        "warehouse": DuckDBResource(database=str(paths.warehouse)),
        "warehouse_reader": DuckDBResource(database=str(paths.warehouse),
                                           connection_config={"access_mode": "READ_ONLY"}),
        "paths": MashPaths.from_paths(paths),
    }
