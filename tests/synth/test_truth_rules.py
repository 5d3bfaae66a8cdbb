"""The ground truth's own pattern rules, on hand-made frames: they claim only what the rule says."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mash.synth import truth as T


def _frames(rows: list[tuple[int, int, str, int, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """rows: (nid, day, partner, severity, decision), all naming person 0."""
    n = pd.DataFrame(rows, columns=["nid", "day", "partner", "sev", "decision"])
    m = pd.DataFrame({"nid": n["nid"], "pid": 0})
    return n, m


def test_low_level_repeat_window_holds_every_notification_of_its_first_day():
    # a medium notification on the window's first day (earlier in nid order) puts it at threshold
    n, m = _frames([(0, 100, "health", 2, ""), (1, 100, "online_form", 1, ""), (2, 105, "online_form", 1, ""),
                    (3, 160, "police", 1, "")])
    assert T.low_level_repeats(n, m, np.array([True])).empty
    # the same records with the medium one on the day before: the window from day 100 is all low
    n.loc[0, "day"] = 99
    got = T.low_level_repeats(n, m, np.array([True]))
    assert got["nids"].tolist() == [[1, 2, 3]]


def _shown(rows: list[tuple[int, int, int, int, bool]], partner: str = "schools") -> pd.DataFrame:
    """rows: (nid, pid, day, addr, child) for family unit 1; addr -1 = the record shows no address."""
    x = pd.DataFrame(rows, columns=["nid", "pid", "day", "addr", "child"])
    return x.assign(unit=1, partner=partner)


FAMILY = np.array(["family", "family"], dtype=object)


def test_family_moves_counts_only_addresses_the_records_show_of_members_tied_to_a_child():
    rows = [(1, 10, 0, 100, True), (2, 10, 200, 200, True),  # the child at two homes
            (3, 11, 300, 300, False)]                        # the mother alone at a third
    assert T.family_moves(_shown(rows), FAMILY).empty       # nothing ties her to the child
    tied = rows + [(4, 11, 210, 200, False)]                # ... until a record places her at the child's home
    got = T.family_moves(_shown(tied), FAMILY)
    assert got["unit"].tolist() == [1] and got["nids"].tolist() == [[1, 2, 3]]
    assert got["pids"].tolist() == [[10, 11]]
    # the same, but the record of the child's second home shows no address (left out, stale, ambiguous)
    lost = [(1, 10, 0, 100, True), (2, 10, 200, -1, True), (3, 11, 300, 300, False), (4, 11, 210, 200, False)]
    assert T.family_moves(_shown(lost), FAMILY).empty


def test_delivered_ties_join_members_named_together_or_at_one_address_within_a_year():
    x = _shown([(1, 10, 0, 100, True), (1, 11, 0, -1, False),   # named together in notification 1
                (2, 12, 500, 100, True),                        # at the same address, but 500 days later
                (3, 13, 100, 100, True)])                       # at the same address 100 days later
    g = T.delivered_ties(x)
    assert g[0] == g[1] == g[3] and g[2] != g[0]


def test_sibling_spread_is_shown_only_across_children_the_records_tie_together():
    planted = [1, 2, 3]
    tied = _shown([(1, 10, 0, 100, True), (2, 11, 20, 100, True), (3, 10, 40, -1, True)])
    tied["partner"] = ["schools", "health", "online_form"]
    assert T.sibling_spread_shown(tied, planted, [10, 11])
    # the second child's only record has no address: nothing says the children are one family
    apart = tied.assign(addr=[100, -1, -1])
    assert not T.sibling_spread_shown(apart, planted, [10, 11])


def test_incidental_sibling_spread_in_the_true_data():
    """Two tied siblings, three low notifications about them from two partners in 90 days: an instance.
    Not with a medium notification naming their mother in the window, nor when one child is the subject
    of all three (that is the child's own low-level repeat)."""
    x = _shown([(1, 10, 0, 100, True), (2, 11, 30, 100, True), (3, 10, 60, 100, True), (9, 12, 400, 100, False)])
    x["partner"] = ["schools", "health", "police", "health"]
    notifs = pd.DataFrame({"nid": range(10), "subject": [-1, 10, 11, 10, -1, -1, -1, -1, -1, 12],
                           "sev": [1] * 10, "decision": [""] * 10})
    got = T.sibling_spreads(x, notifs, FAMILY)
    assert got["nids"].tolist() == [[1, 2, 3]] and got["pids"].tolist() == [[10, 11]]
    mum_at_threshold = pd.concat([x, _shown([(4, 12, 45, 100, False)]).assign(partner="police")], ignore_index=True)
    notifs.loc[4, ["subject", "sev"]] = [12, 2]
    assert T.sibling_spreads(mum_at_threshold, notifs, FAMILY).empty
    notifs.loc[4, ["subject", "sev"]] = [-1, 1]
    one_child = x.assign(pid=[10, 10, 10, 12])
    notifs.loc[2, "subject"] = 10
    assert T.sibling_spreads(one_child, notifs, FAMILY).empty
