"""Disclosure control for a whole report: every table protected, and the tables checked together.

Each table is protected by :func:`mash.governance.disclosure.apply_policy` (small counts
hidden; with secondary suppression no hidden count can be worked back from its own row and
column totals). But a report publishes several tables of the same people: notifications by
agency and month, and by concern and quarter, share their grand total, and a quarter's total
is the sum of three months. A count hidden in one table can be worked out from the others.
So, for policies with secondary suppression:

1. a count published in two tables is hidden in both or in neither;
2. every published cell is a sum over the finest cross-classification of its *population*
   (each :class:`~analytics.commissioner.figures.Cube`); a hidden cell can be worked out
   from all shown cells together exactly when its vector lies in the span of theirs
   (plus known identities between populations). That is checked with one SVD per group of
   linked populations; a cell it exposes gets the cheapest shown cell of another table that
   its recovery uses hidden too, and the tables are protected again, until nothing is exposed.

Hiding only ever grows, so this ends. Under ``nhsd`` (rounding, no secondary suppression)
only rule 1 applies.

>>> from analytics.commissioner.figures import Cube
>>> cube = Cube("people", pd.DataFrame({"a": ["x", "x", "y"], "b": ["u", "v", "u"], "n": [3, 20, 30]}),
...             {"a": ["x", "y"], "b": ["u", "v"]})
>>> pub = protect([TableSpec("t", cube, "a", "b")], "dfe")["t"]
>>> pub.shown.values.tolist()
[['c', 'c', '23'], ['c', 'c', '30'], ['33', '20', '53']]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.commissioner.figures import Cube
from mash.governance.disclosure import POLICIES, Policy, apply_policy, suppression_pattern

TOTAL = "Total"
ALL = "All"


@dataclass(frozen=True)
class TableSpec:
    """A published table: ``rows`` x ``cols`` of a cube (``cols=None``: one column, ``All``)."""

    key: str
    cube: Cube
    rows: str
    cols: str | None = None


@dataclass
class Published:
    """A protected table: ``shown`` holds the strings to publish (totals included)."""

    spec: TableSpec
    counts: pd.DataFrame
    shown: pd.DataFrame
    pattern: pd.DataFrame
    policy: Policy

    def value(self, row: str, col: str = ALL) -> int | None:
        """The published number (rounded if the policy rounds), or None when it is hidden.

        >>> published["agency_month"].value("Total", "Total")  # doctest: +SKIP
        2031
        """
        v = self.shown.at[row, col]
        return None if v == self.policy.symbol else int(v)

    def hidden_count(self) -> int:
        body = self.shown.drop(index=TOTAL, columns=TOTAL, errors="ignore")
        return int((body == self.policy.symbol).to_numpy().sum())


@dataclass(frozen=True)
class Identity:
    """Two counts a reader knows are equal (in different populations): ``(cube name, {dim: value})`` each."""

    left: tuple[str, dict[str, str]]
    right: tuple[str, dict[str, list[str]]]


@dataclass
class _Cell:
    table: str
    pos: tuple[int, int]
    fact: tuple
    value: int
    total: bool


def _filters(spec: TableSpec, row: str | None, col: str | None) -> dict[str, frozenset]:
    """Base-dimension filters of one cell (None: the total over that dimension)."""
    out: dict[str, frozenset] = {}
    for dim, value in ((spec.rows, row), (spec.cols, col)):
        if dim is None or value is None:
            continue
        base, values = _base(spec.cube, dim, [value])
        out[base] = out.get(base, values) & values
    return out


def _base(cube: Cube, dim: str, values: list[str]) -> tuple[str, frozenset]:
    if dim in cube.domains:
        return dim, frozenset(values)
    base, mapping = (cube.derived or {})[dim]
    return base, frozenset(b for b, d in mapping.items() if d in values)


def _fact(cube: Cube, filters: dict[str, frozenset]) -> tuple:
    return cube.name, frozenset(filters.items())


def _cells(spec: TableSpec, counts: pd.DataFrame) -> list[_Cell]:
    rows = [*counts.index, None]
    cols = [*counts.columns, None] if spec.cols else [ALL, None]
    bordered = np.zeros((len(rows), len(cols)), dtype=np.int64)
    bordered[:-1, :-1] = counts.to_numpy()
    bordered[:-1, -1] = bordered[:-1, :-1].sum(1)
    bordered[-1, :] = bordered[:-1, :].sum(0)
    out = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            filt = _filters(spec, r, c if spec.cols else None)
            out.append(_Cell(spec.key, (i, j), _fact(spec.cube, filt), int(bordered[i, j]),
                             r is None or c is None))
    return out


def _vector(cube: Cube, filters: dict[str, frozenset]) -> np.ndarray:
    """Indicator over the cube's full cross-classification of the combinations a cell adds up."""
    v = np.ones(1)
    for dim, values in cube.domains.items():
        mask = np.array([x in filters[dim] for x in values], dtype=float) if dim in filters else np.ones(len(values))
        v = np.multiply.outer(v, mask).ravel()
    return v


