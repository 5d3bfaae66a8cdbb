"""Append-only, hash-chained audit log of access to identifiable data.

Every access to identifiable data, export, share decision, review decision,
configuration change and purge is one JSON object on one line of a JSON Lines
file kept *outside* the warehouse (someone who can edit the warehouse should
not thereby be able to edit the record of what they did).

Each entry carries ``prev_hash`` (the previous entry's ``hash``) and ``hash``
(SHA-256 over the canonical JSON of the entry, ``prev_hash`` included), so
editing, deleting, reordering or inserting any entry breaks the chain at that
entry. Deleting entries from the *end* leaves a valid chain, so the newest
``seq`` and ``hash`` are also kept in a small side file ``<path>.head`` that
is rewritten on every append.

What the chain does not stop: someone with write access to both files can
rewrite the whole log and its head consistently. Record :meth:`AuditLog.head`
somewhere they cannot write (the DPO's mailbox, a ticket, the warehouse) and
pass it back as ``verify(anchor=...)`` to close that gap.

Record object ids (person ids, pseudonyms, referral ids) and field names in
``what``, never the identifiable values themselves: the audit log must not
become a second copy of the data it protects.

>>> import tempfile, pathlib
>>> log = AuditLog(pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl")
>>> e = log.append(who="a.khan", role="analyst", agency="LA", purpose="triage",
...                action="access", what={"persons": ["P1"], "fields": ["dob"]},
...                outcome="allowed")
>>> e["seq"], log.verify().ok
(1, True)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

ROLES: tuple[str, ...] = ("analyst", "commissioner", "researcher", "administrator")
# "unknown" is only ever recorded on a refusal: someone acted without stating a role.
_ENTRY_ROLES = (*ROLES, "unknown")
ACTIONS: tuple[str, ...] = (
    "access",
    "export",
    "share_decision",
    "review_decision",
    "config_change",
    "purge",
    "override",
    "subject_access",
)
OUTCOMES: tuple[str, ...] = ("allowed", "denied", "error")

FIELDS: tuple[str, ...] = (
    "seq", "ts", "who", "role", "agency", "purpose", "action", "what", "outcome", "prev_hash", "hash",
)
GENESIS_HASH = "0" * 64
# Domain-separates the entry hash so a hash from some other SHA-256 use can never pass as one.
_HASH_PREFIX = b"mash-audit-v1\n"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class AuditIntegrityError(RuntimeError):
    """The log and its head disagree, so appending would hide tampering.

    Callers should treat this as "audit unavailable" and deny the access they
    were about to record (fail closed).
    """


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :meth:`AuditLog.verify`.

    ``entries`` is how many lines were read. ``first_bad_seq`` is the sequence
    number expected at the first point where the log fails (entries before it
    are intact), or ``None`` when the log is intact; ``problem`` says what failed.
    """

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


