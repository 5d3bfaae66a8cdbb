"""Build the commissioner report: figures from the warehouse, disclosure control, one HTML file.

>>> from mash.warehouse import connect
>>> con = connect("var/warehouse.duckdb", read_only=True)  # doctest: +SKIP
>>> build_report(con, "var/outputs", policy="dfe").path  # doctest: +SKIP
PosixPath('var/outputs/commissioner/commissioner_report_2025-07-01_2026-06-30_dfe.html')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.commissioner import figures as fig
from analytics.commissioner.period import Period, resolve_period
from analytics.commissioner.protect import TOTAL, Identity, Published, TableSpec, exposed_cells, protect
from analytics.rag import RagConfig, load_rag
from analytics.rule_config import RulesConfig, load_rules
from analytics.rules import KINDS
from analytics.sqlutil import table_exists
from mash.governance.disclosure import POLICIES, Policy
from mash.settings import REPO_ROOT

RULES = REPO_ROOT / "data_samples" / "rules.toml"
RAG = REPO_ROOT / "data_samples" / "rag.toml"
FOLDER = "commissioner"  # aggregate, disclosure-controlled outputs only
NEEDED = ("notification_events", "notifications", "linked_mentions", "person_profiles", "address_entities",
          "alerts", "alert_members", "alert_reviews")


@dataclass
class ReportData:
    """Everything the page shows: the period, the policy and the published tables (no true counts leave here)."""

    period: Period
    policy: Policy
    tables: dict[str, Published]
    rules: RulesConfig
    rag: RagConfig
    ethnicity_held: bool
    exposed: list  # cells that all tables together would give away; empty by construction


@dataclass
class ReportResult:
    path: Path
    data: ReportData
    charts: int


def output_path(out_dir: Path | str, period: Period, policy: str) -> Path:
    """``<out_dir>/commissioner/commissioner_report_<start>_<end>_<policy>.html``.

    >>> from datetime import date
    >>> output_path("out", Period(date(2025, 7, 1), date(2026, 6, 30)), "dfe").as_posix()
    'out/commissioner/commissioner_report_2025-07-01_2026-06-30_dfe.html'
    """
    return Path(out_dir) / FOLDER / f"commissioner_report_{period.slug}_{policy}.html"


def table_specs(con: duckdb.DuckDBPyConnection, period: Period, rules: RulesConfig,
                rag: RagConfig) -> tuple[list[TableSpec], list[Identity]]:
    """The report's tables (each a crosstab of one cube) and the identities linking populations.

    >>> [s.key for s in table_specs(con, period, rules, rag)[0]][:2]  # doctest: +SKIP
    ['agency_month', 'concern_quarter']
    """
    reref = rules.by_name("re_referral_12m") if any(r.name == "re_referral_12m" for r in rules.rules) else None
    decisions = tuple(reref.t("referral_decisions", ["referral_s17", "strategy_s47"])) if reref else \
        ("referral_s17", "strategy_s47")
    gap = next((int(r.t("min_gap_days", 1)) for r in rules.rules if r.kind == "repeat_contact"), 1)
    notes = fig.notifications_cube(con, period)
    contacts = fig.contacts_cube(con, period, rag, decisions, reref.window_days if reref else 365)
    kids = fig.children_cube(con, period, gap)
    alerts = fig.alerts_cube(con, period, [r.name for r in rules.rules if r.in_queue])
    specs = [
        TableSpec("agency_month", notes, "agency", "month"),
        TableSpec("concern_quarter", notes, "concern_type", "quarter"),
        TableSpec("conversion", contacts, "source", "decision_group"),
        TableSpec("decisions", contacts, "decision"),
        TableSpec("timeliness", contacts, "rag", "timeliness"),
        TableSpec("repeats", kids, "repeat_band", "agencies"),
        TableSpec("alerts", alerts, "rule", "outcome"),
        TableSpec("age", kids, "age_band", "alerted"),
        TableSpec("sex", kids, "sex", "alerted"),
        TableSpec("district", kids, "district", "alerted"),
    ]
    # Contact records are notifications too: when the feeds that send them send nothing else,
    # a reader knows that the contacts' total equals those feeds' notifications.
    agencies = [a for (a,) in con.execute(
        "SELECT DISTINCT owner_agency FROM notification_events WHERE (channel = 'contact_record' OR decision "
        "IS NOT NULL) AND event_date BETWEEN ? AND ?", [period.start, period.end]).fetchall()]
    identities = []
    if agencies and contacts.total() == int(notes.crosstab("agency").loc[agencies].sum().iloc[0]):
        identities.append(Identity(("contacts", {}), ("notifications", {"agency": agencies})))
    return specs, identities


def report_data(con: duckdb.DuckDBPyConnection, start=None, end=None, policy: str = "dfe",
                rules_path: Path | str = RULES, rag_path: Path | str = RAG) -> ReportData:
    """Compute and protect every table of the report (no file written).

    >>> report_data(con, "2025-07-01", "2026-06-30", "tre10").tables["alerts"].shown  # doctest: +SKIP
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose from {sorted(POLICIES)}")
    missing = [t for t in NEEDED if not table_exists(con, t)]
    if missing:
        raise ValueError(f"the warehouse lacks {missing}: run the pipeline (linkage and detection) first")
    period = resolve_period(con, start, end)
    rules, rag = load_rules(rules_path, KINDS), load_rag(rag_path)
    specs, identities = table_specs(con, period, rules, rag)
    tables = protect(specs, policy, identities)
    held = con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'person_mentions' "
                       "AND column_name = 'ethnicity'").fetchall()[0][0] > 0
    exposed = exposed_cells(tables, identities) if POLICIES[policy].secondary else []
    if exposed:  # protect() guarantees none; never publish if that ever fails
        raise RuntimeError(f"disclosure check failed: {exposed[:5]} could be worked out from the report")
    return ReportData(period, POLICIES[policy], tables, rules, rag, held, exposed)


def build_report(con: duckdb.DuckDBPyConnection, out_dir: Path | str, start=None, end=None, policy: str = "dfe",
                 rules_path: Path | str = RULES, rag_path: Path | str = RAG) -> ReportResult:
    """Write the report for the period (default: last 12 complete months) under ``policy``; returns its path.

    ``con`` may be read-only. The file holds aggregates only, every count disclosure-controlled.

    >>> build_report(con, "var/outputs", "2025-04-01", "2026-03-31", "tre10").charts  # doctest: +SKIP
    7
    """
    from analytics.commissioner.render import render

    data = report_data(con, start, end, policy, rules_path, rag_path)
    page, charts = render(data)
    path = output_path(out_dir, data.period, policy)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)  # readers never see half a report
    return ReportResult(path, data, charts)


def headline(data: ReportData) -> dict[str, int | None]:
    """The report's headline numbers, as published (None where hidden).

    >>> headline(report_data(con))["notifications"]  # doctest: +SKIP
    2031
    """
    t = data.tables
    return {
        "notifications": t["agency_month"].value(TOTAL, TOTAL),
        "children": t["age"].value(TOTAL, TOTAL),
        "children_alerted": t["age"].value(TOTAL, "Alerted"),
        "contacts": t["conversion"].value(TOTAL, TOTAL),
        "referrals": t["conversion"].value(TOTAL, "Referral"),
        "re_referrals": t["decisions"].value(fig.REFERRAL_REPEAT),
        "alerts": t["alerts"].value(TOTAL, TOTAL),
    }
