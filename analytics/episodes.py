"""Turning qualifying windows into episodes: one alert per run of overlapping windows.

A child with five low-level notifications in 100 days qualifies in several
overlapping 90-day windows; an analyst wants one alert listing all of them, not
three alerts about the same weeks. Windows of one subject that overlap are
merged; their evidence is the union.
"""

from __future__ import annotations

import pandas as pd


def merge_windows(w: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Merge overlapping ``[start, end]`` windows per ``keys`` into episodes with the union of ``ids``.

    ``w`` needs ``start``, ``end`` (dates) and ``ids`` (list of evidence ids).
    Returns one row per episode: ``keys``, ``start``, ``end``, ``ids`` (sorted, unique).

    >>> w = pd.DataFrame({"s": ["A", "A", "A"], "start": pd.to_datetime(["2025-01-01", "2025-01-10", "2025-06-01"]),
    ...                   "end": pd.to_datetime(["2025-03-31", "2025-04-09", "2025-08-29"]),
    ...                   "ids": [["n1", "n2"], ["n2", "n3"], ["n9"]]})
    >>> merge_windows(w, ["s"])["ids"].tolist()
    [['n1', 'n2', 'n3'], ['n9']]
    """
    if w.empty:
        return pd.DataFrame(columns=[*keys, "start", "end", "ids"])
    w = w.sort_values([*keys, "start", "end"], kind="stable").reset_index(drop=True)
    same = pd.Series(True, index=w.index)
    for k in keys:
        same &= w[k].eq(w[k].shift())
    # the latest end so far within the subject; shifted by one row (a subject's first row starts an episode
    # anyway, so what it sees from the subject before does not matter)
    prev_end = w.groupby(keys, sort=False)["end"].cummax().shift()
    new = ~same | (w["start"] > prev_end)
    w["episode"] = new.cumsum()
    out = w.groupby("episode", sort=True).agg(
        **{k: (k, "first") for k in keys}, start=("start", "min"), end=("end", "max"))
    ids = (w[["episode", "ids"]].explode("ids").dropna().drop_duplicates()
           .sort_values(["episode", "ids"], kind="stable").groupby("episode")["ids"].agg(list))
    out["ids"] = [ids.get(e, []) for e in out.index]
    return out.reset_index(drop=True)
