"""Scan a research extract for anything identifying that the warehouse holds.

:func:`collect_secrets` reads, from the identifiable warehouse, everything that must never reach a
researcher; :func:`scan` reads every cell of every Parquet file (and its metadata) and every other
file in the extract, and returns one finding per leak. How each kind is matched, and why:

* **Identifiers** (NHS numbers, UPNs, PNC ids, NI numbers, local-authority and other ids), **full
  postcodes**, **warehouse ids** (person, address, alert, network, delivery ids, which every
  mention and notification id contains; file names; partners' references) and **dates of birth as
  text** (``2010-10-17``, ``17/10/2010`` and the DOB as the partner wrote it): as *substrings* of
  every text cell, upper-cased with whitespace removed, so ``943 476 5919`` inside a longer text,
  or ``mh1 8re`` written without its space, is still found. Identifiers are long enough (7+
  characters, or a postcode's letter-digit shape) that a chance match inside a 16-hex pseudonym is
  negligible, and the fixed test key makes any such chance the same on every run.
* **Numbers**: an NHS number written as an integer column is a *whole* numeric cell. Numeric cells
  are not searched for substrings: the digits of a float such as ``0.99401612345`` would match
  some 10-digit NHS number sooner or later.
* **Names** (first, middle, surname and the tokens of full names, with and without accents):
  as *whole tokens*. Substrings would raise false alarms on short names ("Al", "Eli", "Ada" inside
  "detail", "Adam" or a hex pseudonym); a leaked name column still shows hundreds of whole-token
  hits. Single letters (initials) are not names anybody can be found by and are skipped. Words the
  extract legitimately contains are exempt: the code values of the warehouse's categorical columns
  (a surname "Green" versus the RAG rating "green") and the words of the extract module's own
  source (its column descriptions, for the data dictionary). :func:`collect_secrets` reports how
  many name tokens that leaves unchecked; the test asserts it is a small share.
* **Names of people in full** and **free text** (notification narratives, alert explanations and
  subject labels, family-edge details, override rationales): as *whole cells*, whitespace
  normalised. A free-text column is caught because every one of its cells matches.
* **Addresses**: whole cells, and the street name as a *run of whole tokens* ("BARLEY CLOSE").
* **Dates of birth as dates**: event dates are kept, and some event dates are some other person's
  birthday, so a date column is only a leak when it lines up with the person in the same row: in
  every table with a person pseudonym, no date in that row may be that person's recorded DOB; and
  no date column may be mostly birthdays (a DOB column with no person beside it).
* **The key**: its bytes in every file, its hex (either case) in every file and every text cell.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mash.governance.pseudonymise import Pseudonymiser
from mash.research import extract as extract_module

TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
SPACE = re.compile(r"\s+")

# Warehouse columns that hold codes (never names); their words may appear in the extract.
CODE_COLUMNS = {
    "notifications": ["partner", "owner_agency", "concern_type", "severity", "channel", "decision", "rag",
                      "dash_risk", "consent"],
    "person_mentions": ["role", "sex"],
    "link_explanations": ["comparison", "label", "decision", "conflicts", "settings_version"],
    "review_queue": ["reason", "conflicts"],
    "alerts": ["rule", "rule_kind", "subject_type", "agencies", "max_severity", "thresholds", "description"],
    "alert_rag": ["rag", "lead_agency"],
    "alert_members": ["relation"],
    "alert_evidence": ["evidence_role"],
    "family_edges": ["edge_type", "strength", "rule", "source"],
    "family_networks": ["relation", "via"],
    "address_profiles": ["kind"],
    "household_spells": ["agencies"],
    "link_runs": ["settings_version"],
}


def tokens(text: str) -> list[str]:
    """Whole tokens of a text, upper-cased: letters and digits, joined by an apostrophe or hyphen."""
    return TOKEN.findall(text.upper())


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def squash(text: str) -> str:
    """Upper case, no whitespace: how text cells and identifiers are compared as substrings."""
    return SPACE.sub("", text.upper())


def normal(text: str) -> str:
    """Upper case, single spaces: how whole cells are compared."""
    return " ".join(text.upper().split())


@dataclass
class Secrets:
    """What must not appear in an extract (see the module docstring for how each is matched)."""

    key: bytes
    substrings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # kind -> squashed
    numbers: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    exempt_names: set[str] = field(default_factory=set)  # name tokens that are also code words
    whole: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # kind -> normal()
    streets: set[tuple[str, ...]] = field(default_factory=set)
    dob_by_pid: dict[str, set[date]] = field(default_factory=dict)
    all_dobs: set[date] = field(default_factory=set)
    _lookup: tuple | None = field(default=None, repr=False)

    @property
    def street_sizes(self) -> set[int]:
        return {len(seq) for seq in self.streets}

    def __post_init__(self) -> None:
        self.substrings["key"] |= {self.key.hex().upper()}


def _distinct(con, table: str, column: str) -> list[str]:
    return [r[0] for r in con.execute(
        f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()]


def collect_secrets(con, key: bytes, pseudonym_hex: int = extract_module.PSEUDONYM_HEX) -> Secrets:
    """Everything identifying in the warehouse behind an extract made with ``key``."""
    s = Secrets(key)
    # --- identifiers, as written and standardised
    for col in ("nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id"):
        for v in _distinct(con, "person_mentions", col):
            sq = squash(v)
            if len(sq) >= 5:
                s.substrings[col].add(sq)
            if col == "pnc" and "/" in sq:
                s.substrings[col].add(sq.replace("/", ""))
            if col == "nhs_number":
                digits = re.sub(r"\D", "", v)
                if len(digits) == 10:
                    s.substrings[col].add(digits)
                    s.numbers.add(int(digits))
    # --- full postcodes, wherever the warehouse holds one
    for table, col in (("person_mentions", "postcode"), ("address_entities", "postcode"),
                       ("mention_addresses", "postcode_written"), ("mention_addresses", "postcode_norm")):
        s.substrings["postcode"] |= {squash(v) for v in _distinct(con, table, col) if FULL_POSTCODE.match(squash(v))}
    # --- dates of birth as text
    for (d,) in con.execute("SELECT DISTINCT dob FROM person_mentions WHERE dob IS NOT NULL").fetchall():
        s.substrings["dob"] |= {d.isoformat(), d.strftime("%d/%m/%Y")}
        s.all_dobs.add(d)
    s.substrings["dob"] |= {squash(v) for v in _distinct(con, "person_mentions", "dob_raw")
                            if len(squash(v)) >= 8 and re.search(r"\d", v)}
    # --- the warehouse's own ids (mention and notification ids contain the delivery id)
    for table, col in (("deliveries", "delivery_id"), ("deliveries", "file_name"), ("deliveries", "content_hash"),
                       ("notifications", "source_ref"), ("mention_person", "person_id"),
                       ("address_entities", "address_id"), ("alerts", "alert_id"),
                       ("family_networks", "network_id")):
        s.substrings["warehouse_id"] |= {squash(v) for v in _distinct(con, table, col) if len(squash(v)) >= 6}
    # --- names
    name_values = []
    for col in ("first_name", "middle_name", "surname", "full_name"):
        name_values += _distinct(con, "person_mentions", col)
    for table, col in (("notifications", "consent_authorised_by"), ("review_decisions", "reviewer"),
                       ("alert_reviews", "reviewer")):
        name_values += _distinct(con, table, col)
    for v in name_values:
        for t in tokens(v) + tokens(_strip_accents(v)):
            parts = [t, *t.replace("'", "-").split("-")]
            s.names |= {p for p in parts if len(p) > 1 and not p.isdigit()}
        if len(tokens(v)) > 1:  # a single word is checked as a token, with the code-word exemptions
            s.whole["name"].add(normal(v))
    for (first, surname) in con.execute("SELECT DISTINCT first_name, surname FROM person_mentions "
                                        "WHERE first_name IS NOT NULL AND surname IS NOT NULL").fetchall():
        s.whole["name"] |= {normal(f"{first} {surname}"), normal(f"{surname}, {first}")}
    code_words = set()
    for table, cols in CODE_COLUMNS.items():
        for col in cols:
            for v in _distinct(con, table, col):
                code_words |= set(tokens(v))
    code_words |= set(tokens(Path(extract_module.__file__).read_text(encoding="utf-8")))
    s.exempt_names = s.names & code_words
    s.names -= code_words
    # --- addresses and free text
    for table, col in (("person_mentions", "address"), ("address_entities", "label"),
                       ("mention_addresses", "address_written")):
        s.whole["address"] |= {normal(v) for v in _distinct(con, table, col)}
    for v in _distinct(con, "address_entities", "street"):
        seq = tuple(tokens(v))
        if seq:
            s.streets.add(seq)
    for table, col in (("notifications", "free_text"), ("notifications", "consent_override_rationale"),
                       ("alerts", "explanation"), ("alerts", "subject_label"), ("family_edges", "detail"),
                       ("alert_evidence", "people_named"), ("review_decisions", "reason"),
                       ("alert_reviews", "note")):
        s.whole["free_text"] |= {normal(v) for v in _distinct(con, table, col) if len(v.strip()) >= 8}
    # --- each person's recorded dates of birth, under the pseudonym the extract gives them
    pz = Pseudonymiser(key, length=pseudonym_hex)
    dobs = con.execute("SELECT mp.person_id, m.dob FROM mention_person mp JOIN person_mentions m USING (mention_id) "
                       "WHERE m.dob IS NOT NULL").df()
    pids = pz.pseudonym(dobs["person_id"].astype(str), "person")
    for pid, d in zip(pids, dobs["dob"]):
        s.dob_by_pid.setdefault(pid, set()).add(pd.Timestamp(d).date())
    return s


# ------------------------------------------------------------------------------------------------- scanning
HEX = re.compile(r"^[0-9A-F]+$")


def _by_length(wanted: dict[str, set[str]], only_hex: bool) -> dict[int, dict[str, str]]:
    by_length: dict[int, dict[str, str]] = defaultdict(dict)
    for kind, values in wanted.items():
        for v in values:
            if not only_hex or HEX.match(v):
                by_length[len(v)][v] = kind
    return dict(by_length)


def _substring_hits(texts: set[str], s: Secrets) -> list[tuple[str, str, str]]:
    """(kind, secret, text) for every secret found inside a text (texts already squashed).

    A window of each secret's length slides over each text and is looked up in a set. Most cells are
    hex pseudonyms, inside which only an all-hex secret (an NHS number, say) could sit, so those
    cells are searched for those secrets only.
    """
    if s._lookup is None:
        s._lookup = (_by_length(s.substrings, False), _by_length(s.substrings, True))
    hits = []
    for text in texts:
        n = len(text)
        for length, table in s._lookup[1 if HEX.match(text) else 0].items():
            for i in range(n - length + 1):
                piece = text[i:i + length]
                if piece in table:
                    hits.append((table[piece], piece, text))
    return hits


def _scan_texts(where: str, values: set[str], s: Secrets) -> list[str]:
    found = []
    street_sizes = s.street_sizes
    squashed = {squash(v) for v in values}
    for kind, secret, text in _substring_hits(squashed, s):
        found.append(f"{where}: {kind} {secret!r} in {text[:60]!r}")
    for v in values:
        cell = normal(v)
        for kind, wanted in s.whole.items():
            if cell in wanted:
                found.append(f"{where}: {kind} (whole value) {v[:60]!r}")
        toks = tokens(v)
        for t in toks:
            if t in s.names:
                found.append(f"{where}: name token {t!r} in {v[:60]!r}")
        for size in street_sizes:
            for i in range(len(toks) - size + 1):
                if tuple(toks[i:i + size]) in s.streets:
                    found.append(f"{where}: street {' '.join(toks[i:i + size])!r} in {v[:60]!r}")
    return found


def _scan_table(path: Path, s: Secrets) -> list[str]:
    found = []
    pf = pq.ParquetFile(path)
    table = pf.read()
    # metadata and column names are text too
    meta = [k.decode("utf-8", "replace") + "=" + v.decode("utf-8", "replace")
            for k, v in (pf.metadata.metadata or {}).items()]
    meta += [f.name for f in table.schema]
    found += _scan_texts(f"{path.name} (metadata)", set(meta), s)
    df = table.to_pandas()
    pids = set(s.dob_by_pid)
    person_cols = [c for c in df.columns if pa.types.is_string(table.schema.field(c).type) and df[c].isin(pids).any()]
    for col in df.columns:
        ftype = table.schema.field(col).type
        where = f"{path.name}:{col}"
        values = df[col].dropna()
        if pa.types.is_string(ftype) or pa.types.is_large_string(ftype):
            distinct = pc.unique(table.column(col).drop_null()).to_pylist()
            found += _scan_texts(where, set(distinct), s)
        elif pa.types.is_integer(ftype) or pa.types.is_floating(ftype):
            nums = {int(v) for v in values if float(v).is_integer()}
            found += [f"{where}: NHS number as a number {n}" for n in nums & s.numbers]
        elif pa.types.is_date(ftype) or pa.types.is_timestamp(ftype):
            dates = pd.to_datetime(values).dt.date
            if len(dates) and dates.isin(s.all_dobs).mean() > 0.5:
                found.append(f"{where}: {dates.isin(s.all_dobs).mean():.0%} of the dates are dates of birth")
            for pcol in person_cols:
                rows = df.loc[values.index, pcol]
                same = [p for p, d in zip(rows, dates) if d in s.dob_by_pid.get(p, ())]
                if same:
                    found.append(f"{where}: {len(same)} row(s) give the date of birth of the person in {pcol}")
        elif not pa.types.is_boolean(ftype):
            found.append(f"{where}: column of type {ftype} not scanned (the extract should hold flat columns only)")
    return found


def scan(folder: Path, s: Secrets) -> list[str]:
    """Every leak of ``s`` in the files of ``folder`` (empty list: none)."""
    found = []
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    assert files, f"no files in {folder}"
    for path in files:
        raw = path.read_bytes()
        for form in (s.key, s.key.hex().encode(), s.key.hex().upper().encode()):
            if form in raw:
                found.append(f"{path.name}: the key")
        if path.suffix == ".parquet":
            found += _scan_table(path, s)
        else:
            text = raw.decode("utf-8")
            values = {text}
            if path.suffix == ".json":  # every string in the JSON as a cell of its own, too
                def walk(x):
                    if isinstance(x, dict):
                        for k, v in x.items():
                            values.add(str(k))
                            walk(v)
                    elif isinstance(x, list):
                        for v in x:
                            walk(v)
                    elif isinstance(x, str):
                        values.add(x)
                walk(json.loads(text))
            else:
                values |= set(text.splitlines())
            found += _scan_texts(path.name, values, s)
    return sorted(set(found))
