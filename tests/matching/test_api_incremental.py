import numpy as np
import pandas as pd
import pytest

from matching.api import link_csv, link_table
from matching.incremental import PersonIndex, apply_decisions, link_new


def test_link_table_outputs_and_explanations(people):
    res = link_table(people.drop(columns=["person"]))
    assert list(res.clusters.columns) == ["record_id", "person_id", "cluster_size"]
    assert res.clusters["record_id"].tolist() == people["record_id"].tolist()
    linked = res.pairs[res.pairs["linked"]]
    assert len(linked) > 0
    a, b = linked.iloc[0][["record_id_l", "record_id_r"]]
    ex = res.explanations([a], [b])
    rows = ex[ex["comparison"] != "(total)"]
    total = ex[ex["comparison"] == "(total)"].iloc[0]
    # the waterfall adds up: prior + weights + tf adjustments = total
    assert np.isclose(ex["prior_weight"].iloc[0] + rows["weight"].sum() + rows["tf_adjustment"].sum(),
                      total["weight"], atol=1e-3)
    assert ex["settings_version"].iloc[0] == res.settings.version_tag
    text = res.explain(a, b)
    assert "prior" in text and "total match weight" in text and res.settings.settings_hash in text
    # every field's evidence is shown in full, never cut (dates side by side were cut to 22 characters)
    for row in rows.itertuples():
        assert f"{row.value_l or '-'} | {row.value_r or '-'}" in text and row.label in text


def test_link_csv_roundtrip(tmp_path, people):
    inp = tmp_path / "in.csv"
    people.drop(columns=["person"]).to_csv(inp, index=False)
    out = tmp_path / "out.csv"
    link_csv(inp, out)
    got = pd.read_csv(out, dtype=str)
    assert list(got.columns) == ["record_id", "person_id", "cluster_size"]
    assert len(got) == len(people)
    # settings saved next to the output can be fed back and give the same answer
    again = tmp_path / "again.csv"
    link_csv(inp, again, settings_path=str(out) + ".settings.json")
    assert pd.read_csv(again, dtype=str).equals(got)


def test_relinking_same_data_gives_same_ids(people):
    df = people.drop(columns=["person"])
    a = link_table(df).clusters
    b = link_table(df).clusters
    assert a.equals(b)


def test_incremental_never_renumbers(people, tmp_path):
    df = people.drop(columns=["person"])
    order = np.random.default_rng(1).permutation(len(df))
    first, later = df.iloc[order[:700]], df.iloc[order[700:]]
    index = link_table(first).to_index()
    before = index.persons().set_index("record_id")["person_id"].to_dict()
    index, assigned = link_new(index, later)
    after = index.persons().set_index("record_id")["person_id"].to_dict()
    merged = set(index.events.loc[index.events["event"] == "merge", "other_person_id"]) if len(index.events) else set()
    for rid, pid in before.items():
        assert after[rid] == pid or pid in merged, "an existing person was renumbered without a merge"
    assert set(assigned["status"]) <= {"linked", "new", "merged"}
    # most new mentions of people seen before join their existing person
    truth = dict(zip(people["record_id"], people["person"]))
    seen = {truth[r] for r in first["record_id"]}
    old_people = assigned[[truth[r] in seen for r in assigned["record_id"]]]
    assert (old_people["status"] != "new").mean() > 0.8
    # new ids are numbered after every id issued before
    new_ids = assigned.loc[assigned["status"] == "new", "person_id"]
    assert all(p not in set(before.values()) for p in new_ids)
    # save / load round trip keeps everything
    index.save(tmp_path / "idx")
    loaded = PersonIndex.load(tmp_path / "idx")
    assert loaded.persons().equals(index.persons())
    assert loaded.next_number == index.next_number


def test_incremental_relink_of_known_mention_matches_its_person(people):
    df = people.drop(columns=["person"])
    index = link_table(df).to_index()
    pid = index.persons().set_index("record_id")["person_id"]
    again = df.iloc[:50].copy()
    again["record_id"] = "again-" + again["record_id"]
    index, assigned = link_new(index, again)
    hit = (assigned["person_id"].to_numpy() == pid.loc[df["record_id"].iloc[:50]].to_numpy()).mean()
    assert hit > 0.95
    with pytest.raises(ValueError):
        link_new(index, df.iloc[:1])  # record ids must be new


def test_apply_decisions_split_and_merge(people):
    index = link_table(people.drop(columns=["person"])).to_index()
    p = index.persons()
    big = p[p["cluster_size"] >= 2].iloc[0]
    mates = p[p["person_id"] == big["person_id"]]["record_id"].tolist()
    apply_decisions(index, pd.DataFrame({"record_id_l": [mates[0]], "record_id_r": [mates[1]],
                                         "decision": ["cannot_link"], "reviewer": ["kb"], "reason": ["checked"]}))
    p2 = index.persons().set_index("record_id")["person_id"]
    assert p2[mates[0]] != p2[mates[1]]
    assert p2[mates[0]] == big["person_id"], "the part holding the first mention keeps the id"
    assert (index.events["event"] == "split").any()
    apply_decisions(index, pd.DataFrame({"record_id_l": [mates[0]], "record_id_r": [mates[1]],
                                         "decision": ["must_link"]}))
    p3 = index.persons().set_index("record_id")["person_id"]
    assert p3[mates[0]] == p3[mates[1]] == big["person_id"]
