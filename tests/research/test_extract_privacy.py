"""The research extract holds no name, identifier, full postcode, address, DOB, free text or key.

The sample world goes through the whole Dagster job (``sample_world``), whose ``research/extract``
asset writes the extract; :mod:`tests.research.leakscan` then reads every cell of every file. The
second half of this module plants each kind of leak in a copy of a clean file and checks the scan
finds it, so a green scan means something.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mash.governance.pseudonymise import Pseudonymiser, key_fingerprint
from mash.research.extract import PSEUDONYM_HEX, TABLES, write_extract
from mash.research.keys import ResearchKey
from mash.warehouse import connect
from tests.research.leakscan import collect_secrets, scan

OTHER_KEY = bytes(range(100, 132))


@pytest.fixture(scope="module")
def warehouse(sample_world):
    con = connect(sample_world.paths.warehouse, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def secrets(sample_world, warehouse):
    return collect_secrets(warehouse, sample_world.key)


def test_the_pipeline_wrote_every_table_with_rows_and_the_manifest_names_the_key(sample_world):
    manifest = json.loads((sample_world.extract / "manifest.json").read_text())
    assert manifest["key_id"] == key_fingerprint(sample_world.key) and manifest["key_kind"] == "project"
    assert set(manifest["tables"]) == {t.name for t in TABLES}
    for name, t in manifest["tables"].items():
        assert pq.read_metadata(sample_world.extract / t["file"]).num_rows == t["rows"] > 0, name
    assert manifest["source"]["last_ingest_at"] and manifest["source"]["linkage_settings_version"]
    dictionary = json.loads((sample_world.extract / "data_dictionary.json").read_text())
    for t in TABLES:  # the dictionary describes exactly the columns that are there
        schema = pq.read_schema(sample_world.extract / f"{t.name}.parquet")
        assert [c["name"] for c in dictionary["tables"][t.name]["columns"]] == schema.names
    md = (sample_world.extract / "data_dictionary.md").read_text()
    assert all(f"`{t.name}`" in md for t in TABLES)
    # the researcher folder holds the extract and nothing else
    assert [p.name for p in sample_world.extract.parent.iterdir()] == ["extract"]


def test_the_secrets_are_a_fair_test(secrets):
    # Enough of each kind to make a clean scan mean something ...
    for kind in ("nhs_number", "upn", "pnc", "ni_number", "postcode", "dob", "warehouse_id"):
        assert len(secrets.substrings[kind]) > 50, kind
    assert len(secrets.names) > 500 and len(secrets.whole["address"]) > 500 and len(secrets.streets) > 50
    assert len(secrets.whole["free_text"]) > 500 and len(secrets.dob_by_pid) > 1000
    # ... and the names left unchecked because they are also words of the extract are few.
    # (Printed: "Amber" and "Green" are RAG ratings as well as names.)
    print("name tokens exempt as code words:", sorted(secrets.exempt_names))
    assert len(secrets.exempt_names) <= 0.02 * len(secrets.names)


def test_no_identifying_value_anywhere_in_the_extract(sample_world, secrets):
    found = scan(sample_world.extract, secrets)
    assert found == [], "\n".join(found[:50])


def test_coarsened_columns_are_coarse(sample_world):
    persons = pd.read_parquet(sample_world.extract / "persons.parquet")
    months = persons["birth_month"].dropna()
    assert len(months) > 1000 and months.str.fullmatch(r"\d{4}-\d{2}").all()
    assert persons["postcode_sector"].dropna().str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d").all()
    households = pd.read_parquet(sample_world.extract / "households.parquet")
    assert households["postcode_sector"].dropna().str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d").all()
    for t in TABLES:  # every id column is a 16-hex pseudonym
        df = pd.read_parquet(sample_world.extract / f"{t.name}.parquet")
        for col in (c for c in df.columns if c.endswith("_pid")):
            assert df[col].dropna().str.fullmatch(f"[0-9a-f]{{{PSEUDONYM_HEX}}}").all(), (t.name, col)


def test_pseudonyms_are_keyed_stable_and_project_specific(sample_world, warehouse, tmp_path):
    key = ResearchKey(sample_world.key)
    again = write_extract(warehouse, tmp_path / "again", key)
    first = json.loads((sample_world.extract / "manifest.json").read_text())
    # Same key, same warehouse: byte-identical tables.
    assert {n: t["sha256"] for n, t in again["tables"].items()} == {n: t["sha256"] for n, t in first["tables"].items()}
    # The pseudonym is the keyed HMAC of the warehouse's stable person id: a person found by NHS
    # number gets the pseudonym computed independently here, with the right number of notifications.
    person_id, n_notes = warehouse.execute("""
        SELECT mp.person_id, count(DISTINCT lm.notification_id)
        FROM person_mentions m JOIN mention_person mp USING (mention_id)
        JOIN linked_mentions lm ON lm.person_id = mp.person_id
        WHERE m.nhs_number = (SELECT min(nhs_number) FROM person_mentions) GROUP BY 1""").fetchall()[0]
    pid = Pseudonymiser(sample_world.key, length=PSEUDONYM_HEX).pseudonym(person_id, "person")
    persons = pd.read_parquet(sample_world.extract / "persons.parquet").set_index("person_pid")
    assert persons.loc[pid, "n_notifications"] == n_notes
    # Another project's key: no pseudonym in common, everything else the same.
    other = write_extract(warehouse, tmp_path / "other", ResearchKey(OTHER_KEY))
    assert other["key_id"] == key_fingerprint(OTHER_KEY) != first["key_id"]
    for t in TABLES:
        a = pd.read_parquet(sample_world.extract / f"{t.name}.parquet")
        b = pd.read_parquet(tmp_path / "other" / f"{t.name}.parquet")
        pid_cols = [c for c in a.columns if c.endswith("_pid")]
        for c in pid_cols:
            assert not set(a[c].dropna()) & set(b[c].dropna()), (t.name, c)
        rest = [c for c in a.columns if c not in pid_cols]
        if rest:
            key_cols = lambda df: df[rest].astype(str).sort_values(rest).reset_index(drop=True)  # noqa: E731
            pd.testing.assert_frame_equal(key_cols(a), key_cols(b), obj=t.name)


def test_refuses_to_replace_a_folder_that_is_not_an_extract(warehouse, tmp_path):
    (tmp_path / "notes.txt").write_text("someone's work")
    with pytest.raises(FileExistsError):
        write_extract(warehouse, tmp_path, ResearchKey(OTHER_KEY))
    assert (tmp_path / "notes.txt").exists()


# ------------------------------------------------------------------ the scan finds each kind of leak
def _leaky_copy(src: Path, dst: Path, table: str, add: dict, metadata: dict | None = None) -> Path:
    """A copy of one extract table with columns added (aligned to its rows)."""
    t = pq.read_table(src / f"{table}.parquet")
    for name, values in add.items():
        t = t.append_column(name, pa.array(values(t.to_pandas())))
    if metadata:
        t = t.replace_schema_metadata({**(t.schema.metadata or {}), **metadata})
    dst.mkdir(parents=True, exist_ok=True)
    pq.write_table(t, dst / f"{table}.parquet")
    return dst


def _person_column(warehouse, key: bytes, column: str):
    """persons.person_pid -> one recorded value of ``column`` for that person."""
    df = warehouse.execute(f"SELECT mp.person_id, max(m.{column}) AS v FROM mention_person mp "
                           "JOIN person_mentions m USING (mention_id) GROUP BY 1").df()
    df["pid"] = Pseudonymiser(key, length=PSEUDONYM_HEX).pseudonym(df["person_id"].astype(str), "person")
    values = [None if pd.isna(v) else (v.date() if isinstance(v, pd.Timestamp) else v) for v in df["v"]]
    lookup = dict(zip(df["pid"], values))
    return lambda persons: [lookup.get(p) for p in persons["person_pid"]]


def _nhs_digits(v):
    return int(v) if isinstance(v, str) and v.isdigit() else None


LEAKS = {
    # name of the leak: (table, columns to add, what the finding must say)
    "first name column": ("persons", {"first_name": "first_name"}, "name token"),
    "surname column": ("persons", {"surname": "surname"}, "name token"),
    "NHS number as text": ("persons", {"nhs": "nhs_number"}, "nhs_number"),
    "NHS number as an integer": ("persons", {"nhs": ("nhs_number", _nhs_digits)}, "NHS number as a number"),
    "UPN": ("persons", {"upn": "upn"}, "upn"),
    "PNC id": ("persons", {"pnc": "pnc"}, "pnc"),
    "NI number": ("persons", {"ni": "ni_number"}, "ni_number"),
    "full postcode": ("persons", {"postcode": "postcode"}, "postcode"),
    "full postcode without its space": ("persons", {"pc": ("postcode", lambda v: v.replace(" ", "") if v else v)},
                                        "postcode"),
    "address": ("persons", {"address": "address"}, "address"),
    "date of birth as text": ("persons", {"dob_text": ("dob", lambda v: v.isoformat() if v is not None else None)},
                              "dob"),
    "date of birth as a date": ("persons", {"dob": "dob"}, "date of birth of the person"),
    "warehouse person id": ("persons", {"person_id": "person_id"}, "warehouse_id"),
}


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_the_scan_finds_a_planted_leak(leak, sample_world, warehouse, secrets, tmp_path):
    table, add, expected = LEAKS[leak]
    columns = {}
    for name, spec in add.items():
        column, convert = spec if isinstance(spec, tuple) else (spec, None)
        if column == "person_id":
            df = warehouse.execute("SELECT DISTINCT person_id FROM mention_person").df()
            df["pid"] = Pseudonymiser(sample_world.key, length=PSEUDONYM_HEX).pseudonym(df["person_id"], "person")
            lookup = dict(zip(df["pid"], df["person_id"]))
            columns[name] = lambda persons, lk=lookup: [lk.get(p) for p in persons["person_pid"]]
            continue
        get = _person_column(warehouse, sample_world.key, column)
        if convert is None:
            columns[name] = get
        else:
            columns[name] = lambda persons, g=get, f=convert: [f(v) if v is not None else None for v in g(persons)]
    dst = _leaky_copy(sample_world.extract, tmp_path / "leaky", table, columns)
    found = scan(dst, secrets)
    assert any(expected in f for f in found), f"{leak}: not found; the scan said {found[:5]}"


def test_the_scan_finds_free_text_metadata_and_the_key(sample_world, warehouse, secrets, tmp_path):
    texts = warehouse.execute("SELECT free_text FROM notification_events WHERE free_text IS NOT NULL "
                              "ORDER BY notification_id").df()["free_text"].tolist()
    dst = _leaky_copy(sample_world.extract, tmp_path / "text", "notifications",
                      {"free_text": lambda df: (texts * 2)[:len(df)]})
    assert any("free_text (whole value)" in f for f in scan(dst, secrets))
    surname = warehouse.execute("SELECT max(surname) FROM person_mentions").fetchall()[0][0]
    dst = _leaky_copy(sample_world.extract, tmp_path / "meta", "link_runs", {}, {b"note": surname.encode()})
    assert any("(metadata)" in f and "name token" in f for f in scan(dst, secrets))
    manifest = json.loads((sample_world.extract / "manifest.json").read_text())
    (tmp_path / "key").mkdir()
    for value in (sample_world.key.hex(), sample_world.key.hex().upper()):
        (tmp_path / "key" / "manifest.json").write_text(json.dumps({**manifest, "key": value}))
        assert any("the key" in f for f in scan(tmp_path / "key", secrets))
    shutil.copy(sample_world.extract / "manifest.json", tmp_path / "key" / "manifest.json")
    assert scan(tmp_path / "key", secrets) == []  # the real manifest is clean