def protect(specs: list[TableSpec], policy: Policy | str, identities: list[Identity] = ()) -> dict[str, Published]:
    """Protect every table under ``policy``, consistently across tables; returns them by key.

    See the module docstring for how linked tables are handled (and an example).

    >>> from analytics.commissioner.figures import Cube
    >>> cube = Cube("people", pd.DataFrame({"a": ["x", "y"], "n": [23, 31]}), {"a": ["x", "y"]})
    >>> protect([TableSpec("a", cube, "a")], "nhsd")["a"].shown.values.tolist()
    [['25'], ['30'], ['55']]
    """
    pol = POLICIES[policy] if isinstance(policy, str) else policy
    counts = {s.key: (s.cube.crosstab(s.rows, s.cols) if s.cols else s.cube.crosstab(s.rows)) for s in specs}
    cells = {s.key: _cells(s, counts[s.key]) for s in specs}
    hide = {s.key: np.zeros((len(counts[s.key].index) + 1, len(counts[s.key].columns) + 1), bool) for s in specs}
    cubes = {s.cube.name: s.cube for s in specs}
    for _ in range(10_000):  # bounded: every pass hides at least one more cell or stops
        hidden = {k: suppression_pattern(counts[k], pol, hide=hide[k]).to_numpy() != "" for k in counts}
        hidden_facts = {c.fact for k in cells for c in cells[k] if hidden[k][c.pos]}
        grew = False
        for k in cells:
            hide[k] |= hidden[k]  # never un-hide: keeps the loop finite
            for c in cells[k]:
                if c.fact in hidden_facts and not hidden[k][c.pos]:
                    hide[k][c.pos] = grew = True
        if grew:
            continue
        if pol.secondary:
            extra = _exposed(cells, hidden, cubes, identities)
            if extra:
                for k, pos in extra:
                    hide[k][pos] = True
                continue
        break
    else:  # pragma: no cover - cannot happen: hiding grows every pass
        raise RuntimeError("disclosure control did not settle")
    out = {}
    for s in specs:
        shown = apply_policy(counts[s.key], pol, hide=hide[s.key])
        pattern = suppression_pattern(counts[s.key], pol, hide=hide[s.key])
        if not s.cols:  # a one-column table: its total column repeats it
            shown, pattern = shown.drop(columns=TOTAL), pattern.drop(columns=TOTAL)
        out[s.key] = Published(s, counts[s.key], shown, pattern, pol)
    return out


def exposed_cells(published: dict[str, Published], identities: list[Identity] = ()) -> list[tuple[str, str, str]]:
    """Hidden cells that all the published tables together give away: ``(table, row, column)``.

    >>> exposed_cells(protect(specs, "dfe"))  # doctest: +SKIP
    []
    """
    cells, hidden, cubes = {}, {}, {}
    for k, p in published.items():
        cells[k] = _cells(p.spec, p.counts)
        shown = p.shown if p.spec.cols else p.shown.assign(**{TOTAL: p.shown[ALL]})
        hidden[k] = shown.to_numpy() == p.policy.symbol
        cubes[p.spec.cube.name] = p.spec.cube
    out = []
    for k, (i, j) in _exposed(cells, hidden, cubes, identities, report_all=True):
        shown = published[k].shown
        col = shown.columns[j] if j < len(shown.columns) else TOTAL
        out.append((k, str(shown.index[i]), str(col)))
    return out


