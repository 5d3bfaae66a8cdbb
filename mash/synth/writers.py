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


def write_truth_csv(table, path: Path) -> None:
    """Fast UTF-8 CSV for ground-truth tables (Arrow writer; text fields are always quoted).

    ``table`` is a DataFrame or a dict of column name -> numpy array (cheaper: no pandas copy).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    items = table.items() if isinstance(table, dict) else ((c, table[c].to_numpy()) for c in table.columns)
    cols = {}
    for c, a in items:
        a = np.asarray(a)
        if a.dtype.kind in "US":
            a = a.astype(object)
        cols[c] = pa.array(a)
    pacsv.write_csv(pa.table(cols), path, pacsv.WriteOptions(quoting_style="needed"))


def write_truth_csv_chunked(make, n: int, path: Path, chunk: int = 400_000) -> None:
    """Like :func:`write_truth_csv` but ``make(slice)`` builds the columns of one slice at a time,
    so a table of millions of rows never exists as Python strings all at once."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    writer = None
    for lo in range(0, max(n, 1), chunk):
        cols = {}
        for c, a in make(slice(lo, min(n, lo + chunk))).items():
            a = np.asarray(a)
            cols[c] = pa.array(a.astype(object) if a.dtype.kind in "US" else a)
        t = pa.table(cols)
        if writer is None:
            writer = pacsv.CSVWriter(path, t.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
        writer.write_table(t)
    writer.close()


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
