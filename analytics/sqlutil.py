"""Small DuckDB helpers shared by the analytics modules.

DuckDB 2.0 note: a ``fetchone()`` leaves the result unfinished and the next
``con.sql`` on the same connection fails, so everything here uses
``fetchall()`` or ``.df()``.
"""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from mash.sqlsafe import quote_ident


def replace_table(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> None:
    """Write ``df`` as table ``name``, replacing any previous version.

    >>> con = duckdb.connect(); replace_table(con, "t", pd.DataFrame({"a": [1]}))
    >>> con.sql("select a from t").fetchall()
    [(1,)]
    """
    tmp = f"_df_{name}"
    # An object column with no values has no type to infer; DuckDB would guess a number and a
    # later join on an id would fail. Ids and labels are text, so say so.
    empty_obj = [c for c in df.columns if df[c].dtype == object and df[c].isna().all()]
    if empty_obj:
        df = df.astype({c: "string" for c in empty_obj})
    con.register(tmp, df)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS SELECT * FROM {quote_ident(tmp)}")
    finally:
        con.unregister(tmp)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when a table or view called ``name`` exists in the main schema.

    >>> con = duckdb.connect(); table_exists(con, "alerts")
    False
    """
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'", [name]
    ).fetchall()
    return rows[0][0] > 0


def most_common_sql(expr: str, where: str | None = None) -> str:
    """SQL aggregate: the most common non-null value of ``expr``, ties broken by the smallest value.

    DuckDB's ``mode`` breaks ties arbitrarily; analytics must give the same answer on every run.

    >>> con = duckdb.connect()
    >>> con.sql(f"SELECT {most_common_sql('x')} FROM (VALUES ('b'), ('a'), (NULL)) t(x)").fetchall()
    [('a',)]
    """
    filt = f" FILTER (WHERE {where})" if where else ""
    return (f"list_sort(list_transform(map_entries(histogram({expr}){filt}), "
            f"lambda e: {{'n': -CAST(e.value AS BIGINT), 'k': e.key}}))[1].k")


def stable_id(prefix: str, *parts: object, length: int = 16) -> str:
    """A short id that depends only on ``parts``: the same inputs give the same id on every run.

    >>> stable_id("AL", "rule", "P1", "n1;n2") == stable_id("AL", "rule", "P1", "n1;n2")
    True
    """
    text = "\x1f".join(str(p) for p in parts)
    return prefix + "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]
