"""Clustering pair links into persons without chaining strangers together.

1. Links are the pairs at or above the match threshold that carry no
   *conflict* (below), plus reviewer must-links, minus reviewer cannot-links.
2. Connected components of the links (vectorised union-find).
3. Every component of 3 or more records (up to ``max_cluster_check_size``) has
   ALL its internal pairs checked for conflicts, not only the blocked ones: a
   chain A-B-C can join two records (A, C) that were never compared.
   Pairs whose match weight is below ``cannot_link_below_weight`` (a
   million-to-one against) count as conflicts too.
4. A component holding a conflict is re-clustered greedily: links are taken
   strongest first (reviewer must-links before all) and a link is skipped when
   it would put two conflicting records in one person. Components without a
   conflict are left as they are.

Conflicts (``ConflictRules`` in the settings), each an explicit reason:

* ``nhs`` / ``upn`` / ``pnc``: both records hold a *valid* identifier and they differ;
* ``co_mentioned``: both named in one notification (input column ``group_id``): one
  notification does not list the same person twice, so these are two people (twins, a father
  and son with the same name, named side by side);
* ``sex``: both recorded as M/F and different, and the forenames are not one name
  (the same forename with a different sex is taken as a recording slip);
* ``dob_far``: dates of birth at least ``dob_years_apart`` (1) years apart that also differ
  in day or month and are not one mistyped or two transposed digits of each other: a slip
  changes one part of a date (a day, a year, a digit), so these are two people (father and son
  with the same name a generation apart; namesake adults at one address a few years apart);
* ``twins``: same date of birth and surname, and forenames that are two different names, not
  one name written twice (:func:`one_forename`: a slip, a nickname or variant, a slip in a
  nickname, a fragment; Oklie / Olivia, Pepe / José and Aa / Ava are one name).

``sex``, ``dob_far`` and ``twins`` are waived when the two records share an identifier
(a valid NHS/UPN/PNC/NI number, or la_id/other_id equal or one edit apart):
a father and son, or twins, do not share one; a mistyped record does. ``dob_far`` and
``twins`` are also tested against each run's data (:mod:`matching.premises`): data whose
duplicates carry wholly different forenames or dates of birth (FEBRL's generator replaces
whole values) switch them off, with the figures in the settings.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from matching.comparisons import FeatureArrays, _pair_similarity
from matching.settings import LinkSettings

CONFLICT_BITS = {"nhs": 1, "upn": 2, "pnc": 4, "sex": 8, "dob_far": 16, "twins": 32, "weak": 64, "reviewer": 128,
                 "co_mentioned": 256}


def describe_conflicts(code: int) -> list[str]:
    """Names of the conflicts in a bitmask.

    >>> describe_conflicts(1 | 16)
    ['nhs', 'dob_far']
    """
    return [name for name, bit in CONFLICT_BITS.items() if code & bit]


def _different_valid(fa: FeatureArrays, col: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if col not in fa.features.columns:
        return np.zeros(len(a), bool)
    c = fa.codes(col)
    return (c[a] >= 0) & (c[b] >= 0) & (c[a] != c[b])


def _same(fa: FeatureArrays, col: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if col not in fa.features.columns:
        return np.zeros(len(a), bool)
    c = fa.codes(col)
    return (c[a] >= 0) & (c[a] == c[b])


def _shared_identifier(fa: FeatureArrays, a: np.ndarray, b: np.ndarray, memo: dict) -> np.ndarray:
    """A valid checked identifier in common, or a free identifier (la_id, other_id)
    equal or one edit apart: what tells a person with a mistyped DOB or forename
    from a twin or a father with the same name."""
    out = np.zeros(len(a), bool)
    for col in ("nhs_valid_number", "upn_valid_number", "pnc_valid_number", "ni_valid_number"):
        out |= _same(fa, col, a, b)
    for col in ("la_id", "other_id"):
        if col in fa.features.columns:
            c = fa.codes(col)
            ok = (c[a] >= 0) & (c[b] >= 0)
            if ok.any():
                d = _pair_similarity(fa, col, "damerau_levenshtein", c[a][ok], c[b][ok], memo)
                out[np.nonzero(ok)[0][d <= 1]] = True
    return out


def one_forename(fa: FeatureArrays, a: np.ndarray, b: np.ndarray, memo: dict | None = None,
                 jw: float = 0.80) -> np.ndarray:
    """For record pairs (a[i], b[i]) whose forenames are both known: could the two be ONE name written
    twice? True for the same name; a slip (Jaro-Winkler >= ``jw``, or one edit: Aa / Ava); the same
    sound (metaphone); a listed nickname or spelling variant (Bill / William, Kuba / Jakub); a slip in
    a nickname or variant (Oklie / Olivia via Ollie, Viicki / Victoria via Vicki); a fragment (an
    initial, or a truncation the other name starts with: Mo / Mohammed, Chris / Christopher).
    False otherwise, and where either forename is missing.

    Vectorised: similarities with rapidfuzz ``cpdist`` on the pairs and on the pairs exploded over
    the (few) related names of each distinct forename.
    """
    memo = {} if memo is None else memo
    fn = fa.codes("first_name")
    ca, cb = fn[a], fn[b]
    known = (ca >= 0) & (cb >= 0)
    out = known & (ca == cb)
    todo = np.nonzero(known & ~out)[0]
    if not len(todo):
        return out
    vocab = fa.vocab_array("first_name")
    v = np.int64(len(vocab))
    # Decided once per distinct pair of names (a household's pairs repeat them), then spread back.
    keys = fn[a[todo]].astype(np.int64) * v + fn[b[todo]]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rep = todo[first]
    out[todo] = _one_forename_distinct(fa, a[rep], b[rep], memo, jw)[inverse.ravel()]
    return out


def _one_forename_distinct(fa: FeatureArrays, a: np.ndarray, b: np.ndarray, memo: dict, jw: float) -> np.ndarray:
    """:func:`one_forename` for pairs with two known, different forenames."""
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

    from matching.name_variants import related_names

    fn = fa.codes("first_name")
    ca, cb = fn[a], fn[b]
    vocab = fa.vocab_array("first_name")
    sa, sb = vocab[ca], vocab[cb]
    same = _pair_similarity(fa, "first_name", "jaro_winkler", ca, cb, memo) >= jw
    same |= _pair_similarity(fa, "first_name", "damerau_levenshtein", ca, cb, memo) <= 1
    v = np.int64(len(vocab))
    same |= np.isin(ca.astype(np.int64) * v + cb, fa.variant_keys("first_name"))
    if "first_name_dm" in fa.features.columns:
        same |= _same(fa, "first_name_dm", a, b)
    ua, ub = sa.astype(str), sb.astype(str)
    la, lb = np.char.str_len(ua), np.char.str_len(ub)
    short, long_ = np.where(la <= lb, ua, ub), np.where(la <= lb, ub, ua)
    same |= np.char.startswith(long_, short)  # a truncation: Chris / Christopher
    same |= (np.minimum(la, lb) <= 2) & (short.astype("<U1") == long_.astype("<U1"))  # an initial: Mo, Aa
    rest = np.nonzero(~same)[0]
    if len(rest):
        # a slip in a nickname or variant of the other name: compare each name with the other's relatives
        codes = np.unique(np.r_[ca[rest], cb[rest]])
        rel = [sorted(related_names(vocab[c])) for c in codes.tolist()]  # one call per distinct name
        lens = np.array([len(r) for r in rel], dtype=np.int64)
        flat = np.array([x for r in rel for x in r] + [""], dtype=object)
        starts = np.r_[0, np.cumsum(lens)[:-1]]
        hit = np.zeros(len(rest), dtype=bool)
        for mine, theirs in ((sa[rest], cb[rest]), (sb[rest], ca[rest])):
            pos = np.searchsorted(codes, theirs)
            n_rep = lens[pos]
            if not n_rep.sum():
                continue
            owner = np.repeat(np.arange(len(rest)), n_rep)
            offset = np.arange(n_rep.sum()) - np.repeat(np.cumsum(n_rep) - n_rep, n_rep)
            relatives = flat[np.repeat(starts[pos], n_rep) + offset].tolist()
            left = mine[owner].tolist()
            close = process.cpdist(left, relatives, scorer=JaroWinkler.normalized_similarity, workers=-1) >= jw
            close |= process.cpdist(left, relatives, scorer=DamerauLevenshtein.distance, workers=-1) <= 1
            np.logical_or.at(hit, owner, close)
        same[rest] = hit
    return same


def twin_like(fa: FeatureArrays, a: np.ndarray, b: np.ndarray, memo: dict | None = None,
              jw: float = 0.80) -> np.ndarray:
    """The twins rule's condition (without its identifier waiver): the same date of birth and
    surname, and forenames that are two different names (not one name written twice, see
    :func:`one_forename`), neither written in the other's surname field."""
    cols = fa.features.columns
    out = np.zeros(len(a), dtype=bool)
    if not {"first_name", "surname", "dob_days"} <= set(cols):
        return out
    days, present = fa.numeric("dob_days")
    fn = fa.codes("first_name")
    cand = present[a] & present[b] & (days[a] == days[b])
    cand &= _same(fa, "surname", a, b) | _same(fa, "surname_dm", a, b)
    cand &= (fn[a] >= 0) & (fn[b] >= 0) & (fn[a] != fn[b])
    if cand.any():
        idx = np.nonzero(cand)[0]
        ia, ib = a[idx], b[idx]
        sur = fa.codes("surname")
        different = ~one_forename(fa, ia, ib, memo, jw)
        # A forename written in the surname field is an error, not a twin.
        different &= ~((fn[ia] == sur[ib]) | (sur[ia] == fn[ib]))
        out[idx] = different
    return out


