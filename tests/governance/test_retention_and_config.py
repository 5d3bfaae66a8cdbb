"""Retention purge removes expired personal data everywhere, audited; config changes are audited."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from mash.governance.access import AccessDenied, Actor
from mash.governance.audit import AuditLog
from mash.governance.config_audit import record_config_changes
from mash.governance.retention import purge
from mash.ingest import reconciliation_problems
from mash.settings import REPO_ROOT
from tests.ingest.test_bad_input import GOOD, police

OLD = "R9,01/02/2019,DA,Standard,Victim,Olwen,Oldfield,03/04/2012,AB1 2CD,old\n"
ANALYST = Actor("svc", "analyst", "MASH", "retention purge")


@pytest.fixture
def hub2(hub, tmp_path):
    policy = tmp_path / "governance.toml"
    policy.write_text((REPO_ROOT / "data_samples" / "governance.toml").read_text()
                      .replace("notification_months = 72", "notification_months = 36")
                      .replace("reject_months = 12", "reject_months = 6"))
    hub.paths = dataclasses.replace(hub.paths, governance=policy)
    hub.deliver("tpolice", "old.csv", police(OLD, "R9,01/02/2019,DA,Standard,Victim,X,Y,bad-date,AB1 2CD,old\n"))
    hub.deliver("tpolice", "new.csv", police(*GOOD))
    hub.ingest("tpolice")
    return hub


def test_purge_removes_expired_deliveries_everywhere_and_keeps_the_rest(hub2):
    today = dt.date(2025, 6, 1)
    raw_old = hub2.one("SELECT raw_path FROM deliveries WHERE file_name = 'old.csv'")
    counts = purge(hub2.con, hub2.paths, ANALYST, today=today)
    assert counts["deliveries"] == 1 and counts["notifications"] == 1 and counts["files_removed"] == 2
    assert hub2.rows("SELECT surname FROM person_mentions ORDER BY 1") == [("Jones",), ("Smith",), ("Smith",)]
    assert hub2.one("SELECT status FROM deliveries WHERE file_name = 'old.csv'") == "purged"
    assert not (hub2.paths.landing / "tpolice" / "old.csv").exists()
    assert not __import__("pathlib").Path(raw_old).exists()
    # the rejected row of the old file lost its raw data; nothing anywhere still says Oldfield
    assert hub2.one("SELECT count(*) FROM rejects WHERE raw_row IS NOT NULL AND delivery_id IN "
                    "(SELECT delivery_id FROM deliveries WHERE file_name = 'old.csv')") == 0
    for table in ("notifications", "person_mentions", "rejects", "deliveries"):
        assert hub2.one(f"SELECT count(*) FROM {table} t WHERE CAST(t AS VARCHAR) ILIKE '%Oldfield%'") == 0
    assert reconciliation_problems(hub2.con).empty
    entry = [e for e in AuditLog(hub2.paths.audit_log).entries() if e["action"] == "purge"][-1]
    assert entry["outcome"] == "allowed" and entry["what"]["deliveries"] == 1


def test_redelivered_expired_file_is_not_loaded_again(hub2):
    purge(hub2.con, hub2.paths, ANALYST, today=dt.date(2025, 6, 1))
    hub2.deliver("tpolice", "old.csv", police(OLD, "R9,01/02/2019,DA,Standard,Victim,X,Y,bad-date,AB1 2CD,old\n"))
    [old] = [r for r in hub2.ingest("tpolice") if r.file_name == "old.csv"]
    assert old.status == "unchanged"
    assert hub2.one("SELECT count(*) FROM person_mentions WHERE surname = 'Oldfield'") == 0


def test_dry_run_changes_nothing_and_roles_without_purge_are_refused(hub2):
    before = hub2.one("SELECT count(*) FROM notifications")
    assert purge(hub2.con, hub2.paths, ANALYST, today=dt.date(2025, 6, 1), dry_run=True)["notifications"] == 1
    assert hub2.one("SELECT count(*) FROM notifications") == before
    with pytest.raises(AccessDenied):
        purge(hub2.con, hub2.paths, Actor("r", "researcher", "Uni", "approved research project"))
    assert hub2.one("SELECT count(*) FROM notifications") == before


def test_config_changes_are_audited_with_old_and_new_hash(hub, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("a = 1\n")
    assert [c["change"] for c in record_config_changes(hub.con, hub.paths, ANALYST, [rules])] == ["added"]
    assert record_config_changes(hub.con, hub.paths, ANALYST, [rules]) == []
    rules.write_text("a = 2\n")
    [change] = record_config_changes(hub.con, hub.paths, ANALYST, [rules])
    assert change["change"] == "changed" and change["old_sha256"] != change["new_sha256"]
    logged = [e for e in AuditLog(hub.paths.audit_log).entries() if e["action"] == "config_change"]
    assert [e["what"]["change"] for e in logged] == ["added", "changed"]
