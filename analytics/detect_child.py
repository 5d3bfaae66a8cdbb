"""Detectors whose subject is one child: low-level repeats, re-referrals, repeat contacts.

Every detector takes the connection and its :class:`~analytics.rule_config.Rule`
and returns one row per finding with ``subject_type, subject_id, window_start,
window_end, evidence`` (notification ids), ``members`` (``(person_id, relation)``
pairs) and ``explanation`` (plain words, with the numbers that triggered it).
They read the temporary table ``_child_notes`` (one row per child per
notification naming them) that :func:`analytics.rules.run_rules` builds.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from analytics.episodes import merge_windows
from analytics.rule_config import Rule

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
_ALIAS = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*\.)?")
COLUMNS = ["subject_type", "subject_id", "window_start", "window_end", "evidence", "members", "explanation"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def threshold_sql(rule: Rule, alias: str = "") -> str:
    """SQL predicate for "at threshold on its own" (severity above the rule's maximum, or a decision
    at or above early help); ``alias`` qualifies the columns (``"e."``). The decisions are the
    ``$threshold_decisions`` parameter: pass :func:`threshold_params` with the query.

    >>> from analytics.rule_config import Rule
    >>> threshold_sql(Rule("r", "low_level_repeat", "child", 90, {"threshold_decisions": ["early_help"]}), "e.")
    '(e.severity_rank > 1 OR coalesce(list_contains($threshold_decisions::VARCHAR[], e.decision), false))'
    """
    if not _ALIAS.fullmatch(alias):
        raise ValueError(f"alias must be empty or a table alias followed by a dot, got {alias!r}")
    max_rank = int(SEVERITY_RANK[rule.t("max_severity", "low")])
    return (f"({alias}severity_rank > {max_rank} OR "
            f"coalesce(list_contains($threshold_decisions::VARCHAR[], {alias}decision), false))")


def threshold_params(rule: Rule) -> dict[str, list[str]]:
    """The parameter :func:`threshold_sql` refers to.

    >>> threshold_params(Rule("r", "low_level_repeat", "child", 90))["threshold_decisions"]
    ['early_help', 'referral_s17', 'strategy_s47']
    """
    decisions = rule.t("threshold_decisions", ["early_help", "referral_s17", "strategy_s47"])
    return {"threshold_decisions": [str(d) for d in decisions]}


def low_level_repeat(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    """A child named in >= ``min_notifications`` notifications from >= ``min_agencies`` agencies within
    ``window_days``, none of them at threshold on its own (severity above ``max_severity`` or a
    decision in ``threshold_decisions``).

    >>> low_level_repeat(con, rule)  # doctest: +SKIP
    """
    n_min, a_min, w = int(rule.t("min_notifications", 3)), int(rule.t("min_agencies", 2)), int(rule.window_days)
    thr = threshold_sql(rule)
    win = con.execute(f"""
        WITH c AS (SELECT *, {thr} AS at_threshold FROM _child_notes)
        SELECT s.person_id, s.event_date AS start, s.event_date + INTERVAL {w - 1} DAY AS "end",
               count(*) AS n, count(DISTINCT x.agency) AS n_agencies, bool_or(x.at_threshold) AS any_threshold,
               list(x.notification_id ORDER BY x.notification_id) AS ids
        FROM c s JOIN c x ON x.person_id = s.person_id
             AND x.event_date BETWEEN s.event_date AND s.event_date + INTERVAL {w - 1} DAY
        GROUP BY s.person_id, s.notification_id, s.event_date
        HAVING count(*) >= {n_min} AND count(DISTINCT x.agency) >= {a_min} AND NOT bool_or(x.at_threshold)
    """, threshold_params(rule)).df()
    eps = merge_windows(win, ["person_id"])
    if eps.empty:
        return _empty()
    return _child_findings(con, eps, rule, lambda n, ags: (
        f"{n} notifications from {len(ags)} agencies ({', '.join(ags)}) within {w} days; none above "
        f"{rule.t('max_severity', 'low')} severity and no front-door decision at threshold "
        f"(rule: >= {n_min} notifications from >= {a_min} agencies)"))


def re_referral(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    """Children in Need definition: a referral (decision in ``referral_decisions``) within ``window_days``
    (365) of a previous referral of the same child. One finding per chain of such referrals.

    >>> re_referral(con, cfg.by_name("re_referral_12m"))  # doctest: +SKIP
    """
    w = int(rule.window_days)
    decisions = [str(d) for d in rule.t("referral_decisions", ["referral_s17", "strategy_s47"])]
    # the subject of a children's social care decision is a child by definition, even where the record
    # makes them 18 by the time of the second referral
    win = con.execute(f"""
        WITH r AS (
            SELECT DISTINCT lm.person_id, lm.notification_id, lm.event_date
            FROM linked_mentions lm JOIN notification_events e USING (notification_id)
            WHERE list_contains($referral_decisions::VARCHAR[], e.decision) AND (lm.role = 'subject' OR lm.is_child)
        ), p AS (
            SELECT person_id, notification_id, event_date,
                   lag(notification_id) OVER w AS prev_id, lag(event_date) OVER w AS prev_date
            FROM r WINDOW w AS (PARTITION BY person_id ORDER BY event_date, notification_id)
        )
        SELECT person_id, prev_date AS start, event_date AS "end", [prev_id, notification_id] AS ids
        FROM p WHERE prev_id IS NOT NULL AND date_diff('day', prev_date, event_date) <= {w}
    """, {"referral_decisions": decisions}).df()
    eps = merge_windows(win, ["person_id"])
    if eps.empty:
        return _empty()
    return _child_findings(con, eps, rule, lambda n, ags: (
        f"{n} referrals to children's social care, each within {w} days of the one before "
        f"(Children in Need re-referral definition)"))


def repeat_contact(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    """A child contacted about again within ``window_days`` (30, 90 or 365) of a previous contact, on a
    later day (``min_gap_days``, default 1). A front-door measure; one finding per chain.

    >>> repeat_contact(con, cfg.by_name("repeat_contact_30d"))  # doctest: +SKIP
    """
    w, gap = int(rule.window_days), int(rule.t("min_gap_days", 1))
    win = con.execute(f"""
        WITH c AS (SELECT DISTINCT person_id, notification_id, event_date FROM _child_notes),
        p AS (
            SELECT *, lag(notification_id) OVER w AS prev_id, lag(event_date) OVER w AS prev_date
            FROM c WINDOW w AS (PARTITION BY person_id ORDER BY event_date, notification_id)
        )
        SELECT person_id, prev_date AS start, event_date AS "end", [prev_id, notification_id] AS ids
        FROM p WHERE prev_id IS NOT NULL AND date_diff('day', prev_date, event_date) BETWEEN {gap} AND {w}
    """).df()
    eps = merge_windows(win, ["person_id"])
    if eps.empty:
        return _empty()
    return _child_findings(con, eps, rule, lambda n, ags: (
        f"{n} contacts, each within {w} days of the one before"))


def _child_findings(con: duckdb.DuckDBPyConnection, eps: pd.DataFrame, rule: Rule, explain) -> pd.DataFrame:
    """Episodes of one child -> findings, with the agencies named in the explanation."""
    ags = con.execute("SELECT notification_id, owner_agency FROM notification_events").df()
    agency = dict(zip(ags["notification_id"], ags["owner_agency"]))
    rows = []
    for r in eps.itertuples(index=False):
        names = sorted({agency.get(i, "?") for i in r.ids})
        rows.append({"subject_type": rule.subject, "subject_id": r.person_id,
                     "window_start": r.start, "window_end": r.end, "evidence": list(r.ids),
                     "members": [(r.person_id, "subject")], "explanation": explain(len(r.ids), names)})
    return pd.DataFrame(rows, columns=COLUMNS)
