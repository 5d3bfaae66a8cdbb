"""Detectors whose subject is an adult: a domestic-abuse suspect across several households.

Same output columns as :mod:`analytics.detect_child`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.detect_child import COLUMNS, _empty
from analytics.episodes import merge_windows
from analytics.rule_config import Rule
from analytics.sqlutil import most_common_sql


def da_suspect_multi_household(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    """An adult named as suspect in domestic-abuse incidents at >= ``min_households`` different households
    where children were named, within ``window_days``.

    An incident's household is the address entity of its victim (else of the children named). Only
    incidents naming at least one child other than the suspect count: someone under 18, or of unknown
    age named in a role in ``child_roles_if_age_unknown`` (a child present, a child of the household).

    >>> da_suspect_multi_household(con, cfg.by_name("da_suspect_multi_household"))  # doctest: +SKIP
    """
    k, w = int(rule.t("min_households", 2)), int(rule.window_days)
    roles = [str(r) for r in rule.t("child_roles_if_age_unknown", ["child_present", "household_member"])]
    # a person of unknown age named as a child present or living in the household counts as a child
    child = "(o.is_child OR (o.age_at_event IS NULL AND list_contains($child_roles::VARCHAR[], o.role)))"
    inc = con.execute(f"""
        WITH m AS (
            SELECT lm.*, e.concern_type FROM linked_mentions lm JOIN notification_events e USING (notification_id)
            WHERE e.concern_type = 'domestic_abuse'
        ),
        sus AS (SELECT DISTINCT notification_id, person_id, event_date FROM m WHERE role = 'suspect'),
        hh AS (
            SELECT s.notification_id, s.person_id AS suspect, s.event_date,
                   coalesce({most_common_sql("o.address_id", "o.role = 'victim'")},
                            {most_common_sql("o.address_id", child)}) AS household,
                   count(DISTINCT o.person_id) FILTER (WHERE {child} AND o.role <> 'suspect') AS n_children,
                   list(DISTINCT o.person_id ORDER BY o.person_id) FILTER (WHERE o.role = 'victim') AS victims,
                   list(DISTINCT o.person_id ORDER BY o.person_id) FILTER (WHERE {child} AND o.role <> 'suspect')
                       AS children
            FROM sus s JOIN m o ON o.notification_id = s.notification_id AND o.person_id <> s.person_id
            GROUP BY s.notification_id, s.person_id, s.event_date
        )
        SELECT * FROM hh WHERE n_children > 0 AND household IS NOT NULL
        ORDER BY suspect, event_date, notification_id
    """, {"child_roles": roles}).df()
    if inc.empty:
        return _empty()
    win_rows = []
    many = inc.groupby("suspect")["household"].transform("nunique") >= k
    for sus, g in inc[many].groupby("suspect", sort=True):
        dates = g["event_date"].tolist()
        for i, d in enumerate(dates):
            end = d + pd.Timedelta(days=w - 1)
            sel = g[(g["event_date"] >= d) & (g["event_date"] <= end)]
            if sel["household"].nunique() >= k:
                win_rows.append({"suspect": sus, "start": d, "end": end, "ids": sel["notification_id"].tolist()})
    eps = merge_windows(pd.DataFrame(win_rows, columns=["suspect", "start", "end", "ids"]), ["suspect"])
    if eps.empty:
        return _empty()
    by_id = inc.set_index(["notification_id", "suspect"])
    labels = con.execute("SELECT address_id, label FROM address_entities").df().set_index("address_id")["label"]
    rows = []
    for r in eps.itertuples(index=False):
        sub = by_id.loc[[(i, r.suspect) for i in r.ids]]
        members = [(r.suspect, "subject")]
        members += [(v, "victim") for v in sorted({v for lst in sub["victims"] for v in lst})]
        members += [(c, "child") for c in sorted({c for lst in sub["children"] for c in lst})]
        homes = sorted({labels.get(h, h) for h in sub["household"]})
        rows.append({"subject_type": rule.subject, "subject_id": r.suspect, "window_start": r.start,
                     "window_end": r.end, "evidence": list(r.ids), "members": members,
                     "explanation": f"suspect in {len(r.ids)} domestic-abuse incidents with children named, at "
                                    f"{len(homes)} different households within {w} days: " + "; ".join(homes)})
    return pd.DataFrame(rows, columns=COLUMNS)
