"""The ``research/extract`` Dagster asset and the ``mash extract`` / ``mash new-key`` commands."""

from __future__ import annotations

import json
import shutil
import stat

import dagster as dg
from typer.testing import CliRunner

from mash.cli import app
from mash.governance.pseudonymise import key_fingerprint, load_key
from mash.research.extract import extract_dir
from mash.research.keys import KEY_FILE_ENV
from mash.settings import REPO_ROOT, Paths
from pipelines.definitions import WRITER_POOL, build_definitions
from pipelines.detection import ALERTS_KEY
from pipelines.research import EXTRACT_KEY, build_research_extract
from pipelines.resources import build_resources


def test_asset_follows_detection_and_states_its_purpose(tmp_path):
    defs = build_definitions(Paths.from_env(tmp_path))
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == EXTRACT_KEY)
    assert {d.asset_key for d in spec.deps} == {ALERTS_KEY}
    assert "Purpose: research" in spec.description and "pseudonym" in spec.description


def test_asset_writes_the_extract_with_the_project_key_and_nothing_without_one(sample_world, tmp_path, monkeypatch):
    paths = Paths.from_env(tmp_path / "home")
    paths.home.mkdir(parents=True)
    shutil.copy(sample_world.paths.warehouse, paths.warehouse)
    asset = build_research_extract(WRITER_POOL)

    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    result = dg.materialize([asset], resources=build_resources(paths), instance=dg.DagsterInstance.ephemeral())
    assert result.success and not result.asset_materializations_for_node(asset.op.name)
    assert not extract_dir(paths.outputs).exists()  # no project key, no extract

    monkeypatch.setenv(KEY_FILE_ENV, str(sample_world.key_file))
    result = dg.materialize([asset], resources=build_resources(paths), instance=dg.DagsterInstance.ephemeral())
    meta = result.asset_materializations_for_node(asset.op.name)[0].metadata
    assert meta["key_id"].value == key_fingerprint(sample_world.key) and meta["key_kind"].value == "project"
    expected = json.loads((sample_world.extract / "manifest.json").read_text())["tables"]
    assert meta["rows_persons"].value == expected["persons"]["rows"] > 0
    assert (extract_dir(paths.outputs) / "persons.parquet").exists()


def test_cli_extract_and_new_key(sample_world, tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    out = tmp_path / "extract"
    no_key = runner.invoke(app, ["extract", "--home", str(sample_world.paths.home), "--out", str(out)])
    assert no_key.exit_code == 2 and KEY_FILE_ENV in no_key.output and not out.exists()

    made = runner.invoke(app, ["new-key", "--out", str(tmp_path / "project.key")])
    assert made.exit_code == 0, made.output
    key = load_key(tmp_path / "project.key")  # owner-only, outside the repository
    assert stat.S_IMODE((tmp_path / "project.key").stat().st_mode) == 0o600
    assert key_fingerprint(key) in made.output and key.hex() not in made.output
    refused = runner.invoke(app, ["new-key", "--out", str(REPO_ROOT / "project.key")])
    assert refused.exit_code == 2 and not (REPO_ROOT / "project.key").exists()

    done = runner.invoke(app, ["extract", "--home", str(sample_world.paths.home), "--out", str(out),
                               "--key-file", str(tmp_path / "project.key")])
    assert done.exit_code == 0, done.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["key_id"] == key_fingerprint(key) and str(out) in done.output.replace("\n", "")
