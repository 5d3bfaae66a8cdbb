"""Stable person ids across runs: link new mentions to an existing index.

``link_new(index, new_mentions)`` links a batch of new mentions to the persons
already in a :class:`PersonIndex` *without renumbering anyone*:

* new mentions are blocked against the existing mentions with the same rules
  (a DuckDB join of the batch against the index) and against each other;
* pairs are scored with the index's trained model (its settings, m, u, prior
  and term-frequency tables), so a score means the same as in the batch run;
* a new mention joins the person it links to; a link is dropped if the
  mention conflicts (NHS, sex, DOB far apart, twins, named in one notification) with ANY mention of that
  person, not only the one it was compared with;
* mentions that link to nobody get new ids, numbered after the highest id
  ever issued (ids are never reused);
* a new mention that links two existing persons merges them when no
  conflict exists between their mentions: the lower id survives and the merge
  is recorded in ``index.events`` with the reason; with a conflict the
  mention joins the person its evidence favours at the match threshold's odds
  (as in batch clustering), or else gets a new id, and the pair of persons is
  logged for review.

Reviewer decisions are applied with :func:`apply_decisions` (must-link merges,
cannot-link splits), also logged in ``index.events``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from matching.blocking import block, block_between, parse_rule
from matching.clustering import _greedy_constrained, describe_conflicts, pair_conflicts
from matching.comparisons import FeatureArrays, compare_pairs
from matching.model import ModelParameters, score, value_shares_from_tables
from matching.prepare import prepare_records
from matching.review import validate_decisions
from matching.settings import LinkSettings

EVENT_COLUMNS = ["at", "event", "person_id", "other_person_id", "record_id", "reason"]


def _person_number(pid: str, prefix: str) -> int:
    return int(pid[len(prefix):]) if pid.startswith(prefix) and pid[len(prefix):].isdigit() else 0


@dataclass
class PersonIndex:
    """Persons and their standardised mentions, with the model that linked them.

    ``features`` has one row per mention (``_row`` is its position) and a
    ``person_id`` column; ``events`` is the log of merges, splits and review
    flags; ``next_number`` is the next person number to issue.
    """

    settings: LinkSettings
    params: ModelParameters
    features: pd.DataFrame
    next_number: int
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVENT_COLUMNS))
    prefix: str = "P"
    _arrow: pa.Table | None = None

    # --- construction and persistence ------------------------------------------------

    @classmethod
    def from_result(cls, result) -> PersonIndex:
        """Index from a :class:`~matching.api.LinkResult` (ids as issued by that run)."""
        f = result.features.copy()
        f["person_id"] = result.clusters["person_id"].to_numpy()
        numbers = [_person_number(p, "P") for p in np.unique(f["person_id"])]
        return cls(result.settings, result.params, f, (max(numbers) if numbers else 0) + 1)

    def _blocking_table(self) -> pa.Table:
        """Arrow copy of the blocking columns (DuckDB scans Arrow without copying)."""
        if self._arrow is None or self._arrow.num_rows != len(self.features):
            cols = {"_row"} | set().union(*(parse_rule(r).columns() for r in self.settings.blocking_rules))
            sub = self.features[[c for c in sorted(cols) if c in self.features.columns]]
            self._arrow = pa.Table.from_pandas(sub, preserve_index=False)
        return self._arrow

    def save(self, directory: str | Path) -> None:
        """Write the index to a directory (parquet + JSON)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.features.to_parquet(d / "mentions.parquet", index=False)
        self.events.astype(str).to_parquet(d / "events.parquet", index=False)
        self.settings.save(d / "settings.json")
        self.params.save(d / "model.json")
        (d / "index.json").write_text(json.dumps({"next_number": self.next_number, "prefix": self.prefix}))

    @classmethod
    def load(cls, directory: str | Path) -> PersonIndex:
        """Read an index written by :meth:`save`."""
        d = Path(directory)
        meta = json.loads((d / "index.json").read_text())
        features = pd.read_parquet(d / "mentions.parquet")
        for c in features.columns:
            if features[c].dtype == object or str(features[c].dtype) in ("str", "string"):
                features[c] = features[c].astype(object).where(features[c].notna(), None)
        return cls(LinkSettings.load(d / "settings.json"), ModelParameters.load(d / "model.json"), features,
                   meta["next_number"], pd.read_parquet(d / "events.parquet"), meta["prefix"])

    # --- helpers ------------------------------------------------------------------------

    def persons(self) -> pd.DataFrame:
        """``record_id, person_id, cluster_size`` for every mention in the index."""
        sizes = self.features["person_id"].map(self.features["person_id"].value_counts())
        return pd.DataFrame({"record_id": self.features["record_id"].to_numpy(),
                             "person_id": self.features["person_id"].to_numpy(),
                             "cluster_size": sizes.to_numpy(dtype=np.int64)})

    def _new_id(self) -> str:
        pid = f"{self.prefix}{self.next_number:08d}"
        self.next_number += 1
        return pid

    def _log(self, event: str, person_id: str, other: str = "", record_id: str = "", reason: str = "") -> None:
        row = pd.DataFrame([{"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "event": event, "person_id": person_id,
                             "other_person_id": other, "record_id": record_id, "reason": reason}])
        self.events = row if self.events.empty else pd.concat([self.events, row], ignore_index=True)


