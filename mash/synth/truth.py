"""Ground truth: pattern instances found by rule in the *true* data, and the truth files.

Planted instances are guaranteed; the same rules also find incidental ones in
the background, which are listed with ``planted = 0`` so that a detector's
precision can be measured fairly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD_DECISIONS = {"Early Help", "Referral", "Strategy"}
REFERRAL = {"Referral", "Strategy"}


def code(prefix: str, values, width: int) -> np.ndarray:
    """Vectorised ``f"{prefix}{v:0{width}d}"``: ``code("P", [3], 7)[0] == "P0000003"``."""
    arr = np.asarray(values, dtype=np.int64).tolist()
    return np.array([f"{prefix}{v:0{width}d}" for v in arr], dtype=object)


def pid_str(p) -> np.ndarray:
    return code("P", p, 7)


def low_level_repeats(notifs: pd.DataFrame, ments: pd.DataFrame, is_child_pid: np.ndarray) -> pd.DataFrame:
    """Children with a qualifying 90-day window (see :mod:`mash.synth.patterns`); one row per child.

    Returns columns pid, nids (list of nid in the first qualifying window).
    """
    x = ments[["nid", "pid"]].drop_duplicates().merge(notifs[["nid", "day", "partner", "sev", "decision"]], on="nid")
    x = x[is_child_pid[x["pid"].to_numpy()]]
    x = x.sort_values(["pid", "day", "nid"], kind="stable").reset_index(drop=True)
    if x.empty:
        return pd.DataFrame(columns=["pid", "nids"])
    pid = x["pid"].to_numpy(np.int64)
    day = x["day"].to_numpy(np.int64)
    key = pid * (1 << 24) + (day - day.min())
    end = np.searchsorted(key, key + 89, side="right") - 1  # last index inside the window
    bad = ((x["sev"].to_numpy() > 1) | x["decision"].isin(THRESHOLD_DECISIONS).to_numpy()).astype(np.int64)
    cbad = np.r_[0, np.cumsum(bad)]
    nbad = cbad[end + 1] - cbad[np.arange(len(x))]
    part = pd.factorize(x["partner"])[0]
    # first index after i whose partner differs (same pid), else len
    change = np.r_[True, (part[1:] != part[:-1]) | (pid[1:] != pid[:-1])]
    starts = np.flatnonzero(change)
    run_end = np.r_[starts[1:], len(x)]
    next_diff = np.repeat(run_end, np.diff(np.r_[starts, len(x)]))
    count = end - np.arange(len(x)) + 1
    # a window is a day and the 89 days after it: it starts at the first notification of its day, so a
    # threshold notification on the same day (earlier in nid order) is inside it, as the rule reads it
    first_of_day = np.r_[True, (pid[1:] != pid[:-1]) | (day[1:] != day[:-1])]
    ok = (count >= 3) & (nbad == 0) & (next_diff <= end) & first_of_day
    # checking the full 90 days after each start day is the rule's definition
    idx = np.flatnonzero(ok)
    if not len(idx):
        return pd.DataFrame(columns=["pid", "nids"])
    first = pd.Series(idx, index=pid[idx]).groupby(level=0).first()
    nid = x["nid"].to_numpy()
    return pd.DataFrame({"pid": first.index.to_numpy(),
                         "nids": [list(nid[i:end[i] + 1]) for i in first.to_numpy()]})


def re_referrals(notifs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Children referred to CSC again within 365 days of a previous referral (first such pair each),
    and how many children were referred at all."""
    c = notifs[(notifs["partner"] == "csc") & notifs["decision"].isin(REFERRAL)]
    subj = c["subject"].to_numpy(np.int64)
    day = c["day"].to_numpy(np.int64)
    nid = c["nid"].to_numpy(np.int64)
    o = np.lexsort((nid, day, subj))
    subj, day, nid = subj[o], day[o], nid[o]
    same = np.r_[False, subj[1:] == subj[:-1]]
    gap = np.r_[0, day[1:] - day[:-1]]
    hit = np.flatnonzero(same & (gap <= 365))
    first = hit[np.r_[True, subj[hit][1:] != subj[hit][:-1]]] if len(hit) else hit
    out = pd.DataFrame({"pid": subj[first], "nids": [[int(nid[i - 1]), int(nid[i])] for i in first]})
    return out, int(len(np.unique(subj)))


