"""The two ways a name or a value may be written into SQL text (everything else is a ``?``/``$name`` parameter).

Rule (checked by ``tests/security/test_sql_parameterised.py`` over every ``execute``/``sql`` call in
``mash/``, ``matching/``, ``analytics/`` and ``pipelines/``):

* a **value** (anything that came from a delivery, a config file, a person or a function argument)
  is passed as a parameter: ``con.execute("... WHERE partner = ?", [partner])`` or
  ``con.execute("... list_contains($roles::VARCHAR[], role)", {"roles": roles})``;
* a **table or column name** that is not a constant in the code goes through :func:`quote_ident`;
* a **number** computed in the code is interpolated only through ``int(...)``/``float(...)``;
* SQL fragments written in the code (module constants in CAPITALS, and the builder functions the
  test lists with a reason) may be interpolated;
* a statement that cannot take parameters at all (``ATTACH 'path'``, ``SET x = 'v'``) quotes its
  value with :func:`quote_literal`;
* anything else needs ``# noqa: S608 - <why it is safe>`` on the call, which a reviewer reads.
"""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (embedded quotes doubled).

    >>> quote_ident("alerts"), quote_ident('x"; DROP TABLE y; --')
    ('"alerts"', '"x""; DROP TABLE y; --"')
    >>> quote_ident("")
    Traceback (most recent call last):
    ...
    ValueError: an SQL identifier must be a non-empty string without NUL characters, got ''
    """
    if not isinstance(name, str) or not name or "\x00" in name or len(name) > 255:
        raise ValueError(f"an SQL identifier must be a non-empty string without NUL characters, got {name!r:.80}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """``value`` as a single-quoted SQL string literal, for statements that take no parameters only.

    DuckDB string literals have no backslash escapes, so doubling the quote is the whole rule.

    >>> quote_literal("/data/o'brien.duckdb")
    "'/data/o''brien.duckdb'"
    """
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(f"an SQL string literal must be a string without NUL characters, got {value!r:.80}")
    return "'" + value.replace("'", "''") + "'"
