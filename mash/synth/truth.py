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
    ok = (count >= 3) & (nbad == 0) & (next_diff <= end)
    # the window must start at a notification whose own day begins it and not be extendable backwards into a
    # threshold notification: checking the full 90 days after each start is the rule's definition
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


def family_moves(notifs: pd.DataFrame, ments: pd.DataFrame, unit_kind: np.ndarray, addr_of_mention: np.ndarray,
                 unit_of_mention: np.ndarray) -> pd.DataFrame:
    """Family units notified at >=3 distinct true addresses (mentions of members living in the unit)."""
    x = pd.DataFrame({"nid": ments["nid"].to_numpy(), "unit": unit_of_mention, "addr": addr_of_mention})
    x = x[(x["unit"] >= 0) & (unit_kind[np.maximum(x["unit"].to_numpy(), 0)] == "family")]
    x = x.drop_duplicates(["unit", "addr", "nid"])
    n_addr = x.groupby("unit")["addr"].nunique()
    units = n_addr[n_addr >= 3].index
    y = x[x["unit"].isin(units)].sort_values(["unit", "nid"], kind="stable").drop_duplicates(["unit", "addr"])
    return y.groupby("unit")["nid"].apply(list).reset_index().rename(columns={"nid": "nids"})


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