TIE_DAYS = 365  # two people recorded at one address this close in time were living there together


def delivered_ties(x: pd.DataFrame, tie_days: int = TIE_DAYS) -> pd.Series:
    """Group the members of each family unit by what the delivered records show of them together.

    ``x`` has one row per delivered mention of a person while a member of ``unit``: ``unit, pid, nid, day,
    addr`` (the true address the record shows them living at, -1 for none). Two members are tied when one notification
    names both, or when records place both at one address within ``tie_days`` of each other; ties
    chain. Members nothing ties to the rest of their family are, for the hub, people on their own.

    Returns ``x``'s index -> a group label (one per connected group of members within a unit).

    >>> x = pd.DataFrame({"unit": [1, 1, 1, 1], "pid": [10, 11, 11, 12], "nid": [5, 5, 6, 7],
    ...                   "day": [0, 0, 40, 90], "addr": [-1, -1, 3, 3]})
    >>> delivered_ties(x).nunique()  # 10 and 11 in one notification, 11 and 12 at address 3
    1
    """
    if x.empty:
        return pd.Series(dtype=np.int64)
    key = x["unit"].to_numpy(np.int64) * (1 << 32) + x["pid"].to_numpy(np.int64)
    codes, uniq = pd.factorize(key)
    parent = np.arange(len(uniq))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union_pairs(a: np.ndarray, b: np.ndarray) -> None:
        for i, j in zip(a.tolist(), b.tolist()):
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)

    frame = pd.DataFrame({"unit": x["unit"].to_numpy(), "nid": x["nid"].to_numpy(), "day": x["day"].to_numpy(),
                          "addr": x["addr"].to_numpy(), "c": codes})
    # named together in one notification
    same = frame.sort_values(["unit", "nid", "c"], kind="stable")
    u, n, c = (same[k].to_numpy() for k in ("unit", "nid", "c"))
    nxt = (u[1:] == u[:-1]) & (n[1:] == n[:-1]) & (c[1:] != c[:-1])
    union_pairs(c[:-1][nxt], c[1:][nxt])
    # recorded at one address close in time: neighbours in date order are the closest pairs
    at = frame[frame["addr"] >= 0].sort_values(["unit", "addr", "day", "c"], kind="stable")
    u, a, d, c = (at[k].to_numpy() for k in ("unit", "addr", "day", "c"))
    nxt = (u[1:] == u[:-1]) & (a[1:] == a[:-1]) & (c[1:] != c[:-1]) & ((d[1:] - d[:-1]) <= tie_days)
    union_pairs(c[:-1][nxt], c[1:][nxt])
    roots = np.array([find(i) for i in range(len(uniq))], dtype=np.int64)
    return pd.Series(roots[codes], index=x.index)


