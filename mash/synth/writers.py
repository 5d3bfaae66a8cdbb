"""Write delivery files byte-for-byte reproducibly: CSV (any encoding/delimiter), JSON Lines, xlsx.

Columns whose names start with ``_`` are bookkeeping and never written.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

FIXED_CREATED = datetime(2025, 1, 1, 9, 0, 0)  # xlsx core properties: a fixed date keeps files byte-identical


def visible(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c for c in df.columns if not c.startswith("_")]]


def write_csv(df: pd.DataFrame, path: Path, encoding: str, delimiter: str, crlf: bool = False) -> None:
    """CSV with minimal quoting; a field with a newline is quoted and stays one record."""
    visible(df).to_csv(path, index=False, sep=delimiter, encoding=encoding, quoting=csv.QUOTE_MINIMAL,
                       lineterminator="\r\n" if crlf else "\n")


def write_jsonl(df: pd.DataFrame, path: Path) -> None:
    """One JSON object per line; dotted column names become nested objects, empty strings null."""
    v = visible(df)
    cols = list(v.columns)
    arrays = [v[c].to_numpy(dtype=object) for c in cols]
    split = [c.split(".") for c in cols]
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for i in range(len(v)):
            obj: dict = {}
            for parts, arr in zip(split, arrays):
                val = arr[i]
                if val == "" or val is None:
                    val = None
                target = obj
                for p in parts[:-1]:
                    target = target.setdefault(p, {})
                target[parts[-1]] = val
            fh.write(json.dumps(obj, ensure_ascii=False))
            fh.write("\n")


def write_xlsx(df: pd.DataFrame, path: Path, title: str, sheet: str, lookup: list[tuple[str, str]]) -> None:
    """A workbook with a merged title row above the header, the data sheet and a lookup sheet.

    ``constant_memory`` streams rows, so a large half-term file needs little RAM.
    """
    import xlsxwriter

    v = visible(df)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"title": title, "author": "Marsham Education Safeguarding", "created": FIXED_CREATED})
    bold = wb.add_format({"bold": True})
    big = wb.add_format({"bold": True, "font_size": 14})
    ws = wb.add_worksheet(sheet)
    ncol = len(v.columns)
    ws.merge_range(0, 0, 0, ncol - 1, title, big)
    ws.write_row(1, 0, list(v.columns), bold)
    cols = [v[c].to_numpy(dtype=object) for c in v.columns]
    for i in range(len(v)):
        r = i + 2
        for j, arr in enumerate(cols):
            val = arr[i]
            if val is None or (isinstance(val, float) and np.isnan(val)) or val == "":
                continue
            if isinstance(val, (float, int, np.floating, np.integer)):
                ws.write_number(r, j, float(val))
            else:
                ws.write_string(r, j, str(val))
    lk = wb.add_worksheet("Lookup")
    lk.write_row(0, 0, ["Code", "Meaning"], bold)
    for i, (a, b) in enumerate(lookup, start=1):
        lk.write_row(i, 0, [a, b])
    wb.close()


def set_mtime(path: Path, when: datetime) -> None:
    """Files 'arrive' on a fixed day so received dates do not depend on when the world was built."""
    ts = when.timestamp()
    os.utime(path, (ts, ts))
