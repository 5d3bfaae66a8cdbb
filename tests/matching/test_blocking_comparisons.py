import numpy as np
import pandas as pd
import pytest

from matching.blocking import block, blocking_recall, compile_rules_sql, estimate_rule_pairs, parse_rule
from matching.comparisons import FeatureArrays, compare_one
from matching.prepare import prepare_records
from matching.settings import ComparisonSpec, LevelSpec, default_comparisons


def test_rule_parsing_and_sql():
    sql = compile_rules_sql(["l.surname_dm = r.surname_dm AND l.dob_year = r.dob_year", "l.nhs_valid_number = r.nhs_valid_number"])
    assert 'l."surname_dm" = r."surname_dm"' in sql and "l._row < r._row" in sql
    assert "NOT coalesce" in sql  # the second rule skips pairs the first found
    assert parse_rule("substr(l.postcode, 1, 3) = substr(r.postcode, 1, 3)").columns() == {"postcode"}
    for bad in ["l.a > r.a", "l.a = l.a", "l.a = r.a; DROP TABLE x", "l.a = r.a OR l.b = r.b", ""]:
        with pytest.raises(ValueError):
            parse_rule(bad)
    with pytest.raises(ValueError):
        parse_rule("l.nope = r.nope", {"a"})


def test_block_finds_known_pairs_once_with_first_rule():
    f = pd.DataFrame({"_row": [0, 1, 2, 3], "a": ["x", "x", "y", None], "b": ["p", "p", "p", None]})
    cp = block(f, ["l.a = r.a", "l.b = r.b"])
    got = sorted(zip(cp.row_l.tolist(), cp.row_r.tolist(), cp.rule.tolist()))
    assert got == [(0, 1, 0), (0, 2, 1), (1, 2, 1)]  # (0,1) found by both rules, reported once by rule 0
    assert estimate_rule_pairs(f, "l.b = r.b") == 3  # NULLs never block together


def test_blocking_recall_reports_counts(people):
    f = prepare_records(people.drop(columns=["person"]))
    r = blocking_recall(f, ["l.surname_dm = r.surname_dm AND l.dob_ymd = r.dob_ymd"], people["person"])
    assert r["true_pairs"] > 0 and 0.5 < r["recall"] <= 1.0
    assert r["candidate_pairs"] == int(r["per_rule"]["new_pairs"].sum())


def _levels(spec, values_l, values_r, extra=None):
    n = len(values_l)
    df = pd.DataFrame({"record_id": [f"l{i}" for i in range(n)] + [f"r{i}" for i in range(n)]})
    for k, (vl, vr) in {**{"x": (values_l, values_r)}, **(extra or {})}.items():
        df[k] = list(vl) + list(vr)
    return df


def test_name_levels():
    df = pd.DataFrame({"record_id": list("abcdefgh"),
                       "first_name": ["Bill", "William", "Mohamed", "Muhammad", "Jon", "Jonathan", "Anne", None],
                       "surname": ["Smith"] * 8})
    f = prepare_records(df)
    spec = default_comparisons(["first_name", "surname"])[0]
    labels = [lv.label for lv in spec.levels]
    g, tf = compare_one(spec, FeatureArrays(f), np.array([0, 2, 4, 6, 0]), np.array([1, 3, 5, 7, 0]))
    got = [labels[i] for i in g]
    assert got[0] == "nickname or spelling variant"
    assert got[1] == "nickname or spelling variant"
    assert got[2] in ("jaro-winkler >= 0.80", "jaro-winkler >= 0.92", "nickname or spelling variant")
    assert got[3] == "missing"
    assert got[4] == "exact" and tf[4] >= 0


def test_dob_levels():
    df = pd.DataFrame({"record_id": list("abcdefghijklmn"),
                       "dob": ["03/04/2010", "04/03/2010", "12/05/1980", "13/05/1980", "01/01/1990", "01/01/1990",
                               "12/05/1980", "12/05/1955", "31/02/2001", "21/02/2001", "12/05/1980", "12/05/1981",
                               "12/05/1980", "17/05/1980"]})
    f = prepare_records(df)
    spec = default_comparisons(["dob"])[0]
    labels = [lv.label for lv in spec.levels]
    g, _ = compare_one(spec, FeatureArrays(f), np.array([0, 2, 4, 6, 8, 10, 12]), np.array([1, 3, 5, 7, 9, 11, 13]))
    # a day or a year out, and a mistyped digit, are separate levels: EM weighs each slip from the data
    assert [labels[i] for i in g] == ["day and month swapped", "one day or one year out",
                                      "exact, but a 01/01 placeholder", "different", "one digit wrong or two transposed",
                                      "one day or one year out", "one digit wrong or two transposed"]


def test_invalid_identifier_level_is_not_evidence():
    df = pd.DataFrame({"record_id": list("abcd"), "nhs_number": ["9434765919", "9434765919", "9434765918", "9434765918"]})
    f = prepare_records(df)
    spec = next(c for c in default_comparisons(["nhs_number"]) if c.name == "nhs_number")
    labels = [lv.label for lv in spec.levels]
    g, _ = compare_one(spec, FeatureArrays(f), np.array([0, 2]), np.array([1, 3]))
    assert [labels[i] for i in g] == ["exact", "fails its check rule: ignored"]


def test_custom_levels_validate():
    with pytest.raises(ValueError):
        ComparisonSpec(name="x", column="x", levels=[LevelSpec(label="a", kind="exact")])  # no 'else'
    with pytest.raises(ValueError):
        LevelSpec(label="a", kind="jaro_winkler")  # needs a threshold