def dob_far_apart(fa: FeatureArrays, a: np.ndarray, b: np.ndarray, years: float) -> np.ndarray:
    """The DOB rule's condition (without its identifier waiver): both dates of birth known, at
    least ``years`` years apart, differing in day or month, and not one mistyped digit or two
    transposed digits of each other. A slip of the pen changes one part of a date; a date that
    differs in the year AND in day or month, beyond a typo, is another person's (father and son with
    the same name are a generation apart; namesake adults at one address a few years)."""
    from matching.comparisons import PairView, _dob_typo

    out = np.zeros(len(a), dtype=bool)
    if "dob_days" not in fa.features.columns:
        return out
    days, present = fa.numeric("dob_days")
    mv, _ = fa.numeric("dob_month")
    dv, _ = fa.numeric("dob_day")
    far = present[a] & present[b] & (np.abs(days[a].astype(np.int64) - days[b]) >= years * 365.25)
    far &= (mv[a] != mv[b]) | (dv[a] != dv[b])
    if far.any() and "dob_digits" in fa.features.columns:
        idx = np.nonzero(far)[0]
        far[idx] = ~_dob_typo(PairView(fa, a[idx], b[idx]), np.arange(len(idx)))
    return far


def pair_conflicts(settings: LinkSettings, fa: FeatureArrays, a: np.ndarray, b: np.ndarray,
                   memo: dict | None = None) -> np.ndarray:
    """Bitmask of conflicts (see :data:`CONFLICT_BITS`) for each pair (a[i], b[i])."""
    rules = settings.conflicts
    memo = {} if memo is None else memo
    out = np.zeros(len(a), dtype=np.int16)
    if len(a) == 0:
        return out
    cols = fa.features.columns
    if rules.different_valid_nhs:
        out |= np.where(_different_valid(fa, "nhs_valid_number", a, b), CONFLICT_BITS["nhs"], 0).astype(np.int16)
    if rules.different_valid_upn:
        out |= np.where(_different_valid(fa, "upn_valid_number", a, b), CONFLICT_BITS["upn"], 0).astype(np.int16)
    if rules.different_valid_pnc:
        out |= np.where(_different_valid(fa, "pnc_valid_number", a, b), CONFLICT_BITS["pnc"], 0).astype(np.int16)
    if rules.same_group and "group" in cols and fa.features["group"].notna().any():
        out |= np.where(_same(fa, "group", a, b), CONFLICT_BITS["co_mentioned"], 0).astype(np.int16)
    shared = _shared_identifier(fa, a, b, memo)
    if rules.different_sex and "sex" in cols:
        c = fa.codes("sex")
        vocab = np.array(fa.vocab("sex") + ["?"], dtype=object)
        mf = np.isin(vocab, ["M", "F"])
        ca, cb = np.where(c[a] >= 0, c[a], -1), np.where(c[b] >= 0, c[b], -1)
        bad = (ca >= 0) & (cb >= 0) & mf[ca] & mf[cb] & (ca != cb) & ~shared
        if bad.any() and "first_name" in cols:
            # A recorded sex contradicts identity only when the forename does not
            # confirm it: "Sam" recorded once as M and once as F is a recording slip.
            idx = np.nonzero(bad)[0]
            bad[idx] = ~one_forename(fa, a[idx], b[idx], memo, rules.twins_forename_max_similarity)
        out |= np.where(bad, CONFLICT_BITS["sex"], 0).astype(np.int16)
    if "dob_days" in cols and fa.features["dob_days"].notna().any():
        if rules.dob_years_apart is not None:
            far = dob_far_apart(fa, a, b, rules.dob_years_apart)
            out |= np.where(far & ~shared, CONFLICT_BITS["dob_far"], 0).astype(np.int16)
        if rules.twins and "first_name" in cols and "surname" in cols:
            tw = twin_like(fa, a, b, memo, rules.twins_forename_max_similarity)
            out |= np.where(tw & ~shared, CONFLICT_BITS["twins"], 0).astype(np.int16)
    return out


