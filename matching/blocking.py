"""Blocking: declarative one-line rules compiled to DuckDB self-joins.

A rule is a conjunction of equalities between the left (``l.``) and right
(``r.``) record, for example::

    l.surname_dm = r.surname_dm AND l.dob_year = r.dob_year
    l.nhs_valid_number = r.nhs_valid_number
    substr(l.postcode, 1, 3) = substr(r.postcode, 1, 3) AND l.first_initial = r.first_initial

Only equalities are allowed, on purpose: DuckDB runs an equality join as a
hash join, so a million records block in seconds, while a fuzzy join
condition would compare every pair. Fuzziness belongs to the comparisons.
Rules should be symmetric (swapping l and r describes the same pairs).

The union of the rules is de-duplicated in SQL: rule k keeps only the pairs
that no earlier rule found, and each pair carries the index of the first rule
that found it, so only distinct candidate pairs reach Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

_SIDE_COL = r"(?P<side>[lr])\.(?P<col>[A-Za-z_][A-Za-z0-9_]*)"
_EXPR = re.compile(
    rf"^\s*(?:{_SIDE_COL}|(?P<fn>substr|left|right|lower|upper)\(\s*(?P<side2>[lr])\.(?P<col2>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?P<args>(?:\s*,\s*\d+){0,2})\s*\))\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Term:
    """One side of an equality: a column of the left or right record, maybe wrapped in a function."""

    side: str
    column: str
    function: str | None = None
    args: tuple[int, ...] = ()

    def expr(self, alias: str | None = None) -> str:
        ref = f'{alias or self.side}."{self.column}"'
        if self.function:
            args = "".join(f", {a}" for a in self.args)
            return f"{self.function}(CAST({ref} AS VARCHAR){args})"
        return ref


@dataclass(frozen=True)
class BlockingRule:
    """A parsed blocking rule: equalities that must all hold."""

    text: str
    equalities: tuple[tuple[Term, Term], ...]

    def columns(self) -> set[str]:
        return {t.column for eq in self.equalities for t in eq}

    def condition_sql(self, left: str = "l", right: str = "r") -> str:
        """SQL condition with the given table aliases for l and r."""
        parts = []
        for a, b in self.equalities:
            sa = a.expr(left if a.side == "l" else right)
            sb = b.expr(left if b.side == "l" else right)
            parts.append(f"{sa} = {sb}")
        return "(" + " AND ".join(parts) + ")"


def _parse_term(text: str, rule: str) -> Term:
    m = _EXPR.match(text)
    if not m:
        raise ValueError(f"blocking rule {rule!r}: cannot read {text.strip()!r} (use l.col, r.col or substr(l.col, a, b))")
    if m["side"]:
        return Term(m["side"].lower(), m["col"])
    args = tuple(int(a) for a in re.findall(r"\d+", m["args"] or ""))
    return Term(m["side2"].lower(), m["col2"], m["fn"].lower(), args)


def parse_rule(text: str, available_columns: set[str] | None = None) -> BlockingRule:
    """Parse ``"l.a = r.a AND l.b = r.b"`` into a :class:`BlockingRule`.

    >>> parse_rule("l.surname_dm = r.surname_dm AND l.dob_year = r.dob_year").columns() == {"surname_dm", "dob_year"}
    True
    >>> parse_rule("l.x > r.x")
    Traceback (most recent call last):
    ...
    ValueError: blocking rule 'l.x > r.x': each condition must be an equality 'A = B'
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("blocking rule is empty")
    eqs = []
    for cond in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
        if cond.count("=") != 1 or any(op in cond for op in ("<", ">", "!")):
            raise ValueError(f"blocking rule {text!r}: each condition must be an equality 'A = B'")
        left, right = cond.split("=")
        a, b = _parse_term(left, text), _parse_term(right, text)
        if {a.side, b.side} != {"l", "r"}:
            raise ValueError(f"blocking rule {text!r}: each equality must compare l.* with r.*")
        eqs.append((a, b))
    rule = BlockingRule(text.strip(), tuple(eqs))
    if available_columns is not None:
        missing = rule.columns() - set(available_columns)
        if missing:
            raise ValueError(f"blocking rule {text!r}: unknown column(s) {sorted(missing)}")
    return rule


