"""The committed sample world through the whole Dagster job, once per test session.

pytest-xdist runs tests in several processes; the first one to need the sample builds it
under a file lock in the session's shared temporary folder and the others wait and reuse it,
so the ~40 s pipeline run is paid once.
"""

from __future__ import annotations

import fcntl
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from mash.cli import run_pipeline
from mash.settings import SAMPLE_WORLD, Paths


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Paths:
    """``Paths`` of a hub where ``mash_daily`` has run on the committed sample (read it, do not write it)."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # the parent is this session's, shared by workers
    root = shared / "commissioner-sample"
    paths = Paths.from_env(root / "home")
    with _locked(shared / "commissioner-sample.lock"):
        done = root / "built"
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(SAMPLE_WORLD / "landing", paths.landing)
            with pytest.MonkeyPatch.context() as mp:
                # run_pipeline sets both for the Dagster instance; undone afterwards for other tests
                mp.setenv("DAGSTER_HOME", str(root / "dagster"))
                mp.setenv("MASH_HOME", str(paths.home))
                assert run_pipeline(paths), "the sample pipeline run failed"
            done.write_text("ok")
    return paths
