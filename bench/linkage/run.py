"""Benchmark: this engine vs Splink 5 on public linkage data and a synthetic million.

Run with ``uv run --group bench python -m bench.linkage.run`` (add ``--quick``
to skip the million-row scale test, ``--scale N`` to change its size,
``--only NAME`` for one data set: febrl3, febrl4, fake_1000, historical_50k,
world, world10, synthetic; ``--engine-only`` to skip Splink).

``world`` is the committed synthetic MASH sample and ``world10`` one ten times
larger (30,000 notifications, the sample's seed), both linked from the
partners' own files as the pipeline does and scored against their truth
(pairwise and B-cubed F1, cross-agency recall, decoy false merges; see
``bench/linkage/world.py``).

Each engine runs in its own child process, so peak memory (RSS, sampled)
and wall time are measured per engine and run, not polluted by the other.
Thresholds are each engine's own default, chosen without the truth: this
engine's ``match_threshold`` (0.9), Splink's match probability 0.5 as in the
figures it publishes. Both pairwise measures are reported: on the scored
links (pairs at or above the threshold) and on the clusters (all pairs
inside each predicted person).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
import traceback

import pandas as pd

from bench.linkage import data
from bench.linkage.metrics import measure, pairwise_from_clusters, pairwise_from_pairs

SPLINK_THRESHOLD = 0.5


# --- this engine -----------------------------------------------------------------------


WORLD_10X_NOTIFICATIONS = 30_000  # the committed sample has 3,000 (seed 7)


def run_world_bench(name: str) -> dict:
    """This engine (MASH defaults, the pipeline's own input) on a synthetic MASH world: the committed
    sample, or one ten times larger generated afresh with the sample's seed."""
    import tempfile

    from bench.linkage.world import run_world
    from mash.settings import SAMPLE_WORLD

    if name == "world":
        r = run_world(SAMPLE_WORLD)
    else:
        from mash.synth import generate_world

        with tempfile.TemporaryDirectory(prefix="mash-world10-") as tmp:
            generate_world(tmp, n_notifications=WORLD_10X_NOTIFICATIONS, seed=7)
            r = run_world(tmp)
    return {"engine": "mash matching", "data": name, "records": r.pop("mentions"), **r}


def run_engine(name: str, scale: int) -> dict:
    from matching.api import link_table

    if name in ("world", "world10"):
        return run_world_bench(name)

    link_type = None
    if name == "febrl3":
        _, eng, truth = data.febrl3()
    elif name == "febrl4":
        _, eng, truth = data.febrl4()
        link_type = "link_only"
    elif name == "fake_1000":
        _, eng, truth = data.fake_1000()
    elif name == "historical_50k":
        _, eng, truth = data.historical_50k()
    else:
        from bench.linkage.synthetic_people import generate

        # 1,000 extra mentions are held back to time incremental linking afterwards.
        full = generate(scale + 1_000)
        df, held = full.iloc[:scale], full.iloc[scale:]
        truth = df["person_id"]
        eng = df.drop(columns=["person_id"])
    kwargs = {}
    if name == "historical_50k":
        from matching.prepare import prepare_records, present_input_columns
        from matching.settings import default_settings

        # Historical people: dates before 1880 are real here, not errors.
        feats = prepare_records(eng, dob_min_year=1)
        kwargs["settings"] = default_settings(present_input_columns(eng), features=feats, dob_min_year=1)
    with measure() as m:
        res = link_table(eng, link_type=link_type, **kwargs)
    truth_by_id = pd.Series(truth.to_numpy(), index=eng["record_id"].astype(str).to_numpy())
    src = None
    if name == "febrl4":
        src = pd.Series(eng["source_dataset"].to_numpy(), index=truth_by_id.index)
    links = res.pairs[res.pairs["linked"]]
    extra = {}
    if name == "synthetic":
        from matching.incremental import link_new

        index = res.to_index()
        index._blocking_table()  # built once when an index is created or loaded
        with measure() as mi:
            index, assigned = link_new(index, held.drop(columns=["person_id"]))
        # a held-back mention is right when it joins the person holding its true mates (or is new when none)
        truth_pid = dict(zip(df["record_id"], df["person_id"]))
        pid_of_truth = {}
        for rid, pid in zip(res.clusters["record_id"], res.clusters["person_id"]):
            pid_of_truth.setdefault(truth_pid[rid], {}).setdefault(pid, 0)
            pid_of_truth[truth_pid[rid]][pid] += 1
        ok = 0
        for rid, pid, tp in zip(assigned["record_id"], assigned["person_id"], held["person_id"]):
            expected = max(pid_of_truth[tp], key=pid_of_truth[tp].get) if tp in pid_of_truth else None
            ok += (pid == expected) if expected else (assigned.set_index("record_id").at[rid, "status"] == "new")
        extra["incremental"] = {"new_mentions": len(held), "seconds": mi.seconds, "peak_gb": mi.peak_rss_gb,
                                "correct_share": ok / len(held),
                                "status": assigned["status"].value_counts().to_dict()}
    return {**extra,
        "engine": "mash matching", "data": name, "records": len(eng), "seconds": m.seconds,
        "premises": res.premises, "conflict_rules": res.settings.conflicts.model_dump(),
        "peak_gb": m.peak_rss_gb, "threshold": res.threshold, "candidate_pairs": res.n_candidate_pairs,
        "links": pairwise_from_pairs(links["record_id_l"], links["record_id_r"], truth_by_id, src),
        "clusters": pairwise_from_clusters(pd.Series(res.clusters["person_id"].to_numpy(), index=truth_by_id.index),
                                           truth_by_id, src),
        "timings": {k: round(v, 2) for k, v in res.timings.items()},
    }


# --- Splink 5, with its published example settings --------------------------------------


def _splink_predict_and_cluster(linker, threshold: float):
    pred = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=threshold)
    return pred.as_pandas_dataframe(), clusters.as_pandas_dataframe()


