"""Clerical review: the queue of doubtful pairs and the decisions that come back.

Pairs whose probability falls inside the review band (``settings.review_band``),
pairs that scored as links but carry a conflict, and links that clustering did
not follow (a conflict elsewhere in the person, or a record as likely one person
as another) go to a queue for a person to decide. Decisions come back as a table with ``record_id_l,
record_id_r, decision`` (``must_link`` or ``cannot_link``) and optionally
``reviewer`` and ``reason``; clustering then respects them (a must-link joins
the two records' persons, a cannot-link keeps them apart, overriding scores).
"""

from __future__ import annotations

import pandas as pd

DECISIONS = ("must_link", "cannot_link")
REVIEW_COLUMNS = ["record_id_l", "record_id_r", "probability", "match_weight", "reason", "conflicts"]


def review_queue(pairs: pd.DataFrame, review_band: tuple[float, float], decided: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pairs for clerical review, most doubtful first (probability nearest 0.5 in odds).

    ``pairs`` needs ``record_id_l, record_id_r, probability, match_weight, conflicts``.

    >>> p = pd.DataFrame({"record_id_l": ["a", "b"], "record_id_r": ["c", "d"], "probability": [0.7, 0.999],
    ...                   "match_weight": [1.2, 10.0], "conflicts": ["", ""]})
    >>> review_queue(p, (0.5, 0.99))["record_id_l"].tolist()
    ['a']
    """
    lo, hi = review_band
    in_band = (pairs["probability"] >= lo) & (pairs["probability"] < hi)
    conflict = (pairs["probability"] >= lo) & (pairs["conflicts"].astype(str) != "")
    apart = pd.Series(False, index=pairs.index)
    if "same_person" in pairs.columns and "linked" in pairs.columns:
        # linked with no conflict of its own, but clustering kept the two apart
        apart = pairs["linked"].astype(bool) & ~pairs["same_person"].astype(bool)
    sel = in_band | conflict | apart
    q = pairs.loc[sel, [c for c in REVIEW_COLUMNS if c in pairs.columns and c != "reason"]].copy()
    q["reason"] = "probability in review band"
    q.loc[apart[sel].to_numpy(), "reason"] = ("scored as a link but kept apart: one of them conflicts with the "
                                              "other's person, or is as likely someone kept apart from it")
    q.loc[conflict[sel].to_numpy(), "reason"] = "scored as a link but has a conflict"
    if decided is not None and len(decided):
        keys = set(zip(decided["record_id_l"].astype(str), decided["record_id_r"].astype(str)))
        keys |= {(b, a) for a, b in keys}
        mask = [(a, b) not in keys for a, b in zip(q["record_id_l"].astype(str), q["record_id_r"].astype(str))]
        q = q.loc[mask]
    q = q.assign(_doubt=q["match_weight"].abs()).sort_values("_doubt", kind="stable").drop(columns="_doubt")
    return q[REVIEW_COLUMNS].reset_index(drop=True)


def validate_decisions(decisions: pd.DataFrame | None) -> pd.DataFrame:
    """Check a decisions table and return it with text ids and a normalised decision.

    >>> validate_decisions(pd.DataFrame({"record_id_l": [1], "record_id_r": [2], "decision": ["Cannot-Link"]}))
      record_id_l record_id_r     decision reviewer reason
    0           1           2  cannot_link
    """
    if decisions is None or len(decisions) == 0:
        return pd.DataFrame(columns=["record_id_l", "record_id_r", "decision", "reviewer", "reason"])
    missing = {"record_id_l", "record_id_r", "decision"} - set(decisions.columns)
    if missing:
        raise ValueError(f"review decisions need column(s) {sorted(missing)}")
    d = decisions.copy()
    d["record_id_l"] = d["record_id_l"].astype(str)
    d["record_id_r"] = d["record_id_r"].astype(str)
    d["decision"] = d["decision"].astype(str).str.strip().str.lower().str.replace("-", "_").str.replace(" ", "_")
    bad = ~d["decision"].isin(DECISIONS)
    if bad.any():
        raise ValueError(f"unknown review decision {d.loc[bad, 'decision'].iloc[0]!r}; use must_link or cannot_link")
    for c in ("reviewer", "reason"):
        if c not in d.columns:
            d[c] = ""
    return d[["record_id_l", "record_id_r", "decision", "reviewer", "reason"]].reset_index(drop=True)
