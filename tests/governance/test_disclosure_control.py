"""Disclosure control: small-number suppression, secondary suppression and rounding.

The central property: after ``dfe`` (or ``tre10``) suppression, no hidden cell can
be worked back from the published row and column totals. Two independent
checkers test it: the linear deduction a reader would do by hand (a line of
the bordered table with one hidden cell gives that cell away; repeat until
nothing changes), and exact linear algebra (a hidden cell is determined iff
its unit vector lies in the row space of the total equations), which also
catches the differencing of several rows and columns that hand deduction misses.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mash.governance.disclosure import (
    POLICIES,
    Policy,
    apply_policy,
    bridges,
    describe,
    suppression_pattern,
)

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ strategies
def _table(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        index=pd.Index([f"r{i}" for i in range(len(rows))], name="agency"),
        columns=pd.Index([f"c{j}" for j in range(len(rows[0]))], name="outcome"),
    )


# Mostly small counts, so suppression has work to do, with some large ones.
_count = st.one_of(st.integers(0, 7), st.integers(0, 12), st.integers(0, 80))
tables = st.integers(1, 6).flatmap(
    lambda r: st.integers(1, 6).flatmap(
        lambda c: st.lists(st.lists(_count, min_size=c, max_size=c), min_size=r, max_size=r)
    )
).map(_table)


def bordered(table: pd.DataFrame) -> np.ndarray:
    v = table.to_numpy(dtype=np.int64)
    out = np.zeros((v.shape[0] + 1, v.shape[1] + 1), dtype=np.int64)
    out[:-1, :-1] = v
    out[:-1, -1] = v.sum(1)
    out[-1, :-1] = v.sum(0)
    out[-1, -1] = v.sum()
    return out


# ------------------------------------------------------------------ checkers
def _lines(shape: tuple[int, int]):
    """Each row and column of the bordered table as (cells, sign): the last cell is the total."""
    rows, cols = shape
    for i in range(rows):
        yield [(i, j) for j in range(cols)]
    for j in range(cols):
        yield [(i, j) for i in range(rows)]


def deduce(published: pd.DataFrame, symbol: str) -> dict[tuple[int, int], int]:
    """Hand deduction: values of hidden cells a reader can work out from published figures.

    A line (row or column, totals included) with exactly one hidden cell gives it
    away: a body cell is the total minus the others, a total is the sum of the body.
    Repeat with what has been learnt until nothing changes.
    """
    grid = published.to_numpy()
    known = {(i, j): int(grid[i, j]) for i in range(grid.shape[0]) for j in range(grid.shape[1])
             if grid[i, j] != symbol}
    learnt: dict[tuple[int, int], int] = {}
    changed = True
    while changed:
        changed = False
        for line in _lines(grid.shape):
            hidden = [cell for cell in line if cell not in known]
            if len(hidden) != 1:
                continue
            cell, *_ = hidden
            body, total = line[:-1], line[-1]
            if cell == total:
                value = sum(known[c] for c in body)
            else:
                value = known[total] - sum(known[c] for c in body if c != cell)
            known[cell] = learnt[cell] = value
            changed = True
    return learnt


def determined_exactly(hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells fixed by the linear total equations (any combination of them)."""
    rows, cols = hidden.shape
    unknowns = list(zip(*np.nonzero(hidden)))
    if not unknowns:
        return []
    pos = {cell: k for k, cell in enumerate(unknowns)}
    eqs = []
    for line in _lines((rows, cols)):
        coef = np.zeros(len(unknowns))
        for cell in line[:-1]:
            if cell in pos:
                coef[pos[cell]] += 1
        if line[-1] in pos:
            coef[pos[line[-1]]] -= 1
        eqs.append(coef)
    a = np.array(eqs)
    rank = np.linalg.matrix_rank(a)
    out = []
    for cell, k in pos.items():
        unit = np.zeros(len(unknowns))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            out.append((int(cell[0]), int(cell[1])))
    return out


def hidden_mask(published: pd.DataFrame, symbol: str) -> np.ndarray:
    return published.to_numpy() == symbol


def numbers(published: pd.DataFrame, symbol: str) -> list[int]:
    return [int(v) for v in published.to_numpy().ravel() if v != symbol]


# ------------------------------------------------------ the checkers themselves
def test_checkers_catch_primary_only_suppression() -> None:
    t = _table([[3, 20], [15, 18]])
    naive = dataclasses.replace(POLICIES["dfe"], secondary=False)
    published = apply_policy(t, naive)
    assert published.iat[0, 0] == "c"
    assert deduce(published, "c") == {(0, 0): 3}
    assert determined_exactly(hidden_mask(published, "c")) == [(0, 0)]


