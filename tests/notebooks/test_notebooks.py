"""The researcher notebooks run, top to bottom, on the sample world's research extract.

Each notebook is a jupytext percent script; it is converted and executed in a ``python3`` kernel
(the venv's own interpreter) with ``MASH_EXTRACT_DIR`` pointing at a copy of the extract that has
nothing beside it, so a notebook reaching for the warehouse or any other file would fail here.
Run times are printed (``pytest -s``), not asserted: the budget is 2 minutes a notebook, and a
shared CI machine's timing is too noisy for a hard limit.
"""

from __future__ import annotations

import re
import shutil

import pytest

from mash.research.notebooks import notebook_paths, run_notebook

NOTEBOOKS = notebook_paths()
PLOTLY = "application/vnd.plotly.v1+json"


def test_there_are_at_least_three_notebooks_reading_only_the_extract():
    assert len(NOTEBOOKS) >= 3
    for path in NOTEBOOKS:
        source = path.read_text(encoding="utf-8")
        assert source.startswith("# ---\n# jupyter:") and "format_name: percent" in source, path.name
        assert "MASH_EXTRACT_DIR" in source, path.name
        # no way into the identifiable data: no DuckDB, no warehouse, no settings that locate it
        assert not re.search(r"duckdb|warehouse\.duckdb|mash\.warehouse|mash\.settings|MASH_HOME", source), path.name


@pytest.fixture(scope="module")
def lone_extract(sample_world, tmp_path_factory):
    dst = tmp_path_factory.mktemp("researcher") / "extract"
    shutil.copytree(sample_world.extract, dst)
    return dst


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_sample_extract(path, lone_extract, tmp_path):
    nb, seconds = run_notebook(path, lone_extract, out_dir=tmp_path)
    print(f"{path.name}: {seconds:.1f} s")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    figures = [o for o in outputs if PLOTLY in o.get("data", {})]
    assert len(figures) >= 3, f"{path.name} drew {len(figures)} figures"
    assert (tmp_path / f"{path.stem}.ipynb").stat().st_size > 0


def test_mash_notebooks_needs_an_extract(tmp_path):
    from typer.testing import CliRunner

    from mash.cli import app

    result = CliRunner().invoke(app, ["notebooks", "--extract", str(tmp_path / "none"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "No research extract" in result.output
    assert not list(tmp_path.glob("*.ipynb"))
