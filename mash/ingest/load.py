"""Load partner deliveries into the warehouse, losing nothing and counting nothing twice.

For each file in a partner's landing folder:

1. its bytes are hashed and copied, unchanged, into the raw store under the hash
   (the copy is made read-only: the raw store is immutable);
2. a file already loaded with the same name and bytes is skipped; the same bytes
   under another name are recorded as a ``duplicate`` and not loaded again;
   a changed file under a name already loaded ``supersedes`` the earlier one;
3. the file is read and mapped; an unusable file is ``quarantined`` with its reason,
   bad rows are rejected one by one and the rest loads; a row whose canonical rows
   break a pandera contract is rejected with the contract's reason;
4. the delivery's rows are written in one transaction, delete-then-insert keyed by
   the delivery id, so a re-run writes exactly the same rows.

Steps 1 and 3 need no warehouse (:func:`prepare_file`), so when there is a lot to read
they run in worker processes, a few files ahead of the single writer, which does steps
2 and 4 in file order (:func:`ingest_partners`). The decision in step 2 is always the
writer's, taken against the warehouse as it is when the file's turn comes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from mash import contracts  # module import: mash.contracts imports mash.ingest (a cycle)
from mash.ingest.config import PartnerConfig
from mash.ingest.mapping import Mapped, map_rows, raw_text
from mash.ingest.readers import Quarantine, RawTable, jsonl_lines, read_delivery

# Above this many bytes waiting to be read, files are read in worker processes ahead of the writer
# (starting one costs about a second); below it everything runs in this process.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024
WORKERS_ENV = "MASH_INGEST_WORKERS"  # worker processes for reading (0: read in this process)


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one delivered file."""

    partner: str
    file_name: str
    delivery_id: str
    status: str  # loaded | quarantined | duplicate | superseded | unchanged
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    notifications: int = 0
    mentions: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class Prepared:
    """One delivered file hashed, copied to the raw store, read, mapped and checked: ready to write.

    ``status`` is None when the file was not read because a delivery with its bytes was already in
    the warehouse (the writer then records it as unchanged or a duplicate, or reads it after all).
    """

    path: Path
    digest: str
    size_bytes: int
    received_at: dt.datetime
    status: str | None = None  # loaded | quarantined
    reason: str | None = None
    raw_path: str | None = None
    rows_in: int = 0
    rows_rejected: int = 0
    notifications: pa.Table | None = None
    mentions: pa.Table | None = None
    rejects: pa.Table | None = None
    spooled: dict[str, str] | None = None  # table -> Arrow IPC file a worker wrote it to (see _spool)

    @property
    def n_notifications(self) -> int:
        return self.notifications.num_rows if self.notifications is not None else 0

    @property
    def n_mentions(self) -> int:
        return self.mentions.num_rows if self.mentions is not None else 0


def content_hash(data: bytes) -> str:
    """sha256 hex digest: ``content_hash(b"") == "e3b0c442...b855"``."""
    return hashlib.sha256(data).hexdigest()


def delivery_id_for(partner: str, digest: str) -> str:
    return f"{partner}-{digest[:16]}"


def store_raw(data: bytes, digest: str, partner: str, suffix: str, raw_store: Path) -> Path:
    """Write the bytes once under their hash and make the copy read-only."""
    target = raw_store / partner / f"{digest}{suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + f".{os.getpid()}.part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        target.chmod(0o444)
    return target


# Arrow types of the canonical columns that are not text; DuckDB casts the timestamps of DATE columns.
_ARROW_TYPES = {
    "row_number": pa.int64(), "member_position": pa.int64(), "severity_rank": pa.int8(), "n_people": pa.int32(),
    "age_years": pa.int32(), "attendance_pct": pa.float64(), "event_date": pa.timestamp("s"),
    "reported_date": pa.timestamp("s"), "decided_at": pa.timestamp("s"), "dob": pa.timestamp("s"),
}


