"""The identifiable warehouse is encrypted at rest: no key, no data."""

from __future__ import annotations

import duckdb
import pytest

from mash.governance.pseudonymise import new_key
from mash.warehouse import KEY_ENV, KEY_FILE_ENV, WarehouseKeyError, connect, warehouse_key

PLANTED = "Zebedee-Quartermaine"


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = connect(path)
    con.execute("INSERT INTO person_mentions (mention_id, notification_id, partner, delivery_id, file_name, "
                "row_number, member_position, role, surname, sex) VALUES ('m1', 'n1', 'police', 'd1', 'f.csv', 1, 0, "
                "'subject', ?, 'U')", [PLANTED])
    con.execute("CHECKPOINT")
    con.close()
    return path


def test_file_cannot_be_opened_without_the_key(warehouse):
    with pytest.raises(duckdb.Error, match="(?i)encrypt"):
        duckdb.connect(str(warehouse), read_only=True)
    plain = duckdb.connect()
    with pytest.raises(duckdb.Error, match="(?i)encrypt|key"):
        plain.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")


def test_wrong_key_is_refused_with_a_clear_message(warehouse):
    with pytest.raises(WarehouseKeyError, match="not the one it was encrypted with"):
        connect(warehouse, read_only=True, key=new_key().hex())


def test_right_key_reads_the_data(warehouse):
    con = connect(warehouse, read_only=True)
    assert con.execute("SELECT surname FROM person_mentions").fetchall() == [(PLANTED,)]
    con.close()


def test_no_plaintext_on_disk(warehouse):
    data = warehouse.read_bytes()
    assert PLANTED.encode() not in data
    assert b"person_mentions" not in data  # even the catalogue is encrypted


def test_key_comes_from_the_environment_and_is_required(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    with pytest.raises(WarehouseKeyError, match=KEY_FILE_ENV):
        warehouse_key()
    with pytest.raises(WarehouseKeyError):
        connect(tmp_path / "w.duckdb")
    monkeypatch.setenv(KEY_ENV, "cd" * 32)
    assert warehouse_key() == "cd" * 32


def test_key_file_inside_the_repository_is_refused(monkeypatch):
    from mash.settings import REPO_ROOT

    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(REPO_ROOT / "warehouse.key"))
    with pytest.raises(ValueError, match="inside the git work tree"):
        warehouse_key()


def test_the_command_without_a_key_says_what_to_do_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in (KEY_ENV, KEY_FILE_ENV)}
    env.update(MASH_HOME=str(tmp_path / "home"), MASH_ROLE="analyst", MASH_PURPOSE="data quality")
    done = subprocess.run([sys.executable, "-c", "from mash.cli import main; main()", "evaluate"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert "No warehouse key" in done.stdout and KEY_FILE_ENV in done.stdout
