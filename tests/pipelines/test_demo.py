"""The demo path: the committed sample through the whole Dagster job on the local instance."""

from __future__ import annotations

from mash.warehouse import connect
import pandas as pd

from mash.settings import SAMPLE_WORLD, Paths
from mash.cli import run_pipeline


def test_sample_world_runs_end_to_end_and_reconciles(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    paths = Paths.from_env(tmp_path / "home")
    import shutil

    shutil.copytree(SAMPLE_WORLD / "landing", paths.landing)
    assert run_pipeline(paths)
    con = connect(paths.warehouse, read_only=True)
    d = con.execute("SELECT sum(rows_in), sum(rows_loaded), sum(rows_rejected) FROM deliveries").fetchall()[0]
    assert d[0] == d[1] + d[2] and d[0] > 0
    # Every delivered record in the ground truth is in the warehouse (nothing lost, nothing invented).
    truth = pd.read_csv(SAMPLE_WORLD / "truth" / "mentions.csv", dtype={"file_name": str})
    got = con.execute("SELECT partner, file_name, row_number, member_position FROM person_mentions").df()
    merged = truth.merge(got, on=["partner", "file_name", "row_number", "member_position"], how="outer",
                         indicator=True)
    assert (merged["_merge"] == "both").all(), merged["_merge"].value_counts()
    # Every mention got a person id from the linkage asset.
    assert con.execute("SELECT count(*) FROM person_mentions").fetchall() == \
        con.execute("SELECT count(*) FROM mention_person").fetchall()
    # Detection ran after linkage: alerts with evidence, and the analyst's queue on disk.
    n_alerts = con.execute("SELECT count(*) FROM alerts").fetchall()[0][0]
    assert n_alerts > 0
    assert con.execute("SELECT count(*) FROM alerts a WHERE NOT EXISTS "
                       "(SELECT 1 FROM alert_evidence e WHERE e.alert_id = a.alert_id)").fetchall()[0][0] == 0
    assert (paths.outputs / "analytics" / "alert_queue.csv").exists()
    ids = {r[0] for r in con.execute("SELECT alert_id FROM alerts").fetchall()}
    con.close()
    # Re-running the whole job changes nothing.
    assert run_pipeline(paths)
    con = connect(paths.warehouse, read_only=True)
    assert con.execute("SELECT sum(rows_in) FROM deliveries").fetchall()[0][0] == d[0]
    assert {r[0] for r in con.execute("SELECT alert_id FROM alerts").fetchall()} == ids  # stable alert ids
    con.close()
    # What the demo prints: where every output is, each file once (the commissioner report on its own line).
    from mash.cli import _print_outputs, console

    with console.capture() as cap:
        _print_outputs(paths, 1.0)
    text = cap.get()
    assert str(paths.warehouse) in text and "Reconciled:" in text
    assert (paths.outputs / "analytics" / "alert_queue.csv").as_posix() in text
    reports = list((paths.outputs / "commissioner").glob("commissioner_report_*.html"))
    assert reports and all(text.count(r.name) == 1 for r in reports), text
