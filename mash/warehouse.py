"""The canonical warehouse: one DuckDB file, its tables and how to open it.

Row ids are built from the delivery id, so they are unique by construction; the big
tables carry no PRIMARY KEY index because maintaining one costs more than the whole
rest of ingestion at a million rows. The pandera contracts check uniqueness instead.

Writers open read-write (one at a time: DuckDB has a single writer, and the
Dagster writers share one pool of limit 1); readers open read-only.

The file is encrypted at rest with DuckDB's own database encryption (AES-256-GCM).
The key never lives in the repository: it comes from ``MASH_WAREHOUSE_KEY`` (hex) or
the file named by ``MASH_WAREHOUSE_KEY_FILE`` (hex, owner-only, outside any git
tree); see :func:`warehouse_key`. ``mash demo`` generates a demo key and says so.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from mash.governance.pseudonymise import load_key, new_key, save_key
from mash.sqlsafe import quote_literal  # ATTACH takes no parameters

KEY_ENV = "MASH_WAREHOUSE_KEY"
KEY_FILE_ENV = "MASH_WAREHOUSE_KEY_FILE"
DEMO_KEY_FILE = Path.home() / ".mash-analytics" / "demo-warehouse.key"
ATTACHED = "warehouse"


class WarehouseKeyError(RuntimeError):
    """No usable warehouse key: none configured, or not the one the file was encrypted with."""

DDL = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id     VARCHAR PRIMARY KEY,   -- partner + content hash prefix
    partner         VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    content_hash    VARCHAR NOT NULL,      -- sha256 of the bytes as delivered
    raw_path        VARCHAR,               -- immutable copy in the raw store
    size_bytes      BIGINT,
    received_at     TIMESTAMP NOT NULL,    -- when the file landed (file mtime)
    ingested_at     TIMESTAMP NOT NULL,
    status          VARCHAR NOT NULL,      -- loaded | quarantined | duplicate | superseded
    reason          VARCHAR,               -- why quarantined / duplicate / superseded, for a person to act on
    duplicate_of    VARCHAR,
    rows_in         BIGINT NOT NULL,
    rows_loaded     BIGINT NOT NULL,
    rows_rejected   BIGINT NOT NULL,
    notifications   BIGINT NOT NULL,
    mentions        BIGINT NOT NULL,
    config_file     VARCHAR
);

CREATE TABLE IF NOT EXISTS notifications (
    notification_id   VARCHAR NOT NULL,     -- unique: '<delivery_id>:<row>' (checked by the contract)
    partner           VARCHAR NOT NULL,
    owner_agency      VARCHAR NOT NULL,
    delivery_id       VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT NOT NULL,      -- first data row of the notification (header = 0)
    source_ref        VARCHAR,
    event_date        DATE NOT NULL,
    reported_date     DATE,
    concern_code      VARCHAR NOT NULL,     -- as the partner wrote it
    concern_type      VARCHAR NOT NULL,     -- canonical
    severity_code     VARCHAR,
    severity          VARCHAR NOT NULL,     -- low | medium | high | critical
    severity_rank     TINYINT NOT NULL,
    channel           VARCHAR NOT NULL,
    decision          VARCHAR,
    decided_at        TIMESTAMP,            -- when the front door decided (contact records)
    contact_source    VARCHAR,              -- who made a front-door contact (agency name)
    rag               VARCHAR,
    dash_risk         VARCHAR,
    attendance_pct    DOUBLE,
    consent           VARCHAR NOT NULL,     -- given | override | not_sought | unknown
    consent_override_rationale VARCHAR,
    consent_authorised_by      VARCHAR,
    free_text         VARCHAR,
    n_people          INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS person_mentions (
    mention_id        VARCHAR NOT NULL,     -- unique: '<delivery_id>:<row>:<position>'
    notification_id   VARCHAR NOT NULL,
    partner           VARCHAR NOT NULL,
    delivery_id       VARCHAR NOT NULL,
    file_name         VARCHAR NOT NULL,
    row_number        BIGINT NOT NULL,      -- 1-based data row (JSONL: line) the person came from
    member_position   INTEGER NOT NULL,     -- 0 = the row's own person; k = k-th in a member-list cell
    role              VARCHAR NOT NULL,
    first_name        VARCHAR,
    middle_name       VARCHAR,
    surname           VARCHAR,
    full_name         VARCHAR,              -- as written, when the partner gives one field
    dob               DATE,
    dob_raw           VARCHAR,
    dob_issue         VARCHAR,              -- why dob is NULL although dob_raw is not
    age_years         INTEGER,
    sex               VARCHAR NOT NULL,     -- F | M | U
    address           VARCHAR,
    postcode          VARCHAR,
    nhs_number        VARCHAR,
    upn               VARCHAR,
    pnc               VARCHAR,
    ni_number         VARCHAR,
    la_id             VARCHAR,
    other_id          VARCHAR
);

CREATE TABLE IF NOT EXISTS rejects (
    reject_id     VARCHAR NOT NULL,
    delivery_id   VARCHAR NOT NULL,
    partner       VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,          -- 0 for a whole-file problem
    reason        VARCHAR NOT NULL,
    raw_row       VARCHAR
);
"""