def _arrow(df: pd.DataFrame) -> pa.Table:
    """A canonical frame as an Arrow table with fixed column types (so the tables of several files concatenate):
    DuckDB scans Arrow directly, but pandas' text columns one value at a time."""
    schema = pa.schema([(c, _ARROW_TYPES.get(c, pa.large_string())) for c in df.columns])
    return pa.Table.from_pandas(df, schema=schema, preserve_index=False, nthreads=1)


def _rejects_frame(delivery_id: str, partner: str, file_name: str,
                   rejects: Iterable[tuple[int, str, str]]) -> pd.DataFrame:
    rows = list(rejects)
    return pd.DataFrame({
        "reject_id": [f"{delivery_id}:{r}:{i}" for i, (r, _, _) in enumerate(rows)],
        "delivery_id": delivery_id,
        "partner": partner,
        "file_name": file_name,
        "row_number": pd.Series([r for r, _, _ in rows], dtype="int64"),
        "reason": [reason for _, reason, _ in rows],
        "raw_row": [raw for _, _, raw in rows],
    })


def _source_rows_failing_contracts(mapped: Mapped) -> dict[int, str]:
    """Source row number -> the first contract its canonical rows break (empty when all hold).

    A notification breaking its contract takes every source row it was built from with it.
    """
    notif, ment = mapped.notifications, mapped.mentions
    failing: dict[int, str] = {}
    for index, reason in contracts.row_failures("notifications", notif).items():
        nid = notif.at[index, "notification_id"]
        rows = [int(notif.at[index, "row_number"])] + ment.loc[ment["notification_id"] == nid, "row_number"].tolist()
        for r in rows:
            failing.setdefault(int(r), reason)
    for index, reason in contracts.row_failures("person_mentions", ment).items():
        failing.setdefault(int(ment.at[index, "row_number"]), reason)
    return failing


def map_checked(table: RawTable, cfg: PartnerConfig, delivery_id: str, file_name: str,
                received: dt.date) -> Mapped:
    """:func:`map_rows`, then the pandera contracts on the canonical rows (the contracts decide).

    A source row whose notification or mentions break a contract is rejected with the contract's
    reason, and the file is mapped again without it (a notification's other rows still load).
    """
    contract_rejects: list[tuple[int, str, str]] = []
    for _ in range(3):
        mapped = map_rows(table, cfg, delivery_id, file_name, received)
        if mapped.notifications.empty:
            failing = {}
        else:
            failing = _source_rows_failing_contracts(mapped)
        if not failing:
            mapped.rejects.extend(contract_rejects)
            return mapped
        rows = table.rows
        bad = rows["_row"].isin(list(failing))
        contract_rejects += [(int(r), failing[int(r)], raw) for r, raw in
                             zip(rows.loc[bad, "_row"], raw_text(rows[bad], cfg))]
        table = RawTable(header=table.header, rows=rows[~bad].reset_index(drop=True), rejects=table.rejects)
    raise RuntimeError("rows still break the contracts after the rows breaking them were rejected")