def test_hand_deduction_misses_differencing_that_linear_algebra_finds() -> None:
    # Two 2x2 blocks of hidden cells joined by one hidden cell (r1, c2): every row and
    # column has at least two hidden cells, so hand deduction learns nothing, yet
    # (rows 0+1) - (columns 0+1) isolates the joining cell.
    t = _table([
        [10, 11, 20, 21, 30],
        [12, 13, 14, 22, 31],
        [23, 24, 15, 16, 32],
        [25, 26, 17, 18, 33],
    ])
    hidden = np.zeros((5, 6), dtype=bool)
    for cell in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)]:
        hidden[cell] = True
    grid = bordered(t).astype(object)
    grid[hidden] = "c"
    published = pd.DataFrame(grid).map(str)
    assert deduce(published, "c") == {}
    assert determined_exactly(hidden) == [(1, 2)]
    assert bridges(hidden) == [(1, 2)]


# ------------------------------------------------------------------ dfe
@SETTINGS
@given(tables)
def test_dfe_no_hidden_cell_can_be_recovered_from_totals(table: pd.DataFrame) -> None:
    published = apply_policy(table, "dfe")
    assert deduce(published, "c") == {}
    assert determined_exactly(hidden_mask(published, "c")) == []


@SETTINGS
@given(tables)
def test_dfe_publishes_no_small_count_and_shows_the_rest_exactly(table: pd.DataFrame) -> None:
    published = apply_policy(table, "dfe")
    truth = bordered(table)
    shown = ~hidden_mask(published, "c")
    assert not any(1 <= n <= 5 for n in numbers(published, "c"))
    assert (published.to_numpy()[shown].astype(int) == truth[shown]).all()
    small = (truth >= 1) & (truth <= 5)
    assert not (small & shown).any(), "every small count, totals included, is hidden"


@SETTINGS
@given(tables)
def test_dfe_every_line_with_a_hidden_cell_has_two(table: pd.DataFrame) -> None:
    hidden = hidden_mask(apply_policy(table, "dfe"), "c")
    assert all(n != 1 for n in hidden.sum(axis=0)) and all(n != 1 for n in hidden.sum(axis=1))


@SETTINGS
@given(tables)
def test_dfe_zeros_are_not_small(table: pd.DataFrame) -> None:
    pattern = suppression_pattern(table, "dfe").to_numpy()
    assert not ((bordered(table) == 0) & (pattern == "primary")).any()


@SETTINGS
@given(tables)
def test_dfe_national_rounds_totals_to_ten_and_still_protects(table: pd.DataFrame) -> None:
    published = apply_policy(table, "dfe_national")
    truth = bordered(table)
    grid = published.to_numpy()
    body, total = np.zeros(truth.shape, bool), np.zeros(truth.shape, bool)
    body[:-1, :-1] = True
    total[-1, :] = total[:, -1] = True
    for i, j in zip(*np.nonzero(grid != "c")):
        n = int(grid[i, j])
        if total[i, j]:
            assert n % 10 == 0 and abs(n - truth[i, j]) <= 5
        else:
            assert n == truth[i, j]
    assert not any(1 <= n <= 5 for n in numbers(published, "c"))
    # Same cells hidden as plain dfe: rounding totals is on top of suppression.
    assert (hidden_mask(published, "c") == hidden_mask(apply_policy(table, "dfe"), "c")).all()


def test_dfe_worked_example() -> None:
    t = _table([[3, 20, 9], [15, 18, 40], [12, 30, 50]])
    published = apply_policy(t, "dfe")
    assert published.to_numpy().tolist() == [
        ["c", "c", "9", "32"],
        ["c", "c", "40", "73"],
        ["12", "30", "50", "92"],
        ["30", "68", "99", "197"],
    ]
    assert list(published.index) == ["r0", "r1", "r2", "Total"]
    assert list(published.columns) == ["c0", "c1", "c2", "Total"]
    assert published.index.name == "agency" and published.columns.name == "outcome"
    pattern = suppression_pattern(t, "dfe")
    assert pattern.iat[0, 0] == "primary" and pattern.iat[1, 1] == "secondary"


def test_dfe_prefers_a_nonzero_cell_to_a_zero() -> None:
    # Hiding the 0 beside the 3 would leave "c + c = 3" with one of them known to be
    # zero-or-more: the next smallest non-zero cell gives real cover.
    published = apply_policy(_table([[3, 0, 8], [9, 11, 30]]), "dfe")
    assert published.iat[0, 1] == "0"
    assert published.iat[0, 2] == "c"


def test_dfe_small_total_is_hidden_and_protected() -> None:
    # Row r0 totals 4: the total itself is small, so it is hidden and the totals
    # column needs a second hidden cell.
    published = apply_policy(_table([[0, 4, 0], [20, 30, 40], [25, 35, 45]]), "dfe")
    assert published.loc["r0", "Total"] == "c"
    assert deduce(published, "c") == {}
    assert determined_exactly(hidden_mask(published, "c")) == []


def test_single_row_and_single_column_tables() -> None:
    for t in (_table([[3, 40, 50]]), _table([[3], [40], [50]]), _table([[3]])):
        published = apply_policy(t, "dfe")
        assert deduce(published, "c") == {}
        assert determined_exactly(hidden_mask(published, "c")) == []


