"""Small-number suppression and rounding for published tables, per audience.

Three conventions (primer section 6), selectable per report:

- ``dfe`` -- Department for Education: counts 1-5 shown as ``c``; zeros are
  shown; *secondary* suppression so that no hidden count can be worked back
  from the row and column totals. ``dfe_national`` also rounds totals to 10.
- ``nhsd`` -- NHS Digital: counts 1-7 shown as ``*``; every other count,
  totals included, rounded to the nearest 5 (rounding, not secondary
  suppression, is what stops differencing).
- ``tre10`` -- trusted research environments: counts below 10, zeros
  included, hidden, with secondary suppression.

How secondary suppression works. Publish a table with its row totals,
column totals and grand total; every row and every column of that bordered
table is a linear equation (cells add up to the total). A hidden cell can be
solved exactly from those equations unless it lies on a *cycle* of hidden
cells: think of each row and column of the bordered table as a node and each
hidden cell as an edge joining its row to its column; a hidden cell is
recoverable exactly when its edge is a bridge of that graph. The simple case
is a row or column with a single hidden cell, but a hidden cell can also be
a bridge between two blocks of hidden cells, and then adding up several rows
and subtracting several columns reveals it. So we repeat until no bridge is
left: take a bridge and hide the cheapest set of further cells that puts it on
a cycle -- the three other corners of a rectangle through it (the "hypercube"
method for two-way tables), or a single cell joining its two sides. Cheapest
means: body cells before totals, non-zero cells before zeros (a hidden zero
beside a hidden 1 gives little cover), then the smallest sum hidden. This
hides far fewer cells than repeatedly hiding "the smallest other cell in the
line", which grows chains of hidden cells across the table.

Counts are never negative, and a reader can use that too: a column whose shown
cells already add up to its total leaves its hidden cells at zero, and a hidden
cell on a cycle with a hidden zero can only move one way. So, once no bridge is
left, every hidden cell must also have a *witness*: another table of
non-negative whole numbers that agrees with everything published and differs in
that cell. A witness exists exactly when the cell lies on a cycle of hidden
cells along which one can add 1 and subtract 1 alternately (totals move with
their lines) without going below zero -- a reachability question, answered by a
breadth-first search. A cell without one gets further cells hidden, cheapest
first, until it has one.

This stops exact recovery; it does not guarantee a minimum width for the
range a reader can infer. For that use a dedicated tool (tau-Argus, sdcTable).

>>> t = pd.DataFrame({"A": [3, 20, 12], "B": [15, 18, 30]}, index=["x", "y", "z"])
>>> apply_policy(t, "dfe").values.tolist()
[['c', 'c', '18'], ['c', 'c', '38'], ['12', '30', '42'], ['35', '63', '98']]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

PRIMARY, SECONDARY = "primary", "secondary"


@dataclass(frozen=True)
class Policy:
    """One audience's disclosure convention.

    ``small`` is the inclusive range of positive counts that are hidden
    (``zeros_small`` adds zero); ``rounding`` rounds every shown count to that
    base; ``total_rounding`` rounds shown totals (row, column and grand) to that
    base instead; ``secondary`` turns on secondary suppression.

    >>> POLICIES["nhsd"].is_small(7), POLICIES["nhsd"].is_small(0)
    (True, False)
    """

    name: str
    small: tuple[int, int]
    symbol: str
    rounding: int | None = None
    total_rounding: int | None = None
    zeros_small: bool = False
    secondary: bool = True
    audience: str = ""

    def __post_init__(self) -> None:
        lo, hi = self.small
        if not 1 <= lo <= hi:
            raise ValueError(f"small must be a range of positive counts, got {self.small}")
        if not self.symbol or self.symbol.strip().lstrip("-").isdigit():
            raise ValueError("symbol must be non-numeric text")
        for name in ("rounding", "total_rounding"):
            base = getattr(self, name)
            if base is not None and base < 2:
                raise ValueError(f"{name} must be at least 2 or None")

    def is_small(self, n: int) -> bool:
        """Whether count ``n`` must be hidden (primary suppression)."""
        return (self.zeros_small and n == 0) or self.small[0] <= n <= self.small[1]


_DFE = Policy("dfe", (1, 5), "c", audience="Department for Education")
POLICIES: dict[str, Policy] = {
    "dfe": _DFE,
    # Primer: DfE rounds national and regional totals to the nearest 10.
    "dfe_national": replace(_DFE, name="dfe_national", total_rounding=10),
    "nhsd": Policy("nhsd", (1, 7), "*", rounding=5, secondary=False, audience="NHS Digital"),
    "tre10": Policy("tre10", (1, 9), "c", zeros_small=True, audience="trusted research environment"),
}


def _policy(policy: Policy | str) -> Policy:
    if isinstance(policy, Policy):
        return policy
    try:
        return POLICIES[policy]
    except KeyError:
        raise ValueError(f"unknown policy {policy!r}; choose from {sorted(POLICIES)}") from None


def _counts(table: pd.DataFrame) -> np.ndarray:
    if isinstance(table.index, pd.MultiIndex) or isinstance(table.columns, pd.MultiIndex):
        raise ValueError("flatten MultiIndex rows/columns before applying a disclosure policy")
    try:
        values = table.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("table must contain only counts") from None
    if not np.isfinite(values).all() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("table must contain non-negative whole counts with no missing values")
    return values.astype(np.int64)


def _bordered(counts: np.ndarray) -> np.ndarray:
    """Counts with a row-total column, a column-total row and the grand total."""
    r, c = counts.shape
    out = np.zeros((r + 1, c + 1), dtype=np.int64)
    out[:r, :c] = counts
    out[:r, c] = counts.sum(axis=1)
    out[r, :c] = counts.sum(axis=0)
    out[r, c] = counts.sum()
    return out


# ------------------------------------------------------------------ the graph
def _adjacency(mask: np.ndarray) -> list[list[tuple[int, tuple[int, int]]]]:
    """Row nodes 0..R-1 and column nodes R..R+C-1; each hidden cell is an edge."""
    rows, cols = mask.shape
    adj: list[list[tuple[int, tuple[int, int]]]] = [[] for _ in range(rows + cols)]
    for i, j in zip(*np.nonzero(mask)):
        cell = (int(i), int(j))
        adj[cell[0]].append((rows + cell[1], cell))
        adj[rows + cell[1]].append((cell[0], cell))
    return adj


def bridges(mask: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells that the row/column equations determine exactly (graph bridges).

    Tarjan's algorithm, iterative so large tables do not hit the recursion limit.

    >>> bridges(np.array([[True, True], [True, False]]))  # a path: every edge is a bridge
    [(1, 0), (0, 0), (0, 1)]
    >>> bridges(np.array([[True, True], [True, True]]))
    []
    """
    adj = _adjacency(mask)
    disc = [-1] * len(adj)
    low = [0] * len(adj)
    found: list[tuple[int, int]] = []
    clock = 0
    for root in range(len(adj)):
        if disc[root] != -1 or not adj[root]:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack = [(root, None, iter(adj[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            for nxt, cell in neighbours:
                if cell == via:
                    continue
                if disc[nxt] == -1:
                    disc[nxt] = low[nxt] = clock
                    clock += 1
                    stack.append((nxt, cell, iter(adj[nxt])))
                    break
                low[node] = min(low[node], disc[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        found.append(via)
    return found


def _side(adj, start: int, cut: tuple[int, int]) -> set[int]:
    """Nodes reachable from ``start`` without crossing hidden cell ``cut``."""
    seen, queue = {start}, deque([start])
    while queue:
        node = queue.popleft()
        for nxt, cell in adj[node]:
            if cell != cut and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _secondary(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hide more cells of the bordered table until every hidden cell is on a cycle and has a witness."""
    hidden = hidden.copy()
    rows, cols = values.shape
    is_total = np.zeros_like(hidden)
    is_total[-1, :] = True
    is_total[:, -1] = True

    def cost(cells: list[tuple[int, int]]) -> tuple:
        # Body cells before totals, non-zero cells before zeros, then least hidden.
        return (
            sum(bool(is_total[c]) for c in cells),
            sum(int(values[c]) == 0 for c in cells),
            sum(int(values[c]) for c in cells),
            len(cells),
            sorted(cells),
        )

    while True:
        found = bridges(hidden)
        if not found:
            if _cover_pinned(values, hidden, cost):
                continue
            return hidden
        i, j = found[0]
        options: list[list[tuple[int, int]]] = []
        # Close a rectangle i-j-k-l: the bridge then lies on a 4-cycle (the "hypercube" method).
        for k in range(rows):
            for l in range(cols):
                if k != i and l != j:
                    new = [c for c in ((i, l), (k, j), (k, l)) if not hidden[c]]
                    options.append(new)
        # Or join the two sides of the bridge with a single cell, if one exists.
        adj = _adjacency(hidden)
        row_side, col_side = _side(adj, i, (i, j)), _side(adj, rows + j, (i, j))
        for side_a, side_b in ((row_side, col_side), (col_side, row_side)):
            for a in (n for n in side_a if n < rows):
                for b in (n - rows for n in side_b if n >= rows):
                    if not hidden[a, b]:
                        options.append([(a, b)])
        options = [o for o in options if o]
        if not options:  # cannot happen for a bordered table (every line has >= 2 cells)
            raise RuntimeError("secondary suppression found no cell to hide")
        for cell in min(options, key=cost):
            hidden[cell] = True


def _cover_pinned(values: np.ndarray, hidden: np.ndarray, cost) -> bool:
    """Hide more cells for the first hidden cell without a witness; False when every cell has one."""
    pinned = _pinned(values, hidden)
    if not pinned:
        return False
    i, j = pinned[0]
    rows, cols = values.shape
    options = [[c for c in ((i, l), (k, j), (k, l)) if not hidden[c]]
               for k in range(rows) for l in range(cols) if k != i and l != j]
    options += [[(a, b)] for a in range(rows) for b in range(cols) if not hidden[a, b]]
    options = sorted((o for o in options if o), key=cost)
    if not options:  # everything is hidden: then every cell has a witness (grow it with its totals)
        raise RuntimeError("no cell left to hide")
    for option in options:
        trial = hidden.copy()
        for cell in option:
            trial[cell] = True
        if _has_witness(values, trial, (i, j)):
            break
    else:
        option = options[0]  # no single option is enough: take the cheapest and look again
    for cell in option:
        hidden[cell] = True
    return True


# ------------------------------------------------------------ non-negativity
def _step(values: np.ndarray, cell: tuple[int, int], direction: int) -> int:
    """Change of a cell's count when a cycle passes it in ``direction`` (+1 row->column, -1 back).

    Along a cycle of the bordered table, body cells and the grand total move with the cycle
    and row or column totals against it, so that every line still adds up.
    """
    rows, cols = values.shape
    on_margin = (cell[0] == rows - 1) != (cell[1] == cols - 1)
    return -direction if on_margin else direction


def _has_witness(values: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]) -> bool:
    """Whether another non-negative table agrees with all shown cells and totals but differs at ``cell``.

    Conformal decomposition: if any such table exists, one differs from this by +-1 around a
    single cycle of hidden cells, so searching cycles through ``cell`` is enough.
    """
    rows, cols = values.shape
    arcs: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for a, b in zip(*np.nonzero(hidden)):
        c = (int(a), int(b))
        if c == cell:
            continue
        if values[c] + _step(values, c, +1) >= 0:  # row -> column
            arcs.setdefault(c[0], []).append((rows + c[1], c))
        if values[c] + _step(values, c, -1) >= 0:  # column -> row
            arcs.setdefault(rows + c[1], []).append((c[0], c))
    row_node, col_node = cell[0], rows + cell[1]
    for direction, start, goal in ((+1, col_node, row_node), (-1, row_node, col_node)):
        if values[cell] + _step(values, cell, direction) < 0:
            continue
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for nxt, _ in arcs.get(node, []):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    return False


def _pinned(values: np.ndarray, hidden: np.ndarray) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in zip(*np.nonzero(hidden)) if not _has_witness(values, hidden, (a, b))]


def pinned_cells(values: np.ndarray, hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells of a bordered table that a reader can work out, using that counts are never negative.

    ``values`` is the table with its total column, total row and grand total; ``hidden``
    says which of its cells are not shown. Includes every bridge (see :func:`bridges`).

    >>> body = np.array([[True, True, False], [True, True, False], [False] * 3])
    >>> pinned_cells(np.array([[3, 4, 7], [5, 6, 11], [8, 10, 18]]), body)
    []
    >>> # a column total of 0 gives away its hidden zeros, and then the cells beside them
    >>> pinned_cells(np.array([[0, 4, 4], [0, 6, 6], [0, 10, 10]]), body)
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    """
    return _pinned(np.asarray(values), np.asarray(hidden, dtype=bool))


# ------------------------------------------------------------------ public API
def suppression_pattern(
    table: pd.DataFrame, policy: Policy | str, with_totals: bool = True, total_label: str = "Total",
    hide: np.ndarray | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which cells ``apply_policy`` hides: ``"primary"``, ``"secondary"`` or ``""``.

    Same shape and labels as the output of :func:`apply_policy`. ``hide`` (booleans, that
    shape too) names further cells to hide whatever their count -- for a count that is
    hidden in another published table -- and they are protected like the small ones.

    >>> t = pd.DataFrame({"A": [3, 20], "B": [15, 18]})
    >>> suppression_pattern(t, "dfe", with_totals=False).values.tolist()
    [['primary', ''], ['', '']]
    >>> hide_18 = [[False, False, False], [False, True, False], [False, False, False]]
    >>> suppression_pattern(t, "dfe", hide=hide_18).values.tolist()
    [['primary', 'secondary', ''], ['secondary', 'secondary', ''], ['', '', '']]
    """
    pol = _policy(policy)
    counts = _counts(table)
    values = _bordered(counts) if with_totals else counts
    primary = np.vectorize(pol.is_small, otypes=[bool])(values) if values.size else np.zeros(values.shape, bool)
    hidden = primary
    if hide is not None:
        extra = np.asarray(hide, dtype=bool)
        if extra.shape != values.shape:
            raise ValueError(f"hide has shape {extra.shape}; the published table has {values.shape}")
        hidden = primary | extra
    # Without published totals there is nothing to difference against within the table; with no
    # body cells (no rows or no columns) every total is zero by construction and there is nothing to protect.
    if with_totals and pol.secondary and hidden.any() and counts.size:
        hidden = _secondary(values, hidden)
    labels = np.where(primary, PRIMARY, np.where(hidden, SECONDARY, ""))
    return _frame(labels, table, with_totals, total_label)


def _round(n: int, base: int | None) -> int:
    # Half up (15 -> 20), as published statistics do; Python's round() is half-to-even.
    return n if base is None else (n + base // 2) // base * base


def apply_policy(
    table: pd.DataFrame, policy: Policy | str, with_totals: bool = True, total_label: str = "Total",
    hide: np.ndarray | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The publishable table: counts as strings, hidden ones as the policy's symbol.

    ``table`` holds counts (rows x columns). With ``with_totals`` a total column,
    a total row and the grand total are added *from the unrounded counts* and
    protected like any other cell. If the same table's totals are published
    elsewhere, keep ``with_totals=True`` and drop them afterwards, so secondary
    suppression still accounts for them. ``hide``: see :func:`suppression_pattern`.

    >>> t = pd.DataFrame({"A": [3, 20], "B": [15, 18]}, index=["x", "y"])
    >>> apply_policy(t, "nhsd").values.tolist()
    [['*', '15', '20'], ['20', '20', '40'], ['25', '35', '55']]
    """
    pol = _policy(policy)
    pattern = suppression_pattern(table, pol, with_totals, total_label, hide)
    counts = _counts(table)
    values = _bordered(counts) if with_totals else counts
    rows, cols = values.shape
    shown = np.empty(values.shape, dtype=object)
    for i in range(rows):
        for j in range(cols):
            total = with_totals and (i == rows - 1 or j == cols - 1)
            base = pol.total_rounding if total and pol.total_rounding else pol.rounding
            shown[i, j] = pol.symbol if pattern.iat[i, j] else str(_round(int(values[i, j]), base))
    out = _frame(shown, table, with_totals, total_label)
    return out.astype("str")


def _frame(data: np.ndarray, table: pd.DataFrame, with_totals: bool, total_label: str) -> pd.DataFrame:
    index, columns = list(table.index), list(table.columns)
    if with_totals:
        if total_label in index or total_label in columns:
            raise ValueError(f"table already has a {total_label!r} row or column; pass another total_label")
        index, columns = index + [total_label], columns + [total_label]
    out = pd.DataFrame(data, index=pd.Index(index, name=table.index.name),
                       columns=pd.Index(columns, name=table.columns.name))
    return out


def describe(policy: Policy | str) -> str:
    """One plain-English paragraph stating the policy, to print under a published table.

    >>> print(describe("nhsd"))
    Disclosure control (NHS Digital convention): counts from 1 to 7 are not shown and appear as "*". Zeros are shown. All other counts, including totals, are rounded to the nearest 5, so figures may not add up to the totals shown.
    """
    pol = _policy(policy)
    lo, hi = pol.small
    if pol.zeros_small:
        rng = f"counts below {hi + 1}, including zero," if lo == 1 else f"zero and counts from {lo} to {hi}"
    else:
        rng = f"counts from {lo} to {hi}"
    who = f" ({pol.audience} convention)" if pol.audience else f" ({pol.name})"
    parts = [f'Disclosure control{who}: {rng} are not shown and appear as "{pol.symbol}".']
    if not pol.zeros_small:
        parts.append("Zeros are shown.")
    if pol.secondary:
        parts.append(
            "Where a hidden count could otherwise be worked out from the row and column totals, "
            f'further counts, chosen to hide as little as possible, are also hidden and appear as "{pol.symbol}".'
        )
    if pol.rounding and pol.total_rounding:
        parts.append(
            f"Other counts are rounded to the nearest {pol.rounding} and totals to the nearest "
            f"{pol.total_rounding}, so figures may not add up to the totals shown."
        )
    elif pol.rounding:
        parts.append(
            f"All other counts, including totals, are rounded to the nearest {pol.rounding}, "
            "so figures may not add up to the totals shown."
        )
    elif pol.total_rounding:
        parts.append(
            f"Totals include the hidden counts and are rounded to the nearest {pol.total_rounding}, "
            "so they may not equal the sum of the figures shown."
        )
    else:
        parts.append("Totals include the hidden counts.")
    return " ".join(parts)