def prepare_file(cfg: PartnerConfig, path: Path, raw_store: Path, known: frozenset[str] = frozenset(),
                 now: dt.datetime | None = None) -> Prepared:
    """Hash, raw copy, read, map and contract checks for one file; touches no warehouse.

    A file whose delivery id is in ``known`` is hashed only. Never raises for a bad file: an
    unusable one comes back quarantined with its reason.
    """
    path = Path(path)
    data = path.read_bytes()
    digest = content_hash(data)
    delivery_id = delivery_id_for(cfg.partner, digest)
    received_at = dt.datetime.fromtimestamp(path.stat().st_mtime)
    prepared = Prepared(path=path, digest=digest, size_bytes=len(data), received_at=received_at)
    if delivery_id in known:
        return prepared
    raw_path = str(store_raw(data, digest, cfg.partner, path.suffix, raw_store))
    now = now or dt.datetime.now()
    try:
        table = read_delivery(path, data, cfg)
        mapped = map_checked(table, cfg, delivery_id, path.name, received=max(received_at, now).date())
        rows_in = table.rows_in
        rejects = table.rejects + mapped.rejects
        status, reason = "loaded", ("header only: the file has no data rows" if rows_in == 0 else None)
        rej = _rejects_frame(delivery_id, cfg.partner, path.name, rejects)
        if not rej.empty:
            contracts.validate("rejects", rej)
        notif = _arrow(mapped.notifications) if not mapped.notifications.empty else None
        ment = _arrow(mapped.mentions) if not mapped.mentions.empty else None
        rows_rejected = len(rejects)
    except Exception as exc:  # noqa: BLE001 - any failure to read quarantines this file only
        reason = str(exc) if isinstance(exc, Quarantine) else (
            f"unexpected error while reading the file ({type(exc).__name__}: {exc}); "
            f"the file is kept in the raw store - please report this as a bug")
        status, notif, ment = "quarantined", None, None
        # Every row of a quarantined file counts as rejected, so the reconciliation still holds.
        rows_in = rows_rejected = _count_rows(path, data, cfg)
        rej = _rejects_frame(delivery_id, cfg.partner, path.name, [(0, reason, "")])
    return replace(prepared, status=status, reason=reason, raw_path=raw_path, rows_in=rows_in,
                   rows_rejected=rows_rejected, notifications=notif, mentions=ment,
                   rejects=_arrow(rej) if not rej.empty else None)


def _crashed(cfg: PartnerConfig, path: Path, raw_store: Path, why: str) -> Prepared:
    """A file whose reading killed the worker process twice: quarantined, with the reason."""
    data = path.read_bytes()
    digest = content_hash(data)
    delivery_id = delivery_id_for(cfg.partner, digest)
    raw_path = str(store_raw(data, digest, cfg.partner, path.suffix, raw_store))
    reason = (f"reading the file crashed the reader process ({why}); the file is kept in the raw store - "
              f"please report this as a bug")
    rows = _count_rows(path, data, cfg)
    rej = _rejects_frame(delivery_id, cfg.partner, path.name, [(0, reason, "")])
    return Prepared(path=path, digest=digest, size_bytes=len(data),
                    received_at=dt.datetime.fromtimestamp(path.stat().st_mtime), status="quarantined",
                    reason=reason, raw_path=raw_path, rows_in=rows, rows_rejected=rows, rejects=_arrow(rej))


def _write(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table | None) -> None:
    if rows is None or rows.num_rows == 0:
        return
    name = f"_batch_{table}"
    con.register(name, rows)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")  # noqa: S608 - fixed table names
    finally:
        con.unregister(name)


INSERT_DELIVERY = (
    "INSERT INTO deliveries (delivery_id, partner, file_name, content_hash, raw_path, size_bytes, received_at, "
    "ingested_at, status, reason, duplicate_of, rows_in, rows_loaded, rows_rejected, notifications, mentions, "
    "config_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_delivery(con: duckdb.DuckDBPyConnection, *, delivery_id, partner, file_name, content_hash,
                     raw_path, size_bytes, received_at, ingested_at, status, reason, duplicate_of, rows_in,
                     rows_loaded, rows_rejected, notifications, mentions, config_file) -> None:
    con.execute(INSERT_DELIVERY, [delivery_id, partner, file_name, content_hash, raw_path, size_bytes, received_at,
                                  ingested_at, status, reason, duplicate_of, rows_in, rows_loaded, rows_rejected,
                                  notifications, mentions, config_file])


