"""Exports that are safe to open in a spreadsheet, and text that is safe in Markdown.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel and LibreOffice as a formula (CSV/formula injection); so is one that
starts with the full-width forms ``＝ ＋ － ＠`` (some locales convert them) or with
any of these after leading spaces or line breaks. Such a cell is written with a
leading apostrophe, which spreadsheets show as text; the warehouse keeps the value
unchanged.

Rule for numbers: a column with a numeric dtype (int, float, bool, dates) is
written as numbers, so ``-3`` in a numeric column stays ``-3`` (a number is never
a formula). Text is always neutralised, even text that looks like a number
(``"-3"`` in a text column becomes ``'-3``): a text column is not trusted.

Every person-facing CSV goes through :func:`write_csv_safe`
(``tests/security/test_formula_injection.py`` fails when a ``to_csv`` appears
anywhere else). There is no xlsx output; one would need the same treatment.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING = " \n\x0b\x0c\u00a0\u2007\u202f\u3000"  # blanks a spreadsheet may skip before reading a formula


def neutralise(value: object) -> object:
    """Prefix formula-looking text with an apostrophe; other values pass through.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("Smith"), neutralise(5)
    ('\\'=HYPERLINK("http://x")', 'Smith', 5)
    >>> neutralise(" =1+1"), neutralise("\\uff1d1+1"), neutralise("-3")
    ("' =1+1", "'\\uff1d1+1", "'-3")
    """
    if isinstance(value, str) and value.lstrip(_LEADING).startswith(_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and column name) neutralised; numeric columns unchanged."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) \
                or pd.api.types.is_timedelta64_dtype(s):
            continue
        # object, string and categorical columns (and anything else) are mapped value by value
        out[col] = s.astype(object).map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) for c in out.columns]
    return out


def write_csv_safe(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as UTF-8 CSV with formula injection neutralised; returns the path.

    Lines end with CRLF (RFC 4180). With Python's default LF ending, a value holding a bare CR was
    written unquoted, and a spreadsheet breaks the row there: ``"\\r=1+1"`` became a new row whose
    first cell is the formula ``=1+1``. With CRLF every value holding CR or LF is quoted.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(df).to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")
    return path


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")  # "<", ">", "&": html.escape
_MD_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def markdown_text(value: object, limit: int = 500) -> str:
    """Data as inert Markdown text: HTML escaped, Markdown punctuation backslash-escaped, one line.

    Dagster renders ``MetadataValue.md`` as Markdown; a partner's file name or a reason quoting a
    value must show as text there, never as a tag, a link or a new block.

    >>> markdown_text('<img src=x onerror=alert(1)>.csv')
    '&lt;img src=x onerror=alert\\\\(1\\\\)&gt;\\\\.csv'
    """
    text = _MD_BREAKS.sub(" ", str(value))[:limit]
    # Markdown first, then HTML: escaping "#" after html.escape would break its "&#x27;" entities.
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=True)
