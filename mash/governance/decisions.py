"""Decisions a person makes in the hub, each stored in the warehouse and in the audit log.

- **Consent** for a MASH check (one per alert): ``given``, or ``override`` with the
  rationale and who authorised it. No override without both.
- **Share decisions**: one notification (owned by its agency) shared with, or withheld
  from, another agency, on a lawful basis, with a rationale. The information product
  shows an agency's item only under a ``share`` decision (the latest decision counts),
  and only after consent (or an override) is recorded for the check.
- **Alert reviews** and **link review decisions** (must-link / cannot-link).

Each function checks the actor's role (capability ``decide``) and appends the decision
to the audit log (refusals too) before writing it.

>>> # record_share(con, paths, actor, "AL-1a2b", "police-3f:12", "csc", "Children Act 1989 s47", "DA at home")
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from mash.governance.access import Actor, check

LAWFUL_BASES = (
    "Children Act 1989 s17",
    "Children Act 1989 s47",
    "Children Act 2004 s11",
    "Care Act 2014 s42",
    "Crime and Disorder Act 1998 s115",
    "Data Protection Act 2018 Sch 8 para 4 (safeguarding)",
    "UK GDPR Art 6(1)(e) public task",
)
CONSENT = ("given", "override")
SHARE = ("share", "withhold")
LINK_DECISIONS = ("must_link", "cannot_link")

DDL = """
CREATE TABLE IF NOT EXISTS check_consent (
    alert_id VARCHAR NOT NULL, consent VARCHAR NOT NULL, rationale VARCHAR, authorised_by VARCHAR,
    recorded_by VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS share_decisions (
    alert_id VARCHAR NOT NULL, notification_id VARCHAR NOT NULL, owner_agency VARCHAR NOT NULL,
    shared_with VARCHAR NOT NULL, decision VARCHAR NOT NULL, lawful_basis VARCHAR NOT NULL,
    rationale VARCHAR NOT NULL, decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS review_decisions (
    record_id_l VARCHAR NOT NULL, record_id_r VARCHAR NOT NULL,
    decision VARCHAR NOT NULL CHECK (decision IN ('must_link', 'cannot_link')),
    reviewer VARCHAR NOT NULL, reason VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL
);
"""


def ensure_decision_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the decision tables if missing (never drops: decisions outlive every run)."""
    con.execute(DDL)


def _now() -> datetime:
    return datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None, microsecond=0)


def _need(value: str | None, what: str) -> str:
    if not value or not str(value).strip():
        raise ValueError(f"{what} is required")
    return str(value).strip()


def record_consent(con: duckdb.DuckDBPyConnection, paths, actor: Actor, alert_id: str, consent: str,
                   rationale: str | None = None, authorised_by: str | None = None) -> None:
    """Record consent for the MASH check of ``alert_id``: ``given``, or ``override`` with rationale and authoriser.

    >>> # record_consent(con, paths, actor, "AL-1a2b", "override", "risk of harm if parents told", "T. Manager")
    """
    if consent not in CONSENT:
        raise ValueError(f"consent must be one of {CONSENT}")
    if consent == "override":
        rationale, authorised_by = _need(rationale, "an override's rationale"), _need(authorised_by, "who authorised the override")
    _alert_exists(con, alert_id)
    check(paths, "decide", actor, {"alert": alert_id, "consent": consent, "authorised_by": authorised_by},
          action="override" if consent == "override" else "share_decision")
    ensure_decision_tables(con)
    con.execute("INSERT INTO check_consent VALUES (?, ?, ?, ?, ?, ?)",
                [alert_id, consent, rationale, authorised_by, actor.who, _now()])


def _alert_exists(con: duckdb.DuckDBPyConnection, alert_id: str) -> None:
    if not con.execute("SELECT count(*) FROM alerts WHERE alert_id = ?", [alert_id]).fetchall()[0][0]:
        raise ValueError(f"no alert {alert_id!r} in the current alerts")


def record_share(con: duckdb.DuckDBPyConnection, paths, actor: Actor, alert_id: str, notification_id: str,
                 shared_with: str, lawful_basis: str, rationale: str, decision: str = "share") -> str:
    """Record sharing (or withholding) one notification of an alert with ``shared_with``; returns its owner.

    Refused (``ValueError``) without a lawful basis from :data:`LAWFUL_BASES`, a rationale, or a consent
    record for the check.

    >>> # record_share(con, paths, actor, "AL-1a2b", "police-3f:12", "csc", "Children Act 1989 s47", "DA at home")
    """
    if decision not in SHARE:
        raise ValueError(f"decision must be one of {SHARE}")
    if lawful_basis not in LAWFUL_BASES:
        raise ValueError(f"lawful basis must be one of: {'; '.join(LAWFUL_BASES)}")
    rationale, shared_with = _need(rationale, "a rationale"), _need(shared_with, "who it is shared with")
    _alert_exists(con, alert_id)
    ensure_decision_tables(con)
    owner = con.execute("SELECT owner_agency FROM notifications WHERE notification_id = ?", [notification_id]).fetchall()
    if not owner:
        raise ValueError(f"no notification {notification_id!r}")
    if decision == "share" and not con.execute("SELECT count(*) FROM check_consent WHERE alert_id = ?",
                                                [alert_id]).fetchall()[0][0]:
        raise ValueError(f"record consent (or an authorised override) for {alert_id} before sharing")
    check(paths, "decide", actor, {"alert": alert_id, "notification": notification_id, "owner": owner[0][0],
                                   "shared_with": shared_with, "decision": decision, "lawful_basis": lawful_basis},
          action="share_decision")
    con.execute("INSERT INTO share_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [alert_id, notification_id, owner[0][0], shared_with, decision, lawful_basis, rationale, actor.who,
                 _now()])
    return owner[0][0]