class Writer:
    """The single writer: steps 2 and 4 of the module docstring, file by file, in the order given.

    Files are written in groups, one transaction per group of about ``batch_rows`` canonical rows:
    a file's rows and its ``deliveries`` row always commit together, and one large insert per table
    is written straight to the database file (small ones go through the write-ahead log and are
    written a second time at the next checkpoint). Each file's decision (new, unchanged, duplicate,
    superseding) is taken inside the open transaction, so it sees the files before it in the group.
    A file's :class:`DeliveryResult` is handed to ``on_file`` once its group is committed.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, raw_store: Path,
                 on_file: Callable[[DeliveryResult], None] | None = None, batch_rows: int = 250_000):
        self.con, self.raw_store, self.on_file, self.batch_rows = con, Path(raw_store), on_file, batch_rows
        self.results: list[DeliveryResult] = []
        self._open = False
        self._staged: list[DeliveryResult] = []
        self._rows: dict[str, list[pa.Table]] = {"notifications": [], "person_mentions": [], "rejects": []}
        self._staged_rows = 0

    def add(self, cfg: PartnerConfig, prepared: Prepared) -> None:
        if not self._open:
            self.con.execute("BEGIN TRANSACTION")
            self._open = True
        try:
            self._staged.append(self._stage(cfg, prepared))
        except Exception:
            self.rollback()
            raise
        if self._staged_rows >= self.batch_rows:
            self.flush()

    def _stage(self, cfg: PartnerConfig, prepared: Prepared) -> DeliveryResult:
        con = self.con
        digest, file_name = prepared.digest, prepared.path.name
        delivery_id = delivery_id_for(cfg.partner, digest)
        now = dt.datetime.now()
        prior = con.execute(
            "SELECT file_name, status FROM deliveries WHERE delivery_id = ?", [delivery_id]).fetchall()
        if prior:
            prior = prior[0]
            if prior[0] == file_name:
                return DeliveryResult(cfg.partner, file_name, delivery_id, "unchanged",
                                      reason="already ingested with these exact bytes")
            dup_id = f"{delivery_id}-dup-{content_hash(file_name.encode())[:8]}"
            reason = (f"identical bytes to '{prior[0]}' (delivery {delivery_id}), which is already in the "
                      f"warehouse; not loaded again")
            exists = con.execute("SELECT 1 FROM deliveries WHERE delivery_id = ?", [dup_id]).fetchall()
            if not exists:
                _insert_delivery(
                    con, delivery_id=dup_id, partner=cfg.partner, file_name=file_name, content_hash=digest,
                    raw_path=None, size_bytes=prepared.size_bytes, received_at=prepared.received_at,
                    ingested_at=now, status="duplicate", reason=reason, duplicate_of=delivery_id, rows_in=0,
                    rows_loaded=0, rows_rejected=0, notifications=0, mentions=0, config_file=cfg.path.name)
            return DeliveryResult(cfg.partner, file_name, dup_id, "duplicate", reason=reason)
        if prepared.status is None:  # skipped as known, but its delivery is not in the warehouse now: read it
            return self._stage(cfg, prepare_file(cfg, prepared.path, self.raw_store))

        status, reason = prepared.status, prepared.reason
        rows_in, rows_rejected = prepared.rows_in, prepared.rows_rejected
        rows_loaded = rows_in - rows_rejected
        superseded = con.execute(
            "SELECT delivery_id FROM deliveries WHERE partner = ? AND file_name = ? AND status = 'loaded' "
            "AND delivery_id <> ?", [cfg.partner, file_name, delivery_id]).fetchall()
        for (old,) in superseded:
            for t in ("notifications", "person_mentions", "rejects"):
                con.execute(f"DELETE FROM {t} WHERE delivery_id = ?", [old])  # noqa: S608
            con.execute("UPDATE deliveries SET status = 'superseded', rows_loaded = 0, rows_rejected = 0, "
                        "rows_in = 0, notifications = 0, mentions = 0, reason = ? WHERE delivery_id = ?",
                        [f"replaced by a later delivery of '{file_name}' with different content "
                         f"({delivery_id})", old])
        # A delivery's rows exist only if its deliveries row does (same transaction), so a new
        # delivery needs no delete; scanning the big tables for nothing is most of the cost.
        if con.execute("SELECT count(*) FROM deliveries WHERE delivery_id = ?", [delivery_id]).fetchall()[0][0]:
            for t in ("notifications", "person_mentions", "rejects", "deliveries"):
                con.execute(f"DELETE FROM {t} WHERE delivery_id = ?", [delivery_id])  # noqa: S608
        for table, rows in (("notifications", prepared.notifications), ("person_mentions", prepared.mentions),
                            ("rejects", prepared.rejects)):
            if rows is not None and rows.num_rows:
                self._rows[table].append(rows)
                self._staged_rows += rows.num_rows
        _insert_delivery(
            con, delivery_id=delivery_id, partner=cfg.partner, file_name=file_name, content_hash=digest,
            raw_path=prepared.raw_path, size_bytes=prepared.size_bytes, received_at=prepared.received_at,
            ingested_at=now, status=status, reason=reason, duplicate_of=None, rows_in=rows_in,
            rows_loaded=rows_loaded, rows_rejected=rows_rejected, notifications=prepared.n_notifications,
            mentions=prepared.n_mentions, config_file=cfg.path.name)
        return DeliveryResult(cfg.partner, file_name, delivery_id, status, rows_in, rows_loaded, rows_rejected,
                              prepared.n_notifications, prepared.n_mentions, reason)

    def flush(self) -> None:
        """Write the staged rows and commit the group; then report its files."""
        if not self._open:
            return
        try:
            for table, parts in self._rows.items():
                if parts:
                    _write(self.con, table, pa.concat_tables(parts))
            self.con.execute("COMMIT")
        except Exception:
            self.rollback()
            raise
        self._open = False
        done, self._staged = self._staged, []
        self._rows = {t: [] for t in self._rows}
        self._staged_rows = 0
        for result in done:
            self.results.append(result)
            if self.on_file:
                self.on_file(result)

    def rollback(self) -> None:
        if self._open:
            self.con.execute("ROLLBACK")
        self._open = False
        self._staged = []
        self._rows = {t: [] for t in self._rows}
        self._staged_rows = 0


def write_prepared(con: duckdb.DuckDBPyConnection, cfg: PartnerConfig, prepared: Prepared,
                   raw_store: Path) -> DeliveryResult:
    """Write one prepared file in a transaction of its own."""
    writer = Writer(con, raw_store)
    writer.add(cfg, prepared)
    writer.flush()
    return writer.results[0]


def _known(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    return frozenset(d for (d,) in con.execute("SELECT delivery_id FROM deliveries").fetchall())


def ingest_file(con: duckdb.DuckDBPyConnection, cfg: PartnerConfig, path: Path, raw_store: Path,
                now: dt.datetime | None = None) -> DeliveryResult:
    """Ingest one delivered file idempotently. See the module docstring for the rules.

    >>> # ingest_file(connect("w.duckdb"), load_config(Path("partners/police.toml")),
    >>> #             Path("landing/police/police_2025-01.csv"), Path("raw"))
    """
    return write_prepared(con, cfg, prepare_file(cfg, path, raw_store, _known(con), now), raw_store)


def _count_rows(path: Path, data: bytes, cfg: PartnerConfig) -> int:
    """Best-effort count of data records in a quarantined file (0 when it cannot be split at all)."""
    if not data:
        return 0
    try:
        if cfg.format == "xlsx":
            return 0
        text = data.decode(cfg.encoding if cfg.encoding != "utf-8" else "utf-8", errors="replace")
        if cfg.format == "jsonl":
            return sum(1 for line in jsonl_lines(text) if line.strip())
        import csv
        import io
        n = sum(1 for r in csv.reader(io.StringIO(text, newline=""), delimiter=cfg.delimiter) if r)
        return max(n - 1, 0)
    except Exception:  # counting is a courtesy; the reason already tells the person what to do
        return 0


def landing_files(cfg: PartnerConfig, landing_root: Path) -> list[Path]:
    """Files waiting in ``<landing_root>/<partner>/`` that match the feed's glob, oldest name first."""
    folder = Path(landing_root) / cfg.partner
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(cfg.file_glob)
                  if p.is_file() and not p.name.startswith(".") and p.parent == folder)  # never outside it