def _exposed(cells: dict[str, list[_Cell]], hidden: dict[str, np.ndarray], cubes: dict[str, Cube],
             identities, report_all: bool = False) -> list[tuple[str, tuple[int, int]]]:
    """Cells to hide next (or, with ``report_all``, every exposed hidden cell).

    Linear algebra on the Gram matrix of the shown cells' vectors ``K``: a hidden cell's vector
    ``h`` is exposed when its projection on the row space of ``K`` is ``h`` itself; the projection's
    coefficients say which shown cells a recovery uses, and a shown cell whose coefficient is
    not zero in *every* recovery (its row of the null space of ``K^T`` is zero) is needed by all
    of them, so hiding it protects ``h``.
    """
    names = sorted(cubes)
    offset, size = {}, 0
    for n in names:
        offset[n] = size
        size += int(np.prod([len(v) for v in cubes[n].domains.values()]))

    def vec(fact: tuple) -> np.ndarray:
        name, filters = fact
        v = np.zeros(size)
        block = _vector(cubes[name], dict(filters))
        v[offset[name]:offset[name] + len(block)] = block
        return v

    shown_facts: dict[tuple, list[_Cell]] = {}
    hidden_facts: dict[tuple, list[_Cell]] = {}
    for k in cells:
        for c in cells[k]:
            (hidden_facts if hidden[k][c.pos] else shown_facts).setdefault(c.fact, []).append(c)
    if not hidden_facts:
        return []
    shown = list(shown_facts)
    known = [vec(f) for f in shown]
    for ident in identities:
        (ln, lf), (rn, rf) = ident.left, ident.right
        if ln in cubes and rn in cubes:
            known.append(vec(_fact(cubes[ln], {d: frozenset([v]) for d, v in lf.items()}))
                         - vec(_fact(cubes[rn], {d: frozenset(v) for d, v in rf.items()})))
    facts = list(hidden_facts)
    h_mat = np.array([vec(f) for f in facts])
    if not known:
        return []
    k_mat = np.array(known)
    w, u = np.linalg.eigh(k_mat @ k_mat.T)
    keep = w > max(w.max(), 1.0) * 1e-10
    coef = u[:, keep] @ ((u[:, keep].T @ (k_mat @ h_mat.T)) / w[keep, None])  # least-norm recoveries
    norm2 = (h_mat * h_mat).sum(1)
    resid2 = norm2 - ((k_mat @ h_mat.T) * coef).sum(0)
    exposed = [i for i in range(len(facts)) if resid2[i] <= 1e-6 * max(norm2[i], 1.0)]
    if report_all:
        return [(c.table, c.pos) for i in exposed for c in hidden_facts[facts[i]]]
    if not exposed:
        return []
    target = exposed[0]
    own = {c.table for c in hidden_facts[facts[target]]}
    null = u[:, ~keep]
    needed = np.linalg.norm(null, axis=1) < 1e-7 if null.size else np.ones(len(known), bool)
    used = [i for i in range(len(shown)) if abs(coef[i, target]) > 1e-7]
    pool = ([i for i in used if needed[i]] or used)
    candidates = [c for i in pool for c in shown_facts[shown[i]] if c.table not in own] or \
                 [c for i in pool for c in shown_facts[shown[i]]]
    if not candidates:  # pragma: no cover - exposed through identities alone
        raise RuntimeError("a hidden count follows from identities alone; it cannot be protected")
    # Cheapest: a body cell before a total, then the smallest non-zero count (a hidden zero gives little cover).
    best = min(candidates, key=lambda c: (c.total, c.value == 0, c.value, c.table, c.pos))
    return [(c.table, c.pos) for c in shown_facts[best.fact]]
