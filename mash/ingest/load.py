"""Load partner deliveries into the warehouse, losing nothing and counting nothing twice.

For each file in a partner's landing folder:

1. its bytes are hashed and copied, unchanged, into the raw store under the hash
   (the copy is made read-only: the raw store is immutable);
2. a file already loaded with the same name and bytes is skipped; the same bytes
   under another name are recorded as a ``duplicate`` and not loaded again;
   a changed file under a name already loaded ``supersedes`` the earlier one;
3. the file is read and mapped; an unusable file is ``quarantined`` with its reason,
   bad rows are rejected one by one and the rest loads;
4. the delivery's rows are written in one transaction, delete-then-insert keyed by
   the delivery id, so a re-run writes exactly the same rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from mash import contracts  # module import: mash.contracts imports mash.ingest (a cycle)
from mash.ingest.config import PartnerConfig
from mash.ingest.mapping import MENTION_COLUMNS, NOTIFICATION_COLUMNS, Mapped, map_rows
from mash.ingest.readers import Quarantine, jsonl_lines, read_delivery


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one delivered file."""

    partner: str
    file_name: str
    delivery_id: str
    status: str  # loaded | quarantined | duplicate | superseded | unchanged
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    notifications: int = 0
    mentions: int = 0
    reason: str | None = None


def content_hash(data: bytes) -> str:
    """sha256 hex digest: ``content_hash(b"") == "e3b0c442...b855"``."""
    return hashlib.sha256(data).hexdigest()


def store_raw(data: bytes, digest: str, partner: str, suffix: str, raw_store: Path) -> Path:
    """Write the bytes once under their hash and make the copy read-only."""
    target = raw_store / partner / f"{digest}{suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        target.chmod(0o444)
    return target


