"""True identifiers are valid by the matcher's own rules; noise corrupts only a small share."""

from __future__ import annotations

import json

from matching.identifiers import is_valid_ni, is_valid_nhs, is_valid_pnc, is_valid_upn


def test_true_identifiers_valid(truth):
    p = truth["persons"]
    for col, check in (("nhs_number", is_valid_nhs), ("upn", is_valid_upn), ("pnc", is_valid_pnc),
                       ("ni_number", is_valid_ni)):
        values = p.loc[p[col] != "", col]
        assert len(values) > 0, col
        bad = [v for v in values if not check(v)]
        assert not bad, f"invalid true {col}: {bad[:5]}"
    for col in ("nhs_number", "upn", "la_id"):
        ids = p.loc[p[col] != "", col]
        assert ids.is_unique, f"{col} values must be unique per person"
    assert p.loc[p["la_id"] != "", "la_id"].str.fullmatch(r"LA\d{7}").all()


def test_pupils_have_upns_with_la_code(truth):
    p = truth["persons"]
    upn = p.loc[p["upn"] != "", "upn"]
    assert (upn.str[1:4] == "801").mean() > 0.8


def test_delivered_identifiers_mostly_valid_and_truth_knows_owner(world, truth):
    out, _ = world
    persons = truth["persons"].set_index("person_id")
    m = truth["mentions"]
    health = m[m["partner"] == "health"]
    seen = bad = 0
    for f in sorted((out / "landing" / "health").glob("*.jsonl")):
        lines = f.read_text(encoding="utf-8").splitlines()
        rows = health[health["file_name"] == f.name]
        for _, r in rows.iterrows():
            rec = json.loads(lines[int(r["row_number"]) - 1])
            nhs = rec["patient"]["nhs_number"]
            if not nhs:
                continue
            seen += 1
            true_nhs = persons.loc[r["person_id"], "nhs_number"]
            if not is_valid_nhs(nhs):
                bad += 1
                assert "nhs_number_typo" in r["noise"]
            else:
                assert nhs.replace(" ", "") == true_nhs or "nhs_number_typo" in r["noise"]
    assert seen > 50
    assert bad / seen < 0.03


def test_world_reports_corruption_share(world):
    _, s = world
    assert set(s.corrupted_identifier_share) >= {"nhs_number", "upn", "pnc"}
    assert all(0 <= v < 0.05 for v in s.corrupted_identifier_share.values())
