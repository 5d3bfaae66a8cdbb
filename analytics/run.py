"""One entry point that builds everything from the warehouse and a person-link table.

>>> from analytics import run_all  # doctest: +SKIP
>>> run_all(con, mention_person, "data_samples/rules.toml", "data_samples/rag.toml", "var/outputs/analytics")
... # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from analytics.addresses import resolve_addresses
from analytics.base import build_base, load_mention_person
from analytics.family_graph import build_family_graph
from analytics.households import build_households
from analytics.outputs import write_outputs
from analytics.rag import apply_rag, load_rag
from analytics.rule_config import load_rules
from analytics.rules import KINDS, run_rules
from mash.sqlsafe import quote_literal
from mash.synth.frames import release_memory

# DuckDB's memory for the analytics (``MASH_ANALYTICS_MEMORY_LIMIT``): beyond it DuckDB spills to disk beside
# the warehouse. Its own default is 80% of the machine; detection at 1,000,000 notifications then held 6 GB
# (with 2GB, 4.3 GB: operators' own state comes on top of the limit; with 1200MB, under 4 GB).
MEMORY_LIMIT_ENV = "MASH_ANALYTICS_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1200MB"
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def memory_limit() -> str:
    """DuckDB's memory limit for :func:`run_all`: ``$MASH_ANALYTICS_MEMORY_LIMIT`` or 1200MB.

    >>> memory_limit() if not os.environ.get(MEMORY_LIMIT_ENV) else "1200MB"
    '1200MB'
    """
    value = os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT).strip()
    if not _MEMORY.fullmatch(value):
        raise ValueError(f"{MEMORY_LIMIT_ENV}={value!r} is not a size such as 2GB or 1500MB")
    return value


TABLES = ("analytics_mention_person", "link_conflicts", "notification_events", "notification_copies",
          "person_profiles",
          "linked_mentions",
          "address_entities", "mention_addresses", "household_spells", "address_profiles", "family_edges",
          "family_networks", "alerts", "alert_evidence", "alert_members", "alert_rag", "alert_log",
          "alert_reviews")


def run_all(con: duckdb.DuckDBPyConnection, mention_person: pd.DataFrame | str, rules_path: Path | str,
            rag_path: Path | str, out_dir: Path | str, now: datetime | None = None,
            max_pages: int | None = None, on_stage: Callable[[str], None] | None = None) -> dict:
    """Addresses, households, family graph, alerts, RAG and analyst outputs, in that order.

    ``con`` is a read-write warehouse connection holding ``notifications``,
    ``person_mentions`` and ``deliveries``; ``mention_person`` is a DataFrame or table
    name with ``mention_id, person_id, link_probability`` from the matching
    engine; ``now`` (Europe/London wall clock) stamps newly raised alerts; ``on_stage(name)`` is called as
    each stage ends.

    Returns ``{"counts": {...}, "paths": {...}, "seconds": {...}, "tables": [...]}``; ``seconds`` holds the
    wall time of each stage (``addresses``, ``base``, ``households``, ``family_graph``, ``rules``, ``rag``,
    ``outputs``, ``total``) and ``seconds["per_rule"]`` each rule's.

    >>> res = run_all(con, truth_mention_person(con, "data_samples/world/truth"), "data_samples/rules.toml",
    ...               "data_samples/rag.toml", "var/outputs/analytics")  # doctest: +SKIP
    >>> res["paths"]["queue_html"]  # doctest: +SKIP
    PosixPath('var/outputs/analytics/alert_queue.html')
    """
    rules = load_rules(rules_path, KINDS)
    rag = load_rag(rag_path)
    counts: dict[str, object] = {}
    previous_limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = {quote_literal(memory_limit())}")
    try:
        return _run(con, mention_person, rules, rag, out_dir, now, max_pages, on_stage, counts)
    finally:
        con.execute(f"SET memory_limit = {quote_literal(previous_limit)}")


def _run(con: duckdb.DuckDBPyConnection, mention_person: pd.DataFrame | str, rules, rag, out_dir: Path | str,
         now: datetime | None, max_pages: int | None, on_stage: Callable[[str], None] | None, counts: dict) -> dict:
    """The stages of :func:`run_all`, timed."""
    t0 = time.perf_counter()
    seconds: dict = {}
    per_rule: dict[str, float] = {}
    last = [t0]

    def lap(name: str) -> None:
        release_memory()  # each stage's pandas temporaries go back to the OS before the next one
        now_ = time.perf_counter()
        seconds[name] = round(now_ - last[0], 3)
        last[0] = now_
        if on_stage is not None:  # e.g. a benchmark reading the memory each stage took
            on_stage(name)

    # one transaction: readers never see half-rebuilt tables, and a failure leaves the last good run
    con.execute("BEGIN TRANSACTION")
    try:
        counts["addresses"] = resolve_addresses(con)
        lap("addresses")
        counts["link_conflicts"] = load_mention_person(con, mention_person)
        counts["base"] = build_base(con, **rules.people)
        lap("base")
        counts["households"] = build_households(con, rules.households)
        lap("households")
        counts["family_graph"] = build_family_graph(con, rules.graph)
        lap("family_graph")
        counts["alerts"] = run_rules(con, rules, now, timings=per_rule)
        lap("rules")
        counts["rag"] = apply_rag(con, rag)
        con.execute("COMMIT")
        lap("rag")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    paths = write_outputs(con, out_dir, max_pages=max_pages)
    counts["pages"] = paths.pop("pages")
    lap("outputs")
    seconds["total"] = round(time.perf_counter() - t0, 3)
    seconds["per_rule"] = per_rule
    return {"counts": counts, "paths": {k: Path(v) for k, v in paths.items()}, "seconds": seconds,
            "tables": list(TABLES)}
