"""Pairwise precision / recall / F1 and resource measurement for the benchmarks."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psutil

from matching.evaluation import pairs_within


def prf(tp: int, n_pred: int, n_true: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": int(tp), "pred": int(n_pred), "true": int(n_true)}


def pairwise_from_pairs(id_l, id_r, truth_by_id: pd.Series, source_by_id: pd.Series | None = None) -> dict:
    """P/R/F1 of predicted links given as record-id pairs (each unordered pair once)."""
    lab = pd.factorize(truth_by_id)[0]
    pos = pd.Series(np.arange(len(truth_by_id)), index=truth_by_id.index)
    a = pos.loc[np.asarray(id_l)].to_numpy()
    b = pos.loc[np.asarray(id_r)].to_numpy()
    key = np.minimum(a, b) * len(pos) + np.maximum(a, b)
    key = np.unique(key)
    a, b = key // len(pos), key % len(pos)
    tp = int((lab[a] == lab[b]).sum())
    src = None if source_by_id is None else pd.factorize(source_by_id)[0]
    return prf(tp, len(key), pairs_within(lab, src))


def pairwise_from_clusters(cluster_by_id: pd.Series, truth_by_id: pd.Series,
                           source_by_id: pd.Series | None = None) -> dict:
    """P/R/F1 of the pairs implied by clusters (all pairs inside each predicted cluster)."""
    pred = pd.factorize(cluster_by_id.loc[truth_by_id.index])[0]
    true = pd.factorize(truth_by_id)[0]
    src = None if source_by_id is None else pd.factorize(source_by_id.loc[truth_by_id.index])[0]
    n_true = pairs_within(true, src)
    n_pred = pairs_within(pred, src)
    both = pd.factorize(pd.Series(pred).astype(str) + "|" + pd.Series(true).astype(str))[0]
    tp = pairs_within(both, src)
    return prf(tp, n_pred, n_true)


@dataclass
class Measured:
    seconds: float = 0.0
    peak_rss_gb: float = 0.0


@contextmanager
def measure(interval: float = 0.05):
    """Wall time and peak resident memory (RSS of this process, sampled) of a block."""
    proc = psutil.Process(os.getpid())
    out = Measured()
    stop = threading.Event()
    peak = [proc.memory_info().rss]

    def sample() -> None:
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], proc.memory_info().rss)
            except psutil.Error:
                pass
            stop.wait(interval)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    try:
        yield out
    finally:
        out.seconds = time.perf_counter() - t0
        stop.set()
        th.join()
        out.peak_rss_gb = max(peak[0], proc.memory_info().rss) / 1e9
