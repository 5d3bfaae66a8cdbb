"""Dagster resources: where the pipeline reads and writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from mash.settings import Paths
from mash.warehouse import connect


class MashPaths(dg.ConfigurableResource):
    """Folders the pipeline uses; defaults come from the MASH_* environment variables."""

    home: str
    landing: str
    raw_store: str
    outputs: str
    partners: str
    audit_log: str
    governance: str

    @classmethod
    def from_paths(cls, p: Paths) -> "MashPaths":
        return cls(home=str(p.home), landing=str(p.landing), raw_store=str(p.raw_store),
                   outputs=str(p.outputs), partners=str(p.partners),
                   audit_log=str(p.audit_log), governance=str(p.governance))

    def path(self, name: str) -> Path:
        return Path(getattr(self, name))


class WarehouseResource(DuckDBResource):
    """The encrypted warehouse: a ``DuckDBResource`` whose connections come from
    :func:`mash.warehouse.connect`, which attaches the file with its key."""

    read_only: bool = False

    @contextmanager
    def get_connection(self) -> Iterator:
        con = connect(self.database, read_only=self.read_only)
        try:
            yield con
        finally:
            con.close()


def build_resources(paths: Paths) -> dict:
    """The writer (read-write), the reader (read-only) and the folders, for one warehouse."""
    return {
        "warehouse": WarehouseResource(database=str(paths.warehouse)),
        "warehouse_reader": WarehouseResource(database=str(paths.warehouse), read_only=True),
        "paths": MashPaths.from_paths(paths),
    }