def canonical_json(obj: Any) -> str:
    """The one serialisation that is hashed and stored: sorted keys, no spaces, strict JSON.

    >>> canonical_json({"b": 1, "a": [1, "é"]})
    '{"a":[1,"é"],"b":1}'
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an entry's canonical JSON without its own ``hash`` field.

    ``prev_hash`` is part of the hashed content, which is what chains entries.

    >>> len(entry_hash({"seq": 1, "prev_hash": GENESIS_HASH}))
    64
    """
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(_HASH_PREFIX + canonical_json(body).encode("utf-8")).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class AuditLog:
    """An append-only JSON Lines audit log at ``path`` with head file ``<path>.head``.

    ``clock`` returns the current time as an aware datetime (tests inject a fixed
    one); ``actions``/``outcomes`` are the accepted vocabularies -- a typo such as
    ``"acess"`` would otherwise slip past every review filter, so unknown values
    are rejected rather than stored.

    >>> import tempfile, pathlib
    >>> log = AuditLog(pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl")
    >>> log.head() is None
    True
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        actions: Iterable[str] = ACTIONS,
        outcomes: Iterable[str] = OUTCOMES,
    ) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._clock = clock or _utc_now
        self.actions = frozenset(actions)
        self.outcomes = frozenset(outcomes)

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    # ----------------------------------------------------------------- writing
    def append(
        self,
        *,
        who: str,
        role: str,
        agency: str,
        purpose: str,
        action: str,
        what: Mapping[str, Any] | None = None,
        outcome: str,
    ) -> dict[str, Any]:
        """Record one event and return the stored entry (with ``seq`` and ``hash``).

        Serialised across processes with an exclusive ``flock`` on the log file;
        the line is written with one ``write`` in append mode and fsynced before
        the head file is replaced, so a crash loses at most the head update
        (which :meth:`verify` reports and :meth:`repair_head` accepts).

        Raises ``ValueError`` for a bad field and :class:`AuditIntegrityError`
        when the log's last entry disagrees with the head file (truncation).

        >>> import tempfile, pathlib
        >>> log = AuditLog(pathlib.Path(tempfile.mkdtemp()) / "a.jsonl")
        >>> log.append(who="j.doe", role="administrator", agency="LA", purpose="maintenance",
        ...            action="config_change", what={"setting": "threshold"}, outcome="allowed")["seq"]
        1
        """
        body = self._validated(who, role, agency, purpose, action, what, outcome)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last_seq, last_hash = self._tail_state(fd)
            # Timestamp taken under the lock so time order follows seq order.
            now = self._clock()
            if now.tzinfo is None:  # a naive time would be read as server-local and mislabelled
                raise ValueError("clock must return a timezone-aware datetime")
            ts = now.astimezone(timezone.utc).isoformat(timespec="microseconds")
            entry: dict[str, Any] = {"seq": last_seq + 1, "ts": ts, **body, "prev_hash": last_hash}
            entry["hash"] = entry_hash(entry)
            _write_all(fd, (canonical_json(entry) + "\n").encode("utf-8"))
            os.fsync(fd)
            self._write_head(entry["seq"], entry["hash"])
        finally:
            os.close(fd)  # also releases the lock
        return entry

    def _validated(self, who, role, agency, purpose, action, what, outcome) -> dict[str, Any]:
        for name, value in (("who", who), ("agency", agency), ("purpose", purpose)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        if role not in _ENTRY_ROLES or (role == "unknown" and outcome != "denied"):
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        if action not in self.actions:
            raise ValueError(f"action must be one of {sorted(self.actions)}, got {action!r}")
        if outcome not in self.outcomes:
            raise ValueError(f"outcome must be one of {sorted(self.outcomes)}, got {outcome!r}")
        what = {} if what is None else what
        if not isinstance(what, Mapping):
            raise ValueError(f"what must be a mapping (object ids and fields), got {type(what).__name__}")
        try:
            # Round-trip so the returned entry is exactly what is stored and re-hashed on verify
            # (tuples become lists, int keys become strings; NaN and objects are refused).
            what = json.loads(canonical_json(dict(what)))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"what must be JSON-serialisable: {exc}") from None
        return {
            "who": who.strip(), "role": role, "agency": agency.strip(), "purpose": purpose.strip(),
            "action": action, "what": what, "outcome": outcome,
        }

    def _tail_state(self, fd: int) -> tuple[int, str]:
        """(seq, hash) to chain the next entry onto, after checking the tail against the head."""
        raw = _last_line(fd)
        head = self.head()
        if head is None:
            if raw is not None:
                raise AuditIntegrityError(f"{self.head_path} is missing but {self.path} has entries")
            # A genesis head first, so that from now on a missing head always means tampering.
            self._write_head(0, GENESIS_HASH)
            return 0, GENESIS_HASH
        head_seq, head_hash = head["seq"], head["hash"]
        if raw is None:
            if head_seq != 0:
                raise AuditIntegrityError(f"{self.path} is empty but its head records seq {head_seq}")
            return 0, GENESIS_HASH
        if not raw.endswith(b"\n"):
            raise AuditIntegrityError(f"{self.path} ends with an incomplete line (interrupted write?)")
        try:
            last = json.loads(raw)
            seq, hsh, prev = last["seq"], last["hash"], last["prev_hash"]
        except (ValueError, KeyError, TypeError):
            raise AuditIntegrityError(f"the last line of {self.path} is not an audit entry") from None
        if seq == head_seq and hsh == head_hash:
            return seq, hsh
        if seq == head_seq + 1 and prev == head_hash:
            # An append crashed between its line and the head -- or someone added a line by
            # hand. Continuing would make that entry look genuine, so an administrator decides.
            raise AuditIntegrityError(
                f"entry {seq} of {self.path} is not covered by its head (interrupted append, or added "
                "outside AuditLog); check it, then call repair_head()"
            )
        raise AuditIntegrityError(
            f"{self.path} ends at seq {seq} but its head records seq {head_seq}: entries removed or head altered"
        )

    def _write_head(self, seq: int, hsh: str) -> None:
        # Write-then-rename so a reader never sees a half-written head; fsync the directory
        # so the rename itself survives a crash.
        tmp = self.head_path.with_name(self.head_path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, (canonical_json({"seq": seq, "hash": hsh}) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.head_path)
        dfd = os.open(self.head_path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)

    def repair_head(self, *, who: str, agency: str, reason: str) -> dict[str, Any]:
        """Accept the one entry an interrupted append left past the head, and audit that.

        Only when the chain is otherwise intact. The acceptance is appended as an
        administrator ``config_change`` naming the accepted entry, so the repair
        is itself on the record. Returns that new entry.
        """
        result = self.verify()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            head, raw = self.head(), _last_line(fd)
            last = json.loads(raw) if raw and raw.endswith(b"\n") else None
            if not (
                head and last and not result.ok
                and result.entries == result.first_bad_seq == last["seq"] == head["seq"] + 1
                and last["prev_hash"] == head["hash"]
            ):
                raise AuditIntegrityError(f"not an interrupted append; verify() says: {result.problem}")
            self._write_head(last["seq"], last["hash"])
        finally:
            os.close(fd)
        return self.append(
            who=who, role="administrator", agency=agency, purpose=reason, action="config_change",
            what={"audit_log": "head repaired", "accepted_seq": last["seq"], "accepted_hash": last["hash"]},
            outcome="allowed",
        )

    # ----------------------------------------------------------------- reading
    def head(self) -> dict[str, Any] | None:
        """``{"seq": n, "hash": h}`` of the newest entry, or ``None`` for a new log.

        Copy it somewhere the log's writers cannot edit, and pass it to
        :meth:`verify` later as ``anchor`` to detect a wholesale rewrite.
        """
        try:
            text = self.head_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            head = json.loads(text)
            if isinstance(head["seq"], int) and _HEX64.match(head["hash"]):
                return {"seq": head["seq"], "hash": head["hash"]}
        except (ValueError, KeyError, TypeError):
            pass
        raise AuditIntegrityError(f"{self.head_path} is not a valid head file")

    def entries(self) -> list[dict[str, Any]]:
        """Every entry as a dict, in file order, without checking the chain (see :meth:`verify`)."""
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
            return [json.loads(line) for line in fh if line.strip()]

    def verify(self, anchor: Mapping[str, Any] | None = None) -> VerifyResult:
        """Check the whole chain and the head; report where it first fails.

        Detects an edited field (the entry no longer matches its hash), a deleted,
        inserted, duplicated or reordered entry (seq or ``prev_hash`` out of step)
        and a truncated tail (the head records a later entry). ``first_bad_seq``
        is chosen so that every entry before it is proven intact. ``anchor`` is
        an earlier :meth:`head` kept elsewhere; the entry with that seq must
        still have that hash.

        >>> import tempfile, pathlib
        >>> AuditLog(pathlib.Path(tempfile.mkdtemp()) / "none.jsonl").verify()
        VerifyResult(ok=True, entries=0, first_bad_seq=None, problem=None)
        """
        try:
            head = self.head()
        except AuditIntegrityError as exc:
            head, head_problem = None, str(exc)
        else:
            head_problem = None
        if not self.path.exists():
            if head_problem or (head and head["seq"] > 0):
                return VerifyResult(False, 0, 1, "log file is missing but its head records entries")
            return VerifyResult(True, 0)

        with open(self.path, "rb") as fh:
            # Shared lock: an append in progress finishes (log and head) before we read.
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
            if head_problem is None:  # re-read under the lock for a consistent pair
                try:
                    head = self.head()
                except AuditIntegrityError as exc:
                    head_problem = str(exc)
            n, prev_hash = 0, GENESIS_HASH
            hashes_at = {0: GENESIS_HASH}  # only for the seqs the head and anchor name
            wanted = {head["seq"] if head else -1, anchor["seq"] if anchor else -1}
            for n, raw in enumerate(fh, start=1):
                bad = _check_line(raw, n, prev_hash, lambda s: _hash_on_line(self.path, s))
                if bad:
                    return VerifyResult(False, n, bad[0], bad[1])
                prev_hash = json.loads(raw)["hash"]
                if n in wanted:
                    hashes_at[n] = prev_hash
        if anchor and hashes_at.get(anchor["seq"]) != anchor["hash"]:
            if anchor["seq"] > n:
                return VerifyResult(False, n, n + 1, f"anchored entry {anchor['seq']} is missing: log truncated")
            return VerifyResult(
                False, n, 1, f"entry {anchor['seq']} no longer has the anchored hash: log rewritten at or before it"
            )
        return _check_end(n, hashes_at, head, head_problem)

    # ------------------------------------------------------------------ review
    def report(self, allowed_purposes: Mapping[str, Iterable[str]], **options: Any) -> pd.DataFrame:
        """Access volumes by day/user/role/action with review flags.

        See :func:`mash.governance.audit_review.access_report` for the options and columns.
        """
        from mash.governance.audit_review import access_report

        return access_report(self.entries(), allowed_purposes, **options)

    def exceptions(self, allowed_purposes: Mapping[str, Iterable[str]], **options: Any) -> pd.DataFrame:
        """One row per flagged entry (out of purpose, out of hours, too many persons, denied).

        See :func:`mash.governance.audit_review.flagged_entries`.
        """
        from mash.governance.audit_review import flagged_entries

        return flagged_entries(self.entries(), allowed_purposes, **options)


# ---------------------------------------------------------------------- helpers
def _check_line(
    raw: bytes, n: int, prev_hash: str, hash_on_line: Callable[[int], str | None]
) -> tuple[int, str] | None:
    """``(first_bad_seq, problem)`` if line ``n`` does not link onto ``prev_hash``, else ``None``.

    The entry's own hash is checked first, so a plain edit of any field (seq and
    hashes included) is reported at the edited entry.
    """
    if not raw.endswith(b"\n"):
        return n, f"line {n} is incomplete (interrupted write or truncation)"
    try:
        entry = json.loads(raw)
    except ValueError:
        return n, f"line {n} is not valid JSON: inserted or damaged"
    if not isinstance(entry, dict) or set(entry) != set(FIELDS):
        return n, f"line {n} does not have exactly the audit fields: inserted or damaged"
    if entry["hash"] != entry_hash(entry):
        return n, f"entry on line {n} does not match its hash: edited"
    seq = entry["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool):
        return n, f"line {n} has a non-integer seq"
    if seq > n:
        return n, f"entry {n} is missing (line {n} holds entry {seq}): deleted or reordered"
    if seq < n:
        if entry["hash"] == hash_on_line(seq):
            return n, f"line {n} repeats entry {seq}: inserted copy"
        # Two different, self-consistent entries claim seq: one of them was forged and
        # nothing says which, so the earlier one is suspect too.
        return seq, f"line {n} is a second, different entry {seq}: inserted or forged"
    if entry["prev_hash"] != prev_hash:
        # This entry is self-consistent, so its prev_hash is what entry n-1 hashed to when
        # it was written: either entry n-1 was edited and re-hashed, or this one was forged.
        return max(n - 1, 1), (
            f"entry {n} does not chain onto entry {n - 1}: entry {n - 1} edited and re-hashed, "
            f"or entry {n} inserted"
        )
    return None


def _hash_on_line(path: Path, line_no: int) -> str | None:
    """The ``hash`` recorded on line ``line_no`` (only read when verify finds a problem)."""
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if n == line_no:
                try:
                    return json.loads(raw).get("hash")
                except (ValueError, AttributeError):
                    return None
    return None


def _check_end(
    n: int, hashes_at: Mapping[int, str], head: Mapping[str, Any] | None, head_problem: str | None
) -> VerifyResult:
    """Compare the end of a chain that links through entry ``n`` with the head file.

    ``hashes_at`` maps seq -> hash for the head's seq (0 is the genesis hash).
    """
    if head_problem:
        return VerifyResult(False, n, n + 1, head_problem)
    if head is None:
        # append() writes a genesis head before the first entry, so a missing head
        # beside a non-empty log means it was deleted (perhaps to hide a truncation).
        if n == 0:
            return VerifyResult(True, 0)
        return VerifyResult(False, n, n + 1, "head file is missing: the tail of the log may have been removed")
    if head["seq"] > n:
        return VerifyResult(
            False, n, n + 1, f"log ends at entry {n} but its head records entry {head['seq']}: truncated"
        )
    if hashes_at.get(head["seq"]) != head["hash"]:
        # The chain links, so it was recomputed after an edit; the head cannot say where.
        return VerifyResult(
            False, n, 1, f"entry {head['seq']} does not match the head hash: log rewritten (location unknown)"
        )
    if head["seq"] == n:
        return VerifyResult(True, n)
    return VerifyResult(
        False, n, head["seq"] + 1,
        f"head records entry {head['seq']} but the log runs to {n}: entries added outside AuditLog"
        + (" or an interrupted append (see repair_head)" if head["seq"] == n - 1 else ""),
    )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _last_line(fd: int, chunk: int = 8192) -> bytes | None:
    """The final line of the file (with its newline, if any), read backwards from the end."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    end, buf = size, b""
    while end > 0:
        start = max(0, end - chunk)
        buf = os.pread(fd, end - start, start) + buf
        end = start
        # Look for a newline before the final byte: that marks the start of the last line.
        cut = buf.rfind(b"\n", 0, len(buf) - 1)
        if cut >= 0:
            return buf[cut + 1:]
    return buf


def iter_entries(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Stream entries from a log file without loading it all (no chain check).

    >>> list(iter_entries("/nonexistent/audit.jsonl"))
    []
    """
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return
    with fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
