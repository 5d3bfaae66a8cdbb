"""Periodic review of the audit log: who accessed how much, and what looks unusual.

Works on the entries of :class:`mash.governance.audit.AuditLog` (plain dicts),
so it can equally review an archived copy. Three things are flagged for a
reviewer to look at (not to conclude on -- a flag is a question):

- ``out_of_purpose``: the entry's purpose is not one of the purposes allowed
  for the entry's role (an unknown role has no allowed purposes);
- ``out_of_hours``: outside working hours or working days, in local time
  (UK bank holidays are not known here);
- ``many_persons``: the user read (``access``/``export`` allowed) more than
  ``max_persons_per_day`` distinct persons on that local day;

plus ``denied`` outcomes, which are worth a second look in bulk.

Persons are taken from ``what["persons"]`` (a list of ids) or ``what["person"]``
(one id) -- the convention callers follow when appending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

READ_ACTIONS = ("access", "export")
FLAGS = ("out_of_purpose", "out_of_hours", "many_persons", "denied")
REPORT_COLUMNS = [
    "day", "who", "role", "action", "entries", "allowed", "denied", "persons",
    "user_day_persons", "out_of_purpose", "out_of_hours", "many_persons", "flags", "review",
]
ENTRY_COLUMNS = [
    "seq", "ts", "local_time", "day", "who", "role", "agency", "purpose", "action", "outcome",
    "n_persons", *FLAGS, "flags",
]


def _persons(what: Any) -> list[str]:
    if not isinstance(what, Mapping):
        return []
    many = what.get("persons")
    if isinstance(many, list):
        return [str(p) for p in many if p is not None]
    one = what.get("person")
    return [] if one is None else [str(one)]


def _bound(value: str | datetime | pd.Timestamp | None, tz: str) -> pd.Timestamp | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts


def flag_entries(
    entries: Iterable[Mapping[str, Any]],
    allowed_purposes: Mapping[str, Iterable[str]],
    *,
    working_hours: tuple[int, int] = (8, 18),
    working_days: Sequence[int] = (0, 1, 2, 3, 4),
    max_persons_per_day: int = 50,
    tz: str = "Europe/London",
    since: str | datetime | None = None,
    until: str | datetime | None = None,
) -> pd.DataFrame:
    """Every entry (within ``since <= ts < until``) with its review flags as columns.

    ``allowed_purposes`` maps role -> allowed purposes (compared case-insensitively).
    ``working_hours`` is ``(start, end)`` local hours, end exclusive; ``working_days``
    uses Monday = 0.

    >>> e = [{"seq": 1, "ts": "2024-05-04T02:00:00+00:00", "who": "x", "role": "analyst",
    ...       "agency": "LA", "purpose": "marketing", "action": "access",
    ...       "what": {"persons": ["P1"]}, "outcome": "allowed"}]
    >>> flag_entries(e, {"analyst": ["triage"]})["flags"].tolist()
    ['out_of_purpose;out_of_hours']
    """
    rows = list(entries)
    if not rows:
        return pd.DataFrame(columns=ENTRY_COLUMNS)
    df = pd.DataFrame(rows)
    df["ts"] = pd.to_datetime(df["ts"], utc=True, format="ISO8601")
    lo, hi = _bound(since, tz), _bound(until, tz)
    if lo is not None:
        df = df[df["ts"] >= lo]
    if hi is not None:
        df = df[df["ts"] < hi]
    if df.empty:
        return pd.DataFrame(columns=ENTRY_COLUMNS)
    df = df.reset_index(drop=True)
    df["local_time"] = df["ts"].dt.tz_convert(tz)
    df["day"] = df["local_time"].dt.date

    allowed = {role: {p.strip().casefold() for p in purposes} for role, purposes in allowed_purposes.items()}
    df["out_of_purpose"] = [
        purpose.strip().casefold() not in allowed.get(role, set())
        for role, purpose in zip(df["role"], df["purpose"])
    ]
    start, end = working_hours
    hour = df["local_time"].dt.hour
    df["out_of_hours"] = (hour < start) | (hour >= end) | ~df["local_time"].dt.weekday.isin(list(working_days))

    # Distinct persons actually read (allowed reads only) per entry and per user-day.
    is_read = df["action"].isin(READ_ACTIONS) & (df["outcome"] == "allowed")
    df["_persons"] = [(_persons(w) if r else []) for w, r in zip(df["what"], is_read)]
    df["n_persons"] = df["_persons"].map(len)
    per_user_day = (
        df[["who", "day", "_persons"]].explode("_persons").dropna(subset=["_persons"])
        .groupby(["who", "day"])["_persons"].nunique()
    )
    df["user_day_persons"] = [int(per_user_day.get((w, d), 0)) for w, d in zip(df["who"], df["day"])]
    df["many_persons"] = is_read & (df["user_day_persons"] > max_persons_per_day)
    df["denied"] = df["outcome"] == "denied"
    df["flags"] = [";".join(f for f in FLAGS if row[f]) for row in df[list(FLAGS)].to_dict("records")]
    return df


def access_report(
    entries: Iterable[Mapping[str, Any]],
    allowed_purposes: Mapping[str, Iterable[str]],
    **options: Any,
) -> pd.DataFrame:
    """Volume by local day, user, role and action, with flag counts, for access review.

    Columns: ``day, who, role, action, entries, allowed, denied, persons``
    (distinct persons read in the group), ``user_day_persons`` (distinct persons
    the user read that day, all actions), ``out_of_purpose`` and ``out_of_hours``
    (entry counts), ``many_persons`` (bool), ``flags`` (the flags raised, ``;``
    separated) and ``review`` (any flag). Options as for :func:`flag_entries`.

    >>> e = [{"seq": 1, "ts": "2024-05-01T09:00:00+00:00", "who": "x", "role": "analyst",
    ...       "agency": "LA", "purpose": "triage", "action": "access",
    ...       "what": {"persons": ["P1", "P2"]}, "outcome": "allowed"}]
    >>> access_report(e, {"analyst": ["triage"]})[["who", "entries", "persons", "review"]].values.tolist()
    [['x', 1, 2, False]]
    """
    df = flag_entries(entries, allowed_purposes, **options)
    if df.empty:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    df["_allowed"] = df["outcome"] == "allowed"
    keys = ["day", "who", "role", "action"]
    grouped = df.groupby(keys, sort=True)
    out = grouped.agg(
        entries=("seq", "size"),
        allowed=("_allowed", "sum"),
        denied=("denied", "sum"),
        user_day_persons=("user_day_persons", "max"),
        out_of_purpose=("out_of_purpose", "sum"),
        out_of_hours=("out_of_hours", "sum"),
        many_persons=("many_persons", "any"),
    )
    persons = df[keys + ["_persons"]].explode("_persons").dropna(subset=["_persons"])
    out["persons"] = persons.groupby(keys)["_persons"].nunique().reindex(out.index, fill_value=0)
    out = out.reset_index()
    for col in ("entries", "allowed", "denied", "persons", "user_day_persons", "out_of_purpose", "out_of_hours"):
        out[col] = out[col].astype("int64")
    out["many_persons"] = out["many_persons"].astype(bool)
    out["flags"] = [
        ";".join(f for f, hit in zip(FLAGS, (p > 0, h > 0, m, d > 0)) if hit)
        for p, h, m, d in zip(out["out_of_purpose"], out["out_of_hours"], out["many_persons"], out["denied"])
    ]
    out["review"] = out["flags"] != ""
    return out[REPORT_COLUMNS]


def flagged_entries(
    entries: Iterable[Mapping[str, Any]],
    allowed_purposes: Mapping[str, Iterable[str]],
    **options: Any,
) -> pd.DataFrame:
    """Only the entries with at least one flag, one row each, for the reviewer to follow up.

    >>> e = [{"seq": 7, "ts": "2024-05-01T09:00:00+00:00", "who": "x", "role": "analyst",
    ...       "agency": "LA", "purpose": "triage", "action": "export",
    ...       "what": {}, "outcome": "denied"}]
    >>> flagged_entries(e, {"analyst": ["triage"]})[["seq", "flags"]].values.tolist()
    [[7, 'denied']]
    """
    df = flag_entries(entries, allowed_purposes, **options)
    if df.empty:
        return df
    return df.loc[df["flags"] != "", ENTRY_COLUMNS].reset_index(drop=True)
