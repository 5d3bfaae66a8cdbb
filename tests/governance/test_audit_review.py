"""Access review over the audit log: volumes, out-of-purpose, out-of-hours and bulk reading."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from mash.governance.audit import AuditLog
from mash.governance.audit_review import ENTRY_COLUMNS, REPORT_COLUMNS, access_report

ALLOWED = {
    "analyst": ["triage", "Strategy discussion"],
    "researcher": ["evaluation"],
    "commissioner": ["service planning"],
    "administrator": ["maintenance"],
}


class Script:
    """A clock that returns the next scripted UTC time on each append."""

    def __init__(self) -> None:
        self.times: list[datetime] = []

    def at(self, *args: int) -> "Script":
        self.times.append(datetime(*args, tzinfo=timezone.utc))
        return self

    def __call__(self) -> datetime:
        return self.times.pop(0)


@pytest.fixture
def make(tmp_path: Path):
    clock = Script()
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)

    def add(when: tuple, who="amy", role="analyst", purpose="triage", action="access",
            persons=("P1",), outcome="allowed", what=None) -> dict:
        clock.at(*when)
        return log.append(who=who, role=role, agency="LA", purpose=purpose, action=action,
                          what=what or {"persons": list(persons)}, outcome=outcome)

    add.log = log
    return add


# 6 May 2024 is a Monday; the UK is on BST (UTC+1) in May and July, GMT in January.
MON = (2024, 5, 6)


def test_volume_by_day_user_role_action(make) -> None:
    make((*MON, 9, 0), who="amy", persons=["P1", "P2"])
    make((*MON, 10, 0), who="amy", persons=["P2", "P3"])
    make((*MON, 11, 0), who="amy", action="export", persons=["P1"])
    make((*MON, 11, 0), who="ben", role="researcher", purpose="evaluation", persons=["P9"])
    make((2024, 5, 7, 9, 0), who="amy", persons=["P4"])
    rep = make.log.report(ALLOWED)
    assert list(rep.columns) == REPORT_COLUMNS
    got = {(r.day, r.who, r.action): (r.entries, r.persons, r.user_day_persons) for r in rep.itertuples()}
    assert got == {
        (date(2024, 5, 6), "amy", "access"): (2, 3, 3),
        (date(2024, 5, 6), "amy", "export"): (1, 1, 3),
        (date(2024, 5, 6), "ben", "access"): (1, 1, 1),
        (date(2024, 5, 7), "amy", "access"): (1, 1, 1),
    }
    assert not rep["review"].any()


def test_out_of_purpose_per_role_case_insensitive(make) -> None:
    make((*MON, 9, 0), purpose="strategy DISCUSSION")  # allowed, different case
    make((*MON, 9, 5), purpose="evaluation")  # a researcher purpose, not an analyst one
    make((*MON, 9, 10), who="ben", role="commissioner", purpose="service planning")
    rep = make.log.report(ALLOWED)
    amy = rep[rep["who"] == "amy"].iloc[0]
    assert amy["out_of_purpose"] == 1 and amy["flags"] == "out_of_purpose"
    exc = make.log.exceptions(ALLOWED)
    assert exc["seq"].tolist() == [2]
    assert list(exc.columns) == ENTRY_COLUMNS


def test_role_without_allowed_purposes_is_always_out_of_purpose(make) -> None:
    make((*MON, 9, 0), who="root", role="administrator", purpose="maintenance", action="config_change")
    rep = make.log.report({"analyst": ["triage"]})
    assert rep["flags"].tolist() == ["out_of_purpose"]


@pytest.mark.parametrize(
    "utc, flagged",
    [
        ((2024, 5, 6, 6, 59), True),  # 07:59 BST
        ((2024, 5, 6, 7, 0), False),  # 08:00 BST
        ((2024, 5, 6, 16, 59), False),  # 17:59 BST
        ((2024, 5, 6, 17, 0), True),  # 18:00 BST
        ((2024, 1, 8, 7, 30), True),  # 07:30 GMT, Monday
        ((2024, 1, 8, 8, 0), False),  # 08:00 GMT
        ((2024, 5, 4, 12, 0), True),  # Saturday
        ((2024, 5, 5, 12, 0), True),  # Sunday
    ],
)
def test_out_of_hours_in_uk_local_time(make, utc, flagged) -> None:
    make(utc)
    assert make.log.report(ALLOWED)["out_of_hours"].iloc[0] == int(flagged)


def test_working_hours_are_configurable(make) -> None:
    make((*MON, 19, 0))  # 20:00 BST
    assert make.log.report(ALLOWED, working_hours=(7, 21))["out_of_hours"].iloc[0] == 0
    assert make.log.report(ALLOWED, tz="UTC", working_hours=(8, 19))["out_of_hours"].iloc[0] == 1


def test_reading_too_many_distinct_persons_in_a_day(make) -> None:
    make((*MON, 9, 0), persons=["P1", "P2"])
    make((*MON, 9, 5), persons=["P1", "P2"])  # re-reads do not count twice
    make((*MON, 9, 10), action="export", persons=["P3"])
    make((*MON, 9, 15), persons=["P4", "P5"], outcome="denied")  # not read
    make((*MON, 9, 20), who="cat", persons=["P1", "P2", "P3"])
    make((2024, 5, 7, 9, 0), persons=["P6", "P7"])  # next day starts again
    rep = make.log.report(ALLOWED, max_persons_per_day=2)
    flagged = rep.loc[rep["many_persons"], ["who", "day", "action"]].values.tolist()
    assert flagged == [["amy", date(2024, 5, 6), "access"], ["amy", date(2024, 5, 6), "export"],
                       ["cat", date(2024, 5, 6), "access"]]
    amy = rep[(rep["who"] == "amy") & (rep["action"] == "access") & (rep["day"] == date(2024, 5, 6))].iloc[0]
    assert (amy["user_day_persons"], amy["denied"], amy["flags"]) == (3, 1, "many_persons;denied")
    assert make.log.report(ALLOWED, max_persons_per_day=3)["many_persons"].sum() == 0


def test_day_boundary_is_local(make) -> None:
    # 23:30 UTC on Monday is 00:30 BST on Tuesday.
    make((*MON, 23, 30), persons=["P1"])
    make((2024, 5, 7, 10, 0), persons=["P2"])
    rep = make.log.report(ALLOWED, max_persons_per_day=1)
    assert rep["day"].tolist() == [date(2024, 5, 7)]
    assert rep["many_persons"].tolist() == [True]


def test_single_person_key_is_counted(make) -> None:
    make((*MON, 9, 0), what={"person": "P7", "fields": ["dob"]})
    make((*MON, 9, 1), what={"referral": "R1"})  # no persons named
    assert make.log.report(ALLOWED)["persons"].tolist() == [1]


def test_since_and_until_filter(make) -> None:
    for day in (6, 7, 8):
        make((2024, 5, day, 9, 0))
    rep = make.log.report(ALLOWED, since="2024-05-07", until="2024-05-08")
    assert rep["day"].tolist() == [date(2024, 5, 7)]
    assert make.log.report(ALLOWED, since="2030-01-01").empty


def test_empty_log_gives_empty_frames(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    assert list(log.report(ALLOWED).columns) == REPORT_COLUMNS
    assert log.report(ALLOWED).empty
    assert access_report([], ALLOWED).empty
    assert log.exceptions(ALLOWED).empty
