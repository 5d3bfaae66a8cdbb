"""Fellegi-Sunter model trained without labels.

For each comparison level the model holds

* ``u`` = P(level | two records of *different* people), estimated from random
  pairs (no labels needed: random pairs are almost all non-matches); for an
  exact-match level with term frequencies, u is computed exactly from the
  value counts instead (sum of squared value shares);
* ``m`` = P(level | two records of the *same* person), estimated by
  expectation-maximisation on the blocked candidate pairs with u held fixed;
* the prior ``lambda`` = P(two random records match).

EM runs on the blocked pairs only, but with the *global* prior: blocking
selects pairs by agreement, and conditioning on agreement does not change the
Bayes factor of a pair, so P(match | levels) = prior odds x product of
m/u ratios holds for the selected pairs as well. Every unblocked pair is taken
as a non-match when the prior is updated, which is what blocking assumes.

A level's match weight is ``log2(m / u)`` (a log2 Bayes factor); missing and
invalid-identifier levels have weight 0 by construction, so an invalid NHS
number is never evidence, and m and u of the other levels are both conditional
on the field being present on both records. On exact levels flagged ``tf`` the
weight is adjusted by ``log2(sum of squared value shares / share of the shared
value)``: agreeing on a rare surname counts more than agreeing on SMITH.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from matching.comparisons import ComparedPairs, FeatureArrays, compare_pairs
from matching.settings import NON_EVIDENCE_KINDS, ComparisonSpec, LinkSettings

# Dirichlet smoothing. m is pulled towards a default shape by M_PSEUDO pseudo-matches
# and u towards a default by U_PSEUDO pseudo-pairs: negligible on real volumes,
# but a table of ten records still gets sensible weights, and a level never seen
# among matches keeps a finite (strongly negative) weight.
M_PSEUDO = 5.0
U_PSEUDO = 1000.0


@dataclass
class ModelParameters:
    """Trained parameters, saved next to the settings that produced them."""

    settings_hash: str
    comparisons: list[str]
    levels: list[list[str]]
    m: list[list[float]]
    u: list[list[float]]
    prior: float
    n_records: int
    total_pairs: float
    em_iterations: int = 0
    em_converged: bool = False
    em_history: list[float] = field(default_factory=list)  # prior after each iteration
    tf_tables: dict[str, dict[str, int]] = field(default_factory=dict)  # comparison -> value -> count
    m_source: dict[str, str] = field(default_factory=dict)  # comparison -> "em" | "labels" | "settings"
    training_sessions: list[dict] = field(default_factory=list)  # one entry per EM training block

    # --- weights --------------------------------------------------------------------

    def weights(self) -> list[np.ndarray]:
        """log2(m/u) per level of each comparison (0 for missing/invalid levels)."""
        out = []
        for m, u in zip(self.m, self.u):
            m_a, u_a = np.asarray(m, float), np.asarray(u, float)
            with np.errstate(divide="ignore", invalid="ignore"):
                w = np.where((m_a > 0) & (u_a > 0), np.log2(m_a / u_a), 0.0)
            out.append(w)
        return out

    @property
    def prior_weight(self) -> float:
        """log2 prior odds: the starting point of every waterfall."""
        p = min(max(self.prior, 1e-15), 1 - 1e-15)
        return math.log2(p / (1 - p))

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ModelParameters:
        return cls(**json.loads(text))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> ModelParameters:
        return cls.from_json(Path(path).read_text())

    def summary(self) -> pd.DataFrame:
        """One row per comparison level: m, u, match weight."""
        rows = []
        for name, labels, m, u, w in zip(self.comparisons, self.levels, self.m, self.u, self.weights()):
            for i, lab in enumerate(labels):
                rows.append({"comparison": name, "level": i, "label": lab, "m": m[i], "u": u[i], "weight": w[i]})
        return pd.DataFrame(rows)


# --- pair sampling -------------------------------------------------------------------


def total_pairs(features: pd.DataFrame, link_type: str) -> float:
    """Number of pairs the model is about: all record pairs (dedupe) or cross-source pairs."""
    n = len(features)
    if link_type == "link_only":
        sizes = features["source"].value_counts().to_numpy(dtype=float)
        return float((sizes.sum() ** 2 - (sizes**2).sum()) / 2)
    return n * (n - 1) / 2


def random_pairs(features: pd.DataFrame, n_pairs: int, link_type: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random distinct pairs (cross-source for link_only), deterministic for a seed."""
    rng = np.random.default_rng(seed)
    n = len(features)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    total = total_pairs(features, link_type)
    k = int(min(n_pairs, max(total, 1)))
    if link_type == "link_only":
        src = pd.factorize(features["source"])[0]
        a = rng.integers(0, n, size=int(k * 1.3) + 10)
        b = rng.integers(0, n, size=int(k * 1.3) + 10)
        keep = src[a] != src[b]
    else:
        a = rng.integers(0, n, size=int(k * 1.05) + 10)
        b = rng.integers(0, n, size=int(k * 1.05) + 10)
        keep = a != b
    return a[keep][:k], b[keep][:k]