def _write(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    if df.empty:
        return
    name = f"_batch_{table}"
    con.register(name, df)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")  # noqa: S608 - fixed table names
    finally:
        con.unregister(name)


def _rejects_frame(delivery_id: str, partner: str, file_name: str,
                   rejects: Iterable[tuple[int, str, str]]) -> pd.DataFrame:
    rows = list(rejects)
    return pd.DataFrame({
        "reject_id": [f"{delivery_id}:{r}:{i}" for i, (r, _, _) in enumerate(rows)],
        "delivery_id": delivery_id,
        "partner": partner,
        "file_name": file_name,
        "row_number": pd.Series([r for r, _, _ in rows], dtype="int64"),
        "reason": [reason for _, reason, _ in rows],
        "raw_row": [raw for _, _, raw in rows],
    })


def _delivery_row(**kw) -> pd.DataFrame:
    return pd.DataFrame([kw])


def ingest_file(con: duckdb.DuckDBPyConnection, cfg: PartnerConfig, path: Path, raw_store: Path,
                now: dt.datetime | None = None) -> DeliveryResult:
    """Ingest one delivered file idempotently. See the module docstring for the rules.

    >>> # ingest_file(connect("w.duckdb"), load_config(Path("partners/police.toml")),
    >>> #             Path("landing/police/police_2025-01.csv"), Path("raw"))
    """
    path = Path(path)
    data = path.read_bytes()
    digest = content_hash(data)
    delivery_id = f"{cfg.partner}-{digest[:16]}"
    file_name = path.name
    now = now or dt.datetime.now()
    received_at = dt.datetime.fromtimestamp(path.stat().st_mtime)

    prior = con.execute(
        "SELECT file_name, status FROM deliveries WHERE delivery_id = ?", [delivery_id]).fetchall()
    if prior:
        prior = prior[0]
        if prior[0] == file_name:
            return DeliveryResult(cfg.partner, file_name, delivery_id, "unchanged",
                                  reason="already ingested with these exact bytes")
        dup_id = f"{delivery_id}-dup-{content_hash(file_name.encode())[:8]}"
        reason = (f"identical bytes to '{prior[0]}' (delivery {delivery_id}), which is already in the "
                  f"warehouse; not loaded again")
        exists = con.execute("SELECT 1 FROM deliveries WHERE delivery_id = ?", [dup_id]).fetchall()
        if not exists:
            _write(con, "deliveries", _delivery_row(
                delivery_id=dup_id, partner=cfg.partner, file_name=file_name, content_hash=digest,
                raw_path=None, size_bytes=len(data), received_at=received_at, ingested_at=now,
                status="duplicate", reason=reason, duplicate_of=delivery_id, rows_in=0, rows_loaded=0,
                rows_rejected=0, notifications=0, mentions=0, config_file=cfg.path.name))
        return DeliveryResult(cfg.partner, file_name, dup_id, "duplicate", reason=reason)

    raw_path = store_raw(data, digest, cfg.partner, path.suffix, raw_store)
    try:
        table = read_delivery(path, data, cfg)
        mapped = map_rows(table, cfg, delivery_id, file_name, received=max(received_at, now).date())
        rows_in = table.rows_in
        rejects = table.rejects + mapped.rejects
        status, reason = "loaded", None
        if rows_in == 0:
            reason = "header only: the file has no data rows"
    except Exception as exc:  # noqa: BLE001 - any failure to read quarantines this file only
        mapped = Mapped(pd.DataFrame(columns=NOTIFICATION_COLUMNS), pd.DataFrame(columns=MENTION_COLUMNS), [])
        reason = str(exc) if isinstance(exc, Quarantine) else (
            f"unexpected error while reading the file ({type(exc).__name__}: {exc}); "
            f"the file is kept in the raw store - please report this as a bug")
        status = "quarantined"
        # Every row of a quarantined file counts as rejected, so the reconciliation still holds.
        rows_in = _count_rows(path, data, cfg)
        rejects = [(0, reason, "")]

    rows_rejected = rows_in if status == "quarantined" else len(rejects)
    rows_loaded = rows_in - rows_rejected
    notif, ment = mapped.notifications, mapped.mentions
    rej = _rejects_frame(delivery_id, cfg.partner, file_name, rejects)
    if not notif.empty:
        contracts.validate("notifications", notif)
        contracts.validate("person_mentions", ment)
    contracts.validate("rejects", rej) if not rej.empty else None

    superseded = con.execute(
        "SELECT delivery_id FROM deliveries WHERE partner = ? AND file_name = ? AND status = 'loaded' "
        "AND delivery_id <> ?", [cfg.partner, file_name, delivery_id]).fetchall()

    con.execute("BEGIN TRANSACTION")
    try:
        for (old,) in superseded:
            for t in ("notifications", "person_mentions", "rejects"):
                con.execute(f"DELETE FROM {t} WHERE delivery_id = ?", [old])  # noqa: S608
            con.execute("UPDATE deliveries SET status = 'superseded', rows_loaded = 0, rows_rejected = 0, "
                        "rows_in = 0, notifications = 0, mentions = 0, reason = ? WHERE delivery_id = ?",
                        [f"replaced by a later delivery of '{file_name}' with different content "
                         f"({delivery_id})", old])
        # A delivery's rows exist only if its deliveries row does (one transaction), so a new
        # delivery needs no delete; scanning the big tables for nothing is most of the cost.
        if con.execute("SELECT count(*) FROM deliveries WHERE delivery_id = ?", [delivery_id]).fetchall()[0][0]:
            for t in ("notifications", "person_mentions", "rejects", "deliveries"):
                con.execute(f"DELETE FROM {t} WHERE delivery_id = ?", [delivery_id])  # noqa: S608
        _write(con, "notifications", notif)
        _write(con, "person_mentions", ment)
        _write(con, "rejects", rej)
        _write(con, "deliveries", _delivery_row(
            delivery_id=delivery_id, partner=cfg.partner, file_name=file_name, content_hash=digest,
            raw_path=str(raw_path), size_bytes=len(data), received_at=received_at, ingested_at=now,
            status=status, reason=reason, duplicate_of=None, rows_in=rows_in, rows_loaded=rows_loaded,
            rows_rejected=rows_rejected, notifications=len(notif), mentions=len(ment),
            config_file=cfg.path.name))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return DeliveryResult(cfg.partner, file_name, delivery_id, status, rows_in, rows_loaded, rows_rejected,
                          len(notif), len(ment), reason)


def _count_rows(path: Path, data: bytes, cfg: PartnerConfig) -> int:
    """Best-effort count of data records in a quarantined file (0 when it cannot be split at all)."""
    if not data:
        return 0
    try:
        if cfg.format == "xlsx":
            return 0
        text = data.decode(cfg.encoding if cfg.encoding != "utf-8" else "utf-8", errors="replace")
        if cfg.format == "jsonl":
            return sum(1 for line in jsonl_lines(text) if line.strip())
        import csv
        import io
        n = sum(1 for r in csv.reader(io.StringIO(text, newline=""), delimiter=cfg.delimiter) if r)
        return max(n - 1, 0)
    except Exception:  # counting is a courtesy; the reason already tells the person what to do
        return 0


def landing_files(cfg: PartnerConfig, landing_root: Path) -> list[Path]:
    """Files waiting in ``<landing_root>/<partner>/`` that match the feed's glob, oldest name first."""
    folder = Path(landing_root) / cfg.partner
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(cfg.file_glob)
                  if p.is_file() and not p.name.startswith(".") and p.parent == folder)  # never outside it


def ingest_partner(con: duckdb.DuckDBPyConnection, cfg: PartnerConfig, landing_root: Path, raw_store: Path,
                   on_file: Callable[[DeliveryResult], None] | None = None) -> list[DeliveryResult]:
    """Ingest every file in one partner's landing folder. One bad file never stops the rest."""
    results = []
    for path in landing_files(cfg, landing_root):
        result = ingest_file(con, cfg, path, raw_store)
        results.append(result)
        if on_file:
            on_file(result)
    return results
