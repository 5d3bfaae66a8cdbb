"""Explanations: the field-by-field evidence behind every link.

For a pair of records the explanation lists, per comparison, the values
compared, the level they fell in, that level's m and u, its match weight
(log2 Bayes factor), the term-frequency adjustment, and then the total match
weight, the probability, the decision and the settings version. Nothing is
hidden: the total is exactly the prior weight plus the listed weights.

Two forms: a table (:func:`explain_pairs`, one row per pair and comparison)
and a readable "waterfall" text (:func:`waterfall_text`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matching.clustering import describe_conflicts, pair_conflicts
from matching.comparisons import FeatureArrays, compare_pairs
from matching.model import ModelParameters, score
from matching.settings import LinkSettings


def _display_value(features: pd.DataFrame, spec, rows: np.ndarray) -> list[str]:
    col = spec.column
    if col == "dob_digits" and "dob" in features.columns:  # show the parsed date, or the date as written
        dob = features["dob"].to_numpy(dtype=object)[rows]
        raw = features["dob_digits"].to_numpy(dtype=object)[rows]
        return [d if d is not None else (f"{r} (rejected)" if r is not None else "") for d, r in zip(dob, raw)]
    vals = features[col].to_numpy(dtype=object)[rows] if col in features.columns else [None] * len(rows)
    return ["" if v is None else str(v) for v in vals]


def explain_pairs(settings: LinkSettings, params: ModelParameters, features: pd.DataFrame,
                  row_l: np.ndarray, row_r: np.ndarray, value_share: dict[str, np.ndarray],
                  fa: FeatureArrays | None = None, threshold: float | None = None) -> pd.DataFrame:
    """Long table: one row per (pair, comparison) plus a ``(total)`` row per pair.

    Columns: ``record_id_l, record_id_r, comparison, level, label, value_l, value_r,
    m, u, weight, tf_adjustment, match_weight, probability, decision, conflicts,
    settings_version``.
    """
    fa = fa or FeatureArrays(features)
    row_l = np.asarray(row_l, dtype=np.int64)
    row_r = np.asarray(row_r, dtype=np.int64)
    compared = compare_pairs(settings, fa, row_l, row_r)
    scored = score(settings, params, compared, value_share)
    conflicts = pair_conflicts(settings, fa, row_l, row_r)
    t = settings.match_threshold if threshold is None else threshold
    rid = features["record_id"].to_numpy(dtype=object)
    n, k = len(row_l), len(settings.comparisons)
    frames = []
    for j, spec in enumerate(settings.comparisons):
        g = compared.gamma[:, j].astype(np.int64)
        labels = np.array([lv.label for lv in spec.levels], dtype=object)
        frames.append(pd.DataFrame({
            "pair": np.arange(n), "order": j,
            "record_id_l": rid[row_l], "record_id_r": rid[row_r],
            "comparison": spec.name, "level": g, "label": labels[g],
            "value_l": _display_value(features, spec, row_l), "value_r": _display_value(features, spec, row_r),
            "m": np.asarray(params.m[j])[g], "u": np.asarray(params.u[j])[g],
            "weight": scored.weights[:, j].astype(float), "tf_adjustment": scored.tf_adjust[:, j].astype(float),
        }))
    decision = np.where(conflicts != 0, "NO LINK (conflict)",
                        np.where(scored.probability >= t, "LINK", "NO LINK"))
    total = pd.DataFrame({
        "pair": np.arange(n), "order": k, "record_id_l": rid[row_l], "record_id_r": rid[row_r],
        "comparison": "(total)", "level": -1, "label": "", "value_l": "", "value_r": "",
        "m": np.nan, "u": np.nan, "weight": scored.match_weight, "tf_adjustment": scored.tf_adjust.sum(axis=1),
    })
    out = pd.concat(frames + [total], ignore_index=True).sort_values(["pair", "order"], kind="stable")
    per_pair = pd.DataFrame({
        "pair": np.arange(n), "match_weight": scored.match_weight, "probability": scored.probability,
        "decision": decision, "conflicts": [",".join(describe_conflicts(int(c))) for c in conflicts],
    })
    out = out.merge(per_pair, on="pair", how="left")
    out["prior_weight"] = params.prior_weight
    out["settings_version"] = settings.version_tag
    return out.drop(columns=["order"]).reset_index(drop=True)


def waterfall_text(explanation: pd.DataFrame, pair: int | None = None) -> str:
    """Readable waterfall for one pair of an :func:`explain_pairs` table.

    Example output::

        record A-1  vs  record B-7         settings default-1@3f2a9c1e0b7d
        prior (log2 odds of a random pair matching)        -18.93
        first_name   exact                 JOHN | JOHN      + 3.02  (tf +1.10)
        ...
        total match weight +14.20  ->  probability 0.99995  ->  LINK
    """
    ex = explanation if pair is None else explanation[explanation["pair"] == pair]
    if ex.empty:
        return "(no such pair)"
    first = ex.iloc[0]
    lines = [f"record {first.record_id_l}  vs  record {first.record_id_r}    settings {first.settings_version}"]
    lines.append(f"{'prior (log2 odds that two random records match)':<66}{first.prior_weight:+8.2f}")
    rows = [r for r in ex.itertuples() if r.comparison != "(total)"]
    # the evidence in full (two dates side by side are 23 characters): columns as wide as their widest entry
    vals = [f"{r.value_l or '-'} | {r.value_r or '-'}" for r in rows]
    w_cmp = max([12, *(len(r.comparison) for r in rows)])
    w_lab = max([30, *(len(r.label) for r in rows)])
    w_val = max([22, *(len(v) for v in vals)])
    for row, val in zip(rows, vals):
        tf = f"  (tf {row.tf_adjustment:+.2f})" if abs(row.tf_adjustment) > 1e-9 else ""
        lines.append(f"{row.comparison:<{w_cmp}} {row.label:<{w_lab}} {val:<{w_val}}{row.weight:+8.2f}{tf}")
    conflicts = f"  conflicts: {first.conflicts}" if first.conflicts else ""
    lines.append(
        f"total match weight {first.match_weight:+.2f}  ->  probability {first.probability:.5f}  ->  "
        f"{first.decision}{conflicts}"
    )
    return "\n".join(lines)