def run_splink(name: str, scale: int) -> dict:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    import logging

    logging.getLogger("splink").setLevel(logging.WARNING)
    src = None
    uid = "unique_id"
    if name == "febrl3":
        raw, _, truth = data.febrl3()
        df = raw.drop(columns=["cluster"])
        ids = df["rec_id"]
        uid = "rec_id"
    elif name == "febrl4":
        (a, b), _, truth = data.febrl4()
        a, b = a.drop(columns=["cluster"]), b.drop(columns=["cluster"])
        ids = pd.concat([a["rec_id"], b["rec_id"]], ignore_index=True)
        src = pd.Series(["a"] * len(a) + ["b"] * len(b), index=ids.to_numpy())
        uid = "rec_id"
    elif name == "fake_1000":
        raw, _, truth = data.fake_1000()
        df = raw.drop(columns=["cluster"])
        ids = df["unique_id"]
    elif name == "historical_50k":
        raw, _, truth = data.historical_50k()
        df = raw.drop(columns=["cluster"]).copy()
        df["first_name_surname_concat"] = df["first_name"].fillna("") + " " + df["surname"].fillna("")
        ids = df["unique_id"]
    else:
        from bench.linkage.synthetic_people import generate

        syn = generate(scale)
        truth = syn["person_id"]
        df = syn.drop(columns=["person_id"]).rename(columns={"record_id": "unique_id"})
        # Splink's examples expect clean inputs: lower-case names, ISO dates (parsed by pandas, not by us).
        for c in ("first_name", "middle_name", "surname"):
            df[c] = df[c].str.upper().str.strip()
        df["dob"] = pd.to_datetime(df["dob"], format="mixed", dayfirst=True, errors="coerce").dt.strftime("%Y-%m-%d")
        df["postcode"] = df["postcode"].str.upper().str.replace(" ", "", regex=False)
        df["postcode"] = df["postcode"].str[:-3] + " " + df["postcode"].str[-3:]
        ids = df["unique_id"]

    with measure() as m:
        con = duckdb.connect()
        db_api = DuckDBAPI(connection=con)
        if name == "febrl3":
            sdf = db_api.register(df)
            rules = [block_on("soc_sec_id"), block_on("given_name"), block_on("surname"), block_on("date_of_birth"),
                     block_on("postcode")]
            settings = SettingsCreator(
                unique_id_column_name="rec_id", link_type="dedupe_only", blocking_rules_to_generate_predictions=rules,
                comparisons=[
                    cl.NameComparison("given_name"), cl.NameComparison("surname"),
                    cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
                    cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
                    cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                    cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
                ],
                retain_intermediate_calculation_columns=True,
            )
            linker = Linker(sdf, settings, log_level=logging.WARNING)
            linker.training.estimate_probability_two_random_records_match(
                [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth"),
                 "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth"],
                recall=0.9)
            linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
        elif name == "febrl4":
            sdfs = [db_api.register(x) for x in (a, b)]
            rules = [block_on("given_name", "surname"), "l.given_name = r.surname and l.surname = r.given_name",
                     block_on("date_of_birth"), block_on("soc_sec_id"), block_on("state", "address_1"),
                     block_on("street_number", "address_1"), block_on("postcode")]
            settings = SettingsCreator(
                unique_id_column_name="rec_id", link_type="link_only", blocking_rules_to_generate_predictions=rules,
                comparisons=[
                    cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                    cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                    cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                             invalid_dates_as_null=True),
                    cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                    cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                    cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
                ],
                retain_intermediate_calculation_columns=True,
            )
            linker = Linker(sdfs, settings, log_level=logging.WARNING)
            linker.training.estimate_probability_two_random_records_match(
                [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
            linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("date_of_birth"), estimate_without_term_frequencies=True)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("postcode"), estimate_without_term_frequencies=True)
        elif name == "fake_1000":
            sdf = db_api.register(df)
            settings = SettingsCreator(
                link_type="dedupe_only",
                blocking_rules_to_generate_predictions=[block_on("first_name"), block_on("surname"), block_on("dob"),
                                                        block_on("email")],
                comparisons=[cl.ForenameSurnameComparison("first_name", "surname"),
                             cl.DateOfBirthComparison("dob", input_is_string=True),
                             cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                             cl.EmailComparison("email")],
                retain_intermediate_calculation_columns=True,
            )
            linker = Linker(sdf, settings, log_level=logging.WARNING)
            linker.training.estimate_probability_two_random_records_match(
                ["l.first_name = r.first_name and levenshtein(r.dob::VARCHAR, l.dob::VARCHAR) <= 1",
                 "l.surname = r.surname and levenshtein(r.dob::VARCHAR, l.dob::VARCHAR) <= 1",
                 "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2", "l.email = r.email"],
                recall=0.7)
            linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=5)
            for br in (block_on("dob"), block_on("email"), block_on("first_name", "surname")):
                linker.training.estimate_parameters_using_expectation_maximisation(
                    br, estimate_without_term_frequencies=True)
        elif name == "historical_50k":
            sdf = db_api.register(df)
            rules = [block_on("substr(first_name,1,3)", "substr(surname,1,4)"), block_on("surname", "dob"),
                     block_on("first_name", "dob"), block_on("postcode_fake", "first_name"),
                     block_on("postcode_fake", "surname"), block_on("dob", "birth_place"),
                     block_on("substr(postcode_fake,1,3)", "dob"), block_on("substr(postcode_fake,1,3)", "first_name"),
                     block_on("substr(postcode_fake,1,3)", "surname"),
                     block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)")]
            settings = SettingsCreator(
                link_type="dedupe_only", blocking_rules_to_generate_predictions=rules,
                comparisons=[cl.ForenameSurnameComparison("first_name", "surname",
                                                          forename_surname_concat_col_name="first_name_surname_concat"),
                             cl.DateOfBirthComparison("dob", input_is_string=True),
                             cl.PostcodeComparison("postcode_fake"),
                             cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
                             cl.ExactMatch("occupation").configure(term_frequency_adjustments=True)],
                retain_intermediate_calculation_columns=True,
            )
            linker = Linker(sdf, settings, log_level=logging.WARNING)
            linker.training.estimate_probability_two_random_records_match(
                [block_on("first_name", "surname", "dob"),
                 block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
                 block_on("dob", "postcode_fake")], recall=0.6)
            linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("first_name", "surname"), estimate_without_term_frequencies=True)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("dob"), estimate_without_term_frequencies=True)
        else:
            # Synthetic UK people: the 50k historical example's recipe adapted to these columns.
            sdf = db_api.register(df)
            rules = [block_on("nhs_number"), block_on("first_name", "surname"), block_on("surname", "dob"),
                     block_on("first_name", "dob"), block_on("postcode", "first_name"),
                     block_on("postcode", "surname"), block_on("substr(postcode,1,3)", "dob")]
            settings = SettingsCreator(
                link_type="dedupe_only", blocking_rules_to_generate_predictions=rules,
                comparisons=[cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
                             cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                             cl.DateOfBirthComparison("dob", input_is_string=True),
                             cl.PostcodeComparison("postcode"),
                             cl.ExactMatch("nhs_number"),
                             cl.ExactMatch("sex")],
                retain_intermediate_calculation_columns=False,
            )
            linker = Linker(sdf, settings, log_level=logging.WARNING)
            linker.training.estimate_probability_two_random_records_match(
                [block_on("first_name", "surname", "dob"), block_on("nhs_number")], recall=0.7)
            linker.training.estimate_u_using_random_sampling(max_pairs=5e6)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("first_name", "surname"), estimate_without_term_frequencies=True)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("dob"), estimate_without_term_frequencies=True)
        pred, clusters = _splink_predict_and_cluster(linker, SPLINK_THRESHOLD)
    truth_by_id = pd.Series(truth.to_numpy(), index=ids.astype(str).to_numpy())
    id_l = pred[f"{uid}_l"].astype(str)
    id_r = pred[f"{uid}_r"].astype(str)
    cluster_by_id = pd.Series(clusters["cluster_id"].astype(str).to_numpy(), index=clusters[uid].astype(str).to_numpy())
    return {
        "engine": "splink 5.0.0", "data": name, "records": len(truth_by_id), "seconds": m.seconds,
        "peak_gb": m.peak_rss_gb, "threshold": SPLINK_THRESHOLD, "candidate_pairs": None,
        "links": pairwise_from_pairs(id_l, id_r, truth_by_id, src),
        "clusters": pairwise_from_clusters(cluster_by_id, truth_by_id, src),
    }


