"""The firewall end to end on the sample world: roles, the audit trail, decisions and sharing.

One pipeline run (module fixture) on a copy of the committed sample; each test then acts
through the real CLI or the decision functions and reads the real audit log.
"""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from mash.cli import app, run_pipeline
from mash.governance.access import AccessDenied, Actor
from mash.governance.audit import AuditLog
from mash.governance.decisions import consent_counts, record_consent, record_share
from mash.settings import SAMPLE_WORLD, Paths
from mash.warehouse import connect

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    import os

    root = tmp_path_factory.mktemp("firewall")
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(root / "dagster")
    paths = Paths.from_env(root / "home")
    shutil.copytree(SAMPLE_WORLD / "landing", paths.landing)
    assert run_pipeline(paths)
    yield paths
    if old is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = old


def _cli(paths, *args, role="analyst", purpose="MASH screening"):
    return runner.invoke(app, ["--role", role, "--purpose", purpose, "--user", f"test.{role}", *args,
                               *(["--home", str(paths.home)] if args[0] not in ("review", "audit") else [])],
                         env={"MASH_HOME": str(paths.home)})


def _entries(paths):
    return AuditLog(paths.audit_log).entries()


def test_every_pipeline_step_on_identifiable_data_is_audited_with_its_purpose(world):
    entries = _entries(world)
    steps = {e["what"].get("step") for e in entries}
    assert {"ingest__police", "linkage__persons", "detection__alerts", "reports__ingest_report",
            "ingest__police_contracts"} <= steps
    assert any(e["action"] == "purge" and e["purpose"] == "retention purge" for e in entries)
    assert all(e["purpose"] != "(none stated)" for e in entries)
    exports = [e for e in entries if e["action"] == "export"]
    assert any("alert_queue.csv" in f for e in exports for f in e["what"]["files"])
    assert AuditLog(world.audit_log).verify().ok


@pytest.mark.parametrize("role,command", [("commissioner", ["run"]), ("researcher", ["evaluate"]),
                                          ("administrator", ["ingest"]), ("", ["run"])])
def test_identifiable_data_is_refused_outside_the_analyst_role(world, role, command, monkeypatch):
    monkeypatch.delenv("MASH_ROLE", raising=False)
    before = len(_entries(world))
    result = _cli(world, *command, role=role) if role else runner.invoke(
        app, ["--purpose", "x", *command, "--home", str(world.home)])
    assert result.exit_code == 3, result.output
    assert "Refused" in result.output
    new = _entries(world)[before:]
    assert [e["outcome"] for e in new] == ["denied"]


def test_no_purpose_no_access(world, monkeypatch):
    monkeypatch.delenv("MASH_PURPOSE", raising=False)
    result = runner.invoke(app, ["--role", "analyst", "evaluate", "--home", str(world.home)])
    assert result.exit_code == 3 and "no purpose" in result.output


def test_pipeline_started_in_another_role_is_refused_and_recorded(world, monkeypatch, tmp_path):
    monkeypatch.setenv("MASH_ROLE", "researcher")
    paths = Paths.from_env(tmp_path / "home")
    paths.landing.mkdir(parents=True)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    assert not run_pipeline(paths, job_name="ingest_police")
    denied = [e for e in AuditLog(paths.audit_log).entries() if e["outcome"] == "denied"]
    assert denied and denied[0]["role"] == "researcher"
    assert not paths.warehouse.exists() or connect(paths.warehouse, read_only=True).execute(
        "SELECT count(*) FROM notifications").fetchall() == [(0,)]


def test_audit_verify_and_report_for_the_administrator(world):
    ok = _cli(world, "audit", "verify", role="administrator", purpose="audit review")
    assert ok.exit_code == 0 and "verified" in ok.output
    analyst = _cli(world, "audit", "verify", role="analyst")
    assert analyst.exit_code == 3  # the audit is not the analysts' to review
    # out-of-purpose access is flagged in the report
    _cli(world, "evaluate", role="analyst", purpose="curiosity about a neighbour")
    rep = _cli(world, "audit", "report", role="administrator", purpose="audit review")
    assert rep.exit_code == 0, rep.output
    import pandas as pd

    flagged = pd.read_csv(world.outputs / "administrator" / "audit_exceptions.csv")
    assert (flagged["purpose"] == "curiosity about a neighbour").any()


def test_audit_verify_detects_an_edit_and_a_deletion(world, tmp_path):
    copy = tmp_path / "audit.jsonl"
    shutil.copy(world.audit_log, copy)
    shutil.copy(str(world.audit_log) + ".head", str(copy) + ".head")
    assert AuditLog(copy).verify().ok
    lines = copy.read_text().splitlines()
    edited = json.loads(lines[3])
    edited["who"] = "someone.else"
    copy.write_text("\n".join([*lines[:3], json.dumps(edited), *lines[4:]]) + "\n")
    bad = AuditLog(copy).verify()
    assert not bad.ok and bad.first_bad_seq == 4
    copy.write_text("\n".join(lines[:-1]) + "\n")  # the newest entry deleted
    assert not AuditLog(copy).verify().ok


def test_information_product_holds_only_items_shared_under_a_decision(world):
    con = connect(world.warehouse)
    alert_id, note_id, owner = con.execute("""
        SELECT a.alert_id, e.notification_id, n.owner_agency FROM alerts a
        JOIN alert_evidence e USING (alert_id) JOIN notifications n USING (notification_id)
        ORDER BY a.alert_id, e.notification_id LIMIT 1""").fetchall()[0]
    other = con.execute("""SELECT e.notification_id FROM alert_evidence e WHERE alert_id = ? AND notification_id <> ?
                           ORDER BY 1 LIMIT 1""", [alert_id, note_id]).fetchall()[0][0]
    ref = con.execute("SELECT source_ref FROM notifications WHERE notification_id = ?", [other]).fetchall()[0][0]
    analyst = Actor("a.khan", "analyst", "MASH", "information sharing")
    with pytest.raises(ValueError, match="consent"):
        record_share(con, world, analyst, alert_id, note_id, "csc", "Children Act 1989 s47", "child at risk")
    with pytest.raises(ValueError, match="rationale"):
        record_consent(con, world, analyst, alert_id, "override")
    with pytest.raises(AccessDenied):
        record_consent(con, world, Actor("c.j", "commissioner", "LA", "commissioning report"), alert_id, "given")
    record_consent(con, world, analyst, alert_id, "override", "telling the parent could put the child at risk",
                   "T. Manager (team manager)")
    with pytest.raises(ValueError, match="lawful basis"):
        record_share(con, world, analyst, alert_id, note_id, "csc", "because", "x")
    record_share(con, world, analyst, alert_id, note_id, "csc", "Children Act 1989 s47", "DA incident, child present")
    counts = consent_counts(con)
    assert counts.query("source == 'MASH checks' and consent == 'override'")["n"].tolist() == [1]
    con.close()
    result = _cli(world, "share", alert_id, other, "--with", "csc", "--basis", "Children Act 1989 s47",
                  "--rationale", "same incident", "--withhold", purpose="information sharing")
    assert result.exit_code == 0, result.output
    page = (world.outputs / "analytics" / "alerts" / f"{alert_id}.html").read_text()
    product = page.split("<h2>Information product</h2>")[1].split("<h2>Held in the hub</h2>")[0]
    assert f"Owner: {owner}" in product and "Children Act 1989 s47" in product
    assert "DA incident, child present" in product
    assert ref not in product  # withheld: stays in the hub
    actions = [e["action"] for e in _entries(world)[-4:]]
    assert "share_decision" in actions and "override" in actions