def compile_rules_sql(
    rules: list[str] | list[BlockingRule],
    left_table: str = "features",
    right_table: str | None = None,
    link_type: str = "dedupe",
) -> str:
    """SQL returning ``row_l, row_r, rule`` for the de-duplicated union of the rules.

    With ``right_table`` None it is a self-join (``l._row < r._row``); otherwise it
    joins two tables (every left row against every right row that a rule finds).
    ``link_only`` keeps only pairs whose ``source`` differs.

    >>> print(compile_rules_sql(["l.a = r.a", "l.b = r.b"]).splitlines()[1].strip())
    SELECT l._row AS row_l, r._row AS row_r, 0 AS rule FROM features l JOIN features r ON (l."a" = r."a") AND l._row < r._row
    """
    parsed = [r if isinstance(r, BlockingRule) else parse_rule(r) for r in rules]
    right = right_table or left_table
    selects = []
    for k, rule in enumerate(parsed):
        cond = rule.condition_sql()
        extra = []
        if right_table is None:
            extra.append("l._row < r._row")
        if link_type == "link_only":
            extra.append("l.source IS DISTINCT FROM r.source")
        for prev in parsed[:k]:
            extra.append(f"NOT coalesce({prev.condition_sql()}, false)")
        where = "".join(f" AND {e}" for e in extra)
        selects.append(
            f"SELECT l._row AS row_l, r._row AS row_r, {k} AS rule FROM {left_table} l JOIN {right} r ON {cond}{where}"
        )
    return "(\n" + "\nUNION ALL\n".join(selects) + "\n)"


def _connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


@dataclass
class CandidatePairs:
    """Candidate pairs as parallel arrays of row positions and the first rule that found them."""

    row_l: np.ndarray
    row_r: np.ndarray
    rule: np.ndarray
    rules: list[str]

    def __len__(self) -> int:
        return len(self.row_l)

    def counts_by_rule(self) -> pd.DataFrame:
        """Pairs first found by each rule."""
        counts = np.bincount(self.rule, minlength=len(self.rules)) if len(self.rule) else np.zeros(len(self.rules), int)
        return pd.DataFrame({"rule": self.rules, "new_pairs": counts})


def _table_for(features: pd.DataFrame, parsed: list[BlockingRule], link_type: str) -> pd.DataFrame:
    cols = {"_row"} | set().union(*(r.columns() for r in parsed))
    if link_type == "link_only":
        cols.add("source")
    missing = cols - set(features.columns)
    if missing:
        raise ValueError(f"blocking needs column(s) missing from the features: {sorted(missing)}")
    return features[sorted(cols)]


def _coded_table(features: pd.DataFrame, parsed: list[BlockingRule], link_type: str, fa):
    """Blocking columns as an Arrow table of integer codes (NULL = missing).

    DuckDB hash-joins 32-bit integers much faster than Python strings. Columns
    used inside a function (substr ...) or compared with a column of another
    vocabulary keep their text.
    """
    import pyarrow as pa

    text_cols: set[str] = set()
    for r in parsed:
        for a, b in r.equalities:
            if a.function or b.function:
                text_cols |= {a.column, b.column}
            elif a.column != b.column and fa.vocab_key(a.column) != fa.vocab_key(b.column):
                text_cols |= {a.column, b.column}
    cols = set().union(*(r.columns() for r in parsed))
    arrays, names = [pa.array(features["_row"].to_numpy(dtype=np.int64))], ["_row"]
    if link_type == "link_only":
        arrays.append(pa.array(features["source"].astype(str).to_numpy(dtype=object)))
        names.append("source")
    for c in sorted(cols):
        if c in text_cols:
            vals = features[c]
            arrays.append(pa.array(vals.astype(object).where(vals.notna(), None).to_numpy(dtype=object)))
        else:
            codes = fa.codes(c)
            arrays.append(pa.array(codes, mask=codes < 0))
        names.append(c)
    return pa.Table.from_arrays(arrays, names=names)


def _in_row_order(res: dict, rules: list[str]) -> CandidatePairs:
    """Candidate pairs sorted by (row_l, row_r).

    DuckDB's parallel join returns rows in a different order from run to run; every
    later step (EM sums, clustering's tie-breaks between equal weights) must see
    one order, or the same data could give different persons in different runs.
    """
    row_l = np.asarray(res["row_l"], dtype=np.int64)
    row_r = np.asarray(res["row_r"], dtype=np.int64)
    order = np.lexsort((row_r, row_l))
    return CandidatePairs(row_l[order], row_r[order], np.asarray(res["rule"], dtype=np.int16)[order], list(rules))