def _child(fn_name: str, name: str, scale: int, queue) -> None:
    try:
        fn = run_engine if fn_name == "engine" else run_splink
        queue.put(fn(name, scale))
    except Exception as exc:  # report, do not hide, a failing run
        queue.put({"engine": fn_name, "data": name, "error": f"{exc!r}", "trace": traceback.format_exc()[-2000:]})


def run_isolated(fn_name: str, name: str, scale: int) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn_name, name, scale, q))
    p.start()
    out = q.get()
    p.join()
    return out


def _fmt(r: dict) -> str:
    if "error" in r:
        return f"{r['data']:<15} {r['engine']:<14} ERROR {r['error']}"
    if r["data"] in ("world", "world10"):
        pw, bc, ca = r["pairwise"], r["b_cubed"], r["cross_agency"]
        return (f"{r['data']:<15} {r['engine']:<14} {r['records']:>9,} "
                f"pairwise P/R/F1 {pw['precision']:.4f}/{pw['recall']:.4f}/{pw['f1']:.4f}  "
                f"B-cubed F1 {bc['f1']:.4f}  cross-agency recall {ca['recall']:.4f}  "
                f"decoy false merges {r['decoy_false_merges']} of {r['decoys']} {r['decoy_false_merges_by_type']}  "
                f"{r['seconds']:7.1f}s  {r['peak_gb']:.2f}GB")
    lk, cl_ = r["links"], r["clusters"]
    line = (f"{r['data']:<15} {r['engine']:<14} {r['records']:>9,} "
            f"links P/R/F1 {lk['precision']:.4f}/{lk['recall']:.4f}/{lk['f1']:.4f}  "
            f"clusters P/R/F1 {cl_['precision']:.4f}/{cl_['recall']:.4f}/{cl_['f1']:.4f}  "
            f"{r['seconds']:7.1f}s  {r['peak_gb']:.2f}GB")
    if "incremental" in r:
        inc = r["incremental"]
        line += (f"\n{'':15} incremental: {inc['new_mentions']:,} new vs {r['records']:,} in "
                 f"{inc['seconds']:.2f}s, {inc['correct_share']:.3f} assigned as the truth says, {inc['status']}")
    return line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the scale test")
    ap.add_argument("--scale", type=int, default=1_000_000)
    ap.add_argument("--only", default=None)
    ap.add_argument("--engine-only", action="store_true")
    ap.add_argument("--json", default=None, help="write all results to this JSON file")
    args = ap.parse_args(argv)
    names = (["febrl3", "febrl4", "fake_1000", "historical_50k", "world", "world10"]
             + ([] if args.quick else ["synthetic"]))
    if args.only:
        names = [args.only]
    results = []
    for name in names:
        # Splink has no recipe for the MASH world (its partners' files, decoys, co-mentions): this engine only
        engines = ["engine"] if args.engine_only or name in ("world", "world10") else ["engine", "splink"]
        for eng in engines:
            t0 = time.perf_counter()
            r = run_isolated(eng, name, args.scale)
            results.append(r)
            print(_fmt(r), f"(child {time.perf_counter() - t0:.0f}s)", flush=True)
            if "error" in r:
                print(r.get("trace", ""), file=sys.stderr)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