# --- union-find ------------------------------------------------------------------------------


def connected_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label (smallest member) of each of ``n`` nodes, vectorised.

    >>> connected_components(5, np.array([0, 3, 1]), np.array([1, 4, 2])).tolist()
    [0, 0, 0, 3, 3]
    """
    parent = np.arange(n, dtype=np.int64)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while len(a):
        pa, pb = parent[a], parent[b]
        diff = pa != pb
        if not diff.any():
            break
        lo = np.minimum(pa[diff], pb[diff])
        hi = np.maximum(pa[diff], pb[diff])
        np.minimum.at(parent, hi, lo)
        while True:  # pointer jumping until every node points at its root
            pp = parent[parent]
            if np.array_equal(pp, parent):
                break
            parent = pp
        keep = parent[a] != parent[b]
        a, b = a[keep], b[keep]
    return parent


def _intra_component_pairs(labels: np.ndarray, min_size: int, max_size: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of records inside components of a given size range (vectorised by size)."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, len(labels)])
    out_a, out_b = [], []
    for s in np.unique(sizes):
        if s < min_size or s > max_size:
            continue
        st = starts[sizes == s]
        members = order[st[:, None] + np.arange(s)[None, :]]
        i, j = np.triu_indices(s, k=1)
        out_a.append(members[:, i].ravel())
        out_b.append(members[:, j].ravel())
    if not out_a:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


def _greedy_constrained(nodes: np.ndarray, edges: list[tuple[float, int, int]],
                        cannot: set[tuple[int, int]]) -> dict[int, int]:
    """Union strongest edges first unless that joins a cannot-link pair; node -> root."""
    parent = {int(x): int(x) for x in nodes}
    blocked: dict[int, set[int]] = defaultdict(set)
    for x, y in cannot:
        blocked[x].add(y)
        blocked[y].add(x)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    members: dict[int, set[int]] = {int(x): {int(x)} for x in nodes}
    # blocked sets are kept per root: the union of its members' cannot-links
    for _, x, y in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):  # ties: by row, not input order
        rx, ry = find(x), find(y)
        if rx == ry:
            continue
        if blocked[rx] & members[ry]:
            continue
        if len(members[rx]) < len(members[ry]):
            rx, ry = ry, rx
        parent[ry] = rx
        members[rx] |= members.pop(ry)
        blocked[rx] |= blocked.pop(ry, set())
    return {x: find(x) for x in parent}


def contested_edges(edges: list[tuple[float, int, int]], cannot: set[tuple[int, int]],
                    margin: float) -> set[tuple[int, int]]:
    """Links that cannot be trusted to place a record: record x links to y, and also to y' with a
    weight less than ``margin`` below, where y and y' are kept apart (a conflict). x is then as
    likely the one person as the other (father and son with the same name, and x has no date of
    birth; twins whose names x spells like both), so neither link may decide where x goes: both are
    dropped and x stays on its own, for a reviewer. Reviewer must-links (infinite weight) are never
    contested.

    >>> sorted(contested_edges([(20.0, 0, 1), (19.0, 0, 2), (30.0, 1, 3)], {(1, 2)}, 3.17))
    [(0, 1), (0, 2)]
    """
    apart: dict[int, set[int]] = defaultdict(set)
    for x, y in cannot:
        apart[x].add(y)
        apart[y].add(x)
    nbr: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for w, x, y in edges:
        nbr[x].append((w, y))
        nbr[y].append((w, x))
    out: set[tuple[int, int]] = set()
    for x, cand in nbr.items():
        if len(cand) < 2:
            continue
        for w, y in cand:
            if w == np.inf or not apart[y]:
                continue
            if any(y2 in apart[y] and w2 > w - margin for w2, y2 in cand if y2 != y):
                out.add((min(x, y), max(x, y)))
    return out


def torn_between(roots: dict[int, int], edges: list[tuple[float, int, int]], cannot: set[tuple[int, int]],
                 margin: float) -> set[int]:
    """Records that the split left in one person although they link, less than ``margin`` more
    weakly, to another person of the same component that they do not conflict with: the evidence
    does not say which of the two persons (kept apart by a conflict) they belong to. They are taken
    out, to stand alone for a reviewer (:func:`contested_edges` catches the same doubt between two
    single records before the split; this catches it between whole persons after it).

    >>> roots = {0: 0, 1: 0, 2: 2, 3: 2}
    >>> sorted(torn_between(roots, [(22.0, 0, 1), (20.0, 1, 2), (30.0, 2, 3)], {(0, 3)}, 3.17))
    [1]
    """
    apart: dict[int, set[int]] = defaultdict(set)
    for x, y in cannot:
        apart[x].add(y)
        apart[y].add(x)
    members: dict[int, set[int]] = defaultdict(set)
    for node, root in roots.items():
        members[root].add(node)
    if len(members) < 2:
        return set()
    best: dict[tuple[int, int], float] = {}  # (node, person root) -> strongest link
    for w, x, y in edges:  # a reviewer's must-link (infinite weight) leaves no doubt
        for a, b in ((x, y), (y, x)):
            key = (a, roots[b])
            if w > best.get(key, -np.inf):
                best[key] = w
    out: set[int] = set()
    for (x, root), w in best.items():
        own = roots[x]
        if root == own or x in out:
            continue
        if apart[x] & members[root]:
            continue  # x conflicts with that person: not a candidate
        if len(members[own]) > 1 and w > best.get((x, own), -np.inf) - margin:
            out.add(x)
    return out


def cluster_records(
    settings: LinkSettings,
    fa: FeatureArrays,
    row_l: np.ndarray,
    row_r: np.ndarray,
    match_weight: np.ndarray,
    linked: np.ndarray,
    conflicts: np.ndarray,
    must_link: list[tuple[int, int]] | None = None,
    cannot_link: list[tuple[int, int]] | None = None,
    score_pairs=None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Cluster label per record (the smallest row in its person) and a log of splits.

    ``score_pairs(a, b) -> match weights`` (optional) scores unblocked pairs found
    inside components, so that weak internal pairs can be detected.
    """
    n = fa.n
    must_link = [(int(x), int(y)) for x, y in (must_link or [])]
    cannot_link = [(int(x), int(y)) for x, y in (cannot_link or [])]
    cannot_keys = {(min(x, y), max(x, y)) for x, y in cannot_link}
    use = linked & (conflicts == 0)
    if cannot_keys and len(row_l):
        keys = np.minimum(row_l, row_r) * np.int64(n) + np.maximum(row_l, row_r)
        ck = np.array([x * n + y for x, y in cannot_keys], dtype=np.int64)
        use &= ~np.isin(keys, ck)
    ea, eb, ew = row_l[use], row_r[use], match_weight[use].astype(float)
    if must_link:
        ml = np.array(must_link, dtype=np.int64)
        ea = np.r_[ea, ml[:, 0]]
        eb = np.r_[eb, ml[:, 1]]
        ew = np.r_[ew, np.full(len(ml), np.inf)]
    labels = connected_components(n, ea, eb)

    # Constraints inside components.
    bad_a, bad_b, bad_code = [], [], []
    same = labels[row_l] == labels[row_r]
    sel = same & (conflicts != 0)
    bad_a.append(row_l[sel]); bad_b.append(row_r[sel]); bad_code.append(conflicts[sel].astype(np.int16))
    ia, ib = _intra_component_pairs(labels, 3, settings.max_cluster_check_size)
    if len(ia):
        code = pair_conflicts(settings, fa, ia, ib)
        if score_pairs is not None and settings_weak_threshold(settings) is not None:
            weights = score_pairs(ia, ib)
            code = code | np.where(weights < settings_weak_threshold(settings), CONFLICT_BITS["weak"], 0).astype(np.int16)
        sel = code != 0
        bad_a.append(ia[sel]); bad_b.append(ib[sel]); bad_code.append(code[sel])
    for x, y in cannot_keys:
        if labels[x] == labels[y]:
            bad_a.append(np.array([x])); bad_b.append(np.array([y]))
            bad_code.append(np.array([CONFLICT_BITS["reviewer"]], dtype=np.int16))
    ba = np.concatenate(bad_a) if bad_a else np.empty(0, np.int64)
    bb = np.concatenate(bad_b) if bad_b else np.empty(0, np.int64)
    bc = np.concatenate(bad_code) if bad_code else np.empty(0, np.int16)
    # Reviewer must-links override automatic conflicts on the same pair.
    if must_link and len(ba):
        mk = {(min(x, y), max(x, y)) for x, y in must_link}
        keep = np.array([(min(x, y), max(x, y)) not in mk or (c & CONFLICT_BITS["reviewer"])
                         for x, y, c in zip(ba.tolist(), bb.tolist(), bc.tolist())], dtype=bool)
        ba, bb, bc = ba[keep], bb[keep], bc[keep]
    split_log = []
    # A record is placed by a link only when the evidence favours that person over a rival it is
    # kept apart from at the match threshold's odds: log2(t / (1 - t)) bits (3.17 at 0.9).
    t = min(max(settings.match_threshold, 0.5), 1 - 1e-9)
    margin = float(np.log2(t / (1 - t)))
    if len(ba):
        affected = np.unique(labels[ba])
        in_aff = np.isin(labels[ea], affected)
        edge_comp = labels[ea[in_aff]]
        edges_by_comp: dict[int, list] = defaultdict(list)
        for c, x, y, w in zip(edge_comp.tolist(), ea[in_aff].tolist(), eb[in_aff].tolist(), ew[in_aff].tolist()):
            edges_by_comp[c].append((w, x, y))
        cannot_by_comp: dict[int, set] = defaultdict(set)
        reasons: dict[int, set] = defaultdict(set)
        for x, y, c in zip(ba.tolist(), bb.tolist(), bc.tolist()):
            comp = int(labels[x])
            cannot_by_comp[comp].add((x, y))
            reasons[comp].update(describe_conflicts(c))
        node_order = np.argsort(labels, kind="stable")
        sorted_labels = labels[node_order]
        for comp in affected.tolist():
            lo, hi = np.searchsorted(sorted_labels, [comp, comp + 1])
            nodes = node_order[lo:hi]
            comp_edges = all_edges = edges_by_comp[comp]
            contested = contested_edges(comp_edges, cannot_by_comp[comp], margin)
            if contested:
                comp_edges = [e for e in comp_edges if (min(e[1], e[2]), max(e[1], e[2])) not in contested]
                reasons[comp].add("ambiguous")
            roots = _greedy_constrained(nodes, comp_edges, cannot_by_comp[comp])
            torn = torn_between(roots, all_edges, cannot_by_comp[comp], margin)
            if torn:
                comp_edges = [e for e in comp_edges if (e[1] not in torn and e[2] not in torn) or e[0] == np.inf]
                reasons[comp].add("ambiguous")
                roots = _greedy_constrained(nodes, comp_edges, cannot_by_comp[comp])
            groups: dict[int, list[int]] = defaultdict(list)
            for node, root in roots.items():
                groups[root].append(node)
            for g in groups.values():
                labels[np.asarray(g)] = min(g)
            split_log.append({"component": int(comp), "size": int(len(nodes)), "persons_after": len(groups),
                              "reasons": ",".join(sorted(reasons[comp]))})
    # Labels are the smallest row of each person: stable and order-independent.
    return labels, pd.DataFrame(split_log, columns=["component", "size", "persons_after", "reasons"])


def settings_weak_threshold(settings: LinkSettings) -> float | None:
    """Match weight below which two records in one cluster count as a conflict."""
    return settings.cannot_link_below_weight
