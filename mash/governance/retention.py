"""Retention: remove expired personal data everywhere the pipeline holds it.

Policy (``[retention]`` in ``governance.toml``):

- ``notification_months``: a delivery expires when its newest notification's event date is
  older than this. Its notifications and person mentions are deleted, with everything
  keyed on them (person links, link explanations, review-queue pairs, link decisions,
  share decisions, alert evidence), and its raw-store copy and landing file are deleted.
  The delivery's row stays, status ``purged`` and without a raw path, so a re-delivered
  copy is recognised and not loaded again, and the history of counts stays whole.
- ``reject_months``: rejected rows keep their reason but lose the raw partner data.

Retention works per delivery (partners deliver periodic extracts), so data is kept at
most one delivery period longer than the policy says. Derived tables (households,
family graph, alerts) are rebuilt from what remains by the next linkage and detection.

>>> # purge(con, paths, actor)  -> {"deliveries": 3, "notifications": 120, ...}
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from mash.governance.access import Actor, Policy, check

# (table, column holding a purged id): everything keyed on a purged mention or notification
_BY_MENTION = (("mention_person", "mention_id"), ("link_explanations", "record_id_l"),
               ("link_explanations", "record_id_r"), ("review_queue", "record_id_l"),
               ("review_queue", "record_id_r"), ("review_decisions", "record_id_l"),
               ("review_decisions", "record_id_r"))
_BY_NOTIFICATION = (("share_decisions", "notification_id"), ("alert_evidence", "notification_id"))


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def _months_ago(today: dt.date, months: int) -> dt.date:
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(y, m + 1, min(today.day, 28))


def expired_deliveries(con: duckdb.DuckDBPyConnection, cutoff: dt.date) -> list[tuple]:
    """(delivery_id, raw_path, partner, file_name, content_hash) of loaded deliveries whose newest event is before ``cutoff``."""
    return [tuple(r) for r in con.execute("""
        SELECT d.delivery_id, d.raw_path, d.partner, d.file_name, d.content_hash
        FROM deliveries d JOIN notifications n USING (delivery_id)
        WHERE d.status IN ('loaded', 'superseded')
        GROUP BY ALL HAVING max(n.event_date) < ?
        ORDER BY d.delivery_id
    """, [cutoff]).fetchall()]


def purge(con: duckdb.DuckDBPyConnection, paths, actor: Actor, today: dt.date | None = None,
          dry_run: bool = False) -> dict:
    """Apply the retention policy; returns what was (or, with ``dry_run``, would be) removed. Audited.

    >>> # purge(connect(paths.warehouse), paths, Actor.from_env(purpose="retention purge"))
    """
    policy = Policy.load(paths.governance).retention
    today = today or dt.date.today()
    cutoff = _months_ago(today, int(policy.get("notification_months", 72)))
    reject_cutoff = _months_ago(today, int(policy.get("reject_months", 12)))
    expired = expired_deliveries(con, cutoff)
    ids = [e[0] for e in expired]
    counts = {"cutoff": str(cutoff), "reject_cutoff": str(reject_cutoff), "deliveries": len(ids)}
    tables = _tables(con)
    con.register("_expired", pd.DataFrame({"delivery_id": ids}, dtype="string"))
    try:
        counts["notifications"] = con.execute(
            "SELECT count(*) FROM notifications WHERE delivery_id IN (SELECT delivery_id FROM _expired)").fetchall()[0][0]
        counts["mentions"] = con.execute(
            "SELECT count(*) FROM person_mentions WHERE delivery_id IN (SELECT delivery_id FROM _expired)"
        ).fetchall()[0][0]
        counts["reject_rows_cleared"] = con.execute("""
            SELECT count(*) FROM rejects r JOIN deliveries d USING (delivery_id)
            WHERE r.raw_row IS NOT NULL AND (d.received_at < ? OR r.delivery_id IN (SELECT delivery_id FROM _expired))
        """, [reject_cutoff]).fetchall()[0][0]
        check(paths, "purge", actor, {**counts, "dry_run": dry_run, "deliveries_purged": ids[:500]}, action="purge")
        if dry_run:
            return counts
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _gone_m AS SELECT mention_id FROM person_mentions "
                        "WHERE delivery_id IN (SELECT delivery_id FROM _expired)")
            con.execute("CREATE OR REPLACE TEMP TABLE _gone_n AS SELECT notification_id FROM notifications "
                        "WHERE delivery_id IN (SELECT delivery_id FROM _expired)")
            for table, col in _BY_MENTION:
                if table in tables:
                    con.execute(f"DELETE FROM {table} WHERE {col} IN (SELECT mention_id FROM _gone_m)")  # noqa: S608
            for table, col in _BY_NOTIFICATION:
                if table in tables:
                    con.execute(f"DELETE FROM {table} WHERE {col} IN (SELECT notification_id FROM _gone_n)")  # noqa: S608
            con.execute("DELETE FROM person_mentions WHERE delivery_id IN (SELECT delivery_id FROM _expired)")
            con.execute("DELETE FROM notifications WHERE delivery_id IN (SELECT delivery_id FROM _expired)")
            con.execute("""UPDATE rejects SET raw_row = NULL, reason = reason || ' [raw row purged under retention]'
                           WHERE raw_row IS NOT NULL AND (delivery_id IN (SELECT delivery_id FROM _expired)
                             OR delivery_id IN (SELECT delivery_id FROM deliveries WHERE received_at < ?))""",
                        [reject_cutoff])
            con.execute("""UPDATE deliveries SET status = 'purged', raw_path = NULL,
                           reason = 'personal data purged under the retention policy on ' || CAST(? AS VARCHAR)
                           WHERE delivery_id IN (SELECT delivery_id FROM _expired)""", [today])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("_expired")
    counts["files_removed"] = _remove_files(expired, Path(paths.landing))
    con.execute("CHECKPOINT")  # rewrite the file now, rather than keep deleted rows in the WAL
    return counts


def _remove_files(expired, landing: Path) -> int:
    """Delete the raw-store copies and the landing files of purged deliveries.

    A landing file is deleted only if it still holds the purged bytes: a newer delivery
    under the same name is not expired.
    """
    from mash.ingest.load import content_hash

    removed = 0
    for _, raw_path, partner, file_name, digest in expired:
        candidates = [Path(raw_path)] if raw_path else []
        landed = landing / partner / file_name
        if landed.exists() and content_hash(landed.read_bytes()) == digest:
            candidates.append(landed)
        for f in candidates:
            if f.exists():
                f.unlink()
                removed += 1
    return removed
