"""Configuration changes are audited: every run compares each config file's hash with the last seen.

>>> # record_config_changes(con, paths, actor, [Path("data_samples/rules.toml")])
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from mash.governance.access import Actor, record

DDL = """
CREATE TABLE IF NOT EXISTS config_versions (
    file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, seen_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)
"""


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes.

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"a"); file_hash(p)[:8]
    'ca978112'
    """
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record_config_changes(con: duckdb.DuckDBPyConnection, paths, actor: Actor, files: list[Path]) -> list[dict]:
    """Audit each added, changed or removed config file (action ``config_change``); returns the changes."""
    con.execute(DDL)
    last = dict(con.execute("""
        SELECT file, sha256 FROM config_versions QUALIFY row_number() OVER (PARTITION BY file ORDER BY seen_at DESC) = 1
    """).fetchall())
    now = {str(f): file_hash(f) for f in files if Path(f).exists()}
    changes = []
    for f in sorted(set(last) | set(now)):
        old, new = last.get(f), now.get(f)
        if old == new or (new is None and old == "removed"):
            continue
        change = "added" if old is None else "removed" if new is None else "changed"
        changes.append({"file": f, "change": change, "old_sha256": old, "new_sha256": new})
        record(paths, actor, "config_change", {"file": f, "change": change, "old_sha256": old, "new_sha256": new})
        con.execute("INSERT INTO config_versions (file, sha256) VALUES (?, ?)", [f, new or "removed"])
    return changes
