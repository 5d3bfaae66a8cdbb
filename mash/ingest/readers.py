"""Read one delivered file into rows of text, without losing any row.

Every reader returns a :class:`RawTable`: the header, the good rows as a
DataFrame of strings with their 1-based data-row numbers, and the rows that
could not even be split into fields (each with a reason). A problem with the
whole file raises :class:`Quarantine` with a reason a person can act on.

Row numbers follow one rule everywhere: header = row 0, the first data row is
row 1, a multi-line quoted CSV record counts once, a JSONL line is its line
number, an xlsx row counts from the row after the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mash.ingest.config import PartnerConfig

# A field longer than this is a broken export, not data; the row is rejected, the file still loads.
MAX_FIELD_CHARS = 100_000
RAW_ROW_KEEP = 2_000  # characters of a rejected row kept in `rejects`; the whole file is in the raw store

_BAD_BYTES = re.compile("[\udc80-\udcff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SURROGATE = re.compile("[\ud800-\udfff]")
csv.field_size_limit(1 << 30)


class Quarantine(Exception):
    """The whole file cannot be loaded; ``str(exc)`` says why and what to do."""


@dataclass
class RawTable:
    """Rows of one file as text."""

    header: list[str]
    rows: pd.DataFrame  # one column per header name (str or None) plus "_row"
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw text)

    @property
    def rows_in(self) -> int:
        return len(self.rows) + len(self.rejects)


def _decode(data: bytes, cfg: PartnerConfig) -> str:
    if cfg.encoding == "cp1252":
        # cp1252 leaves five bytes undefined; keep them visible rather than failing the file.
        return data.decode("cp1252", errors="replace")
    text = data.decode("utf-8", errors="surrogateescape")
    return text[1:] if text.startswith("\ufeff") else text


def _visible(text: str) -> str:
    """Undecodable bytes shown as U+FFFD so a reject can be stored and read."""
    return _BAD_BYTES.sub("\ufffd", text)[:RAW_ROW_KEEP]


def _row_problem(values: list[str], header: list[str]) -> str | None:
    for name, value in zip(header, values):
        if value and _BAD_BYTES.search(value):
            return (f"column '{name}' contains bytes that are not valid UTF-8 although the feed is "
                    f"configured as UTF-8; ask the partner to re-export as UTF-8 or set its encoding")
        if value and len(value) > MAX_FIELD_CHARS:
            return (f"column '{name}' is {len(value):,} characters long (limit {MAX_FIELD_CHARS:,}); "
                    f"the export probably lost a closing quote or delimiter")
    return None


def _frame(header: list[str], good: list[list[str | None]], numbers) -> pd.DataFrame:
    """Columns as Arrow-backed strings: building them straight from the row lists is the cheap path."""
    cols = list(zip(*good)) if good else [()] * len(header)
    df = pd.DataFrame({name: pd.Series(pd.arrays.ArrowStringArray(pa.array(col, type=pa.large_string())))
                       if col else pd.Series([], dtype="string") for name, col in zip(header, cols)})
    df["_row"] = np.asarray(numbers, dtype="int64")
    return df


def _unique_header(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        name = (h or "").strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _read_csv_arrow(payload: bytes, header: list[str], cfg: PartnerConfig) -> RawTable | None:
    """Fast path for a clean file: Arrow's C++ parser. None (use the row-by-row path) at the first problem.

    Clean means every record has the header's width and no field is over the limit; row numbers
    are then simply 1..N, as in the row-by-row path (blank lines take no number in either).
    """
    from pyarrow import csv as pacsv

    problems: list[int] = []

    def invalid(_row) -> str:
        problems.append(1)
        return "skip"  # noted; the whole file then goes the row-by-row way for exact reasons and numbers

    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=cfg.delimiter, newlines_in_values=True,
                                             invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.large_string() for h in header},
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None
    if problems:
        return None

    for col in table.columns:
        if len(col) and (pc.max(pc.utf8_length(col)).as_py() or 0) > MAX_FIELD_CHARS:
            return None
    df = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if pa.types.is_large_string(t) else None)
    df["_row"] = np.arange(1, len(df) + 1, dtype="int64")
    return RawTable(header=header, rows=df, rejects=[])


def read_csv(data: bytes, cfg: PartnerConfig, fast: bool = True) -> RawTable:
    """Split CSV bytes into rows; a row with the wrong number of fields is rejected on its own.

    >>> from mash.ingest.config import PartnerConfig
    >>> cfg = PartnerConfig(partner="p", agency="P", format="csv", path=Path("p.toml"))
    >>> t = read_csv(b"a,b\\n1,2\\n3\\n", cfg)
    >>> len(t.rows), t.rejects[0][0]
    (1, 2)
    """
    text = _decode(data, cfg)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=cfg.delimiter, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise Quarantine("the file has no header row (it is empty or only blank space)") from None
    header = _unique_header([_visible(h) for h in header])
    width = len(header)
    payload = _utf8_payload(data, cfg) if fast else None  # None: there are bytes that are not UTF-8
    if payload is not None:
        table = _read_csv_arrow(payload, header, cfg)
        if table is not None:
            return table
    rejects: list[tuple[int, str, str]] = []
    records = [r for r in reader if r]  # a blank line is not a record, so it takes no row number
    number = len(records)
    numbers = np.arange(1, number + 1)
    widths = np.fromiter(map(len, records), dtype=np.int64, count=number)
    ok = widths == width
    for i in np.flatnonzero(~ok):
        n, values = int(i) + 1, records[i]
        hint = "fields are missing" if len(values) < width else "a field probably contains an unquoted delimiter"
        rejects.append((n, f"row has {len(values)} fields but the header has {width}; {hint}",
                        _visible(cfg.delimiter.join(values))))
    # Per-row content checks only when the whole text says they can matter: they dominate the cost at 1M rows.
    if _BAD_BYTES.search(text) or len(text) > MAX_FIELD_CHARS:
        for i in np.flatnonzero(ok):
            problem = _row_problem(records[i], header)
            if problem:
                ok[i] = False
                rejects.append((int(i) + 1, problem, _visible(cfg.delimiter.join(records[i]))))
        rejects.sort(key=lambda r: r[0])
    good = records if ok.all() else [r for r, keep in zip(records, ok) if keep]
    numbers = numbers[ok]
    if rejects and rejects[-1][0] == number and "fields are missing" in rejects[-1][1] and not text.endswith("\n"):
        r, reason, raw = rejects[-1]
        rejects[-1] = (r, reason.replace("fields are missing", "the file looks truncated (it ends mid-row); "
                                                                 "ask the partner to re-send it"), raw)
    return RawTable(header=header, rows=_frame(header, good, numbers), rejects=rejects)


def _get_path(obj: object, path: str) -> object:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _surrogate_problem(values: list[str | None], header: list[str]) -> str | None:
    """A JSON ``\\ud800``-style escape decodes to half a character, which no text column can hold."""
    for name, value in zip(header, values):
        if value and _SURROGATE.search(value):
            return (f"'{name}' contains an unpaired UTF-16 surrogate escape (such as \\ud800), which is not "
                    f"a character; ask the partner to fix the export")
    return None


def jsonl_lines(text: str) -> list[str]:
    """Lines of a JSON Lines file, split at \\n, \\r\\n or \\r only.

    ``str.splitlines`` would also split at U+2028, U+2029 and U+0085, which JSON allows unescaped
    inside a string: one record would become two broken lines. (A raw CR or LF cannot be inside a
    JSON string, so splitting at them is safe.)

    >>> jsonl_lines('{"a": "x\\u2028y"}\\r\\n{}\\r{}\\n')
    ['{"a": "x\\u2028y"}', '{}', '{}']
    """
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


_CONTROL_BYTES = bytes(c for c in range(32) if c not in (10, 13))  # all but \n and \r


def _utf8_payload(data: bytes, cfg: PartnerConfig) -> bytes | None:
    """The file as valid UTF-8 bytes without a BOM, or None when it is not valid UTF-8 (the row-by-row
    path then rejects the lines with bad bytes one by one)."""
    if cfg.encoding == "cp1252":
        return data.decode("cp1252", errors="replace").encode("utf-8")
    payload = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return payload


def _jsonl_schema(paths: list[str]) -> pa.Schema | None:
    """An Arrow schema asking for exactly ``paths`` as strings (dotted paths as nested structs).

    None when the paths cannot be one schema (a path that is also a prefix of another, an empty key).
    """
    tree: dict = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        if any(not p for p in parts):
            return None
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                return None
        if parts[-1] in node:
            return None
        node[parts[-1]] = None

    def fields(node: dict) -> list[pa.Field]:
        return [pa.field(k, pa.string() if v is None else pa.struct(fields(v))) for k, v in node.items()]

    return pa.schema(fields(tree))


def _read_jsonl_arrow(payload: bytes, paths: list[str]) -> RawTable | None:
    """Fast path for a clean file: Arrow's C++ JSON reader. None (use the row-by-row path) when in doubt.

    Clean means: valid UTF-8, one JSON object per line, \\n or \\r\\n line ends only, every line
    starting with "{" (so no blank lines), no control characters, no \\u surrogate escapes, and every
    configured path holding a string, null or nothing (a number, boolean, object or array there is
    written differently by the row-by-row path, so any of those makes Arrow's typed read fail and the
    file goes the row-by-row way). Row numbers are then simply the line numbers 1..N, as in the
    row-by-row path.
    """
    from pyarrow import json as pajson

    body = payload[:-2] if payload.endswith(b"\r\n") else payload[:-1] if payload.endswith(b"\n") else payload
    if (not body or (b"\r" in payload and payload.count(b"\r") != payload.count(b"\r\n")) or b"\\ud" in payload
            or b"\\uD" in payload or len(payload.translate(None, _CONTROL_BYTES)) != len(payload)
            or body[:1] != b"{" or body.count(b"\n{") != body.count(b"\n")):
        # Every line must start with "{": that also rules out blank lines, and a line holding only
        # `null`, which Arrow would read as an empty row (and, as the first line, crashes pyarrow 26).
        return None
    schema = _jsonl_schema(paths)
    if schema is None:
        return None
    lines = body.count(b"\n") + 1
    try:
        table = pajson.read_json(
            io.BytesIO(payload),
            read_options=pajson.ReadOptions(block_size=max(1 << 20, min(len(payload) + 1, 1 << 28))),
            parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != lines:  # e.g. two objects on one line: the row-by-row path rejects that line
        return None

    columns = {}
    for path in paths:
        parts = path.split(".")
        col = table.column(parts[0])
        for part in parts[1:]:
            col = pc.struct_field(col, part)
        col = col.cast(pa.large_string())
        if len(col) and (pc.max(pc.utf8_length(col)).as_py() or 0) > MAX_FIELD_CHARS:
            return None
        columns[path] = pd.Series(pd.arrays.ArrowStringArray(col.combine_chunks()))
    df = pd.DataFrame(columns)
    df["_row"] = np.arange(1, len(df) + 1, dtype="int64")
    return RawTable(header=paths, rows=df, rejects=[])


def read_jsonl(data: bytes, cfg: PartnerConfig, fast: bool = True) -> RawTable:
    """One JSON object per line; the configured (dotted) paths become columns.

    >>> from mash.ingest.config import PartnerConfig
    >>> cfg = PartnerConfig(partner="p", agency="P", format="jsonl", path=Path("p.toml"),
    ...                     notification={"event_date": "d"}, person={"surname": "who.name"})
    >>> t = read_jsonl(b'{"d": "2025-01-01", "who": {"name": "X"}}\\n{oops\\n', cfg)
    >>> t.rows.loc[0, "who.name"], t.rejects[0][0]
    ('X', 2)
    """
    paths = sorted(set(cfg.notification.values()) | set(cfg.person.values()) | set(cfg.record_key)
                   | ({cfg.members.column} if cfg.members else set()))
    payload = _utf8_payload(data, cfg) if fast else None
    if payload is not None:
        table = _read_jsonl_arrow(payload, paths)
        if table is not None:
            return table
    text = _decode(data, cfg)
    good: list[list[str | None]] = []
    numbers: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    for number, line in enumerate(jsonl_lines(text), start=1):
        if not line.strip():  # a blank line holds no record; line numbers still count it
            continue
        if _BAD_BYTES.search(line):
            rejects.append((number, "line contains bytes that are not valid UTF-8 although the feed is "
                                    "configured as UTF-8; ask the partner to re-export it", _visible(line)))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejects.append((number, f"line is not valid JSON ({exc.msg} at column {exc.colno})", _visible(line)))
            continue
        if not isinstance(obj, dict):
            rejects.append((number, f"line is JSON but not an object (got {type(obj).__name__})", _visible(line)))
            continue
        values = []
        for p in paths:
            v = _get_path(obj, p)
            values.append(None if v is None else (v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list)) else str(v)))
        problem = _row_problem([v or "" for v in values], paths) if len(line) > MAX_FIELD_CHARS else None
        if not problem and ("\\ud" in line or "\\uD" in line):
            problem = _surrogate_problem(values, paths)
        if problem:
            rejects.append((number, problem, _visible(line)))
            continue
        good.append(values)
        numbers.append(number)
    if not good and not rejects:
        raise Quarantine("the file has no lines")
    return RawTable(header=paths, rows=_frame(paths, good, numbers), rejects=rejects)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, cfg: PartnerConfig) -> RawTable:
    """Read the configured sheet; rows above ``header_row`` are titles, other sheets are ignored.

    Excel dates become ISO text, so ``%Y-%m-%d`` is always accepted for xlsx feeds.
    """
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every kind of corruption
        raise Quarantine(f"the file is not a readable xlsx workbook ({type(exc).__name__}: {exc}); "
                         f"ask the partner to re-send it") from exc
    if cfg.sheet not in wb.sheet_names:
        raise Quarantine(f"sheet '{cfg.sheet}' not found; the workbook has sheets {wb.sheet_names}. "
                         f"Fix the partner config 'sheet' or ask the partner to use the agreed template")
    rows = wb.get_sheet_by_name(cfg.sheet).to_python(skip_empty_area=False)
    if len(rows) <= cfg.header_row:
        raise Quarantine(f"sheet '{cfg.sheet}' has {len(rows)} rows, so there is no header at row "
                         f"{cfg.header_row + 1}")
    header = _unique_header([_cell_text(c) for c in rows[cfg.header_row]])
    width = len(header)
    data = rows[cfg.header_row + 1:]
    n = len(data)
    # Column by column: a column of text cells (almost all of them) is taken as it is, and only the
    # other cells go through _cell_text. Rows are padded or cut to the header's width.
    if n and any(len(r) != width for r in data):
        data = [list(r[:width]) + [""] * (width - len(r)) for r in data]
    columns: list = list(zip(*data)) if n else [() for _ in header]
    for j, col in enumerate(columns):
        if set(map(type, col)) - {str}:
            columns[j] = [v if type(v) is str else _cell_text(v) for v in col]
    arrays = [pa.array(col, type=pa.large_string()) for col in columns]
    lengths = [pc.utf8_length(a).to_numpy(zero_copy_only=False) for a in arrays]  # characters, as len()
    # formatting-only rows (every cell empty or white space) are not records; most rows are ruled out
    # by their first non-empty cell, so only the few candidates are looked at cell by cell
    blank = np.ones(n, dtype=bool)
    for col, length in zip(columns, lengths):
        for i in np.flatnonzero(blank & (length > 0)):
            blank[i] = col[i].isspace()
    # only a long cell can be a problem here (xlsx text is already Unicode)
    long = np.zeros(n, dtype=bool)
    for length in lengths:
        long |= length > MAX_FIELD_CHARS
    rejects: list[tuple[int, str, str]] = []
    for i in np.flatnonzero(long & ~blank):
        values = [c[i] for c in columns]
        rejects.append((int(i) + 1, _row_problem(values, header) or "", _visible("\t".join(values))))
    keep = ~blank & ~long
    if not keep.all():
        arrays = [a.filter(pa.array(keep)) for a in arrays]
    df = pd.DataFrame({name: pd.Series(pd.arrays.ArrowStringArray(a)) for name, a in zip(header, arrays)})
    df["_row"] = (np.flatnonzero(keep) + 1).astype("int64")
    return RawTable(header=header, rows=df, rejects=rejects)


def read_delivery(path: Path, data: bytes, cfg: PartnerConfig) -> RawTable:
    """Dispatch on the feed's format. Raises :class:`Quarantine` for an unusable file."""
    if not data:
        raise Quarantine("the file is empty (0 bytes); ask the partner to re-send it")
    if cfg.format == "csv":
        return read_csv(data, cfg)
    if cfg.format == "jsonl":
        return read_jsonl(data, cfg)
    return read_xlsx(path, cfg)