def _score_pairs(index: PersonIndex, frame: pd.DataFrame, a: np.ndarray, b: np.ndarray):
    fa = FeatureArrays(frame)
    compared = compare_pairs(index.settings, fa, a, b)
    shares = value_shares_from_tables(index.settings, index.params, fa)
    scored = score(index.settings, index.params, compared, shares)
    conflicts = pair_conflicts(index.settings, fa, a, b)
    return scored, conflicts


def _person_conflicts(index: PersonIndex, frame: pd.DataFrame, rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
    if len(rows_a) == 0:
        return np.zeros(0, np.int16)
    return pair_conflicts(index.settings, FeatureArrays(frame), rows_a, rows_b)


def link_new(index: PersonIndex, new_mentions: pd.DataFrame, threshold: float | None = None,
             merge_persons: bool = True) -> tuple[PersonIndex, pd.DataFrame]:
    """Link new mentions to an index; returns the (updated, same object) index and the assignments.

    Assignments: ``record_id, person_id, status`` (``linked``, ``new`` or
    ``merged``), ``probability`` (best link, NaN for new) and ``matched_record_id``.

    >>> index, assigned = link_new(index, todays_mentions)  # doctest: +SKIP
    """
    s = index.settings
    t = s.match_threshold if threshold is None else float(threshold)
    new_f = prepare_records(new_mentions, dob_min_year=s.dob_min_year)
    clash = set(new_f["record_id"]) & set(index.features["record_id"])
    if clash:
        raise ValueError(f"record_id already in the index: {sorted(clash)[:5]}")
    m = len(new_f)
    n_old = len(index.features)

    cp_old = block_between(new_f, index._blocking_table(), s.blocking_rules) if n_old else None
    cp_new = block(new_f, s.blocking_rules) if m > 1 else None
    old_rows = np.unique(cp_old.row_r) if cp_old is not None and len(cp_old) else np.empty(0, np.int64)
    # Small working frame: the new mentions, then the existing mentions they were blocked with.
    frame = pd.concat([new_f.drop(columns=["_row"]),
                       index.features.iloc[old_rows].drop(columns=["_row", "person_id"])], ignore_index=True)
    frame.insert(0, "_row", np.arange(len(frame)))
    pos_old = pd.Series(np.arange(m, m + len(old_rows)), index=old_rows)

    a_parts, b_parts = [], []
    if cp_new is not None and len(cp_new):
        a_parts.append(cp_new.row_l); b_parts.append(cp_new.row_r)
    if cp_old is not None and len(cp_old):
        a_parts.append(cp_old.row_l); b_parts.append(pos_old.loc[cp_old.row_r].to_numpy())
    a = np.concatenate(a_parts) if a_parts else np.empty(0, np.int64)
    b = np.concatenate(b_parts) if b_parts else np.empty(0, np.int64)
    person_of_frame = np.r_[np.full(m, "", dtype=object),
                            index.features["person_id"].to_numpy(dtype=object)[old_rows]]
    if len(a):
        scored, conflicts = _score_pairs(index, frame, a, b)
        prob = scored.probability
        ok = (prob >= t) & (conflicts == 0)
    else:
        prob = np.empty(0)
        ok = np.empty(0, bool)

    # A new mention may join a person only if it conflicts with none of its mentions.
    to_old = ok & (b >= m)
    if to_old.any():
        cand_persons = np.unique(person_of_frame[b[to_old]])
        members = index.features.index[index.features["person_id"].isin(cand_persons)].to_numpy()
        mem_frame = pd.concat([new_f.drop(columns=["_row"]),
                               index.features.iloc[members].drop(columns=["_row", "person_id"])], ignore_index=True)
        mem_frame.insert(0, "_row", np.arange(len(mem_frame)))
        mem_person = index.features["person_id"].to_numpy(dtype=object)[members]
        by_person = pd.Series(np.arange(m, m + len(members))).groupby(mem_person).apply(list).to_dict()
        ea, eb = [], []
        for x, pid in zip(a[to_old], person_of_frame[b[to_old]]):
            for y in by_person[pid]:
                ea.append(x); eb.append(y)
        bad = _person_conflicts(index, mem_frame, np.asarray(ea), np.asarray(eb)) != 0
        bad_pairs = {(x, person_of_frame_y) for x, person_of_frame_y, is_bad in
                     zip(ea, mem_person[np.asarray(eb) - m], bad) if is_bad}
        if bad_pairs:
            keep = np.array([(x, pid) not in bad_pairs for x, pid in zip(a, person_of_frame[b])], dtype=bool)
            ok &= keep | (b < m)

    # Union-find over new mentions (0..m-1) and persons (m.. by id).
    persons = sorted(set(person_of_frame[b[ok & (b >= m)]])) if ok.any() else []
    pnode = {p: m + i for i, p in enumerate(persons)}
    parent = list(range(m + len(persons)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    best: dict[int, tuple[float, int]] = {}
    weight_to: dict[str, float] = {}  # existing person -> strongest link weight from this batch
    order = np.argsort(-prob[ok], kind="stable") if ok.any() else np.empty(0, np.int64)
    oa, ob, op = a[ok][order], b[ok][order], prob[ok][order]
    ow = scored.match_weight[ok][order] if ok.any() else np.empty(0)
    for x, y, p, w in zip(oa.tolist(), ob.tolist(), op.tolist(), ow.tolist()):
        ny = pnode[person_of_frame[y]] if y >= m else y
        if y >= m:
            weight_to[person_of_frame[y]] = max(weight_to.get(person_of_frame[y], -np.inf), w)
        rx, ry = find(x), find(ny)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
        for node, other in ((x, y), (y, x)):
            if node < m and (node not in best or p > best[node][0]):
                best[node] = (p, other)
    # as in batch clustering: a mention goes to one of two persons kept apart only when the evidence
    # favours that one at the match threshold's odds (matching.clustering.contested_edges)
    tc = min(max(t, 0.5), 1 - 1e-9)
    margin = float(np.log2(tc / (1 - tc)))

    groups: dict[int, list[int]] = {}
    for node in range(m + len(persons)):
        groups.setdefault(find(node), []).append(node)
    assigned = np.empty(m, dtype=object)
    status = np.full(m, "linked", dtype=object)
    rid_frame = frame["record_id"].to_numpy(dtype=object)
    for root in sorted(groups, key=lambda r: min(groups[r])):
        nodes = groups[root]
        new_nodes = [x for x in nodes if x < m]
        linked_persons = sorted(persons[x - m] for x in nodes if x >= m)
        if not new_nodes:
            continue
        if not linked_persons:
            pid = index._new_id()
            status[new_nodes] = "new"
        elif len(linked_persons) == 1:
            pid = linked_persons[0]
        else:
            pid = linked_persons[0]  # the lowest (oldest) id survives
            reason = "; ".join(f"{rid_frame[x]} links {p}" for x in new_nodes for p in linked_persons
                               if x in best)
            if merge_persons and _can_merge(index, linked_persons):
                for other in linked_persons[1:]:
                    index.features.loc[index.features["person_id"] == other, "person_id"] = pid
                    index._log("merge", pid, other, ",".join(rid_frame[new_nodes]),
                               f"new mention(s) link both persons: {reason}"[:500])
                status[new_nodes] = "merged"
            else:
                ranked = sorted(linked_persons, key=lambda q: (-weight_to.get(q, -np.inf), q))
                w1, w2 = weight_to.get(ranked[0], -np.inf), weight_to.get(ranked[1], -np.inf)
                if w1 - w2 >= margin:
                    pid = ranked[0]
                    for other in ranked[1:]:
                        index._log("review_merge", pid, other, ",".join(rid_frame[new_nodes]),
                                   "new mention links two persons whose mentions conflict; not merged, joined "
                                   "the one its evidence favours")
                else:
                    pid = index._new_id()
                    status[new_nodes] = "new"
                    for other in ranked:
                        index._log("review_ambiguous", pid, other, ",".join(rid_frame[new_nodes]),
                                   "new mention links two persons whose mentions conflict, about equally; "
                                   "given a new id for a reviewer to place")
        assigned[new_nodes] = pid
    probs = np.array([best[i][0] if i in best else np.nan for i in range(m)])
    matched = np.array([rid_frame[best[i][1]] if i in best else None for i in range(m)], dtype=object)

    new_f = new_f.copy()
    new_f["_row"] = np.arange(n_old, n_old + m)
    new_f["person_id"] = assigned
    index.features = pd.concat([index.features, new_f], ignore_index=True)
    index._arrow = None if index._arrow is None else pa.concat_tables(
        [index._arrow, pa.Table.from_pandas(new_f[index._arrow.column_names], preserve_index=False)
         .cast(index._arrow.schema, safe=False)])
    out = pd.DataFrame({"record_id": new_f["record_id"].to_numpy(), "person_id": assigned, "status": status,
                        "probability": probs, "matched_record_id": matched})
    return index, out


def _can_merge(index: PersonIndex, person_ids: list[str]) -> bool:
    """True when no mention of one person conflicts with a mention of another."""
    f = index.features
    rows = f.index[f["person_id"].isin(person_ids)].to_numpy()
    if len(rows) > 2000:
        return False  # too large to check every pair: leave it to a reviewer
    sub = f.iloc[rows].reset_index(drop=True).copy()
    sub["_row"] = np.arange(len(sub))
    pid = sub["person_id"].to_numpy(dtype=object)
    ia, ib = np.triu_indices(len(sub), k=1)
    cross = pid[ia] != pid[ib]
    conflicts = pair_conflicts(index.settings, FeatureArrays(sub), ia[cross], ib[cross])
    return not (conflicts != 0).any()


def apply_decisions(index: PersonIndex, decisions: pd.DataFrame) -> PersonIndex:
    """Apply reviewer decisions to an index: must-link merges two persons (the lower
    id survives), cannot-link splits a person so the two mentions end up apart (the
    part holding the person's first mention keeps the id). Logged in ``events``.
    """
    d = validate_decisions(decisions)
    f = index.features
    pos = pd.Series(np.arange(len(f)), index=f["record_id"].to_numpy())
    for row in d.itertuples():
        if row.record_id_l not in pos.index or row.record_id_r not in pos.index:
            continue
        pa_, pb_ = f.at[pos[row.record_id_l], "person_id"], f.at[pos[row.record_id_r], "person_id"]
        why = f"reviewer {row.reviewer}: {row.reason}".strip(": ")
        if row.decision == "must_link" and pa_ != pb_:
            keep, gone = sorted([pa_, pb_])
            f.loc[f["person_id"] == gone, "person_id"] = keep
            index._log("merge", keep, gone, f"{row.record_id_l},{row.record_id_r}", why or "reviewer must-link")
        elif row.decision == "cannot_link" and pa_ == pb_:
            _split_person(index, pa_, [(row.record_id_l, row.record_id_r)], why or "reviewer cannot-link")
    index._arrow = None
    return index


def _split_person(index: PersonIndex, person_id: str, cannot: list[tuple[str, str]], reason: str) -> None:
    f = index.features
    rows = f.index[f["person_id"] == person_id].to_numpy()
    sub = f.iloc[rows].reset_index(drop=True).copy()
    sub["_row"] = np.arange(len(sub))
    ia, ib = np.triu_indices(len(sub), k=1)
    scored, conflicts = _score_pairs(index, sub, ia, ib)
    rid = sub["record_id"].to_numpy(dtype=object)
    local = {r: i for i, r in enumerate(rid)}
    cannot_local = {(local[x], local[y]) for x, y in cannot if x in local and y in local}
    cannot_local |= {(int(x), int(y)) for x, y, c in zip(ia, ib, conflicts) if c}
    ok = scored.probability >= index.settings.match_threshold
    edges = [(w, int(x), int(y)) for w, x, y in zip(scored.match_weight[ok], ia[ok], ib[ok])]
    roots = _greedy_constrained(np.arange(len(sub)), edges, cannot_local)
    groups: dict[int, list[int]] = {}
    for node, root in roots.items():
        groups.setdefault(root, []).append(node)
    ordered = sorted(groups.values(), key=min)
    for g in ordered[1:]:
        new_pid = index._new_id()
        f.loc[rows[np.asarray(g)], "person_id"] = new_pid
        index._log("split", person_id, new_pid, ",".join(rid[g]), reason)


__all__ = ["PersonIndex", "link_new", "apply_decisions", "describe_conflicts"]