# --- training --------------------------------------------------------------------------


def _evidence(spec: ComparisonSpec) -> np.ndarray:
    return np.array([lv.kind not in NON_EVIDENCE_KINDS for lv in spec.levels])


def _analytic_exact_u(codes: np.ndarray, features: pd.DataFrame, link_type: str) -> float:
    """P(two random records share a value) from value counts (exact, no sampling noise)."""
    valid = codes >= 0
    n = len(codes)
    if link_type == "link_only":
        src = pd.factorize(features["source"])[0]
        num = 0.0
        srcs = np.unique(src)
        counts = [np.bincount(codes[valid & (src == s)], minlength=codes.max() + 1).astype(float) for s in srcs]
        for i in range(len(counts)):
            for j in range(i + 1, len(counts)):
                num += float((counts[i] * counts[j]).sum())
        return num / max(total_pairs(features, link_type), 1.0)
    c = np.bincount(codes[valid]).astype(float)
    return float((c * (c - 1)).sum() / max(n * (n - 1), 1))


def estimate_u(settings: LinkSettings, features: pd.DataFrame, fa: FeatureArrays, memo: dict | None = None) -> list[np.ndarray]:
    """u probabilities per level from random pairs (exact tf levels computed exactly)."""
    a, b = random_pairs(features, settings.u_sample_pairs, settings.link_type, settings.seed)
    cp = compare_pairs(settings, fa, a, b, memo)
    r = max(len(a), 1)
    out = []
    for j, spec in enumerate(settings.comparisons):
        counts = np.bincount(cp.gamma[:, j].astype(np.int64), minlength=len(spec.levels)).astype(float)
        counts = np.maximum(counts, 0.5)  # a level never seen in random pairs is rare, not impossible
        observed = counts / counts.sum()
        u = (counts + U_PSEUDO * _default_u(spec, observed)) / (counts.sum() + U_PSEUDO)
        for li, lv in enumerate(spec.levels):
            if lv.tf:
                u[li] = max(_analytic_exact_u(fa.codes(lv.column or spec.column), features, settings.link_type), 0.5 / r)
        u = u / u.sum()
        # m is estimated among pairs where the field is present on both sides (EM gives the
        # missing level no mass), so u must be too: P(level | non-match, both present).
        # Left unconditional, every evidence level of a sparse field gained log2(1 / share of
        # random pairs with both present) bits: with la_id on one record in ten, "la_id
        # different" came out as +3.9 bits of evidence FOR a match.
        ev = _evidence(spec)
        present = float(u[ev].sum())
        if present > 0:
            u = np.where(ev, u / present, u)
        out.append(u)
    return out


def _default_u(spec: ComparisonSpec, observed: np.ndarray) -> np.ndarray:
    """Default u shape: missing levels as observed, each agreement level 1%, the rest 'else'."""
    ev = _evidence(spec)
    out = np.where(ev, 0.0, observed)
    evidence_mass = max(1.0 - out.sum(), 1e-6)
    k = int(ev.sum())
    agree = np.where(ev, 0.01 * evidence_mass, 0.0)
    agree[len(spec.levels) - 1] = evidence_mass * (1 - 0.01 * (k - 1))
    return out + agree


def _initial_m(spec: ComparisonSpec, u: np.ndarray) -> np.ndarray:
    ev = _evidence(spec)
    k = int(ev.sum())
    # First evidence level (usually "exact") gets most mass, the rest decay; "else" small.
    base = np.array([0.5**i for i in range(k)], dtype=float)
    base[0] = 4.0
    base[-1] = 0.3
    m = np.zeros(len(spec.levels))
    m[ev] = base / base.sum()
    m[~ev] = u[~ev]
    return m