def block(features: pd.DataFrame, rules: list[str], link_type: str = "dedupe", fa=None) -> CandidatePairs:
    """Candidate pairs of one table (self-join), de-duplicated across rules.

    >>> f = pd.DataFrame({"_row": [0, 1, 2], "a": ["x", "x", "y"], "b": ["p", "q", "q"]})
    >>> cp = block(f, ["l.a = r.a", "l.b = r.b"])
    >>> sorted(zip(cp.row_l.tolist(), cp.row_r.tolist(), cp.rule.tolist()))
    [(0, 1, 0), (1, 2, 1)]
    """
    parsed = [parse_rule(r, set(features.columns)) for r in rules]
    con = _connect()
    if fa is None:
        from matching.comparisons import FeatureArrays

        fa = FeatureArrays(features)
    _table_for(features, parsed, link_type)  # validates the columns
    table = _coded_table(features, parsed, link_type, fa)
    con.register("features", table)
    sql = compile_rules_sql(parsed, link_type=link_type)
    res = con.execute(f"SELECT row_l, row_r, rule FROM {sql}").fetchnumpy()
    con.close()
    return _in_row_order(res, rules)


def block_between(new: pd.DataFrame, existing, rules: list[str]) -> CandidatePairs:
    """Candidate pairs (row in ``new``, row in ``existing``) for incremental linking.

    Both tables need a ``_row`` column (positions in their own table); ``existing``
    may be a DataFrame or an Arrow table (what a large index keeps for speed).
    """
    import pyarrow as pa

    old_cols = set(existing.column_names) if isinstance(existing, pa.Table) else set(existing.columns)
    parsed = [parse_rule(r, set(new.columns) & old_cols) for r in rules]
    con = _connect()
    con.register("new_t", _table_for(new, parsed, "dedupe"))
    if isinstance(existing, pa.Table):
        cols = {"_row"} | set().union(*(r.columns() for r in parsed))
        con.register("old_t", existing.select(sorted(cols)))
    else:
        con.register("old_t", _table_for(existing, parsed, "dedupe"))
    sql = compile_rules_sql(parsed, left_table="new_t", right_table="old_t")
    res = con.execute(f"SELECT row_l, row_r, rule FROM {sql}").fetchnumpy()
    con.close()
    return _in_row_order(res, rules)


def estimate_rule_pairs(features: pd.DataFrame, rule: str) -> int | None:
    """Pairs a rule would generate on its own (dedupe), without generating them.

    Works for rules whose equalities compare the same expression on both sides
    (``l.x = r.x``); returns None for others (e.g. swapped-column rules).

    >>> estimate_rule_pairs(pd.DataFrame({"_row": [0, 1, 2], "a": ["x", "x", "x"]}), "l.a = r.a")
    3
    """
    parsed = parse_rule(rule, set(features.columns))
    keys = []
    for a, b in parsed.equalities:
        if (a.column, a.function, a.args) != (b.column, b.function, b.args):
            return None
        keys.append(a.expr("t"))
    con = _connect()
    con.register("features", features[sorted(parsed.columns())])
    where = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    sql = (f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*)::BIGINT AS n FROM features t "
           f"WHERE {where} GROUP BY {', '.join(keys)})")
    total = con.execute(sql).fetchone()[0]  # noqa: S608 - keys are Term.expr of a parsed rule (grammar-checked)
    con.close()
    return int(total)


def blocking_recall(
    features: pd.DataFrame, rules: list[str], truth: pd.Series | np.ndarray, link_type: str = "dedupe"
) -> dict:
    """Blocking recall on labelled data: share of true pairs that reach comparison.

    ``truth`` holds a person label per feature row (same order). Returns the
    number of candidate pairs, true pairs, true pairs found, the recall, and a
    per-rule table of the pairs each rule added.

    >>> f = pd.DataFrame({"_row": [0, 1, 2], "a": ["x", "x", "y"]})
    >>> blocking_recall(f, ["l.a = r.a"], ["p", "p", "p"])["recall"]
    0.3333333333333333
    """
    cp = block(features, rules, link_type=link_type)
    labels = pd.factorize(pd.Series(np.asarray(truth)))[0]
    same = labels[cp.row_l] == labels[cp.row_r]
    if link_type == "link_only":
        src = pd.factorize(features["source"])[0]
        tab = pd.crosstab(labels, src).to_numpy()
        true_pairs = int(sum(np.prod(row) if len(row) == 2 else (row.sum() ** 2 - (row**2).sum()) // 2 for row in tab))
    else:
        sizes = np.bincount(labels[labels >= 0])
        true_pairs = int((sizes * (sizes - 1) // 2).sum())
    found = int(same.sum())
    per_rule = cp.counts_by_rule()
    per_rule["new_true_pairs"] = np.bincount(cp.rule[same], minlength=len(rules)) if found else 0
    return {
        "candidate_pairs": len(cp),
        "true_pairs": true_pairs,
        "true_pairs_found": found,
        "recall": found / true_pairs if true_pairs else 1.0,
        "per_rule": per_rule,
    }