def family_moves(x: pd.DataFrame, unit_kind: np.ndarray) -> pd.DataFrame:
    """Family units whose delivered records show them at >= 3 different addresses.

    ``x``: one row per delivered mention (originals, not re-sent copies): ``nid, pid, day, unit`` (the
    family unit the person lived in that day, -1 for none), ``addr`` (the true address the record shows
    the person living at that day; -1 when it has no address line, only a street, or a stale one) and
    ``child`` (under 18 that day). Only members the records tie to a child of the family count (see
    :func:`delivered_ties`): a parent never recorded with or near the children does not show the family
    anywhere. One row per unit: ``unit, pids`` (the tied group), ``nids`` (the first notification at each
    address, by date).
    """
    x = x[(x["unit"] >= 0)]
    x = x[unit_kind[np.maximum(x["unit"].to_numpy(), 0)] == "family"].copy()
    if x.empty:
        return pd.DataFrame(columns=["unit", "pids", "nids"])
    x["grp"] = delivered_ties(x)
    with_child = set(x.loc[x["child"], "grp"])
    x = x[x["grp"].isin(with_child) & (x["addr"] >= 0)]
    n_addr = x.groupby(["unit", "grp"])["addr"].nunique()
    best = n_addr[n_addr >= 3].reset_index().sort_values(["unit", "addr", "grp"], ascending=[True, False, True])
    best = best.drop_duplicates("unit")
    y = x.merge(best[["unit", "grp"]], on=["unit", "grp"]).sort_values(["unit", "day", "nid"], kind="stable")
    firsts = y.drop_duplicates(["unit", "addr"]).groupby("unit")["nid"].apply(list)
    pids = y.groupby("unit")["pid"].apply(lambda s: sorted(set(s)))
    return pd.DataFrame({"unit": firsts.index.to_numpy(), "pids": pids.reindex(firsts.index).to_numpy(),
                         "nids": firsts.to_numpy()})


def sibling_spread_shown(x: pd.DataFrame, nids: list[int], children: list[int]) -> bool:
    """Do the delivered records still show a planted spread across siblings?

    ``x`` as for :func:`family_moves`, for the one family unit; ``nids`` the planted notifications, each
    about one of ``children``. Counted: notifications about children the records tie together (see
    :func:`delivered_ties`); they must be >= 3, from >= 2 partners, about >= 2 children, each child in
    fewer than 3. ``x`` needs ``partner`` too.
    """
    if x.empty:
        return False
    x = x.assign(grp=delivered_ties(x))
    grp_of = x.drop_duplicates("pid").set_index("pid")["grp"]
    planted = x[x["nid"].isin(nids) & x["pid"].isin(children)].drop_duplicates("nid")
    planted = planted.assign(grp=planted["pid"].map(grp_of))
    for _, g in planted.groupby("grp"):
        per_child = g.groupby("pid").size()
        if (len(g) >= 3 and g["partner"].nunique() >= 2 and len(per_child) >= 2
                and int(per_child.max()) < 3):
            return True
    return False


def sibling_spreads(x: pd.DataFrame, notifs: pd.DataFrame, unit_kind: np.ndarray, window: int = 90) -> pd.DataFrame:
    """Spreads across siblings in the true data, as the delivered records show them (incidental instances).

    ``x`` as for :func:`family_moves`; ``notifs`` needs ``nid, subject, sev, decision`` (row = nid). Within
    one family unit's tied group (see :func:`delivered_ties`), a window of ``window`` days from a day holds
    >= 3 notifications about (the subject is) children of the group, from >= 2 partners, about >= 2 of them,
    none about one child 3 times or more, all low with no decision at or above early help; and no
    notification at threshold names anyone of the unit in the window. One row per unit and group (the
    first qualifying window): ``unit, pids`` (the children), ``nids``.
    """
    cols = ["unit", "pids", "nids"]
    x = x[(x["unit"] >= 0)]
    x = x[unit_kind[np.maximum(x["unit"].to_numpy(), 0)] == "family"].copy()
    if x.empty:
        return pd.DataFrame(columns=cols)
    x["grp"] = delivered_ties(x)
    nid = x["nid"].to_numpy()
    at_threshold = (notifs["sev"].to_numpy()[nid] > 1) | notifs["decision"].isin(THRESHOLD_DECISIONS).to_numpy()[nid]
    x["bad"] = at_threshold
    about = x[x["child"] & (notifs["subject"].to_numpy()[nid] == x["pid"].to_numpy())]
    about = about.drop_duplicates(["unit", "grp", "nid"])
    n_kids = about.groupby(["unit", "grp"])["pid"].transform("nunique")
    about = about[(n_kids >= 2) & (about.groupby(["unit", "grp"])["nid"].transform("size") >= 3)]
    if about.empty:
        return pd.DataFrame(columns=cols)
    bad_days = x[x["bad"]].groupby("unit")["day"].agg(lambda s: np.sort(s.to_numpy()))
    out = []
    for (unit, _), g in about.sort_values(["unit", "grp", "day", "nid"], kind="stable").groupby(["unit", "grp"]):
        days, nids, pids = g["day"].to_numpy(), g["nid"].to_numpy(), g["pid"].to_numpy()
        parts, bad = g["partner"].to_numpy(), g["bad"].to_numpy()
        unit_bad = bad_days.get(unit, np.array([], dtype=np.int64))
        for start in np.unique(days):
            sel = (days >= start) & (days <= start + window - 1)
            if sel.sum() < 3 or bad[sel].any() or len(set(parts[sel])) < 2:
                continue
            per_child = pd.Series(pids[sel]).value_counts()
            if len(per_child) < 2 or int(per_child.max()) >= 3:
                continue
            if ((unit_bad >= start) & (unit_bad <= start + window - 1)).any():
                continue
            out.append((int(unit), sorted(set(pids[sel].tolist())), nids[sel].tolist()))
            break
    return pd.DataFrame(out, columns=cols)


