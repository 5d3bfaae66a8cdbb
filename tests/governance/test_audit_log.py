"""The audit log: appends chain correctly, and every kind of tampering is caught at the right seq."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mash.governance.audit import (
    FIELDS,
    GENESIS_HASH,
    AuditIntegrityError,
    AuditLog,
    VerifyResult,
    canonical_json,
    entry_hash,
)

N = 6


class Clock:
    """Deterministic time: starts at a Monday 09:00 UTC and ticks a minute per call."""

    def __init__(self, start: datetime = datetime(2024, 5, 6, 9, 0, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def add(log: AuditLog, i: int = 0, **over) -> dict:
    fields = dict(
        who=f"user{i % 3}", role="analyst", agency="Children's Social Care", purpose="triage",
        action="access", what={"persons": [f"P{i}"], "fields": ["name", "dob"]}, outcome="allowed",
    )
    fields.update(over)
    return log.append(**fields)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> AuditLog:
    # Built once (each append fsyncs twice); every test gets its own copy to tamper with.
    log = AuditLog(tmp_path_factory.mktemp("template") / "audit.jsonl", clock=Clock())
    for i in range(N):
        add(log, i)
    return log


@pytest.fixture
def log(template: AuditLog, tmp_path: Path) -> AuditLog:
    copy = AuditLog(tmp_path / "audit" / "audit.jsonl", clock=Clock(datetime(2024, 5, 7, 9, 0, tzinfo=timezone.utc)))
    copy.path.parent.mkdir()
    for src, dst in ((template.path, copy.path), (template.head_path, copy.head_path)):
        shutil.copy2(src, dst)
    return copy


def lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines(keepends=True)


def rewrite(log: AuditLog, new_lines: list[str]) -> None:
    log.path.write_text("".join(new_lines), encoding="utf-8")


def bad_at(log: AuditLog, seq: int) -> VerifyResult:
    result = log.verify()
    assert not result.ok, "tampering went undetected"
    assert result.first_bad_seq == seq, result
    assert result.problem
    return result


# ------------------------------------------------------------------ clean logs
def test_clean_log_verifies_and_chains(log: AuditLog) -> None:
    result = log.verify()
    assert result == VerifyResult(True, N, None, None)
    entries = log.entries()
    assert [e["seq"] for e in entries] == list(range(1, N + 1))
    assert entries[0]["prev_hash"] == GENESIS_HASH
    for prev, cur in zip(entries, entries[1:]):
        assert cur["prev_hash"] == prev["hash"]
    for e in entries:
        assert list(e) == list(FIELDS) or set(e) == set(FIELDS)
        assert e["hash"] == entry_hash(e)
        assert datetime.fromisoformat(e["ts"]).utcoffset() == timedelta(0)
    assert log.head() == {"seq": N, "hash": entries[-1]["hash"]}


def test_each_line_is_canonical_json(log: AuditLog) -> None:
    for raw in lines(log):
        assert raw.endswith("\n")
        assert raw[:-1] == canonical_json(json.loads(raw))


def test_append_returns_exactly_what_is_stored(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    e = add(log, what={"persons": ("P1", "P2"), "fields": ["dob"]})
    assert e["what"] == {"persons": ["P1", "P2"], "fields": ["dob"]}
    assert log.entries() == [e]
    assert log.verify().ok


def test_new_and_empty_logs_verify(tmp_path: Path) -> None:
    assert AuditLog(tmp_path / "never.jsonl").verify() == VerifyResult(True, 0)


def test_files_are_private(template: AuditLog) -> None:
    assert os.stat(template.path).st_mode & 0o077 == 0
    assert os.stat(template.head_path).st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "over",
    [
        {"role": "superuser"},
        {"action": "acess"},
        {"outcome": "maybe"},
        {"who": ""},
        {"purpose": "  "},
        {"what": ["P1"]},
        {"what": {"x": float("nan")}},
        {"what": {"x": object()}},
        {"what": {"x": 1, 2: "mixed key types"}},
    ],
)
def test_bad_fields_are_refused_and_nothing_written(tmp_path: Path, over: dict) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(ValueError):
        add(log, **over)
    assert log.entries() == []


def test_extra_vocabulary_can_be_allowed(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", actions=("access", "break_glass"))
    assert add(log, action="break_glass")["action"] == "break_glass"
    with pytest.raises(ValueError):
        add(log, action="export")


# ------------------------------------------------------------------ tampering
def _changed(value):
    if isinstance(value, bool) or value is None:
        return "x"
    if isinstance(value, int):
        return value + 100
    if isinstance(value, dict):
        return {**value, "persons": ["P999"]}
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return ("f" if value[0] != "f" else "e") + value[1:]
    return value + "x"


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("seq", range(1, N + 1))
def test_editing_any_field_of_any_entry_is_caught_at_that_entry(log: AuditLog, field: str, seq: int) -> None:
    rows = lines(log)
    entry = json.loads(rows[seq - 1])
    entry[field] = _changed(entry[field])
    rows[seq - 1] = canonical_json(entry) + "\n"
    rewrite(log, rows)
    bad_at(log, seq)


@pytest.mark.parametrize("seq", [1, 3, N])
def test_editing_one_character_in_place_is_caught(log: AuditLog, seq: int) -> None:
    # A hand edit that keeps the JSON layout: user1 -> user7 inside the raw line.
    rows = lines(log)
    assert '"who":"user' in rows[seq - 1]
    rows[seq - 1] = rows[seq - 1].replace('"who":"user', '"who":"usex', 1)
    rewrite(log, rows)
    assert "edited" in bad_at(log, seq).problem


@pytest.mark.parametrize("seq", [1, 2, 4, N - 1])
def test_deleting_an_entry_is_caught_at_its_seq(log: AuditLog, seq: int) -> None:
    rows = lines(log)
    del rows[seq - 1]
    rewrite(log, rows)
    assert "missing" in bad_at(log, seq).problem


def test_deleting_the_last_entry_is_caught_by_the_head(log: AuditLog) -> None:
    rewrite(log, lines(log)[:-1])
    assert "truncated" in bad_at(log, N).problem


def test_deleting_the_last_three_entries_is_caught(log: AuditLog) -> None:
    rewrite(log, lines(log)[:-3])
    bad_at(log, N - 2)


def test_emptying_the_log_is_caught(log: AuditLog) -> None:
    rewrite(log, [])
    bad_at(log, 1)


def test_deleting_the_log_file_is_caught(log: AuditLog) -> None:
    log.path.unlink()
    bad_at(log, 1)


def test_deleting_the_head_file_is_caught(log: AuditLog) -> None:
    log.head_path.unlink()
    bad_at(log, N + 1)


def test_truncating_and_deleting_the_head_is_caught(log: AuditLog) -> None:
    rewrite(log, lines(log)[:1])
    log.head_path.unlink()
    bad_at(log, 2)


@pytest.mark.parametrize("a,b", [(1, 2), (3, 4), (N - 1, N), (2, 5)])
def test_swapping_two_entries_is_caught_at_the_first(log: AuditLog, a: int, b: int) -> None:
    rows = lines(log)
    rows[a - 1], rows[b - 1] = rows[b - 1], rows[a - 1]
    rewrite(log, rows)
    bad_at(log, a)


@pytest.mark.parametrize("at", [1, 3, N])
def test_inserting_a_copy_of_an_entry_is_caught_where_inserted(log: AuditLog, at: int) -> None:
    rows = lines(log)
    rows.insert(at, rows[0])  # lands on line at + 1
    rewrite(log, rows)
    assert "copy" in bad_at(log, at + 1).problem


@pytest.mark.parametrize("at", [1, 3, N])
def test_inserting_a_forged_but_well_formed_entry_is_caught(log: AuditLog, at: int) -> None:
    # The forger builds a self-consistent entry that chains onto the one before it and
    # takes the next seq; the displaced genuine entry then clashes with it.
    rows = lines(log)
    prev = json.loads(rows[at - 1])
    forged = {**prev, "seq": at + 1, "who": "mallory", "ts": prev["ts"], "prev_hash": prev["hash"]}
    forged["hash"] = entry_hash(forged)
    rows.insert(at, canonical_json(forged) + "\n")
    rewrite(log, rows)
    bad_at(log, at + 1)


def test_inserting_a_garbage_line_is_caught(log: AuditLog) -> None:
    rows = lines(log)
    rows.insert(2, '{"seq": 3, "who": "mallory"}\n')
    rewrite(log, rows)
    bad_at(log, 3)


def test_rehashed_edit_is_caught_no_later_than_the_edit(log: AuditLog) -> None:
    rows = lines(log)
    e = json.loads(rows[2])
    e["purpose"] = "curiosity"
    e["hash"] = entry_hash(e)
    rows[2] = canonical_json(e) + "\n"
    rewrite(log, rows)
    result = log.verify()
    assert not result.ok and result.first_bad_seq <= 3


def test_wholesale_rewrite_is_caught_by_the_head(log: AuditLog) -> None:
    rows = [json.loads(r) for r in lines(log)]
    prev = GENESIS_HASH
    for e in rows:
        e["prev_hash"] = prev
        if e["seq"] == 2:
            e["who"] = "someone_else"
        e["hash"] = prev = entry_hash(e)
    rewrite(log, [canonical_json(e) + "\n" for e in rows])
    bad_at(log, 1)


def test_wholesale_rewrite_with_head_is_caught_by_an_anchor(log: AuditLog) -> None:
    anchor = log.head()
    rows = [json.loads(r) for r in lines(log)]
    prev = GENESIS_HASH
    for e in rows:
        e["prev_hash"] = prev
        e["who"] = "someone_else"
        e["hash"] = prev = entry_hash(e)
    rewrite(log, [canonical_json(e) + "\n" for e in rows])
    log.head_path.write_text(canonical_json({"seq": N, "hash": prev}) + "\n")
    assert log.verify().ok  # indistinguishable without an outside copy of the head ...
    assert log.verify(anchor=anchor).first_bad_seq == 1  # ... which catches it


def test_anchor_catches_truncation_with_a_rolled_back_head(log: AuditLog) -> None:
    anchor = log.head()
    rows = lines(log)[:-2]
    rewrite(log, rows)
    last = json.loads(rows[-1])
    log.head_path.write_text(canonical_json({"seq": last["seq"], "hash": last["hash"]}) + "\n")
    assert log.verify().ok
    assert log.verify(anchor=anchor).first_bad_seq == N - 1


# One random act of tampering, and the seq verify must name for it.
_edit = st.tuples(st.just("edit"), st.integers(1, N), st.sampled_from(FIELDS))
_delete = st.tuples(st.just("delete"), st.integers(1, N))
_swap = st.tuples(st.just("swap"), st.integers(1, N - 1), st.integers(1, N - 1))
_copy = st.tuples(st.just("copy"), st.integers(1, N), st.integers(0, N))
_truncate = st.tuples(st.just("truncate"), st.integers(1, N))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(_edit, _delete, _swap, _copy, _truncate))
def test_any_single_tampering_is_caught_at_the_right_seq(template: AuditLog, act: tuple) -> None:
    rows = lines(template)
    kind = act[0]
    if kind == "edit":
        _, seq, field = act
        entry = json.loads(rows[seq - 1])
        entry[field] = _changed(entry[field])
        rows[seq - 1] = canonical_json(entry) + "\n"
        expected = seq
    elif kind == "delete":
        _, seq = act
        del rows[seq - 1]
        expected = seq
    elif kind == "swap":
        _, a, gap = act
        b = min(N, a + gap)
        rows[a - 1], rows[b - 1] = rows[b - 1], rows[a - 1]
        expected = a
    elif kind == "copy":
        _, source, at = act
        rows.insert(at, rows[source - 1])  # lands on line at + 1
        # Just before its original, the file is the same as just after it.
        expected = source + 1 if at == source - 1 else at + 1
    else:
        _, keep = act
        rows = rows[: keep - 1]
        expected = keep
    entries = [json.loads(r) for r in rows]
    log = AuditLog(template.path.with_name("tampered.jsonl"))
    rewrite(log, rows)
    log.head_path.write_text(template.head_path.read_text())
    result = log.verify()
    assert not result.ok, (act, [e["seq"] for e in entries])
    assert result.first_bad_seq == expected, (act, result)


# ------------------------------------------------------------ append safeguards
def test_append_refuses_to_continue_a_truncated_log(log: AuditLog) -> None:
    rewrite(log, lines(log)[:-1])
    with pytest.raises(AuditIntegrityError, match="head"):
        add(log)
    assert log.verify().first_bad_seq == N  # and the evidence is left in place


def test_append_refuses_when_the_head_is_missing(log: AuditLog) -> None:
    log.head_path.unlink()
    with pytest.raises(AuditIntegrityError):
        add(log)


def test_append_refuses_after_a_torn_last_line(log: AuditLog) -> None:
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write('{"seq": 7, "who"')
    with pytest.raises(AuditIntegrityError, match="incomplete"):
        add(log)
    assert log.verify().first_bad_seq == N + 1


def test_interrupted_append_is_reported_and_repair_is_audited(log: AuditLog) -> None:
    # Simulate a crash after the line was written but before the head was replaced.
    stale = log.head()
    lost = add(log, 99)
    log.head_path.write_text(canonical_json(stale) + "\n")
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, N + 1)
    assert "interrupted append" in result.problem
    with pytest.raises(AuditIntegrityError, match="repair_head"):
        add(log, 100)
    fix = log.repair_head(who="dpo", agency="LA", reason="audit log maintenance")
    assert fix["seq"] == N + 2 and fix["role"] == "administrator"
    assert fix["what"]["accepted_seq"] == N + 1 and fix["what"]["accepted_hash"] == lost["hash"]
    assert log.verify() == VerifyResult(True, N + 2)
    assert add(log, 101)["seq"] == N + 3


def test_repair_head_refuses_other_damage(log: AuditLog) -> None:
    rewrite(log, lines(log)[:-1])
    with pytest.raises(AuditIntegrityError, match="not an interrupted append"):
        log.repair_head(who="dpo", agency="LA", reason="audit log maintenance")
    log2 = AuditLog(log.path.with_name("clean.jsonl"))
    add(log2)
    with pytest.raises(AuditIntegrityError):
        log2.repair_head(who="dpo", agency="LA", reason="audit log maintenance")


def test_naive_clock_is_refused(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", clock=lambda: datetime(2024, 7, 1, 10, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        add(log)


def test_timestamps_follow_seq_and_are_utc(tmp_path: Path) -> None:
    bst = timezone(timedelta(hours=1))
    log = AuditLog(tmp_path / "a.jsonl", clock=lambda: datetime(2024, 7, 1, 10, 30, tzinfo=bst))
    assert add(log)["ts"] == "2024-07-01T09:30:00.000000+00:00"


# ------------------------------------------------------------------ concurrency
def _worker(path: str, worker: int, count: int) -> None:
    log = AuditLog(path)
    for i in range(count):
        log.append(
            who=f"w{worker}", role="researcher", agency="ICB", purpose="evaluation", action="access",
            what={"persons": [f"P{worker}-{i}"]}, outcome="allowed",
        )


def test_concurrent_appends_from_several_processes_stay_chained(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.jsonl")
    ctx = multiprocessing.get_context("fork")
    workers, count = 4, 25
    procs = [ctx.Process(target=_worker, args=(path, w, count)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    log = AuditLog(path)
    assert log.verify() == VerifyResult(True, workers * count)
    seen = [e["what"]["persons"][0] for e in log.entries()]
    assert sorted(seen) == sorted(f"P{w}-{i}" for w in range(workers) for i in range(count))
    stamps = [e["ts"] for e in log.entries()]
    assert stamps == sorted(stamps)
