"""Exports that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel and LibreOffice as a formula (CSV/formula injection). Such a cell
is written with a leading apostrophe, which spreadsheets show as text; the
warehouse keeps the value unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix formula-looking text with an apostrophe; other values pass through.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("Smith"), neutralise(5)
    ('\\'=HYPERLINK("http://x")', 'Smith', 5)
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise, na_action="ignore")
    return out


def write_csv_safe(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as UTF-8 CSV with formula injection neutralised; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(df).to_csv(path, index=False, encoding="utf-8")
    return path