def test_nothing_small_means_nothing_hidden() -> None:
    published = apply_policy(_table([[0, 10], [20, 30]]), "dfe")
    assert (published.to_numpy() != "c").all()


def test_without_totals_only_small_cells_are_hidden() -> None:
    t = _table([[3, 20], [15, 18]])
    published = apply_policy(t, "dfe", with_totals=False)
    assert published.to_numpy().tolist() == [["c", "20"], ["15", "18"]]


# ------------------------------------------------------------------ nhsd
@SETTINGS
@given(tables)
def test_nhsd_values_are_multiples_of_five_or_star(table: pd.DataFrame) -> None:
    published = apply_policy(table, "nhsd")
    truth = bordered(table)
    grid = published.to_numpy()
    for i, j in np.ndindex(grid.shape):
        if grid[i, j] == "*":
            assert 1 <= truth[i, j] <= 7
        else:
            n = int(grid[i, j])
            assert n % 5 == 0 and abs(n - truth[i, j]) <= 2
            assert not 1 <= n <= 7
    assert ((truth >= 1) & (truth <= 7) == (grid == "*")).all()


def test_nhsd_rounding_is_half_up() -> None:
    published = apply_policy(_table([[8, 12, 13, 0]]), "nhsd", with_totals=False)
    assert published.to_numpy().tolist() == [["10", "10", "15", "0"]]


# ------------------------------------------------------------------ tre10
@SETTINGS
@given(tables)
def test_tre10_hides_zeros_and_everything_below_ten_unrecoverably(table: pd.DataFrame) -> None:
    published = apply_policy(table, "tre10")
    truth = bordered(table)
    assert all(n >= 10 for n in numbers(published, "c"))
    assert (published.to_numpy()[truth == 0] == "c").all()
    assert deduce(published, "c") == {}
    assert determined_exactly(hidden_mask(published, "c")) == []


# ------------------------------------------------------------------ api details
def test_policies_and_symbols() -> None:
    assert {"dfe", "nhsd", "tre10"} <= set(POLICIES)
    assert (POLICIES["dfe"].symbol, POLICIES["nhsd"].symbol) == ("c", "*")
    assert POLICIES["dfe"].small == (1, 5) and not POLICIES["dfe"].zeros_small
    assert POLICIES["nhsd"].small == (1, 7) and POLICIES["nhsd"].rounding == 5 and not POLICIES["nhsd"].secondary
    assert POLICIES["tre10"].zeros_small and POLICIES["tre10"].is_small(9) and not POLICIES["tre10"].is_small(10)
    assert POLICIES["dfe_national"].total_rounding == 10


def test_a_policy_object_and_its_name_give_the_same_output() -> None:
    t = _table([[3, 20], [15, 18]])
    assert apply_policy(t, POLICIES["dfe"]).equals(apply_policy(t, "dfe"))


def test_output_is_strings() -> None:
    out = apply_policy(_table([[3, 20], [15, 18]]), "dfe")
    assert all(isinstance(v, str) for v in out.to_numpy().ravel())


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(name="x", small=(0, 5), symbol="c"),
        dict(name="x", small=(5, 1), symbol="c"),
        dict(name="x", small=(1, 5), symbol=""),
        dict(name="x", small=(1, 5), symbol="5"),
        dict(name="x", small=(1, 5), symbol="c", rounding=1),
    ],
)
def test_bad_policies_are_refused(kwargs) -> None:
    with pytest.raises(ValueError):
        Policy(**kwargs)


@pytest.mark.parametrize(
    "table",
    [
        pd.DataFrame({"a": [1, -1]}),
        pd.DataFrame({"a": [1.5, 2]}),
        pd.DataFrame({"a": [1, None]}),
        pd.DataFrame({"a": ["x", "y"]}),
        pd.DataFrame({"a": [1]}, index=pd.MultiIndex.from_tuples([("x", "y")])),
    ],
)
def test_bad_tables_are_refused(table: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        apply_policy(table, "dfe")


def test_unknown_policy_and_total_label_clash() -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        apply_policy(_table([[1]]), "ons")
    clash = pd.DataFrame({"Total": [10]})
    with pytest.raises(ValueError, match="total_label"):
        apply_policy(clash, "dfe")
    assert apply_policy(clash, "dfe", total_label="All").columns.tolist() == ["Total", "All"]


def test_whole_number_floats_are_accepted() -> None:
    assert apply_policy(pd.DataFrame({"a": [3.0, 20.0]}), "dfe").to_numpy().tolist() == [
        ["c", "c"], ["c", "c"], ["23", "23"]
    ]


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_describe_is_one_plain_paragraph(name: str) -> None:
    text = describe(name)
    pol = POLICIES[name]
    assert "\n" not in text and f'"{pol.symbol}"' in text
    assert str(pol.small[1]) in text or str(pol.small[1] + 1) in text
    if pol.rounding:
        assert f"nearest {pol.rounding}" in text
    if pol.total_rounding:
        assert f"nearest {pol.total_rounding}" in text
    if pol.secondary:
        assert "worked out" in text
    assert ("including zero" in text) == pol.zeros_small