# -- reading ahead in worker processes --------------------------------------------------------------

def _worker_ready() -> int:
    return os.getpid()


_TABLE_FIELDS = ("notifications", "mentions", "rejects")


def _spool(prepared: Prepared, spool: Path) -> Prepared:
    """The prepared tables written to Arrow IPC files in ``spool`` (shared memory where there is some),
    so the writer maps them instead of unpickling them from a pipe (a copy and a second of CPU at a
    million rows, on the writer's own time)."""
    files = {}
    for field in _TABLE_FIELDS:
        table = getattr(prepared, field)
        if table is not None:
            target = spool / f"{os.getpid()}-{prepared.digest[:16]}-{len(files)}-{field}.arrow"
            with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table)
            files[field] = str(target)
    return replace(prepared, notifications=None, mentions=None, rejects=None, spooled=files)


def _unspool(prepared: Prepared) -> Prepared:
    """The tables back from their files, memory-mapped (the files are unlinked at once: the mapping
    stays readable until the tables are released)."""
    if not prepared.spooled:
        return prepared
    tables = {}
    for field, name in prepared.spooled.items():
        tables[field] = pa.ipc.open_file(pa.memory_map(name)).read_all()
        os.unlink(name)
    return replace(prepared, spooled=None, **tables)


def prepare_spooled(cfg: PartnerConfig, path: Path, raw_store: Path, known: frozenset[str],
                    spool: str) -> Prepared:
    """:func:`prepare_file` in a worker process, its tables handed over through ``spool``."""
    return _spool(prepare_file(cfg, path, raw_store, known), Path(spool))


