"""The rule engine: run every configured rule and record each alert with its evidence.

Tables written (replaced on every run): ``alerts``, ``alert_evidence``, ``alert_members``.
Tables kept across runs: ``alert_log`` (when each alert id was first raised and
last seen) and ``alert_reviews`` (an analyst's outcome for an alert).

An alert id is a hash of (rule name, subject, sorted *trigger* evidence notification ids; a rule may
add *supporting* evidence, such as the other notifications at an address, that does not change it):
re-running on the same data gives the same ids, so reviews stay attached. New
evidence for the same subject is a new alert (the old one stays reviewed).

There is no score. Every alert carries its rule and thresholds, its window, the
notifications it rests on (agency, date, concern type, severity), the family
members involved and the weakest person link behind it.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from analytics import detect_adult, detect_child, detect_family
from analytics.rule_config import Rule, RulesConfig
from analytics.sqlutil import stable_id

LONDON = ZoneInfo("Europe/London")

DETECTORS: dict[str, Callable[[duckdb.DuckDBPyConnection, Rule], pd.DataFrame]] = {
    "low_level_repeat": detect_child.low_level_repeat,
    "re_referral": detect_child.re_referral,
    "repeat_contact": detect_child.repeat_contact,
    "sibling_spread": detect_family.sibling_spread,
    "escalation": detect_family.escalation,
    "family_moves": detect_family.family_moves,
    "da_suspect_multi_household": detect_adult.da_suspect_multi_household,
}
KINDS = frozenset(DETECTORS)

REVIEW_OUTCOMES = ("actioned", "information_shared", "already_known", "no_further_action", "wrong_link",
                   "false_positive")

PERSISTENT_DDL = """
CREATE TABLE IF NOT EXISTS alert_reviews (
    alert_id     VARCHAR NOT NULL,
    reviewed_at  TIMESTAMP NOT NULL,
    reviewer     VARCHAR NOT NULL,
    outcome      VARCHAR NOT NULL,
    note         VARCHAR
);
CREATE TABLE IF NOT EXISTS alert_log (
    alert_id         VARCHAR PRIMARY KEY,
    rule             VARCHAR NOT NULL,
    subject_id       VARCHAR NOT NULL,
    first_raised_at  TIMESTAMP NOT NULL,
    last_seen_at     TIMESTAMP NOT NULL
);
"""


def _now(now: datetime | None) -> datetime:
    """The run time as naive Europe/London wall-clock time (how the hub reads it)."""
    if now is None:
        return datetime.now(LONDON).replace(tzinfo=None, microsecond=0)
    if now.tzinfo is not None:
        return now.astimezone(LONDON).replace(tzinfo=None)
    return now


def ensure_alert_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``alert_reviews`` and ``alert_log`` if missing; never drops them.

    >>> con = duckdb.connect(); ensure_alert_tables(con); latest_reviews(con).empty
    True
    """
    con.execute(PERSISTENT_DDL)


def review_alert(con: duckdb.DuckDBPyConnection, alert_id: str, reviewer: str, outcome: str, note: str = "",
                 at: datetime | None = None) -> None:
    """Record an analyst's review of an alert. Reviews are appended, never overwritten; the latest counts.

    >>> review_alert(con, "AL-1a2b...", "j.smith", "information_shared", "sent to CSC")  # doctest: +SKIP
    """
    if outcome not in REVIEW_OUTCOMES:
        raise ValueError(f"outcome '{outcome}' is not one of {REVIEW_OUTCOMES}")
    ensure_alert_tables(con)
    con.execute("INSERT INTO alert_reviews VALUES (?, ?, ?, ?, ?)", [alert_id, _now(at), reviewer, outcome, note])


