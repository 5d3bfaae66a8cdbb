"""The canonical warehouse: one DuckDB file, its tables and how to open it.

Row ids are built from the delivery id, so they are unique by construction; the big
tables carry no PRIMARY KEY index because maintaining one costs more than the whole
rest of ingestion at a million rows. The pandera contracts check uniqueness instead.

Writers open read-write (one at a time: DuckDB has a single writer, and the
Dagster writers share one pool of limit 1); readers open read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

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


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating its tables when opened for writing.

    >>> con = connect(":memory:")
    >>> con.execute("select count(*) from deliveries").fetchall()
    [(0,)]
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
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
