"""Person ids stay put across scheduled runs: a new delivery never renumbers existing persons."""

from __future__ import annotations

import shutil

from mash.ingest import ingest_partner, load_configs
from mash.linking import link_warehouse
from mash.settings import SAMPLE_WORLD, Paths
from mash.warehouse import connect


def _ingest(con, paths):
    for cfg in load_configs(paths.partners).values():
        ingest_partner(con, cfg, paths.landing, paths.raw_store)


def test_new_deliveries_keep_existing_person_ids_and_changes_are_logged(tmp_path):
    paths = Paths.from_env(tmp_path / "home")
    files = sorted(p for p in (SAMPLE_WORLD / "landing").rglob("*") if p.is_file())
    early = [p for p in files if "2025-0" in p.name or "HT3" in p.name and "2024-25" in p.name]
    assert 0 < len(early) < len(files)
    for p in early:
        dest = paths.landing / p.parent.name / p.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
    con = connect(paths.warehouse)
    _ingest(con, paths)
    link_warehouse(con)
    before = con.execute("SELECT mention_id, person_id FROM mention_person").df().set_index("mention_id")["person_id"]
    again = link_warehouse(con)  # a re-run on the same data changes nothing
    assert again["merges"] == again["splits"] == 0
    same = con.execute("SELECT mention_id, person_id FROM mention_person").df().set_index("mention_id")["person_id"]
    assert same.sort_index().equals(before.sort_index())

    shutil.copytree(SAMPLE_WORLD / "landing", paths.landing, dirs_exist_ok=True)
    _ingest(con, paths)
    stats = link_warehouse(con)
    after = con.execute("SELECT mention_id, person_id FROM mention_person").df().set_index("mention_id")["person_id"]
    assert len(after) > len(before)
    changed = con.execute("SELECT change, person_id, other_person_ids FROM person_id_changes").df()
    touched = set(changed["person_id"]) | {p for s in changed["other_person_ids"] for p in s.split(";")}
    kept = before[~before.isin(touched)]
    # every person not in a recorded merge or split keeps its id
    assert (after.loc[kept.index] == kept).all()
    print(f"kept {len(kept)}/{len(before)} person ids; changes {changed['change'].value_counts().to_dict()}")
    assert len(kept) / len(before) > 0.9
    assert stats["merges"] == int((changed["change"] == "merge").sum())
    con.close()
