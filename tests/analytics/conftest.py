"""Hand-built MASH scenarios written straight into a real DuckDB warehouse file.

A :class:`Scenario` adds notifications and the people they name (with true
person ids), then runs the analytics with the shipped ``rules.toml`` and
``rag.toml``. Tests read the resulting tables.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from analytics import run_all
from mash.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "data_samples" / "rules.toml"
RAG = ROOT / "data_samples" / "rag.toml"
AGENCY = {"police": "Police", "schools": "Education", "health": "Health", "csc": "Children's Social Care",
          "housing": "Housing", "online_form": "Public online form", "probation": "Probation",
          "asc": "Adult Social Care"}
SEV = {"low": 1, "medium": 2, "high": 3, "critical": 4}
NOW = datetime(2026, 7, 1, 10, 0)


class Scenario:
    """A tiny world: people with a name, DOB and address; notifications naming them."""

    def __init__(self, root: Path):
        self.root = root
        self.db = root / "w.duckdb"
        self.con = connect(self.db)
        self.people: dict[str, dict] = {}
        self.rows = 0
        self.truth: list[tuple[str, str]] = []

    def person(self, pid: str, first: str, surname: str, dob: str | None, address: str | None = None,
               postcode: str | None = None, sex: str = "U") -> str:
        self.people[pid] = dict(first=first, surname=surname, dob=dob, address=address, postcode=postcode, sex=sex)
        return pid

    def notify(self, partner: str, day: str, concern: str, people: list, severity: str = "low",
               decision: str | None = None, rag: str | None = None, dash: str | None = None,
               attendance: float | None = None, source_ref: str | None = None, free_text: str | None = None,
               member_list: bool = False, concern_code: str | None = None) -> str:
        """Add one notification; ``people`` is [(pid, role)] or [(pid, role, address, postcode)]."""
        self.rows += 1
        row = self.rows
        delivery = f"{partner}-test"
        nid = f"{delivery}:{row}"
        ref = source_ref or f"{partner.upper()}-{row:05d}"
        self.con.execute(
            "INSERT INTO notifications (notification_id, partner, owner_agency, delivery_id, file_name, row_number, "
            "source_ref, event_date, concern_code, concern_type, severity_code, severity, severity_rank, channel, "
            "decision, rag, dash_risk, attendance_pct, consent, free_text, n_people) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'partner_notification', ?, ?, ?, ?, 'given', ?, ?)",
            [nid, partner, AGENCY[partner], delivery, f"{partner}.csv", row, ref, date.fromisoformat(day),
             concern_code or concern, concern, severity, severity, SEV[severity], decision, rag, dash, attendance, free_text, len(people)])
        for pos, entry in enumerate(people):
            pid, role = entry[0], entry[1]
            p = self.people[pid]
            address = entry[2] if len(entry) > 2 else p["address"]
            postcode = entry[3] if len(entry) > 3 else p["postcode"]
            member_position = pos if member_list else 0
            mention_row = row if member_list or pos == 0 else row * 1000 + pos  # distinct rows per person
            mid = f"{delivery}:{mention_row}:{member_position}"
            self.con.execute(
                "INSERT INTO person_mentions (mention_id, notification_id, partner, delivery_id, file_name, "
                "row_number, member_position, role, first_name, surname, dob, sex, address, postcode) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [mid, nid, partner, delivery, f"{partner}.csv", mention_row, member_position, role, p["first"],
                 p["surname"], date.fromisoformat(p["dob"]) if p["dob"] else None, p["sex"], address, postcode])
            self.truth.append((mid, pid))
        return nid

    def mention_person(self, overrides: dict[str, tuple[str, float]] | None = None) -> pd.DataFrame:
        """True person ids (probability 1.0); ``overrides`` maps mention_id -> (person_id, probability)."""
        rows = [(m, *(overrides or {}).get(m, (p, 1.0))) for m, p in self.truth]
        return pd.DataFrame(rows, columns=["mention_id", "person_id", "link_probability"])

    def run(self, out: str = "out", now: datetime = NOW, rules: Path = RULES, mention_person=None, **kw) -> dict:
        mp = self.mention_person() if mention_person is None else mention_person
        return run_all(self.con, mp, rules, RAG, self.root / out, now=now, **kw)

    def alerts(self, rule: str | None = None) -> pd.DataFrame:
        where = "WHERE rule = ?" if rule else ""
        return self.con.execute(f"SELECT * FROM alerts {where} ORDER BY alert_id", [rule] if rule else []).df()

    def evidence(self, alert_id: str) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT notification_id FROM alert_evidence WHERE alert_id = ? ORDER BY notification_id", [alert_id]
        ).fetchall()]


@pytest.fixture
def scenario(tmp_path: Path) -> Scenario:
    s = Scenario(tmp_path)
    yield s
    s.con.close()


def make_family(s: Scenario, tag: str = "A", surname: str = "OKAFOR", address: str = "12 Elm Road, Millbrook",
           postcode: str = "MH1 1AA", kids: int = 2) -> dict[str, str]:
    """A mother and ``kids`` children at one address; returns their person ids."""
    out = {"mum": s.person(f"{tag}-mum", "Grace", surname, "1988-03-04", address, postcode, "F")}
    for i in range(kids):
        out[f"kid{i}"] = s.person(f"{tag}-kid{i}", ["Ada", "Ben", "Cal", "Dee"][i], surname,
                                  f"{2012 + 2 * i}-05-0{i + 1}", address, postcode)
    return out


@pytest.fixture
def family():
    """``family(scenario, tag=..., kids=...)``: a mother and children at one address (see :func:`make_family`)."""
    return make_family
