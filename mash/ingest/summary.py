"""Per-partner counts and the reconciliation that proves nothing was lost."""

from __future__ import annotations

import duckdb
import pandas as pd

_SUMMARY = """
SELECT partner,
       count(*) FILTER (WHERE status = 'loaded')       AS files_loaded,
       count(*) FILTER (WHERE status = 'quarantined')  AS files_quarantined,
       count(*) FILTER (WHERE status = 'duplicate')    AS files_duplicate,
       count(*) FILTER (WHERE status = 'superseded')   AS files_superseded,
       coalesce(sum(rows_in), 0)::BIGINT        AS rows_in,
       coalesce(sum(rows_loaded), 0)::BIGINT    AS rows_loaded,
       coalesce(sum(rows_rejected), 0)::BIGINT  AS rows_rejected,
       coalesce(sum(notifications), 0)::BIGINT  AS notifications,
       coalesce(sum(mentions), 0)::BIGINT       AS mentions
FROM deliveries
WHERE partner = coalesce(?, partner)
GROUP BY partner ORDER BY partner
"""

# Each delivery's counts must agree with itself and with the rows actually in the tables.
_RECONCILE = """
WITH m AS (SELECT delivery_id, count(DISTINCT row_number) AS rows_with_people, count(*) AS mentions
           FROM person_mentions GROUP BY delivery_id),
     n AS (SELECT delivery_id, count(*) AS notifications FROM notifications GROUP BY delivery_id),
     r AS (SELECT delivery_id, count(*) AS rejects FROM rejects WHERE row_number > 0 GROUP BY delivery_id)
SELECT d.delivery_id, d.partner, d.file_name, d.status, d.rows_in, d.rows_loaded, d.rows_rejected,
       coalesce(m.rows_with_people, 0) AS rows_in_tables, coalesce(r.rejects, 0) AS rejects_in_table,
       coalesce(n.notifications, 0) AS notifications_in_table, d.notifications,
       coalesce(m.mentions, 0) AS mentions_in_table, d.mentions
FROM deliveries d
LEFT JOIN m USING (delivery_id) LEFT JOIN n USING (delivery_id) LEFT JOIN r USING (delivery_id)
WHERE d.partner = coalesce(?, d.partner) AND d.status <> 'purged'
  AND (d.rows_in <> d.rows_loaded + d.rows_rejected
       OR coalesce(m.rows_with_people, 0) <> d.rows_loaded
       OR coalesce(n.notifications, 0) <> d.notifications
       OR coalesce(m.mentions, 0) <> d.mentions
       OR (d.status = 'loaded' AND coalesce(r.rejects, 0) <> d.rows_rejected))
"""


def partner_summary(con: duckdb.DuckDBPyConnection, partner: str | None = None) -> pd.DataFrame:
    """Files and rows per partner (all partners when ``partner`` is None).

    >>> from mash.warehouse import connect
    >>> partner_summary(connect(":memory:")).empty
    True
    """
    return con.execute(_SUMMARY, [partner]).df()


def reconciliation_problems(con: duckdb.DuckDBPyConnection, partner: str | None = None) -> pd.DataFrame:
    """Deliveries whose counts do not reconcile (empty when rows in = rows loaded + rows rejected everywhere)."""
    return con.execute(_RECONCILE, [partner]).df()