def _child_notes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _child_notes AS
        SELECT lm.person_id, lm.notification_id, e.event_date, e.owner_agency AS agency, e.partner,
               e.severity_rank, e.severity, e.decision, e.concern_type, e.rag, e.dash_risk, e.attendance_pct,
               list(DISTINCT lm.role ORDER BY lm.role) AS roles
        FROM linked_mentions lm JOIN notification_events e USING (notification_id)
        WHERE lm.is_child
        GROUP BY ALL
    """)


def run_rules(con: duckdb.DuckDBPyConnection, cfg: RulesConfig, now: datetime | None = None,
              timings: dict[str, float] | None = None) -> dict[str, int]:
    """Run every rule in ``cfg`` and write the alert tables; returns alerts per rule (and, when
    ``timings`` is given, fills it with each rule's wall time in seconds and ``assemble_and_write``).

    Needs the tables built by :mod:`analytics.base`, :mod:`analytics.households` and
    :mod:`analytics.family_graph`.

    >>> run_rules(con, load_rules("data_samples/rules.toml"))  # doctest: +SKIP
    {'low_level_repeat': 36, ...}
    """
    ensure_alert_tables(con)
    run_at = _now(now)
    timings = {} if timings is None else timings
    t = time.perf_counter()
    _child_notes(con)
    timings["child_notes"] = round(time.perf_counter() - t, 3)
    # each rule's alerts are staged in DuckDB as soon as they are found: memory holds one rule's at a time
    con.execute(STAGING_DDL)
    rules = {r.name: r for r in cfg.rules}
    counts = {r.name: 0 for r in cfg.rules}
    staging = 0.0
    for rule in cfg.rules:
        t = time.perf_counter()
        f = DETECTORS[rule.kind](con, rule)
        timings[rule.name] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        if len(f):
            f = f.copy()
            f["rule"] = rule.name
            alerts, members = _assemble([f], rules)
            _stage(con, alerts, members)
            counts[rule.name] = int(len(alerts))
        staging += time.perf_counter() - t
    con.execute("DROP TABLE IF EXISTS _child_notes")
    t = time.perf_counter()
    _add_family_context(con)
    _write(con, run_at)
    timings["assemble_and_write"] = round(staging + time.perf_counter() - t, 3)
    return counts


EVIDENCE_SQL = """
    WITH ev AS (
        SELECT * FROM _alert_ev WHERE alert_id IN (SELECT alert_id FROM _alert_found WHERE rule = $rule)
    ),
    named AS (
        SELECT ev.alert_id, ev.notification_id,
               string_agg(DISTINCT coalesce(p.display_name, lm.person_id) || ' (' || lm.role || ')', '; '
                          ORDER BY coalesce(p.display_name, lm.person_id) || ' (' || lm.role || ')')
                   AS people_named,
               min(lm.link_probability) AS min_link_probability
        FROM ev
        JOIN linked_mentions lm USING (notification_id)
        JOIN _alert_mem m ON m.alert_id = ev.alert_id AND m.person_id = lm.person_id
        LEFT JOIN person_profiles p ON p.person_id = lm.person_id
        GROUP BY ev.alert_id, ev.notification_id
    )
    SELECT ev.alert_id, e.notification_id, ev.evidence_role, e.owner_agency AS agency, e.partner, e.source_ref,
           e.event_date,
           e.concern_type, e.severity, e.severity_rank, e.decision, e.rag, e.dash_risk, e.attendance_pct,
           e.consent, e.free_text, e.n_copies, n.people_named, coalesce(n.min_link_probability, 1.0)
               AS min_link_probability
    FROM ev JOIN notification_events e USING (notification_id)
    LEFT JOIN named n ON n.alert_id = ev.alert_id AND n.notification_id = ev.notification_id
    ORDER BY ev.alert_id, e.event_date, e.notification_id
"""

STAGING_DDL = """
CREATE OR REPLACE TEMP TABLE _alert_found (
    alert_id VARCHAR, rule VARCHAR, rule_kind VARCHAR, priority BIGINT, in_queue BOOLEAN, pattern_type VARCHAR,
    subject_type VARCHAR, subject_id VARCHAR, window_days BIGINT, thresholds VARCHAR, description VARCHAR,
    explanation VARCHAR
);
CREATE OR REPLACE TEMP TABLE _alert_ev (alert_id VARCHAR, notification_id VARCHAR, evidence_role VARCHAR);
CREATE OR REPLACE TEMP TABLE _alert_mem (alert_id VARCHAR, person_id VARCHAR, relation VARCHAR);
"""


def _stage(con: duckdb.DuckDBPyConnection, alerts: pd.DataFrame, members: pd.DataFrame) -> None:
    """Append one rule's alerts, their evidence (trigger and supporting) and members to the staging tables."""
    ev = alerts[["alert_id", "evidence"]].explode("evidence").rename(columns={"evidence": "notification_id"})
    ev = ev.dropna().assign(evidence_role="trigger")
    sup = alerts[["alert_id", "supporting"]].explode("supporting").rename(columns={"supporting": "notification_id"})
    sup = sup.dropna().assign(evidence_role="supporting")
    con.register("_df_found", alerts.drop(columns=["evidence", "supporting"]))
    con.register("_df_ev", pd.concat([ev, sup], ignore_index=True))
    con.register("_df_mem", members)
    try:
        con.execute("INSERT INTO _alert_found BY NAME SELECT * FROM _df_found")
        con.execute("INSERT INTO _alert_ev BY NAME SELECT * FROM _df_ev")
        con.execute("INSERT INTO _alert_mem BY NAME SELECT * FROM _df_mem")
    finally:
        for name in ("_df_found", "_df_ev", "_df_mem"):
            con.unregister(name)


def _add_family_context(con: duckdb.DuckDBPyConnection) -> None:
    """A child's alert also names the child's family network (siblings, carers, household adults), so the
    analyst sees who else is involved."""
    con.execute("""
        INSERT INTO _alert_mem
        SELECT a.alert_id, o.person_id, CASE WHEN o.relation = 'child' THEN 'sibling' ELSE o.relation END
        FROM _alert_found a
        JOIN family_networks c ON c.person_id = a.subject_id AND c.relation = 'child'
        JOIN family_networks o ON o.network_id = c.network_id AND o.person_id <> c.person_id
        WHERE a.subject_type = 'child'
          AND NOT EXISTS (SELECT 1 FROM _alert_mem m WHERE m.alert_id = a.alert_id AND m.person_id = o.person_id)
    """)


def _assemble(found: list[pd.DataFrame], rules: dict[str, Rule]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = ["alert_id", "rule", "rule_kind", "priority", "in_queue", "pattern_type", "subject_type", "subject_id",
            "window_days", "thresholds", "description", "explanation", "evidence", "supporting"]
    if not found:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["alert_id", "person_id", "relation"])
    f = pd.concat(found, ignore_index=True)
    f["evidence"] = f["evidence"].map(lambda ids: sorted(set(ids)))
    if "supporting" not in f:
        f["supporting"] = None
    f["supporting"] = [sorted(set(s or []) - set(ev)) if isinstance(s, list) else []
                       for s, ev in zip(f["supporting"], f["evidence"])]
    f["alert_id"] = [stable_id("AL", r, s, ";".join(ev)) for r, s, ev in zip(f["rule"], f["subject_id"],
                                                                             f["evidence"])]
    f = f.drop_duplicates("alert_id").reset_index(drop=True)
    f["rule_kind"] = f["rule"].map(lambda n: rules[n].kind)
    f["priority"] = f["rule"].map(lambda n: rules[n].priority)
    f["in_queue"] = f["rule"].map(lambda n: rules[n].in_queue)
    f["pattern_type"] = f["rule"].map(lambda n: rules[n].pattern_type)
    f["window_days"] = f["rule"].map(lambda n: rules[n].window_days)
    f["thresholds"] = f["rule"].map(lambda n: rules[n].thresholds_text())
    f["description"] = f["rule"].map(lambda n: rules[n].description)
    mem = [(a, p, rel) for a, ms in zip(f["alert_id"], f["members"]) for p, rel in ms]
    members = pd.DataFrame(mem, columns=["alert_id", "person_id", "relation"]).drop_duplicates(
        ["alert_id", "person_id"])
    return f[cols], members


def _write(con: duckdb.DuckDBPyConnection, run_at: datetime) -> None:
    """The alert tables from the staged alerts, evidence and members."""
    con.execute("""
        CREATE OR REPLACE TABLE alert_members AS
        SELECT m.alert_id, m.person_id, m.relation, p.display_name AS name, p.dob,
               lm.is_child
        FROM _alert_mem m
        LEFT JOIN person_profiles p USING (person_id)
        LEFT JOIN (SELECT person_id, bool_or(is_child) AS is_child FROM linked_mentions GROUP BY 1) lm
          USING (person_id)
    """)
    # members named in the evidence, with their roles: what each agency recorded about whom. One rule at a
    # time: naming the people is an aggregate DuckDB cannot spill, and the repeat-contact measures alone
    # have over a million evidence rows at a million notifications
    rule_names = [r for (r,) in con.execute("SELECT DISTINCT rule FROM _alert_found ORDER BY rule").fetchall()]
    con.execute(f"CREATE OR REPLACE TABLE alert_evidence AS {EVIDENCE_SQL}", {"rule": ""})
    for name in rule_names:
        con.execute(f"INSERT INTO alert_evidence {EVIDENCE_SQL}", {"rule": name})
    con.execute(
        """
        INSERT INTO alert_log
        SELECT alert_id, rule, subject_id, ?, ? FROM _alert_found
        ON CONFLICT (alert_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
        """,
        [run_at, run_at],
    )
    con.execute("""
        CREATE OR REPLACE TABLE alerts AS
        WITH ev AS (
            SELECT alert_id, count(*) AS n_evidence, count(DISTINCT agency) AS n_agencies,
                   string_agg(DISTINCT agency, '; ' ORDER BY agency) AS agencies,
                   min(event_date) AS window_start, max(event_date) AS window_end,
                   max(severity_rank) AS max_severity_rank, min(min_link_probability) AS link_confidence
            FROM alert_evidence WHERE evidence_role = 'trigger' GROUP BY alert_id
        ),
        subj AS (
            SELECT a.alert_id,
                   CASE WHEN a.subject_type IN ('child', 'adult')
                        THEN coalesce(p.display_name, a.subject_id) ||
                             coalesce(' (born ' || strftime(p.dob, '%d/%m/%Y') || ')', '')
                        ELSE 'Family of ' || coalesce((
                             SELECT string_agg(coalesce(m.name, m.person_id), ', ' ORDER BY m.person_id)
                             FROM alert_members m WHERE m.alert_id = a.alert_id AND m.relation = 'child'),
                             a.subject_id)
                   END AS subject_label
            FROM _alert_found a LEFT JOIN person_profiles p ON p.person_id = a.subject_id
        )
        SELECT a.alert_id, a.rule, a.rule_kind, a.priority, a.in_queue, a.pattern_type,
               a.subject_type, a.subject_id, s.subject_label,
               ev.window_start, ev.window_end, a.window_days, a.thresholds, a.description, a.explanation,
               ev.n_evidence, ev.n_agencies, ev.agencies,
               ['low', 'medium', 'high', 'critical'][ev.max_severity_rank] AS max_severity,
               ev.link_confidence, l.first_raised_at, l.last_seen_at
        FROM _alert_found a JOIN ev USING (alert_id) JOIN subj s USING (alert_id)
        JOIN alert_log l USING (alert_id)
        ORDER BY a.priority, ev.window_end DESC, a.alert_id
    """)
    for t in ("_alert_found", "_alert_ev", "_alert_mem"):
        con.execute(f"DROP TABLE {t}")


def latest_reviews(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest review per alert: ``alert_id, reviewed_at, reviewer, outcome, note``.

    >>> latest_reviews(con).set_index("alert_id").loc["AL-1a2b3c4d5e6f7a8b", "outcome"]  # doctest: +SKIP
    'information_shared'
    """
    ensure_alert_tables(con)
    return con.execute("""
        SELECT alert_id, reviewed_at, reviewer, outcome, note FROM alert_reviews
        QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY reviewed_at DESC, outcome) = 1
    """).df()
