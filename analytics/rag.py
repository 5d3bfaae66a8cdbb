"""The threshold and RAG model: RAG per notification and per alert, response timescales in working
hours, and a recommended lead agency for each alert's information product.

Everything is configuration (``rag.toml``), because hubs differ: Surrey answers
red in 4 working hours, amber in 24 and green in 72; Merton in 2, 6 and 24.

* A notification's RAG comes from its concern type and severity
  (``[severity_rag]``, overridden per concern in ``[concern_rag.<concern>]``).
* An alert's RAG is the highest of the rule's minimum (``[rule_min_rag]``: a
  pattern of low-level concerns is itself a concern) and its evidence's RAGs.
* Its due time is when it was first raised plus the profile's timescale, counted
  in working hours (Mon-Fri 09:00-17:00 Europe/London, minus listed holidays).
* Its lead agency: by rule where the pattern decides it (a DA perpetrator ->
  police); else children's social care when red; else the agency for the
  concern that appears most in the evidence. Always with the reason.

Table written: ``alert_rag``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd


RAG_ORDER = {"blue": 0, "green": 1, "amber": 2, "red": 3}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WorkingCalendar:
    """When the hub works: weekdays, hours and holidays, in one time zone.

    >>> WorkingCalendar().is_working(datetime(2025, 11, 21, 16, 30))  # a Friday afternoon
    True
    """

    tz: str = "Europe/London"
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()

    def is_working_day(self, d: date) -> bool:
        return d.weekday() in self.days and d not in self.holidays

    def is_working(self, t: datetime) -> bool:
        return self.is_working_day(t.date()) and self.start <= t.time() < self.end


def add_working_hours(start: datetime, hours: float, cal: WorkingCalendar | None = None) -> datetime:
    """``start`` plus ``hours`` of working time.

    A naive ``start`` is read as wall-clock time in the calendar's zone; an aware
    one is converted to it, and the answer is aware too. Time outside working
    hours does not count: a red alert raised at 16:00 on a Friday with 4 working
    hours is due at 12:00 on Monday.

    >>> add_working_hours(datetime(2025, 11, 21, 16, 0), 4)
    datetime.datetime(2025, 11, 24, 12, 0)
    >>> add_working_hours(datetime(2025, 11, 22, 10, 0), 1)  # Saturday: the clock starts on Monday
    datetime.datetime(2025, 11, 24, 10, 0)
    """
    cal = cal or WorkingCalendar()
    if hours < 0:
        raise ValueError("hours must not be negative")
    zone = ZoneInfo(cal.tz)
    aware = start.tzinfo is not None
    t = start.astimezone(zone).replace(tzinfo=None) if aware else start
    left = timedelta(hours=hours)
    for _ in range(100000):  # bounded: at most one iteration per calendar day
        if cal.is_working_day(t.date()) and t.time() < cal.end:
            begin = max(t, datetime.combine(t.date(), cal.start))
            close = datetime.combine(t.date(), cal.end)
            if begin + left <= close:
                t = begin + left
                break
            left -= close - begin
        t = datetime.combine(t.date() + timedelta(days=1), cal.start)
    else:  # pragma: no cover - a calendar with no working days
        raise ValueError("the calendar has no working days")
    return t.replace(tzinfo=zone) if aware else t


def working_hours_between(a: datetime, b: datetime, cal: WorkingCalendar | None = None) -> float:
    """Working hours from ``a`` to ``b`` (both naive wall-clock); 0 when ``b`` is not after ``a``.

    >>> working_hours_between(datetime(2025, 11, 21, 16, 0), datetime(2025, 11, 24, 12, 0))
    4.0
    """
    cal = cal or WorkingCalendar()
    if b <= a:
        return 0.0
    total = timedelta()
    d = a.date()
    while d <= b.date():
        if cal.is_working_day(d):
            lo = max(a, datetime.combine(d, cal.start))
            hi = min(b, datetime.combine(d, cal.end))
            if hi > lo:
                total += hi - lo
        d += timedelta(days=1)
    return total.total_seconds() / 3600


@dataclass(frozen=True)
class RagConfig:
    """Everything ``rag.toml`` configures (build with :func:`load_rag` or :func:`rag_from_dict`)."""

    profile: str
    timescales: dict[str, dict[str, float]]
    calendar: WorkingCalendar
    severity_rag: dict[str, str]
    concern_rag: dict[str, dict[str, str]] = field(default_factory=dict)
    rule_min_rag: dict[str, str] = field(default_factory=dict)
    lead_by_rule: dict[str, str] = field(default_factory=dict)
    lead_by_concern: dict[str, str] = field(default_factory=dict)
    red_lead: str = "Children's Social Care"
    default_lead: str = "Children's Social Care"

    def hours(self, rag: str, profile: str | None = None) -> float | None:
        """Working hours allowed for ``rag`` in ``profile`` (None: no MASH response, e.g. blue)."""
        v = self.timescales[profile or self.profile].get(rag)
        return float(v) if v is not None else None

    def notification_rag(self, concern_type: str, severity: str) -> str:
        """RAG of one notification from its concern type and severity.

        >>> cfg = load_rag("data_samples/rag.toml")  # doctest: +SKIP
        >>> cfg.notification_rag("sexual_abuse", "low")  # doctest: +SKIP
        'amber'
        """
        return self.concern_rag.get(concern_type, {}).get(severity) or self.severity_rag.get(severity, "green")


def load_rag(path: Path | str) -> RagConfig:
    """Load ``rag.toml`` (see the file for every key).

    >>> load_rag("data_samples/rag.toml").hours("red", "surrey")  # doctest: +SKIP
    4.0
    """
    path = Path(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return rag_from_dict(raw, path.name)


def rag_from_dict(raw: dict, where: str = "rag") -> RagConfig:
    """Build a :class:`RagConfig` from a parsed TOML document (tests use this).

    >>> cfg = rag_from_dict({"profile": "merton", "profiles": {"merton": {"red": 2, "amber": 6, "green": 24}}})
    >>> cfg.hours("amber"), cfg.notification_rag("neglect", "high")
    (6.0, 'red')
    """
    profiles = raw.get("profiles", {})
    profile = raw.get("profile", next(iter(profiles), ""))
    if profile not in profiles:
        raise ValueError(f"{where}: profile '{profile}' is not defined under [profiles]")
    for name, p in profiles.items():
        bad = set(p) - set(RAG_ORDER)
        if bad:
            raise ValueError(f"{where}: [profiles.{name}] has unknown RAG(s) {sorted(bad)}")
    wh = raw.get("working_hours", {})
    days = frozenset(DAY_NAMES.index(d) for d in wh.get("days", DAY_NAMES[:5]))
    cal = WorkingCalendar(
        tz=wh.get("timezone", "Europe/London"),
        start=time.fromisoformat(wh.get("start", "09:00")), end=time.fromisoformat(wh.get("end", "17:00")),
        days=days, holidays=frozenset(date.fromisoformat(d) for d in wh.get("holidays", [])))
    lead = raw.get("lead_agency", {})
    sev = raw.get("severity_rag", {"low": "green", "medium": "amber", "high": "red", "critical": "red"})
    for table in [sev, *raw.get("concern_rag", {}).values(), raw.get("rule_min_rag", {})]:
        bad = {k: v for k, v in table.items() if v not in RAG_ORDER}
        if bad:
            raise ValueError(f"{where}: unknown RAG value(s) {bad}")
    return RagConfig(profile=profile, timescales=profiles, calendar=cal, severity_rag=sev,
                     concern_rag=raw.get("concern_rag", {}), rule_min_rag=raw.get("rule_min_rag", {}),
                     lead_by_rule=lead.get("by_rule", {}), lead_by_concern=lead.get("by_concern", {}),
                     red_lead=lead.get("red", "Children's Social Care"),
                     default_lead=lead.get("default", "Children's Social Care"))


def apply_rag(con: duckdb.DuckDBPyConnection, cfg: RagConfig, profile: str | None = None) -> dict[str, int]:
    """Write ``alert_rag``: RAG, reason, working-hours timescale, due time and lead agency per alert.

    >>> apply_rag(con, load_rag("data_samples/rag.toml"))  # doctest: +SKIP
    {'red': 12, 'amber': 80, 'green': 3}
    """
    prof = profile or cfg.profile
    con.execute(ALERT_RAG_DDL)
    counts: dict[str, int] = {}
    # one rule at a time: at a million notifications the repeat-contact measures alone are 500,000 alerts
    for (rule,) in con.execute("SELECT DISTINCT rule FROM alerts ORDER BY rule").fetchall():
        out = _rag_for_rule(con, cfg, prof, rule)
        con.register("_df_rag", out)
        try:
            con.execute("INSERT INTO alert_rag BY NAME SELECT * FROM _df_rag")
        finally:
            con.unregister("_df_rag")
        for k, v in out["rag"].value_counts().items():
            counts[k] = counts.get(k, 0) + int(v)
    con.execute("CREATE OR REPLACE TABLE alert_rag AS SELECT * FROM alert_rag ORDER BY alert_id")
    return counts


ALERT_RAG_DDL = """
CREATE OR REPLACE TABLE alert_rag (
    alert_id VARCHAR, profile VARCHAR, rag VARCHAR, rag_reason VARCHAR, timescale_working_hours DOUBLE,
    raised_at TIMESTAMP, due_by TIMESTAMP, lead_agency VARCHAR, lead_reason VARCHAR
)
"""


def _rag_for_rule(con: duckdb.DuckDBPyConnection, cfg: RagConfig, prof: str, rule: str) -> pd.DataFrame:
    """``alert_rag`` rows for the alerts of one rule."""
    alerts = con.execute("SELECT alert_id, rule, first_raised_at FROM alerts WHERE rule = ? ORDER BY alert_id",
                         [rule]).df()
    ev = con.execute("""
        SELECT alert_id, concern_type, severity, severity_rank, event_date FROM alert_evidence
        WHERE evidence_role = 'trigger' AND alert_id IN (SELECT alert_id FROM alerts WHERE rule = ?)
    """, [rule]).df()
    # RAG of each piece of evidence, then the highest per alert (ties: more severe, more recent)
    ev["rag"] = [cfg.notification_rag(c, s) for c, s in zip(ev["concern_type"], ev["severity"])]
    ev["rank"] = ev["rag"].map(RAG_ORDER)
    top = (ev.sort_values(["alert_id", "rank", "severity_rank", "event_date"], ascending=[True, False, False, False])
           .drop_duplicates("alert_id").set_index("alert_id"))
    a = alerts.join(top[["rag", "rank", "concern_type", "severity"]], on="alert_id")
    a["floor"] = a["rule"].map(lambda r: cfg.rule_min_rag.get(r, "green"))
    a["floor_rank"] = a["floor"].map(RAG_ORDER)
    a["rank"] = a["rank"].fillna(RAG_ORDER["green"])
    by_floor = a["floor_rank"] >= a["rank"]
    a["rag_out"] = a["floor"].where(by_floor, a["rag"])
    a["rag_reason"] = [
        (f"{f}: rule '{r}' is at least {f}; highest evidence {c}/{s} is {g}" if bf else
         f"{g}: evidence {c}/{s} is {g} (rule minimum {f})")
        for f, r, c, s, g, bf in zip(a["floor"], a["rule"], a["concern_type"], a["severity"], a["rag"], by_floor)]
    # lead agency: by rule, else red -> statutory service, else the most frequent concern in the evidence
    freq = (ev.groupby(["alert_id", "concern_type"])
            .agg(n=("concern_type", "size"), top=("severity_rank", "max"), last=("event_date", "max"))
            .reset_index().sort_values(["alert_id", "n", "top", "last"], ascending=[True, False, False, False]))
    n_ev = ev.groupby("alert_id").size()
    main = freq.drop_duplicates("alert_id").set_index("alert_id")
    leads, whys = [], []
    for alert_id, rule, rag in zip(a["alert_id"], a["rule"], a["rag_out"]):
        if rule in cfg.lead_by_rule:
            leads.append(cfg.lead_by_rule[rule])
            whys.append(f"rule '{rule}' is led by {cfg.lead_by_rule[rule]}")
        elif rag == "red":
            leads.append(cfg.red_lead)
            whys.append(f"red: statutory threshold likely, so {cfg.red_lead}")
        elif alert_id in main.index:
            concern = main.at[alert_id, "concern_type"]
            leads.append(cfg.lead_by_concern.get(concern, cfg.default_lead))
            whys.append(f"most frequent concern in the evidence is {concern} "
                        f"({int(main.at[alert_id, 'n'])} of {int(n_ev[alert_id])})")
        else:
            leads.append(cfg.default_lead)
            whys.append("no evidence concern types")
    hours = [cfg.hours(r, prof) for r in a["rag_out"]]
    raised = [pd.Timestamp(t).to_pydatetime() for t in a["first_raised_at"]]
    due = [add_working_hours(t, h, cfg.calendar) if h is not None else None for t, h in zip(raised, hours)]
    return pd.DataFrame({"alert_id": a["alert_id"], "profile": prof, "rag": a["rag_out"],
                         "rag_reason": a["rag_reason"], "timescale_working_hours": hours, "raised_at": raised,
                         "due_by": due, "lead_agency": leads, "lead_reason": whys})