def _pool(workers: int) -> ProcessPoolExecutor:
    # Not fork: the writer process has DuckDB's and Arrow's threads running. A fork server imports
    # pandas, pyarrow, pandera and this module once (about 2 s of CPU) and forks each worker from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def default_workers(jobs: list[tuple[PartnerConfig, Path]]) -> int:
    """Worker processes for these files: ``$MASH_INGEST_WORKERS`` if set, else one per core but one
    (the writing process reads too whenever it would wait) when there is enough to read to pay for
    starting them, else 0 (read in this process)."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        return max(0, int(env))
    size = 0
    for _, path in jobs:
        try:
            size += path.stat().st_size
        except OSError:
            pass
    return max(1, min((os.cpu_count() or 1) - 1, 3)) if size >= PARALLEL_MIN_BYTES and len(jobs) > 1 else 0


class _ReadAhead:
    """Files prepared by worker processes ahead of the writer, handed back in file order.

    Until the first worker has started, the writer prepares files itself. After that, whenever the
    next file is still being prepared by a worker, the writer prepares the first file nobody has
    started yet, rather than wait (so the writing process is never idle while there is reading to do).
    At most ``limit`` prepared or submitted files are held at once. If a worker dies (a reader
    crashing on some input), the file is tried once more on its own in a fresh process; if that dies
    too the file is quarantined, and the others go on in a new pool.
    """

    def __init__(self, jobs: list[tuple[PartnerConfig, Path]], raw_store: Path, known: frozenset[str],
                 workers: int):
        self.jobs, self.raw_store, self.known, self.workers = jobs, raw_store, known, workers
        self.limit = 2 * workers + 2
        self.next_job = 0  # the first file not yet submitted nor prepared here
        self.window: deque[list] = deque()  # [file index, Future or Prepared], in file order
        self.pool: ProcessPoolExecutor | None = None
        self.warm: list[Future] = []
        shm = Path("/dev/shm")
        self.spool = Path(tempfile.mkdtemp(prefix="mash-ingest-", dir=shm if shm.is_dir() else None))
        self._start()

    def _start(self) -> None:
        try:
            self.pool = _pool(self.workers)
            self.warm = [self.pool.submit(_worker_ready) for _ in range(self.workers)]
        except (OSError, RuntimeError, ValueError):  # cannot start processes here: read in this process
            self.pool = None

    def _ready(self) -> bool:
        if self.pool is None:
            return False
        if any(f.done() and f.exception() is None for f in self.warm):
            return True
        if self.warm and all(f.done() for f in self.warm):  # every worker failed to start
            self.close()
        return False

    def _local(self, i: int) -> Prepared:
        cfg, path = self.jobs[i]
        return prepare_file(cfg, path, self.raw_store, self.known)

    def _submitted(self) -> int:
        return sum(isinstance(item, Future) for _, item in self.window)

    def _top_up(self) -> None:
        while (self.next_job < len(self.jobs) and len(self.window) < self.limit
               and self._submitted() <= self.workers):
            cfg, path = self.jobs[self.next_job]
            self.window.append([self.next_job, self.pool.submit(prepare_spooled, cfg, path, self.raw_store,
                                                                self.known, str(self.spool))])
            self.next_job += 1

    def get(self, i: int) -> Prepared:
        """The prepared file ``i`` (called for 0, 1, 2, ... in turn)."""
        if not self.window and self.next_job == i and not self._ready():
            self.next_job = i + 1
            return self._local(i)
        try:
            self._top_up()
            while True:
                index, item = self.window[0]
                if not isinstance(item, Future):
                    break
                if item.done() or self.next_job >= len(self.jobs) or len(self.window) >= self.limit:
                    item = _unspool(item.result())
                    break
                # the next file is still being read: read the first file nobody has started, meanwhile
                self.window.append([self.next_job, self._local(self.next_job)])
                self.next_job += 1
        except BrokenProcessPool as exc:  # a worker died
            return self._after_crash(i, exc)
        assert index == i, (index, i)
        self.window.popleft()
        return item

    def _after_crash(self, i: int, exc: BaseException) -> Prepared:
        cfg, path = self.jobs[i]
        self.close()
        try:
            with _pool(1) as alone:
                prepared = alone.submit(prepare_file, cfg, path, self.raw_store, self.known).result()
        except BrokenProcessPool:
            prepared = _crashed(cfg, path, self.raw_store, f"{type(exc).__name__}: {exc}")
        self.next_job, self.window = i + 1, deque()  # the rest again, in a new pool
        self._start()
        return prepared

    def close(self, finished: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if finished:
            shutil.rmtree(self.spool, ignore_errors=True)


def ingest_partners(con: duckdb.DuckDBPyConnection, cfgs: Iterable[PartnerConfig], landing_root: Path,
                    raw_store: Path, on_file: Callable[[DeliveryResult], None] | None = None,
                    workers: int | None = None) -> list[DeliveryResult]:
    """Ingest every file of every partner in ``cfgs`` (partner by partner, files by name).

    One bad file never stops the rest. ``workers`` worker processes read, map and check files ahead
    of this process, which writes them in order (default :func:`default_workers`; 0 reads here).
    """
    jobs = [(cfg, path) for cfg in cfgs for path in landing_files(cfg, landing_root)]
    if not jobs:
        return []
    raw_store = Path(raw_store)
    known = _known(con)
    workers = default_workers(jobs) if workers is None else workers
    ahead = _ReadAhead(jobs, raw_store, known, workers) if workers > 0 else None
    writer = Writer(con, raw_store, on_file)
    # One DuckDB thread for the writes: with two, the same inserts took twice the CPU (measured at a
    # million rows), CPU the readers need.
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    con.execute("SET threads = 1")
    try:
        for i, (cfg, path) in enumerate(jobs):
            writer.add(cfg, ahead.get(i) if ahead else prepare_file(cfg, path, raw_store, known))
        writer.flush()
    finally:
        writer.rollback()  # only if something failed before the last commit
        con.execute(f"SET threads = {int(threads)}")
        if ahead:
            ahead.close(finished=True)
    return writer.results


def ingest_partner(con: duckdb.DuckDBPyConnection, cfg: PartnerConfig, landing_root: Path, raw_store: Path,
                   on_file: Callable[[DeliveryResult], None] | None = None,
                   workers: int | None = None) -> list[DeliveryResult]:
    """Ingest every file in one partner's landing folder. One bad file never stops the rest."""
    return ingest_partners(con, [cfg], landing_root, raw_store, on_file=on_file, workers=workers)