def latest_shares(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The decision in force for each (alert, notification, recipient): the latest one.

    >>> con = duckdb.connect(); latest_shares(con).empty
    True
    """
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'share_decisions'"
                       ).fetchall()[0][0]:  # read-only readers must not create it
        return pd.DataFrame(columns=["alert_id", "notification_id", "owner_agency", "shared_with", "decision",
                                     "lawful_basis", "rationale", "decided_by", "decided_at"])
    return con.execute("""
        SELECT * FROM share_decisions
        QUALIFY row_number() OVER (PARTITION BY alert_id, notification_id, shared_with
                                   ORDER BY decided_at DESC, decision) = 1
    """).df()


def record_alert_review(con: duckdb.DuckDBPyConnection, paths, actor: Actor, alert_id: str, outcome: str,
                        note: str = "") -> None:
    """An analyst's review of an alert (see :func:`analytics.rules.review_alert`), audited.

    >>> # record_alert_review(con, paths, actor, "AL-1a2b", "information_shared", "sent to CSC")
    """
    from analytics.rules import REVIEW_OUTCOMES, review_alert

    if outcome not in REVIEW_OUTCOMES:
        raise ValueError(f"outcome must be one of {REVIEW_OUTCOMES}")
    _alert_exists(con, alert_id)
    check(paths, "decide", actor, {"alert": alert_id, "outcome": outcome}, action="review_decision")
    review_alert(con, alert_id, actor.who, outcome, note)


def record_link_decision(con: duckdb.DuckDBPyConnection, paths, actor: Actor, mention_l: str, mention_r: str,
                         decision: str, reason: str) -> None:
    """A reviewer's must-link / cannot-link for two mentions; every later linkage run respects it. Audited.

    >>> # record_link_decision(con, paths, actor, "m1", "m2", "cannot_link", "twins: different NHS numbers")
    """
    if decision not in LINK_DECISIONS:
        raise ValueError(f"decision must be one of {LINK_DECISIONS}")
    reason = _need(reason, "a reason")
    n = con.execute("SELECT count(*) FROM person_mentions WHERE mention_id IN (?, ?)", [mention_l, mention_r]).fetchall()
    if n[0][0] != 2:
        raise ValueError("both mention ids must exist and differ")
    check(paths, "decide", actor, {"mentions": [mention_l, mention_r], "decision": decision},
          action="review_decision")
    ensure_decision_tables(con)
    con.execute("INSERT INTO review_decisions VALUES (?, ?, ?, ?, ?, ?)",
                [mention_l, mention_r, decision, actor.who, reason, _now()])


def consent_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """MASH checks by consent (the latest record per alert) and partner notifications by consent status.

    >>> con = duckdb.connect(); list(consent_counts(con).columns)
    ['source', 'consent', 'n']
    """
    ensure_decision_tables(con)
    has_notes = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'notifications'"
                            ).fetchall()[0][0]
    notes = ("UNION ALL SELECT 'partner notifications', consent, count(*) FROM notifications GROUP BY consent"
             if has_notes else "")
    return con.execute(f"""
        SELECT 'MASH checks' AS source, consent, count(*) AS n FROM (
            SELECT * FROM check_consent QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY recorded_at DESC) = 1)
        GROUP BY consent {notes}
        ORDER BY source, consent
    """).df()  # noqa: S608 - the only interpolation is a fixed SQL fragment
