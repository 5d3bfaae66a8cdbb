"""Comparisons: turn candidate pairs into comparison levels, vectorised.

Each :class:`~matching.settings.ComparisonSpec` has ordered levels; a pair gets
the first level whose condition holds (splink's model). Levels are evaluated
on whole arrays of pairs at once:

* values are factorised to integer codes once per table, so "exact" is an
  integer comparison and a missing value is code -1;
* fuzzy similarity (Jaro-Winkler, Levenshtein) is computed with rapidfuzz's
  ``process.cpdist`` on the *distinct* pairs of values only (a million pairs
  of first names hold far fewer distinct name pairs), then broadcast back;
* each level only looks at the pairs that no earlier level claimed.

There is no Python loop per pair anywhere in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from matching.name_variants import variant_pair_keys
from matching.settings import ComparisonSpec, LevelSpec, LinkSettings

# Columns that share one vocabulary so that cross-column levels (a forename
# written in the surname field) compare like with like.
NAME_FAMILY = ("first_name", "middle_name", "surname", "surname_part1", "surname_part2")


class FeatureArrays:
    """Integer-coded view of a feature table, built lazily column by column.

    >>> fa = FeatureArrays(pd.DataFrame({"first_name": ["ANN", None], "surname": ["SMITH", "ANN"]}))
    >>> fa.codes("first_name").tolist(), fa.codes("surname").tolist()
    ([0, -1], [1, 0])
    """

    def __init__(self, features: pd.DataFrame):
        self.features = features
        self.n = len(features)
        self._codes: dict[str, np.ndarray] = {}
        self._vocab: dict[str, list] = {}
        self._family_of: dict[str, str] = {}
        self._variant_keys: dict[str, np.ndarray] = {}
        self._digits: dict[str, np.ndarray] = {}
        self._initials: dict[str, tuple[np.ndarray, int]] = {}
        family = [c for c in NAME_FAMILY if c in features.columns]
        for c in family:
            self._family_of[c] = "names"

    def _factorize_family(self, fam: str) -> None:
        cols = [c for c, f in self._family_of.items() if f == fam]
        stacked = pd.concat([self.features[c].astype(object) for c in cols], ignore_index=True)
        codes, uniques = pd.factorize(stacked, use_na_sentinel=True)
        codes = codes.astype(np.int32)
        for i, c in enumerate(cols):
            self._codes[c] = codes[i * self.n : (i + 1) * self.n]
        self._vocab[fam] = [str(u) for u in uniques]

    def vocab_key(self, col: str) -> str:
        """Name of the vocabulary a column's codes index into."""
        return self._family_of.get(col, col)

    def codes(self, col: str) -> np.ndarray:
        """int32 codes of a column (-1 = missing)."""
        if col not in self._codes:
            if col not in self.features.columns:
                raise KeyError(f"feature column {col!r} is missing")
            fam = self._family_of.get(col)
            if fam:
                self._factorize_family(fam)
            else:
                values = self.features[col]
                if values.dtype == bool:
                    values = values.astype(object)
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
                self._codes[col] = codes.astype(np.int32)
                self._vocab[col] = [str(u) for u in uniques]
        return self._codes[col]

    def vocab(self, col: str) -> list[str]:
        """Distinct values (as text) that the codes of ``col`` index."""
        self.codes(col)
        return self._vocab[self.vocab_key(col)]

    def vocab_array(self, col: str) -> np.ndarray:
        """Vocabulary of ``col`` as a numpy object array (for fancy indexing)."""
        key = "array:" + self.vocab_key(col)
        if key not in self._vocab:
            self._vocab[key] = np.asarray(self.vocab(col), dtype=object)
        return self._vocab[key]

    def numeric(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """(values as int32 with 0 for missing, present mask) of a numeric column."""
        key = "numeric:" + col
        if key not in self._vocab:
            s = self.features[col]
            present = s.notna().to_numpy()
            vals = pd.to_numeric(s, errors="coerce").fillna(0).to_numpy(dtype=np.int32)
            self._vocab[key] = (vals, present)
        return self._vocab[key]

    def flag(self, col: str) -> np.ndarray:
        """Boolean column (missing = False)."""
        return self.features[col].fillna(False).to_numpy(dtype=bool)

    def variant_keys(self, col: str) -> np.ndarray:
        """Sorted keys of vocabulary pairs that are name variants (see name_variants)."""
        key = self.vocab_key(col)
        if key not in self._variant_keys:
            self._variant_keys[key] = variant_pair_keys(self.vocab(col))
        return self._variant_keys[key]

    def digit_matrix(self, col: str) -> np.ndarray:
        """Per vocabulary entry, its 8 characters as small ints (for yyyymmdd digit levels)."""
        key = self.vocab_key(col)
        if key not in self._digits:
            vocab = self.vocab(col)
            mat = np.full((len(vocab) + 1, 8), 255, dtype=np.uint8)
            for i, v in enumerate(vocab):
                b = v.encode("ascii", "replace")[:8]
                mat[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
            self._digits[key] = mat
        return self._digits[key]

    def initial_codes(self, col: str) -> np.ndarray:
        """Per vocabulary entry, a code of its first character."""
        key = self.vocab_key(col)
        if key not in self._initials:
            firsts = [v[:1] for v in self.vocab(col)]
            codes, _ = pd.factorize(pd.Series(firsts, dtype=object))
            self._initials[key] = (np.append(codes.astype(np.int32), -1), 0)
        return self._initials[key][0]


@dataclass
class ComparedPairs:
    """Comparison levels for a set of pairs: ``gamma[:, k]`` is the level index of
    comparison k; ``tf_codes[name]`` holds, for pairs at a term-frequency level,
    the code of the shared value (else -1)."""

    gamma: np.ndarray
    names: list[str]
    tf_codes: dict[str, np.ndarray] = field(default_factory=dict)


_SCORERS = {
    "jaro_winkler": (JaroWinkler.normalized_similarity, True),
    "levenshtein_ratio": (Levenshtein.normalized_similarity, True),
    "levenshtein": (Levenshtein.distance, False),
    "damerau_levenshtein": (DamerauLevenshtein.distance, False),
}


def _pair_similarity(fa: FeatureArrays, col: str, kind: str, cl: np.ndarray, cr: np.ndarray, memo: dict | None = None,
                     cutoff: float | None = None) -> np.ndarray:
    """Similarity (or distance) of code pairs with rapidfuzz ``cpdist``.

    When the pairs repeat a lot (blocked pairs of common names) only the
    distinct pairs are scored; a sample tells whether de-duplicating pays.
    ``cutoff`` lets rapidfuzz stop early on hopeless pairs (the result is then
    0 for similarities below it, or cutoff + 1 for distances above it).
    """
    n = len(cl)
    if n == 0:
        return np.empty(0, dtype=np.float32)
    vocab = fa.vocab(col)
    strings = fa.vocab_array(col)
    scorer, _ = _SCORERS[kind]
    kwargs = {} if cutoff is None else {"score_cutoff": cutoff}
    dedupe = False
    if n > 50_000:
        v = np.int64(len(vocab) + 1)
        sample = cl[:: max(1, n // 20_000)].astype(np.int64) * v + cr[:: max(1, n // 20_000)]
        dedupe = len(np.unique(sample)) < 0.5 * len(sample)
    if dedupe:
        v = np.int64(len(vocab) + 1)
        keys = cl.astype(np.int64) * v + cr.astype(np.int64)
        uniq, inv = np.unique(keys, return_inverse=True)
        res = process.cpdist(strings[uniq // v].tolist(), strings[uniq % v].tolist(), scorer=scorer, workers=-1,
                             dtype=np.float32, **kwargs)
        return res[inv]
    return process.cpdist(strings[cl].tolist(), strings[cr].tolist(), scorer=scorer, workers=-1,
                          dtype=np.float32, **kwargs)


class PairView:
    """Per-pair values of feature columns, gathered once per column for a set of
    pairs (rows ``rl``, ``rr``) and then sliced by the positions a level looks at."""

    def __init__(self, fa: FeatureArrays, rl: np.ndarray, rr: np.ndarray):
        self.fa, self.rl, self.rr = fa, rl, rr
        self._cache: dict = {}
        self.sims: dict = {}

    def codes(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        key = ("codes", col)
        if key not in self._cache:
            c = self.fa.codes(col)
            self._cache[key] = (c[self.rl], c[self.rr])
        return self._cache[key]

    def numeric(self, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = ("num", col)
        if key not in self._cache:
            v, present = self.fa.numeric(col)
            self._cache[key] = (v[self.rl], v[self.rr], present[self.rl] & present[self.rr])
        return self._cache[key]

    def flag(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        key = ("flag", col)
        if key not in self._cache:
            f = self.fa.flag(col)
            self._cache[key] = (f[self.rl], f[self.rr])
        return self._cache[key]


def _dob_typo(pv: PairView, todo: np.ndarray) -> np.ndarray:
    """One character different, or two adjacent characters transposed, in yyyymmdd;
    or dates one day apart; or the same day and month one year apart."""
    fa = pv.fa
    cl, cr = pv.codes("dob_digits")
    ca, cb = cl[todo], cr[todo]
    present = (ca >= 0) & (cb >= 0)
    mat = fa.digit_matrix("dob_digits")
    da, db = mat[np.where(ca >= 0, ca, len(mat) - 1)], mat[np.where(cb >= 0, cb, len(mat) - 1)]
    diff = da != db
    ndiff = diff.sum(axis=1)
    out = present & (ndiff == 1)
    two = present & (ndiff == 2)
    if two.any():
        idx = np.nonzero(two)[0]
        d = diff[idx]
        first = d.argmax(axis=1)
        nxt = np.minimum(first + 1, 7)
        adjacent = d[np.arange(len(idx)), nxt] & (nxt != first)
        swapped = (da[idx, first] == db[idx, nxt]) & (da[idx, nxt] == db[idx, first])
        out[idx] = adjacent & swapped
    dl, dr, both = pv.numeric("dob_days")
    dl, dr, both = dl[todo], dr[todo], both[todo]
    out |= both & (np.abs(dl - dr) == 1)
    yl, yr, _ = pv.numeric("dob_year")
    ml, mr, _ = pv.numeric("dob_month")
    xl, xr, _ = pv.numeric("dob_day")
    out |= both & (ml[todo] == mr[todo]) & (xl[todo] == xr[todo]) & (np.abs(yl[todo] - yr[todo]) == 1)
    return out


def _dob_adjacent(pv: PairView, todo: np.ndarray) -> np.ndarray:
    """Dates one day apart, or the same day and month one year apart (a slip of a day or a year)."""
    dl, dr, both = pv.numeric("dob_days")
    out = both[todo] & (np.abs(dl[todo] - dr[todo]) == 1)
    yl, yr, _ = pv.numeric("dob_year")
    ml, mr, _ = pv.numeric("dob_month")
    xl, xr, _ = pv.numeric("dob_day")
    t = todo
    return out | (both[t] & (ml[t] == mr[t]) & (xl[t] == xr[t]) & (np.abs(yl[t] - yr[t]) == 1))


def _similarity(pv: PairView, spec: ComparisonSpec, col: str, kind: str, todo: np.ndarray,
                ok: np.ndarray) -> np.ndarray:
    """Similarity for pairs ``todo[ok]``; each pair is scored at most once per (column,
    scorer) within a comparison because later levels see a subset of earlier ones."""
    cl, cr = pv.codes(col)
    pos = todo[ok]
    key = (spec.name, col, kind)
    arr = pv.sims.get(key)
    if arr is None:
        arr = np.full(len(pv.rl), np.nan, dtype=np.float32)
        pv.sims[key] = arr
    vals = arr[pos]
    need = np.isnan(vals)
    if need.any():
        thresholds = [lv.threshold for lv in spec.levels if lv.kind == kind and (lv.column or spec.column) == col]
        cutoff = min(thresholds) if _SCORERS[kind][1] else max(thresholds)
        p = pos[need]
        vals[need] = _pair_similarity(pv.fa, col, kind, cl[p], cr[p], cutoff=cutoff)
        arr[p] = vals[need]
    return vals


def level_mask(level: LevelSpec, spec: ComparisonSpec, pv: PairView, todo: np.ndarray) -> np.ndarray:
    """Boolean mask over pairs ``todo`` (positions in ``pv``): does ``level``'s condition hold?"""
    col = level.column or spec.column
    kind = level.kind
    fa = pv.fa
    if kind == "else":
        return np.ones(len(todo), dtype=bool)
    if kind == "null":
        cl, cr = pv.codes(col)
        return (cl[todo] < 0) | (cr[todo] < 0)
    if kind == "invalid":
        hl, hr = pv.codes(spec.column)
        vl, vr = pv.flag(col)
        return ((hl[todo] >= 0) & ~vl[todo]) | ((hr[todo] >= 0) & ~vr[todo])
    if kind in ("exact", "exact_placeholder"):
        cl, cr = pv.codes(col)
        a, b = cl[todo], cr[todo]
        m = (a == b) & (a >= 0)
        if kind == "exact_placeholder":
            pl, pr = pv.flag("dob_placeholder")
            m &= pl[todo] | pr[todo]
        return m
    if kind == "name_variant":
        cl, cr = pv.codes(col)
        a, b = cl[todo], cr[todo]
        ok = (a >= 0) & (b >= 0)
        v = np.int64(len(fa.vocab(col)))
        keys = a.astype(np.int64) * v + b.astype(np.int64)
        out = np.zeros(len(todo), dtype=bool)
        vk = fa.variant_keys(col)
        if ok.any() and len(vk):
            k = keys[ok]
            i = np.minimum(np.searchsorted(vk, k), len(vk) - 1)
            out[ok] = vk[i] == k
        return out
    if kind in _SCORERS:
        cl, cr = pv.codes(col)
        ok = (cl[todo] >= 0) & (cr[todo] >= 0)
        out = np.zeros(len(todo), dtype=bool)
        if ok.any():
            sim = _similarity(pv, spec, col, kind, todo, ok)
            out[ok] = sim >= level.threshold if _SCORERS[kind][1] else sim <= level.threshold
        return out
    if kind in ("swapped", "cross_exact"):
        c1l, c1r = pv.codes(col)
        c2l, c2r = pv.codes(level.other_column)
        fwd = (c1l[todo] == c2r[todo]) & (c1l[todo] >= 0)
        back = (c2l[todo] == c1r[todo]) & (c2l[todo] >= 0)
        return (fwd & back) if kind == "swapped" else (fwd | back)
    if kind == "parts_overlap":
        cols = [col] + [x for x in (f"{col}_part1", f"{col}_part2") if x in fa.features.columns]
        codes = [pv.codes(x) for x in cols]
        out = np.zeros(len(todo), dtype=bool)
        for il, _ in codes:
            for _, jr in codes:
                a = il[todo]
                out |= (a == jr[todo]) & (a >= 0)
        return out
    if kind == "initial":
        cl, cr = pv.codes(col)
        ini = fa.initial_codes(col)
        a, b = cl[todo], cr[todo]
        ia, ib = ini[np.where(a >= 0, a, -1)], ini[np.where(b >= 0, b, -1)]
        return (ia == ib) & (ia >= 0) & (a >= 0) & (b >= 0)
    if kind == "dob_swap":
        yl, yr, both = pv.numeric("dob_year")
        ml, mr, _ = pv.numeric("dob_month")
        dl, dr, _ = pv.numeric("dob_day")
        t = todo
        return both[t] & (yl[t] == yr[t]) & (ml[t] == dr[t]) & (dl[t] == mr[t]) & (ml[t] != dl[t])
    if kind == "dob_adjacent":
        return _dob_adjacent(pv, todo)
    if kind == "dob_typo":
        return _dob_typo(pv, todo)
    if kind == "dob_within_days":
        dl, dr, both = pv.numeric("dob_days")
        return both[todo] & (np.abs(dl[todo] - dr[todo]) <= level.threshold)
    raise ValueError(f"unknown level kind {kind!r}")


def compare_one(spec: ComparisonSpec, fa: FeatureArrays, rl: np.ndarray, rr: np.ndarray,
                memo: dict | None = None, pv: PairView | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Level index per pair for one comparison, and tf codes (or None).

    >>> from matching.settings import default_comparisons
    >>> spec = default_comparisons(["surname"])[-1]
    >>> fa = FeatureArrays(pd.DataFrame({"surname": ["SMITH", "SMYTH", None], "surname_dm": ["SM0", "SM0", None]}))
    >>> compare_one(spec, fa, np.array([0, 0]), np.array([1, 2]))[0].tolist()
    [4, 0]
    """
    pv = pv or PairView(fa, rl, rr)
    n = len(rl)
    gamma = np.full(n, -1, dtype=np.int8)
    tf_codes = None
    todo = np.arange(n)
    for li, level in enumerate(spec.levels):
        if len(todo) == 0:
            break
        m = level_mask(level, spec, pv, todo)
        hit = todo[m]
        gamma[hit] = li
        if level.tf:
            if tf_codes is None:
                tf_codes = np.full(n, -1, dtype=np.int32)
            tf_codes[hit] = pv.codes(level.column or spec.column)[0][hit]
        todo = todo[~m]
    return gamma, tf_codes


def compare_pairs(settings: LinkSettings, fa: FeatureArrays, rl: np.ndarray, rr: np.ndarray,
                  memo: dict | None = None) -> ComparedPairs:
    """Levels of every comparison for every pair (``gamma`` is pairs x comparisons)."""
    k = len(settings.comparisons)
    gamma = np.empty((len(rl), k), dtype=np.int8)
    tf: dict[str, np.ndarray] = {}
    for j, spec in enumerate(settings.comparisons):
        # A fresh view per comparison: gathered columns are freed as soon as it is done.
        g, t = compare_one(spec, fa, rl, rr)
        gamma[:, j] = g
        if t is not None:
            tf[spec.name] = t
    return ComparedPairs(gamma, [c.name for c in settings.comparisons], tf)
