"""The ingest report an analyst reads after each run: what arrived, what loaded, what was rejected and why."""

from __future__ import annotations

from pathlib import Path

import duckdb

from mash.export import write_csv_safe
from mash.ingest.summary import partner_summary


def write_ingest_report(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, Path]:
    """Write deliveries, rejects and per-partner counts as CSV (formula injection neutralised).

    >>> from mash.warehouse import connect
    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> sorted(write_ingest_report(connect(":memory:"), d))
    ['deliveries', 'partners', 'rejects']
    """
    out_dir = Path(out_dir)
    deliveries = con.execute(
        "SELECT partner, file_name, status, reason, rows_in, rows_loaded, rows_rejected, notifications, "
        "mentions, received_at, ingested_at, content_hash, duplicate_of, raw_path FROM deliveries "
        "ORDER BY partner, file_name, ingested_at").df()
    rejects = con.execute(
        "SELECT partner, file_name, row_number, reason, raw_row FROM rejects "
        "ORDER BY partner, file_name, row_number").df()
    return {
        "partners": write_csv_safe(partner_summary(con), out_dir / "partners.csv"),
        "deliveries": write_csv_safe(deliveries, out_dir / "deliveries.csv"),
        "rejects": write_csv_safe(rejects, out_dir / "rejects.csv"),
    }
