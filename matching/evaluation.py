"""Scoring a clustering of mentions against known truth (synthetic worlds, labelled benchmarks).

Vectorised over mentions; no labels are ever used by the engine itself, only here.

* :func:`pairwise` - precision / recall / F1 of the pairs inside each predicted person;
* :func:`b_cubed` - per mention, the share of its predicted person that is truly it
  (precision) and of its true person that it was put with (recall), averaged over mentions;
* :func:`cross_group_recall` - of the true same-person pairs whose two mentions come from
  different groups (agencies), the share that end in one predicted person;
* :func:`decoy_false_merges` - decoy entries (twins, father and son, namesakes ...) two or
  more of whose true persons share one predicted person;
* :func:`score_clustering` - all of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _codes(values) -> np.ndarray:
    return pd.factorize(pd.Series(np.asarray(values, dtype=object)))[0]


def pairs_within(labels: np.ndarray, groups: np.ndarray | None = None) -> int:
    """Pairs of mentions sharing a label (and, with ``groups``, from two different groups).

    >>> pairs_within(np.array([0, 0, 0, 1]))
    3
    >>> pairs_within(np.array([0, 0, 0]), np.array(["a", "a", "b"]))
    2
    """
    if groups is None:
        sizes = np.bincount(labels)
        return int((sizes * (sizes - 1) // 2).sum())
    tab = pd.crosstab(labels, groups).to_numpy().astype(np.int64)
    total = tab.sum(axis=1)
    return int(((total ** 2 - (tab ** 2).sum(axis=1)) // 2).sum())


def _both(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    return _codes(pd.Series(pred).astype(str) + "|" + pd.Series(true).astype(str))


def _prf(tp: int, n_pred: int, n_true: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "tp": int(tp), "pred": int(n_pred), "true": int(n_true)}


def pairwise(pred, true) -> dict:
    """Pairwise precision / recall / F1 of a clustering.

    >>> round(pairwise(["a", "a", "b"], [1, 1, 1])["recall"], 4)
    0.3333
    """
    p, t = _codes(pred), _codes(true)
    return _prf(pairs_within(_both(p, t)), pairs_within(p), pairs_within(t))


def b_cubed(pred, true) -> dict:
    """B-cubed precision / recall / F1 of a clustering.

    >>> b_cubed(["a", "a", "b"], [1, 1, 1])["precision"]
    1.0
    """
    p, t = _codes(pred), _codes(true)
    both = _both(p, t)
    n_both = np.bincount(both)[both].astype(float)
    prec = float((n_both / np.bincount(p)[p]).mean()) if len(p) else 0.0
    rec = float((n_both / np.bincount(t)[t]).mean()) if len(t) else 0.0
    return {"precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0}


def cross_group_recall(pred, true, group) -> dict:
    """Of the true same-person pairs from two different groups, the share inside one predicted person.

    >>> cross_group_recall(["x", "x", "y"], [5, 5, 5], ["police", "health", "health"])["recall"]
    0.5
    """
    p, t, g = _codes(pred), _codes(true), _codes(group)
    n_true, tp = pairs_within(t, g), pairs_within(_both(p, t), g)
    return {"recall": tp / n_true if n_true else 0.0, "found": tp, "true": n_true}


def decoy_false_merges(pred, true, decoys: pd.DataFrame) -> pd.DataFrame:
    """Decoy entries (``decoy_id, decoy_type, person_ids`` as ``P1;P2``) two or more of whose true
    persons share one predicted person, with that person.

    >>> d = pd.DataFrame({"decoy_id": ["D1", "D2"], "decoy_type": ["twins"] * 2, "person_ids": ["t1;t2", "u1;u2"]})
    >>> decoy_false_merges(["a", "a", "b", "c"], ["t1", "t2", "u1", "u2"], d)["decoy_id"].tolist()
    ['D1']
    """
    cols = ["decoy_id", "decoy_type", "person_ids", "predicted_person"]
    m = pd.DataFrame({"pred": np.asarray(pred, dtype=object), "true": np.asarray(true, dtype=object)}).drop_duplicates()
    d = decoys.assign(true=decoys["person_ids"].astype(str).str.split(";")).explode("true")
    hit = d.merge(m, on="true")
    n = hit.groupby(["decoy_id", "pred"])["true"].nunique()
    bad = n[n >= 2].reset_index().drop_duplicates("decoy_id").rename(columns={"pred": "predicted_person"})
    out = bad.merge(decoys.drop(columns=[c for c in ("true",) if c in decoys.columns]), on="decoy_id")
    extra = [c for c in decoys.columns if c not in cols]
    return out[cols + extra].sort_values("decoy_id").reset_index(drop=True)


def score_clustering(pred, true, group=None, decoys: pd.DataFrame | None = None) -> dict:
    """Every measure above for one clustering (``group``: agency of each mention; ``decoys``: see
    :func:`decoy_false_merges`)."""
    out = {"mentions": int(len(np.asarray(pred))), "true_persons": int(pd.Series(np.asarray(true)).nunique()),
           "predicted_persons": int(pd.Series(np.asarray(pred)).nunique()),
           "pairwise": pairwise(pred, true), "b_cubed": b_cubed(pred, true)}
    if group is not None:
        out["cross_agency"] = cross_group_recall(pred, true, group)
    if decoys is not None:
        merges = decoy_false_merges(pred, true, decoys)
        out.update({"decoys": int(len(decoys)), "decoy_false_merges": int(len(merges)),
                    "decoy_false_merges_by_type": {str(k): int(v) for k, v in
                                                   merges["decoy_type"].value_counts().items()},
                    "decoy_false_merge_list": merges.to_dict("records")})
    return out
