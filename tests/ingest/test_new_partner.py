"""Adding a partner is a config file, not code: the README's example works as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mash.ingest import ingest_partner, load_config, load_configs, reconciliation_problems
from mash.ingest.config import ConfigError
from mash.warehouse import connect

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_partner_example_loads_a_new_layout(tmp_path):
    block = re.search(r"```toml\n(# data_samples/partners/yos.toml\n.*?)```", README.read_text(), re.S).group(1)
    partners = tmp_path / "partners"
    partners.mkdir()
    (partners / "yos.toml").write_text(block)
    cfg = load_configs(partners)["yos"]
    landing = tmp_path / "landing" / "yos"
    landing.mkdir(parents=True)
    (landing / "yos_2025-04.csv").write_bytes(
        "CaseRef;Date;Reason;Risk;Forename;Surname;DOB;Postcode\n"
        "Y1;03/04/2025;CCE;H;Siân;O’Neill;01/02/2009;AB1 2CD\n"
        "Y2;04/04/2025;MFH;L;Dafydd;Jones;11/12/2010;AB1 3CD\n"
        "Y3;05/04/2025;GANG;L;Rhys;Evans;11/12/2010;AB1 3CD\n".encode("cp1252"))
    con = connect(tmp_path / "w.duckdb")
    [r] = ingest_partner(con, cfg, tmp_path / "landing", tmp_path / "raw")
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    assert con.execute("SELECT first_name, surname FROM person_mentions ORDER BY row_number").fetchall()[0] == (
        "Siân", "O’Neill")
    assert con.execute("SELECT concern_type FROM notifications ORDER BY row_number").fetchall() == [
        ("child_exploitation",), ("missing_from_home",)]
    assert "'GANG'" in con.execute("SELECT reason FROM rejects").fetchall()[0][0]
    assert reconciliation_problems(con).empty


@pytest.mark.parametrize("text, message", [
    ('partner = "x"\nagency = "X"\nformat = "parquet"\n', "format 'parquet'"),
    ('partner = "X Y"\nagency = "X"\nformat = "csv"\n', "lower case"),
    ('partner = "x"\nagency = "X"\nformat = "csv"\n[notification]\nevent_date = "D"\nconcern_code = "C"\n'
     '[concern_map]\nA = "not_a_concern"\n', "unknown canonical value"),
    ('partner = "x"\nagency = "X"\nformat = "csv"\n[notification]\nevent_date = "D"\nconcern_code = "C"\n'
     'shoe_size = "S"\n[concern_map]\nA = "other"\n', "unknown canonical field"),
    ('partner = "x"\nagency = "X"\nformat = "csv"\n[notification]\nconcern_code = "C"\n', "event_date"),
    ('partner = "x"\nagency = "X"\nformat = "xlsx"\n[notification]\nevent_date = "D"\nconcern_code = "C"\n'
     '[concern_map]\nA = "other"\n', "sheet"),
])
def test_config_mistakes_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value) and "x.toml" in str(err.value)