TABLES = ("deliveries", "notifications", "person_mentions", "rejects")


def warehouse_key() -> str:
    """The warehouse key as hex: ``$MASH_WAREHOUSE_KEY``, else the file ``$MASH_WAREHOUSE_KEY_FILE``.

    >>> os.environ[KEY_ENV] = "ab" * 32; warehouse_key()[:6]
    'ababab'
    >>> del os.environ[KEY_ENV]
    """
    if os.environ.get(KEY_ENV):
        return load_key(f"env:{KEY_ENV}").hex()
    if os.environ.get(KEY_FILE_ENV):
        return load_key(os.environ[KEY_FILE_ENV]).hex()
    raise WarehouseKeyError(
        f"The warehouse is encrypted and no key is configured. Set {KEY_FILE_ENV} to a key file outside the "
        f"repository (create one with `mash new-key --out PATH`), or {KEY_ENV} to the key in hex. "
        f"`mash demo` uses a generated demo key ({DEMO_KEY_FILE}).")


def use_demo_key() -> Path:
    """Point ``$MASH_WAREHOUSE_KEY_FILE`` at the demo key, creating it on first use; returns its path.

    Only for the synthetic demo: the key sits in the user's home, outside the repository.

    >>> use_demo_key().name  # doctest: +SKIP
    'demo-warehouse.key'
    """
    if not DEMO_KEY_FILE.exists():
        DEMO_KEY_FILE.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        save_key(new_key(), DEMO_KEY_FILE)
    os.environ[KEY_FILE_ENV] = str(DEMO_KEY_FILE)
    os.environ.pop(KEY_ENV, None)
    return DEMO_KEY_FILE


def _httpfs_dir() -> str:
    import duckdb_ext  # the duckdb-ext-httpfs wheel, pinned with duckdb

    return str(Path(duckdb_ext.__path__[0]) / "extensions")


def connect(path: Path | str, read_only: bool = False, key: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the (encrypted) warehouse, creating its tables when opened for writing.

    ``key`` (hex) defaults to :func:`warehouse_key`. ``":memory:"`` opens an
    unencrypted scratch warehouse (for tests and examples).

    >>> con = connect(":memory:")
    >>> con.execute("select count(*) from deliveries").fetchall()
    [(0,)]
    """
    if str(path) == ":memory:":
        con = duckdb.connect(":memory:")
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = key or warehouse_key()
        # Writing an encrypted file needs OpenSSL's random numbers, which DuckDB gets from httpfs;
        # extensions load only from the pinned wheel, never from the network.
        con = duckdb.connect(":memory:", config={
            "extension_directory": _httpfs_dir(), "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            # spill files beside the warehouse, not in whatever folder we were started from
            "temp_directory": str(path.parent / ".duckdb_tmp")})
        con.execute("LOAD httpfs")
        options = f"ENCRYPTION_KEY {quote_literal(key)}" + (", READ_ONLY" if read_only else "")
        try:
            con.execute(f"ATTACH {quote_literal(str(path))} AS {ATTACHED} ({options})")
        except duckdb.Error as exc:
            con.close()
            raise WarehouseKeyError(
                f"Cannot open the warehouse {path} with the configured key ({exc}). Either the key is "
                f"not the one it was encrypted with, or the file predates encryption; a demo warehouse can "
                f"be rebuilt with `make clean demo`.") from None
        con.execute(f"USE {ATTACHED}")
    if not read_only:
        # Checkpoint (rewrite the file from the WAL) rarely: ingest commits once per delivery, and
        # a checkpoint on every commit was 40% of ingest time at a million rows.
        con.execute("SET checkpoint_threshold = '1GB'")
        ensure_schema(con)
    return con


# Columns added after the first release: a warehouse created before them gains them on open.
ADDED_COLUMNS = (("notifications", "decided_at", "TIMESTAMP"), ("notifications", "contact_source", "VARCHAR"))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create any missing canonical table or column; safe to call on every open."""
    con.execute(DDL)
    for table, column, kind in ADDED_COLUMNS:
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
