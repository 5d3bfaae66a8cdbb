"""Entry points: link a table of person mentions, or a CSV file.

``link_table`` runs the whole pipeline: standardise -> block (DuckDB) ->
compare (vectorised) -> train (u from random pairs, m and prior by EM) ->
score -> cluster (conflict-aware) -> person ids, and returns a
:class:`LinkResult` with the clusters, the scored pairs, the review queue,
explanations on demand, the settings and the trained parameters.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from matching.blocking import block
from matching.clustering import cluster_records, describe_conflicts, pair_conflicts
from matching.comparisons import FeatureArrays, compare_pairs
from matching.explain import explain_pairs, waterfall_text
from matching.model import ModelParameters, score, train, value_shares_from_arrays
from matching.premises import check_premises
from matching.prepare import prepare_records, present_input_columns
from matching.review import review_queue, validate_decisions
from matching.settings import LinkSettings, default_settings


def person_ids_for(labels: np.ndarray, prefix: str = "P", start: int = 1) -> np.ndarray:
    """Person ids numbered by each cluster's first record (stable for the same input).

    >>> person_ids_for(np.array([0, 0, 2])).tolist()
    ['P00000001', 'P00000001', 'P00000002']
    """
    uniq, inv = np.unique(labels, return_inverse=True)
    ids = np.array([f"{prefix}{i:08d}" for i in range(start, start + len(uniq))], dtype=object)
    return ids[inv]


@dataclass
class LinkResult:
    """Output of :func:`link_table`.

    * ``clusters``: ``record_id, person_id, cluster_size`` (input order);
    * ``pairs``: scored candidate pairs with probability >= the low end of the
      review band (or linked), with per-comparison level (``gamma_*``), weight
      (``w_*``) and tf adjustment (``tf_*``), match weight, probability,
      conflicts, ``linked`` (scored link) and ``same_person`` (after clustering);
    * ``review_queue``: pairs for clerical review;
    * ``settings`` and ``params``: everything needed to reproduce or explain;
    * ``split_log``: clusters split because of conflicts, with the reasons;
    * ``timings``: seconds per stage;
    * ``premises``: the decoy rules' premise checks on this data (see :mod:`matching.premises`).
    """

    clusters: pd.DataFrame
    pairs: pd.DataFrame
    review_queue: pd.DataFrame
    settings: LinkSettings
    params: ModelParameters
    features: pd.DataFrame
    split_log: pd.DataFrame
    threshold: float
    n_candidate_pairs: int
    timings: dict[str, float] = field(default_factory=dict)
    _fa: FeatureArrays | None = None
    premises: dict = field(default_factory=dict)

    def _rows(self, record_ids) -> np.ndarray:
        pos = pd.Series(self.features["_row"].to_numpy(), index=self.features["record_id"].to_numpy())
        return pos.loc[[str(r) for r in record_ids]].to_numpy(dtype=np.int64)

    def explanations(self, record_ids_l=None, record_ids_r=None) -> pd.DataFrame:
        """Field-by-field explanation table (see :func:`matching.explain.explain_pairs`).

        Defaults to every linked pair.
        """
        if record_ids_l is None:
            linked = self.pairs[self.pairs["linked"]]
            record_ids_l, record_ids_r = linked["record_id_l"], linked["record_id_r"]
        fa = self._fa or FeatureArrays(self.features)
        return explain_pairs(self.settings, self.params, self.features, self._rows(record_ids_l),
                             self._rows(record_ids_r), value_shares_from_arrays(self.settings, fa), fa,
                             threshold=self.threshold)

    def explain(self, record_id_l, record_id_r) -> str:
        """Readable waterfall for one pair of records (whether or not they were blocked together).

        >>> res = link_table(pd.DataFrame({"record_id": ["1", "2"], "surname": ["Ng", "Ng"]}))  # doctest: +SKIP
        >>> print(res.explain("1", "2"))  # doctest: +SKIP
        """
        return waterfall_text(self.explanations([record_id_l], [record_id_r]), pair=0)

    def to_index(self):
        """A :class:`~matching.incremental.PersonIndex` to link new mentions against later."""
        from matching.incremental import PersonIndex

        return PersonIndex.from_result(self)


def _decision_rows(decisions: pd.DataFrame, features: pd.DataFrame) -> tuple[list, list]:
    d = validate_decisions(decisions)
    if d.empty:
        return [], []
    pos = pd.Series(features["_row"].to_numpy(), index=features["record_id"].to_numpy())
    known = d["record_id_l"].isin(pos.index) & d["record_id_r"].isin(pos.index)
    d = d[known]
    a = pos.loc[d["record_id_l"]].to_numpy()
    b = pos.loc[d["record_id_r"]].to_numpy()
    must = [(x, y) for x, y, dec in zip(a, b, d["decision"]) if dec == "must_link"]
    cannot = [(x, y) for x, y, dec in zip(a, b, d["decision"]) if dec == "cannot_link"]
    return must, cannot


def link_table(
    df: pd.DataFrame,
    settings: LinkSettings | None = None,
    threshold: float | None = None,
    *,
    decisions: pd.DataFrame | None = None,
    params: ModelParameters | None = None,
    link_type: str | None = None,
    labelled_pairs: pd.DataFrame | None = None,
) -> LinkResult:
    """Link the person mentions in ``df`` into persons.

    ``df`` needs ``record_id`` and any of ``first_name, middle_name, surname,
    full_name, dob, sex, postcode, address, nhs_number, upn, pnc, ni_number,
    la_id, other_id`` (plus ``source_dataset`` for ``link_only``, and optionally
    ``group_id``: records sharing one, such as the people named in one
    notification, are never the same person). Without
    ``settings`` the defaults for the columns present are used. ``threshold``
    (a match probability) overrides ``settings.match_threshold``. ``decisions``
    are reviewer must-link / cannot-link pairs. ``params`` reuses a trained
    model instead of training. ``labelled_pairs`` (``record_id_l, record_id_r,
    is_match``) fixes m from clerical review before EM.

    >>> df = pd.DataFrame({"record_id": ["1", "2", "3"], "first_name": ["Ann", "Anne", "Bob"],
    ...                    "surname": ["Lee", "Lee", "Kay"], "dob": ["01/02/1990", "1990-02-01", "03/04/1950"]})
    >>> res = link_table(df)
    >>> res.clusters["cluster_size"].tolist()
    [2, 2, 1]
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if "record_id" not in df.columns:
        raise ValueError("input needs a record_id column")
    min_year = settings.dob_min_year if settings is not None else 1880
    features = prepare_records(df, dob_min_year=min_year)
    timings["standardise"] = time.perf_counter() - t0
    if settings is None:
        lt = link_type or "dedupe"
        settings = default_settings(present_input_columns(df), features=features, link_type=lt)
    elif link_type is not None and link_type != settings.link_type:
        settings = settings.model_copy(update={"link_type": link_type})
    if settings.link_type != "dedupe" and features["source"].isna().all():
        raise ValueError(f"link_type {settings.link_type!r} needs a source_dataset column")
    t = settings.match_threshold if threshold is None else float(threshold)
    fa = FeatureArrays(features)
    memo: dict = {}

    t1 = time.perf_counter()
    cp = block(features, settings.blocking_rules, link_type=settings.link_type, fa=fa)
    timings["block"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    compared = compare_pairs(settings, fa, cp.row_l, cp.row_r, memo)
    timings["compare"] = time.perf_counter() - t1

    # The decoy rules' premises, tested on this data's identifier-anchored pairs (no labels); a rule
    # the data disprove is switched off in the settings this run uses and saves.
    premises: dict = {}
    t1 = time.perf_counter()
    if params is None:
        settings, premises = check_premises(settings, fa, cp.row_l, cp.row_r, compared, memo)
    timings["premises"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    if params is None:
        fixed = None
        if labelled_pairs is not None and len(labelled_pairs):
            from matching.model import m_from_labels

            pos = pd.Series(features["_row"].to_numpy(), index=features["record_id"].to_numpy())
            lp = labelled_pairs[labelled_pairs["record_id_l"].astype(str).isin(pos.index)
                                & labelled_pairs["record_id_r"].astype(str).isin(pos.index)]
            fixed = m_from_labels(settings, fa, pos.loc[lp["record_id_l"].astype(str)].to_numpy(),
                                  pos.loc[lp["record_id_r"].astype(str)].to_numpy(), lp["is_match"].to_numpy())
        params = train(settings, features, fa, compared, memo, fixed_m=fixed, row_l=cp.row_l, row_r=cp.row_r)
    timings["train"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    shares = value_shares_from_arrays(settings, fa)
    scored = score(settings, params, compared, shares)
    conflicts = pair_conflicts(settings, fa, cp.row_l, cp.row_r, memo)
    linked = scored.probability >= t
    timings["score"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    must, cannot = _decision_rows(decisions, features) if decisions is not None else ([], [])

    def score_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return score(settings, params, compare_pairs(settings, fa, a, b, memo), shares).match_weight

    labels, split_log = cluster_records(settings, fa, cp.row_l, cp.row_r, scored.match_weight, linked, conflicts,
                                        must, cannot, score_pairs=score_pairs)
    timings["cluster"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    person = person_ids_for(labels)
    sizes = np.bincount(labels, minlength=len(labels))[labels]
    clusters = pd.DataFrame({"record_id": features["record_id"].to_numpy(), "person_id": person,
                             "cluster_size": sizes.astype(np.int64)})
    lo = min(settings.review_band[0], t)
    keep = (scored.probability >= lo) | linked
    rid = features["record_id"].to_numpy(dtype=object)
    kl, kr = cp.row_l[keep], cp.row_r[keep]
    pairs = pd.DataFrame({
        "record_id_l": rid[kl], "record_id_r": rid[kr], "blocking_rule": cp.rule[keep],
    })
    for j, spec in enumerate(settings.comparisons):
        pairs[f"gamma_{spec.name}"] = compared.gamma[keep, j]
    for j, spec in enumerate(settings.comparisons):
        pairs[f"w_{spec.name}"] = scored.weights[keep, j]
        if spec.name in compared.tf_codes:
            pairs[f"tf_{spec.name}"] = scored.tf_adjust[keep, j]
    pairs["match_weight"] = scored.match_weight[keep]
    pairs["probability"] = scored.probability[keep]
    ck = conflicts[keep]
    conflict_text = {int(c): ",".join(describe_conflicts(int(c))) for c in np.unique(ck)}
    pairs["conflicts"] = [conflict_text[int(c)] for c in ck]
    pairs["linked"] = linked[keep] & (ck == 0)
    pairs["same_person"] = labels[kl] == labels[kr]
    d = validate_decisions(decisions) if decisions is not None else None
    queue = review_queue(pairs, settings.review_band, d)
    timings["output"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    return LinkResult(clusters, pairs, queue, settings, params, features, split_log, t, len(cp), timings, fa,
                      premises)


def link_csv(input_path: str | Path, out_path: str | Path, settings_path: str | Path | None = None,
             threshold: float | None = None) -> LinkResult:
    """Link the mentions in a CSV and write ``record_id, person_id, cluster_size``.

    Every column is read as text (an NHS number keeps its leading zeros). The output is opened in
    spreadsheets, so it is written formula-safe (:func:`mash.export.write_csv_safe`): a record id
    starting with ``= + - @`` comes out with a leading apostrophe. The
    settings used and the trained parameters are written next to the output
    as ``<out>.settings.json`` and ``<out>.model.json``, so the run can be
    explained and repeated.

    >>> link_csv("mentions.csv", "persons.csv")  # doctest: +SKIP
    """
    df = pd.read_csv(input_path, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
    df.columns = [c.strip() for c in df.columns]
    settings = LinkSettings.load(settings_path) if settings_path else None
    result = link_table(df, settings=settings, threshold=threshold)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    from mash.export import write_csv_safe

    write_csv_safe(result.clusters[["record_id", "person_id", "cluster_size"]], out)
    result.settings.save(out.with_name(out.name + ".settings.json"))
    result.params.save(out.with_name(out.name + ".model.json"))
    return result
