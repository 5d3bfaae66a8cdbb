"""The commissioner report's figures: aggregate count cubes computed from the warehouse for a period.

Each function runs parameterised SQL over the analytics tables (``notification_events``,
``linked_mentions``, ``alerts`` ...) and returns a :class:`Cube`: one row per combination of
its dimensions with a count ``n``, and each dimension's full list of values (so a category
with no count still shows as 0). No person id or date leaves these functions; tables for the
report are sums over a cube (:meth:`Cube.crosstab`), and disclosure control comes after.

Definitions (stated on the report too):

* a *notification* (contact) is one real event: re-sent copies are counted once;
* a *child* is anyone under 18 at the notification (``linked_mentions.is_child``), as the rules use;
* a *front-door contact* is a record with a front-door decision (children's social care);
  a *referral* is a decision in the rules' ``referral_decisions`` (s17 or s47);
* a *re-referral* is a referral within 365 days of a previous referral of the same child
  (Children in Need definition, the same SQL as the ``re_referral_12m`` rule);
* a *repeat contact* within N days: a notification in the period about a child who had one
  on an earlier day no more than N days before (the ``repeat_contact_*`` rules' definition).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta  # noqa: F401 - date is used in the examples

import duckdb
import pandas as pd

from analytics.commissioner.period import Period, quarter_of
from analytics.rag import RagConfig, working_hours_between
from analytics.rules import REVIEW_OUTCOMES

NOT_KNOWN = "Not known"
NOT_RECORDED = "Not recorded"
AGE_BANDS = ["Under 1", "1-4", "5-9", "10-15", "16-17", NOT_KNOWN]
SEXES = ["Female", "Male", NOT_RECORDED]
REFERRAL_REPEAT = "Referral: re-referral within 12 months"
REFERRAL_FIRST = "Referral: none in the previous 12 months"
DECISIONS = [REFERRAL_REPEAT, REFERRAL_FIRST, "Early help", "No further action", "Information only", NOT_RECORDED]
DECISION_GROUPS = {REFERRAL_REPEAT: "Referral", REFERRAL_FIRST: "Referral"}
DECISION_LABELS = {"early_help": "Early help", "nfa": "No further action", "information_only": "Information only"}
RAGS = ["red", "amber", "green", "blue", NOT_RECORDED]
ON_TIME = "Within the timescale"
DEPENDS = "Within it only if received late in the day"
LATE = "Outside the timescale"
NO_TIME = "No decision time recorded"
NO_SCALE = "No timescale (blue or no RAG)"
TIMELINESS = [ON_TIME, DEPENDS, LATE, NO_TIME, NO_SCALE]
REPEAT_BANDS = ["Within 30 days", "Within 31-90 days", "Within 91-365 days", "No repeat within 365 days"]
MULTI = ["2 or more agencies", "1 agency"]
ALERTED = ["Alerted", "Not alerted"]
NOT_REVIEWED = "not reviewed"


@dataclass(frozen=True)
class Cube:
    """Counts ``n`` by every combination of ``dims``; ``domains`` lists each dimension's values in order.

    ``derived`` maps a dimension made from another (``quarter`` from ``month``) to
    ``(base dimension, {base value: derived value})``.

    >>> c = Cube("x", pd.DataFrame({"a": ["p", "q"], "b": ["u", "u"], "n": [2, 3]}), {"a": ["p", "q"], "b": ["u", "v"]})
    >>> c.crosstab("a", "b").to_dict()
    {'u': {'p': 2, 'q': 3}, 'v': {'p': 0, 'q': 0}}
    """

    name: str
    frame: pd.DataFrame
    domains: dict[str, list[str]]
    derived: dict[str, tuple[str, dict[str, str]]] | None = None

    def values(self, dim: str) -> list[str]:
        if dim in self.domains:
            return list(self.domains[dim])
        base, mapping = (self.derived or {})[dim]
        return list(dict.fromkeys(mapping[v] for v in self.domains[base]))

    def column(self, dim: str) -> pd.Series:
        if dim in self.domains:
            return self.frame[dim]
        base, mapping = (self.derived or {})[dim]
        return self.frame[base].map(mapping)

    def crosstab(self, rows: str, cols: str | None = None) -> pd.DataFrame:
        """Counts by ``rows`` x ``cols`` (or one column ``All`` when ``cols`` is None), every value present."""
        keys = [self.column(rows).rename(rows)]
        if cols:
            keys.append(self.column(cols).rename(cols))
        n = self.frame["n"].groupby(keys).sum() if len(self.frame) else pd.Series(dtype="int64")
        if cols:
            t = n.unstack(cols) if len(n) else pd.DataFrame()
            t = t.reindex(index=self.values(rows), columns=self.values(cols))
        else:
            t = n.reindex(self.values(rows)).to_frame("All")
        t = t.fillna(0).astype("int64")
        t.index.name, t.columns.name = rows, cols
        return t

    def total(self) -> int:
        return int(self.frame["n"].sum()) if len(self.frame) else 0


def _cube(name: str, df: pd.DataFrame, domains: dict[str, list[str]], derived=None) -> Cube:
    dims = list(domains)
    # "Not recorded" and "Not known" rows appear only when something is missing
    domains = {d: [v for v in vals if v not in (NOT_RECORDED, NOT_KNOWN) or (df[d] == v).any()]
               for d, vals in domains.items()}
    for d in dims:  # a value outside the domain would silently drop out of every table
        extra = set(df[d]) - set(domains[d])
        if extra:
            raise ValueError(f"{name}: {d} has values outside its domain: {sorted(map(str, extra))}")
    frame = df.groupby(dims, as_index=False).size().rename(columns={"size": "n"}) if len(df) else \
        pd.DataFrame(columns=[*dims, "n"])
    return Cube(name, frame, domains, derived)


def _params(period: Period) -> list:
    return [period.start, period.end]


# ------------------------------------------------------------------ notifications
def notifications_cube(con: duckdb.DuckDBPyConnection, period: Period) -> Cube:
    """Notifications in the period by source agency, concern type and month (quarter derived).

    >>> notifications_cube(con, period).crosstab("agency", "month")  # doctest: +SKIP
    """
    df = con.execute("""
        SELECT owner_agency AS agency, concern_type, strftime(event_date, '%Y-%m') AS month
        FROM notification_events WHERE event_date BETWEEN ? AND ?
    """, _params(period)).df()
    agencies = [a for (a,) in con.execute("SELECT DISTINCT owner_agency FROM notification_events ORDER BY 1"
                                          ).fetchall()]
    concerns = [c for (c,) in con.execute("SELECT DISTINCT concern_type FROM notification_events ORDER BY 1"
                                          ).fetchall()]
    months = period.months()
    return _cube("notifications", df, {"agency": agencies, "concern_type": concerns, "month": months},
                 {"quarter": ("month", {m: quarter_of(m) for m in months})})


# ------------------------------------------------------------------ front-door contacts
def contacts_frame(con: duckdb.DuckDBPyConnection, period: Period,
                   referral_decisions: tuple[str, ...] = ("referral_s17", "strategy_s47"),
                   window_days: int = 365) -> pd.DataFrame:
    """One row per front-door contact in the period: source, decision, RAG, decision time, re-referral flag.

    A re-referral looks back before the period: a referral is one when the same child had a
    referral up to ``window_days`` before it, whenever that was.

    >>> contacts_frame(con, period)["re_referral"].mean()  # doctest: +SKIP
    0.09
    """
    return con.execute("""
        WITH refs AS (
            SELECT DISTINCT lm.person_id, lm.notification_id, lm.event_date
            FROM linked_mentions lm JOIN notification_events e USING (notification_id)
            WHERE list_contains(?, e.decision) AND (lm.role = 'subject' OR lm.is_child)
        ), prev AS (
            SELECT notification_id, event_date,
                   lag(event_date) OVER (PARTITION BY person_id ORDER BY event_date, notification_id) AS prev_date
            FROM refs
        ), reref AS (
            SELECT notification_id,
                   bool_or(prev_date IS NOT NULL AND date_diff('day', prev_date, event_date) <= ?) AS re_referral
            FROM prev GROUP BY notification_id
        )
        SELECT e.event_date, e.decision, e.rag, n.decided_at, n.contact_source,
               coalesce(r.re_referral, false) AS re_referral
        FROM notification_events e JOIN notifications n USING (notification_id)
        LEFT JOIN reref r USING (notification_id)
        WHERE (e.channel = 'contact_record' OR e.decision IS NOT NULL) AND e.event_date BETWEEN ? AND ?
    """, [list(referral_decisions), window_days, *_params(period)]).df()


def timeliness(event_date, decided_at, rag: str | None, cfg: RagConfig) -> str:
    """Whether a contact was decided within its RAG timescale, counted in working hours.

    Contact records hold the day a contact arrived, not the time, so the clock is started at
    both ends of that day: within the timescale even from the start of the day is on time;
    outside it even from the end of the day is late; otherwise it depends on the arrival time.

    >>> from analytics.rag import rag_from_dict
    >>> cfg = rag_from_dict({"profile": "p", "profiles": {"p": {"red": 4, "amber": 24}}})
    >>> timeliness(date(2025, 11, 21), datetime(2025, 11, 21, 12, 0), "red", cfg)  # Friday noon
    'Within the timescale'
    >>> timeliness(date(2025, 11, 21), datetime(2025, 11, 24, 12, 0), "red", cfg)  # Monday noon
    'Within it only if received late in the day'
    >>> timeliness(date(2025, 11, 21), datetime(2025, 11, 24, 16, 0), "red", cfg)
    'Outside the timescale'
    """
    hours = cfg.hours(rag) if rag in ("red", "amber", "green", "blue") else None
    if hours is None:
        return NO_SCALE
    if decided_at is None or pd.isna(decided_at):
        return NO_TIME
    day = pd.Timestamp(event_date).date()
    decided = pd.Timestamp(decided_at).to_pydatetime()
    longest = working_hours_between(datetime.combine(day, time()), decided, cfg.calendar)
    shortest = working_hours_between(datetime.combine(day + timedelta(days=1), time()), decided, cfg.calendar)
    if longest <= hours:
        return ON_TIME
    return LATE if shortest > hours else DEPENDS


def contacts_cube(con: duckdb.DuckDBPyConnection, period: Period, rag: RagConfig,
                  referral_decisions: tuple[str, ...] = ("referral_s17", "strategy_s47"),
                  window_days: int = 365) -> Cube:
    """Front-door contacts by source, decision (referrals split by re-referral), RAG and timeliness.

    >>> contacts_cube(con, period, load_rag("data_samples/rag.toml")).crosstab("source", "decision_group")
    ... # doctest: +SKIP
    """
    c = contacts_frame(con, period, referral_decisions, window_days)
    decision = [(REFERRAL_REPEAT if r else REFERRAL_FIRST) if d in referral_decisions else
                DECISION_LABELS.get(d, NOT_RECORDED) for d, r in zip(c["decision"], c["re_referral"])]
    df = pd.DataFrame({
        "source": c["contact_source"].fillna(NOT_RECORDED).astype(str),
        "decision": decision,
        "rag": [r if r in RAGS else NOT_RECORDED for r in c["rag"]],
        "timeliness": [timeliness(e, d, r, rag) for e, d, r in zip(c["event_date"], c["decided_at"], c["rag"])],
    })
    known = [s for (s,) in con.execute(
        "SELECT DISTINCT contact_source FROM notifications WHERE contact_source IS NOT NULL ORDER BY 1").fetchall()]
    return _cube("contacts", df, {"source": [*known, NOT_RECORDED], "decision": DECISIONS, "rag": RAGS,
                                  "timeliness": TIMELINESS},
                 {"decision_group": ("decision", {d: DECISION_GROUPS.get(d, d) for d in DECISIONS})})


# ------------------------------------------------------------------ children
def children_cube(con: duckdb.DuckDBPyConnection, period: Period, min_gap_days: int = 1) -> Cube:
    """Children notified in the period by age band, sex, area, alerted or not, repeat band and agencies.

    * age band: age at the child's first notification in the period;
    * area: postcode district of the child's most recent resolved address in the period;
    * alerted: the subject of, or a child in the family of, a queued alert whose latest evidence
      falls in the period;
    * repeat band: the shortest gap (at least ``min_gap_days``) between a notification in the
      period and the one about the child before it, whenever that was;
    * agencies: how many different agencies notified about the child in the period.

    >>> children_cube(con, period).crosstab("age_band", "alerted")  # doctest: +SKIP
    """
    df = con.execute("""
        WITH cn AS (
            SELECT lm.person_id, lm.notification_id, lm.event_date, lm.owner_agency,
                   min(lm.age_at_event) AS age,
                   max(nullif(split_part(a.postcode, ' ', 1), '')) AS district
            FROM linked_mentions lm LEFT JOIN address_entities a USING (address_id)
            WHERE lm.is_child
            GROUP BY lm.person_id, lm.notification_id, lm.event_date, lm.owner_agency
        ), seq AS (
            SELECT *, date_diff('day', lag(event_date) OVER (PARTITION BY person_id
                                                             ORDER BY event_date, notification_id), event_date) AS gap
            FROM cn
        ), kids AS (
            SELECT person_id,
                   arg_min(age, strftime(event_date, '%Y-%m-%d') || notification_id) AS age,
                   arg_max(district, strftime(event_date, '%Y-%m-%d') || notification_id)
                       FILTER (WHERE district IS NOT NULL) AS district,
                   min(gap) FILTER (WHERE gap >= ?) AS shortest_gap,
                   count(DISTINCT owner_agency) AS n_agencies
            FROM seq WHERE event_date BETWEEN ? AND ? GROUP BY person_id
        ), alerted AS (
            SELECT DISTINCT m.person_id FROM alert_members m JOIN alerts a USING (alert_id)
            WHERE a.in_queue AND m.relation IN ('subject', 'child') AND a.window_end BETWEEN ? AND ?
        )
        SELECT CASE WHEN k.age IS NULL THEN 'Not known' WHEN k.age < 1 THEN 'Under 1' WHEN k.age < 5 THEN '1-4'
                    WHEN k.age < 10 THEN '5-9' WHEN k.age < 16 THEN '10-15' ELSE '16-17' END AS age_band,
               CASE p.sex WHEN 'F' THEN 'Female' WHEN 'M' THEN 'Male' ELSE 'Not recorded' END AS sex,
               coalesce(k.district, 'Not known') AS district,
               CASE WHEN al.person_id IS NULL THEN 'Not alerted' ELSE 'Alerted' END AS alerted,
               CASE WHEN k.shortest_gap <= 30 THEN 'Within 30 days' WHEN k.shortest_gap <= 90 THEN 'Within 31-90 days'
                    WHEN k.shortest_gap <= 365 THEN 'Within 91-365 days' ELSE 'No repeat within 365 days' END
                   AS repeat_band,
               CASE WHEN k.n_agencies >= 2 THEN '2 or more agencies' ELSE '1 agency' END AS agencies
        FROM kids k LEFT JOIN person_profiles p USING (person_id) LEFT JOIN alerted al USING (person_id)
    """, [min_gap_days, *_params(period), *_params(period)]).df()
    districts = [d for (d,) in con.execute("""
        SELECT DISTINCT split_part(a.postcode, ' ', 1) FROM linked_mentions lm JOIN address_entities a
        USING (address_id) WHERE lm.is_child AND nullif(split_part(a.postcode, ' ', 1), '') IS NOT NULL ORDER BY 1
    """).fetchall()]
    return _cube("children", df, {"age_band": AGE_BANDS, "sex": SEXES, "district": [*districts, NOT_KNOWN],
                                  "alerted": ALERTED, "repeat_band": REPEAT_BANDS, "agencies": MULTI})


# ------------------------------------------------------------------ alerts
def alerts_cube(con: duckdb.DuckDBPyConnection, period: Period, rules: list[str]) -> Cube:
    """Queued alerts whose latest evidence is in the period, by rule and latest review outcome.

    >>> alerts_cube(con, period, ["low_level_repeat"]).crosstab("rule", "outcome")  # doctest: +SKIP
    """
    df = con.execute("""
        WITH rv AS (
            SELECT alert_id, outcome FROM alert_reviews
            QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY reviewed_at DESC, outcome) = 1
        )
        SELECT a.rule, coalesce(rv.outcome, ?) AS outcome
        FROM alerts a LEFT JOIN rv USING (alert_id)
        WHERE a.in_queue AND a.window_end BETWEEN ? AND ?
    """, [NOT_REVIEWED, *_params(period)]).df()
    rule_names = list(dict.fromkeys([*rules, *sorted(set(df["rule"]) - set(rules))]))
    return _cube("alerts", df, {"rule": rule_names, "outcome": [NOT_REVIEWED, *REVIEW_OUTCOMES]})
