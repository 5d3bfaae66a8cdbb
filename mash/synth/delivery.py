"""Split rendered rows into delivery files, with late arrivals and re-sent duplicates.

Row numbers follow the ingestion rule exactly: the first data row of a file is
row 1 (a multi-line CSV record counts once, a JSONL line is its line number,
an xlsx row counts from the row after the header).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mash.synth.dates import month_index, ymd
from mash.synth.noise import NoiseRates

EXT = {"police": "csv", "health": "jsonl", "schools": "xlsx", "csc": "csv", "asc": "csv", "housing": "csv",
       "probation": "csv", "online_form": "csv"}


def periods(partner: str, days: np.ndarray, start_day: int) -> tuple[np.ndarray, callable]:
    """Period ordinal per day and a function ordinal -> file label.

    Schools deliver per half-term (six a year, labelled by academic year), everyone else monthly.
    """
    if partner == "schools":
        y, m, _ = ymd(days)
        ay = np.where(m >= 9, y, y - 1)
        ht = np.select([m >= 9], [(m - 9) // 2 + 1], default=(m + 3) // 2 + 1)
        ht = np.minimum(ht, 6)
        ordinal = ay * 6 + ht - 1

        def label(o: int) -> str:
            a, h = divmod(int(o), 6)
            return f"{a}-{(a + 1) % 100:02d}_HT{h + 1}"
        return ordinal, label
    mi = month_index(days, start_day)
    y0, m0, _ = ymd(np.array([start_day]))

    def label(o: int) -> str:
        total = int(y0[0]) * 12 + int(m0[0]) - 1 + int(o)
        return f"{total // 12}-{total % 12 + 1:02d}"
    return mi, label


def deliver(rng: np.random.Generator, rates: NoiseRates, partner: str, rows: pd.DataFrame, ments: pd.DataFrame,
            notifs: pd.DataFrame, start_day: int, end_day: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Assign files and row numbers.

    Returns (rows with ``_file``/``_row``/``_dup``, mention lineage, notification lineage).
    ``ments`` needs nid, pid, rowkey, pos, noise (and optionally ``addr_d``, the true address the
    delivered row shows, -1 for none; carried into the lineage as ``addr``).
    """
    nt = notifs.set_index("nid")
    period, label = periods(partner, nt["reported"].to_numpy(), start_day)
    last = int(periods(partner, np.array([end_day - 1]), start_day)[0][0])
    n = len(nt)
    late = (rng.random(n) < rates.late) & (period < last)
    period = period + late
    dup = rng.random(n) < rates.duplicate
    same_file = (rng.random(n) < 0.5) & (partner != "police")  # police re-sends an occurrence in a later file
    dup_period = np.where(same_file | (period >= last), period, period + 1)
    if partner == "police":
        dup &= period < last
    per = pd.Series(period, index=nt.index)
    dper = pd.Series(dup_period, index=nt.index)
    dup_s = pd.Series(dup, index=nt.index)

    rows = rows.copy()
    rows["_dup"] = 0
    rows["_period"] = per.reindex(rows["_nid"].to_numpy()).to_numpy()
    copies = rows[dup_s.reindex(rows["_nid"].to_numpy()).to_numpy()].copy()
    copies["_dup"] = 1
    copies["_period"] = dper.reindex(copies["_nid"].to_numpy()).to_numpy()
    copies["_rowkey"] = copies["_rowkey"] * 2 + 1
    rows["_rowkey"] = rows["_rowkey"] * 2
    rows = pd.concat([rows, copies], ignore_index=True)
    rows["_reported"] = nt["reported"].reindex(rows["_nid"].to_numpy()).to_numpy()
    rows["_ref"] = nt["ref"].reindex(rows["_nid"].to_numpy()).to_numpy()
    rows = rows.sort_values(["_period", "_reported", "_ref", "_dup", "_order", "_rowkey"], kind="stable")
    labels = {o: label(o) for o in np.unique(rows["_period"].to_numpy())}
    ext = EXT[partner]
    per_arr = rows["_period"].to_numpy()
    uniq, inv = np.unique(per_arr, return_inverse=True)
    names = np.array([f"{partner}_{labels[o]}.{ext}" for o in uniq], dtype=object)
    rows["_file"] = pd.Series(names[inv], index=rows.index, dtype=object)
    rows["_row"] = rows.groupby("_period", sort=False).cumcount().to_numpy() + 1
    rows = rows.reset_index(drop=True)

    # mention lineage: originals at rowkey*2, duplicates at rowkey*2+1
    m0 = ments.assign(rowkey=ments["rowkey"] * 2)
    m1 = ments[dup_s.reindex(ments["nid"].to_numpy()).to_numpy()].assign(rowkey=lambda d: d["rowkey"] * 2 + 1)
    mm = pd.concat([m0, m1], ignore_index=True)
    where = rows.set_index("_rowkey")[["_file", "_row", "_dup"]]
    mm = mm.join(where, on="rowkey", how="inner")
    lineage = pd.DataFrame({
        "partner": partner, "file_name": mm["_file"].to_numpy(), "row_number": mm["_row"].to_numpy(),
        "member_position": mm["pos"].to_numpy(), "person_id": mm["pid"].to_numpy(),
        "nid": mm["nid"].to_numpy(), "dup": mm["_dup"].to_numpy(), "noise": mm["noise"].to_numpy(),
        "addr": mm["addr_d"].to_numpy() if "addr_d" in mm else np.full(len(mm), -1, dtype=np.int64),
    })

    # notification lineage (one row per delivered copy); an occurrence's rows are contiguous in its file
    o = rows.sort_values(["_nid", "_dup", "_row"], kind="stable")
    key = o["_nid"].to_numpy() * 2 + o["_dup"].to_numpy()
    head = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(head)
    counts = np.diff(np.r_[starts, len(o)])
    first_row = o["_row"].to_numpy()[starts]
    if counts.max(initial=1) == 1:
        row_txt = first_row.astype(str).astype(object)
    else:
        row_txt = np.array([";".join(map(str, range(a, a + c))) for a, c in zip(first_row, counts)], dtype=object)
    first = pd.DataFrame({"_nid": o["_nid"].to_numpy()[starts], "_dup": o["_dup"].to_numpy()[starts],
                          "file_name": pd.Series(o["_file"].to_numpy()[starts], dtype=object),
                          "rows": pd.Series(row_txt, dtype=object)})
    late_s = pd.Series(late, index=nt.index)
    first["late"] = late_s.reindex(first["_nid"].to_numpy()).to_numpy().astype(int)
    return rows, lineage, first