def da_suspects(notifs: pd.DataFrame, ments: pd.DataFrame, addr_of_mention: np.ndarray) -> pd.DataFrame:
    """Adults named as suspect in police DA incidents at >=2 addresses where children were named."""
    m = ments.assign(addr=addr_of_mention)
    pol = notifs[(notifs["partner"] == "police") & (notifs["concern"] == "domestic_abuse")]["nid"]
    m = m[m["nid"].isin(pol)]
    kids = set(m.loc[m["role"].isin(["Child Present", "Child Resident", "Witness"]), "nid"])
    victim_addr = m[m["role"] == "Victim"].drop_duplicates("nid").set_index("nid")["addr"]
    s = m[(m["role"] == "Suspect") & m["nid"].isin(kids)][["nid", "pid"]].copy()
    s["addr"] = victim_addr.reindex(s["nid"].to_numpy()).to_numpy()
    n_addr = s.groupby("pid")["addr"].nunique()
    sus = n_addr[n_addr >= 2].index
    y = s[s["pid"].isin(sus)].sort_values(["pid", "nid"], kind="stable")
    return y.groupby("pid")["nid"].apply(list).reset_index().rename(columns={"nid": "nids"})


def same_name_close_dob(persons: pd.DataFrame, mentioned: np.ndarray, family_of: np.ndarray,
                        max_ahead: int = 8) -> list[tuple[int, int]]:
    """Pairs of different mentioned children with the same forename+surname, DOB 1-14 days apart,
    in different families.

    Sort-and-scan (each child compared with the next few namesakes by DOB), so common names do not
    explode into all pairs at a million notifications.
    """
    p = persons.loc[mentioned]
    p = p[p["is_child"].to_numpy()]
    name = (p["given"].astype(str) + "\x1f" + p["family"].astype(str)).to_numpy()
    codes = pd.factorize(name)[0]
    order = np.lexsort((p["dob"].to_numpy(), codes))
    c = codes[order]
    dob = p["dob"].to_numpy()[order]
    pid = p["pid"].to_numpy()[order]
    fam = family_of[pid]
    out: list[tuple[int, int]] = []
    for k in range(1, max_ahead + 1):
        if k >= len(c):
            break
        same = (c[k:] == c[:-k]) & ((dob[k:] - dob[:-k]) >= 1) & ((dob[k:] - dob[:-k]) <= 14) & (fam[k:] != fam[:-k])
        i = np.flatnonzero(same)
        out.extend(zip(np.minimum(pid[i], pid[i + k]).tolist(), np.maximum(pid[i], pid[i + k]).tolist()))
    return sorted(set(out))