def _patterns(gamma: np.ndarray, return_inverse: bool = False):
    """Distinct rows of gamma with their counts (EM works on these, not on pairs)."""
    if len(gamma) == 0:
        empty = (gamma, np.empty(0, np.int64))
        return (*empty, np.empty(0, np.int64)) if return_inverse else empty
    g = gamma.astype(np.int64) + 1
    radix = int(g.max()) + 1
    if radix ** g.shape[1] < 2**62:
        key = np.zeros(len(g), dtype=np.int64)
        for j in range(g.shape[1]):
            key = key * radix + g[:, j]
        _, idx, inv, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
        rows = gamma[idx]
    else:
        rows, inv, counts = np.unique(gamma, axis=0, return_inverse=True, return_counts=True)
    return (rows, counts, inv.ravel()) if return_inverse else (rows, counts)


def log2_bayes_factors(gamma: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
    """Sum of level weights per row of gamma."""
    total = np.zeros(len(gamma), dtype=np.float64)
    for j, w in enumerate(weights):
        total += w[gamma[:, j].astype(np.int64)]
    return total


def _em_core(settings: LinkSettings, rows: np.ndarray, counts: np.ndarray, u: list[np.ndarray],
             m: list[np.ndarray], m0: list[np.ndarray], active: np.ndarray, update: np.ndarray,
             prior: float, n_pairs: float | None, max_iter: int, tol: float,
             fixed_prior: bool = False) -> tuple[list[np.ndarray], float, int, bool, list[float]]:
    """EM over distinct gamma rows with u fixed.

    ``active[j]``: comparison j takes part in the E-step; ``update[j]``: its m is
    re-estimated. ``n_pairs`` is the number of pairs the prior refers to (all
    record pairs for the global prior; None = the rows themselves, for a
    training session's within-block share of matches).
    """
    m = [x.copy() for x in m]
    history: list[float] = []
    converged = False
    it = 0
    denom = float(counts.sum()) if n_pairs is None else float(n_pairs)
    for it in range(1, max_iter + 1):
        lbf = np.zeros(len(rows))
        for j, spec in enumerate(settings.comparisons):
            if active[j]:
                w = np.where(_evidence(spec), np.log2(np.maximum(m[j], 1e-300) / u[j]), 0.0)
                lbf += w[rows[:, j].astype(np.int64)]
        logit = math.log2(prior / (1 - prior)) + lbf
        p = 1.0 / (1.0 + np.exp2(-np.clip(logit, -200, 200)))
        pc = p * counts
        max_delta = 0.0
        for j, spec in enumerate(settings.comparisons):
            if not update[j]:
                continue
            ev = _evidence(spec)
            sums = np.bincount(rows[:, j].astype(np.int64), weights=pc, minlength=len(spec.levels))
            sums = np.where(ev, sums, 0.0)
            mj = (sums + M_PSEUDO * m0[j]) / (sums.sum() + M_PSEUDO)
            mj = np.where(ev, mj, u[j])
            max_delta = max(max_delta, float(np.abs(mj - m[j]).max()))
            m[j] = mj
        if not fixed_prior:
            new_prior = min(max(pc.sum() / max(denom, 1.0), 1e-15), 0.999 if n_pairs is None else 0.5)
            max_delta = max(max_delta, abs(math.log2(new_prior) - math.log2(prior)) * 1e-2)
            prior = new_prior
        history.append(prior)
        if max_delta < tol:
            converged = True
            break
    return m, float(prior), it, converged, history


# Fields that move together in one household or one person: a training block
# on one says little about the m of the other, so both are left out.
_FIELD_GROUPS = ({"first_name", "sex"}, {"postcode", "address", "location"})
_FIELD_PREFIXES = ("first_name", "middle_name", "surname", "dob", "postcode", "address", "location", "nhs", "upn",
                   "pnc", "ni", "la_id", "other_id", "sex")


def field_of(column: str) -> str:
    """The input field a feature column derives from (``surname_dm`` -> ``surname``)."""
    if column in ("first_initial",):
        return "first_name"
    if column in ("middle_initial",):
        return "middle_name"
    for pre in _FIELD_PREFIXES:
        if column == pre or column.startswith(pre + "_"):
            return {"nhs": "nhs_number", "ni": "ni_number"}.get(pre, pre)
    return column


def _fields_blocked(columns: set[str]) -> set[str]:
    fields = {field_of(c) for c in columns}
    for group in _FIELD_GROUPS:
        if fields & group:
            fields |= group
    return fields


def _rule_mask(rule, fa: FeatureArrays, rl: np.ndarray, rr: np.ndarray) -> np.ndarray:
    """Which candidate pairs satisfy a parsed blocking rule (evaluated on codes)."""
    ok = np.ones(len(rl), dtype=bool)
    for a, b in rule.equalities:
        vals = []
        for term, rows in ((a, rl if a.side == "l" else rr), (b, rl if b.side == "l" else rr)):
            if term.function:
                s = fa.features[term.column].astype(object)
                txt = s.where(s.isna(), s.astype(str))
                args = term.args
                if term.function == "substr":
                    start = (args[0] - 1) if args else 0
                    stop = start + args[1] if len(args) > 1 else None
                    txt = txt.str.slice(start, stop)
                elif term.function == "left":
                    txt = txt.str.slice(0, args[0] if args else None)
                elif term.function == "right":
                    txt = txt.str.slice(-args[0] if args else None)
                elif term.function == "lower":
                    txt = txt.str.lower()
                elif term.function == "upper":
                    txt = txt.str.upper()
                codes = pd.factorize(txt)[0]
                vals.append((codes, rows, True))
            else:
                vals.append((fa.codes(term.column), rows, False))
        (ca, ra, fa_), (cb, rb, fb_) = vals
        if fa_ != fb_ or (a.column != b.column and (fa.vocab_key(a.column) != fa.vocab_key(b.column))):
            # different vocabularies: compare the text itself
            ta = fa.features[a.column].to_numpy(dtype=object)[ra]
            tb = fa.features[b.column].to_numpy(dtype=object)[rb]
            ok &= pd.notna(ta) & (ta == tb)
        else:
            ok &= (ca[ra] >= 0) & (ca[ra] == cb[rb])
    return ok


def training_rules(settings: LinkSettings) -> list[str]:
    """Blocking rules used as EM training sessions (settings.training_rules, or the
    blocking rules with two or more conditions plus identifier rules)."""
    if settings.training_rules:
        return list(settings.training_rules)
    from matching.blocking import parse_rule

    out = []
    for r in settings.blocking_rules:
        pr = parse_rule(r)
        cols = pr.columns()
        is_id = any(field_of(c) in {"nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id"} for c in cols)
        swapped = any(a.column != b.column for a, b in pr.equalities)
        if (len(pr.equalities) >= 2 or is_id) and not swapped:
            out.append(r)
    return out


@dataclass
class TrainingSession:
    rule: str
    pairs: int
    excluded: list[str]
    match_share: float
    iterations: int
    converged: bool


def run_em(settings: LinkSettings, compared: ComparedPairs, u: list[np.ndarray], n_total_pairs: float,
           fixed_m: dict[str, np.ndarray] | None = None, fa: FeatureArrays | None = None,
           row_l: np.ndarray | None = None, row_r: np.ndarray | None = None,
           ) -> tuple[list[np.ndarray], float, int, bool, list[float], list[TrainingSession]]:
    """Estimate m and the prior with u fixed.

    Without training sessions (no ``fa``/rows given) one EM runs on all blocked
    pairs. With them, EM runs once per training rule on the pairs that rule
    blocks, leaving out the comparisons of the fields the rule blocks on (they
    agree by construction) and of fields that move with them (postcode with
    address, forename with sex). This is what stops EM from learning "same
    household" instead of "same person": in a block of equal surname and DOB,
    household members are rare. Each comparison's m is the mean over the
    sessions that estimated it; comparisons no session estimated, and finally
    the global prior, come from an EM over all blocked pairs with the rest fixed.
    """
    fixed_m = dict(fixed_m or {})
    for spec in settings.comparisons:
        if spec.fixed_m is not None and spec.name not in fixed_m:
            fixed_m[spec.name] = np.asarray(spec.fixed_m, float)
    k = len(settings.comparisons)
    m0 = [_initial_m(s, u[j]) for j, s in enumerate(settings.comparisons)]
    m = [fixed_m.get(s.name, m0[j]) for j, s in enumerate(settings.comparisons)]
    is_fixed = np.array([s.name in fixed_m for s in settings.comparisons])
    fixed_prior = settings.prior is not None
    sessions: list[TrainingSession] = []
    estimated = np.zeros(k, dtype=bool)
    if fa is not None and row_l is not None and len(row_l):
        from matching.blocking import parse_rule

        sums = [np.zeros(len(s.levels)) for s in settings.comparisons]
        nest = np.zeros(k)
        all_rows, _, inverse = _patterns(compared.gamma, return_inverse=True)
        comp_fields = [field_of(s.column) for s in settings.comparisons]
        for rule_text in training_rules(settings):
            rule = parse_rule(rule_text)
            mask = _rule_mask(rule, fa, row_l, row_r)
            if mask.sum() < 50:
                continue
            blocked = _fields_blocked(rule.columns())
            active = np.array([f not in blocked for f in comp_fields])
            update = active & ~is_fixed
            if not update.any():
                continue
            counts = np.bincount(inverse[mask], minlength=len(all_rows))
            present = counts > 0
            rows, counts = all_rows[present], counts[present]
            ms, share, iters, conv, _ = _em_core(settings, rows, counts.astype(float), u, m, m0, active, update,
                                                  0.5, None, settings.em_max_iterations, settings.em_tolerance)
            sessions.append(TrainingSession(rule_text, int(mask.sum()),
                                            [settings.comparisons[j].name for j in range(k) if not active[j]],
                                            share, iters, conv))
            for j in range(k):
                if update[j]:
                    sums[j] += ms[j]
                    nest[j] += 1
        for j in range(k):
            if nest[j] > 0:
                m[j] = sums[j] / nest[j]
                estimated[j] = True
    rows, counts = _patterns(compared.gamma)
    counts = counts.astype(float)
    prior = settings.prior if fixed_prior else min(0.5, max(1e-12, 0.1 * counts.sum() / max(n_total_pairs, 1.0)))
    update = ~is_fixed & ~estimated
    m, prior, it, converged, history = _em_core(settings, rows, counts, u, m, m0, np.ones(k, bool), update, prior,
                                                n_total_pairs, settings.em_max_iterations, settings.em_tolerance,
                                                fixed_prior)
    return m, float(prior), it, converged, history, sessions


def tf_counts(fa: FeatureArrays, col: str) -> np.ndarray:
    """Count of each vocabulary value of ``col`` among records (for tf adjustments)."""
    codes = fa.codes(col)
    return np.bincount(codes[codes >= 0], minlength=len(fa.vocab(col))).astype(np.int64)


def train(settings: LinkSettings, features: pd.DataFrame, fa: FeatureArrays, compared: ComparedPairs,
          memo: dict | None = None, fixed_m: dict[str, np.ndarray] | None = None,
          row_l: np.ndarray | None = None, row_r: np.ndarray | None = None) -> ModelParameters:
    """Estimate u (random pairs), then m and the prior (EM on the blocked pairs, by
    training session when the candidate pairs' rows are given; see :func:`run_em`)."""
    u = estimate_u(settings, features, fa, memo)
    n_total = total_pairs(features, settings.link_type)
    m, prior, iters, converged, history, sessions = run_em(settings, compared, u, n_total, fixed_m, fa,
                                                           row_l, row_r)
    tf_tables: dict[str, dict[str, int]] = {}
    for spec in settings.comparisons:
        for lv in spec.levels:
            if lv.tf:
                col = lv.column or spec.column
                counts = tf_counts(fa, col)
                vocab = fa.vocab(col)
                tf_tables[spec.name] = {vocab[i]: int(c) for i, c in enumerate(counts) if c > 0}
    sources = {}
    for spec in settings.comparisons:
        sources[spec.name] = ("labels" if fixed_m and spec.name in fixed_m else
                              "settings" if spec.fixed_m is not None else "em")
    return ModelParameters(
        settings_hash=settings.settings_hash,
        comparisons=[s.name for s in settings.comparisons],
        levels=[[lv.label for lv in s.levels] for s in settings.comparisons],
        m=[list(map(float, x)) for x in m],
        u=[list(map(float, x)) for x in u],
        prior=prior,
        n_records=len(features),
        total_pairs=n_total,
        em_iterations=iters,
        em_converged=converged,
        em_history=history,
        tf_tables=tf_tables,
        m_source=sources,
        training_sessions=[asdict(x) for x in sessions],
    )


def m_from_labels(settings: LinkSettings, fa: FeatureArrays, row_l: np.ndarray, row_r: np.ndarray,
                  is_match: np.ndarray) -> dict[str, np.ndarray]:
    """m probabilities from clerically reviewed pairs (matches only), to fix before EM.

    Pass the result as ``fixed_m`` to :func:`train`; EM then leaves these alone.
    """
    sel = np.asarray(is_match, dtype=bool)
    cp = compare_pairs(settings, fa, np.asarray(row_l)[sel], np.asarray(row_r)[sel])
    out = {}
    for j, spec in enumerate(settings.comparisons):
        ev = _evidence(spec)
        counts = np.bincount(cp.gamma[:, j].astype(np.int64), minlength=len(spec.levels)).astype(float)
        counts = np.where(ev, counts + 0.5, 0.0)  # half a pair each: no level becomes impossible
        m = counts / counts.sum()
        out[spec.name] = np.where(ev, m, 1.0)
    return out


# --- scoring ------------------------------------------------------------------------------


@dataclass
class ScoredPairs:
    """Per-pair weights: ``weights[:, k]`` is comparison k's match weight, ``tf_adjust[:, k]``
    its term-frequency adjustment; ``match_weight`` = prior weight + all of them."""

    weights: np.ndarray
    tf_adjust: np.ndarray
    match_weight: np.ndarray
    probability: np.ndarray


def tf_adjustments(settings: LinkSettings, params: ModelParameters, compared: ComparedPairs,
                   value_share: dict[str, np.ndarray]) -> np.ndarray:
    """tf adjustment per pair and comparison: log2(u_exact / share of the shared value).

    ``value_share[name]`` maps the vocabulary codes in ``compared.tf_codes[name]`` to the
    share of records holding that value.
    """
    adj = np.zeros((len(compared.gamma), len(settings.comparisons)), dtype=np.float32)
    if not settings.tf_adjustments:
        return adj
    for j, spec in enumerate(settings.comparisons):
        codes = compared.tf_codes.get(spec.name)
        if codes is None or spec.name not in value_share:
            continue
        has = codes >= 0
        if not has.any():
            continue
        # The adjustment turns the level's weight log2(m / u) into log2(m / u_v) for the shared value v:
        # it is log2(u_within / share of v), u_within = sum of squared value shares = P(two records that
        # both hold this column agree on it). Taking the level's own u instead was right only when the
        # tf column is present exactly when the comparison is (location_key, an address with a postcode,
        # is sparser than location_any, either of them), and gave a household's address -14 bits in a
        # table where few records have an address.
        table = params.tf_tables.get(spec.name)
        if table:
            counts = np.fromiter(table.values(), dtype=float, count=len(table))
            u_within = float(((counts / counts.sum()) ** 2).sum())
        else:
            tf_level = next(i for i, lv in enumerate(spec.levels) if lv.tf)
            u_within = params.u[j][tf_level]
        share = np.maximum(value_share[spec.name][codes[has]], settings.tf_minimum_frequency)
        adj[has, j] = np.log2(max(u_within, settings.tf_minimum_frequency) / share)
    return adj


def value_shares_from_arrays(settings: LinkSettings, fa: FeatureArrays) -> dict[str, np.ndarray]:
    """Share of records holding each value, for every tf comparison (batch linking)."""
    out = {}
    for spec in settings.comparisons:
        for lv in spec.levels:
            if lv.tf:
                counts = tf_counts(fa, lv.column or spec.column).astype(float)
                out[spec.name] = counts / max(counts.sum(), 1.0)
    return out


def value_shares_from_tables(settings: LinkSettings, params: ModelParameters, fa: FeatureArrays) -> dict[str, np.ndarray]:
    """Value shares from the saved tf tables, mapped onto ``fa``'s vocabulary (incremental linking)."""
    out = {}
    for spec in settings.comparisons:
        table = params.tf_tables.get(spec.name)
        if table is None:
            continue
        lv = next(lv for lv in spec.levels if lv.tf)
        vocab = fa.vocab(lv.column or spec.column)
        total = float(sum(table.values())) or 1.0
        out[spec.name] = np.array([table.get(v, 1) / total for v in vocab], dtype=float)
    return out


def score(settings: LinkSettings, params: ModelParameters, compared: ComparedPairs,
          value_share: dict[str, np.ndarray]) -> ScoredPairs:
    """Match weight and probability of every compared pair."""
    ws = params.weights()
    k = len(ws)
    weights = np.empty((len(compared.gamma), k), dtype=np.float32)
    for j, w in enumerate(ws):
        weights[:, j] = w[compared.gamma[:, j].astype(np.int64)]
    adj = tf_adjustments(settings, params, compared, value_share)
    total = params.prior_weight + weights.sum(axis=1, dtype=np.float64) + adj.sum(axis=1, dtype=np.float64)
    prob = 1.0 / (1.0 + np.exp2(-np.clip(total, -200, 200)))
    return ScoredPairs(weights, adj, total, prob)


def probability_to_weight(p: float) -> float:
    """Match weight (log2 odds) for a probability.

    >>> round(probability_to_weight(0.5), 6)
    0.0
    """
    p = min(max(p, 1e-15), 1 - 1e-15)
    return math.log2(p / (1 - p))
