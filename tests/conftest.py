"""Shared fixtures: a real DuckDB warehouse file in a temporary folder, and test partner feeds."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI runs the property tests with a fixed seed so that a red build is reproducible; developers'
# runs stay random and keep exploring (a failure found there is saved in .hypothesis/ and replayed).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

from mash.governance.pseudonymise import new_key, save_key
from mash.ingest import ingest_partner, load_configs, reconciliation_problems
from mash.research.extract import extract_dir
from mash.research.keys import KEY_FILE_ENV
from mash.settings import SAMPLE_WORLD, Paths
from mash.warehouse import connect

FIXTURE_PARTNERS = Path(__file__).parent / "fixtures" / "partners"

os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def _test_warehouse_key() -> None:
    """Every test warehouse is encrypted, with one fixed test key: the same in every xdist worker (they
    share the sample world built once) and in Dagster's step processes, which inherit it."""
    from mash.warehouse import KEY_ENV, KEY_FILE_ENV

    os.environ.pop(KEY_FILE_ENV, None)
    os.environ[KEY_ENV] = hashlib.sha256(b"mash-analytics tests: warehouse key (synthetic data only)").hexdigest()


_test_warehouse_key()
# Tests act as an analyst checking data quality (the audit log records it); tests of refusals override.
os.environ.update({"MASH_ROLE": "analyst", "MASH_PURPOSE": "data quality", "MASH_USER": "pytest"})


@dataclass
class Hub:
    """A temporary MASH: landing folders, raw store and a real warehouse file."""

    root: Path

    def __post_init__(self) -> None:
        self.paths = Paths.from_env(self.root)
        self.configs = load_configs(FIXTURE_PARTNERS)
        self.con = connect(self.paths.warehouse)

    def deliver(self, partner: str, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        folder = self.paths.landing / partner
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
        return path

    def ingest(self, partner: str):
        results = ingest_partner(self.con, self.configs[partner], self.paths.landing, self.paths.raw_store)
        assert reconciliation_problems(self.con).empty, reconciliation_problems(self.con).to_string()
        return results

    def one(self, sql: str, params=None):
        return self.con.execute(sql, params or []).fetchall()[0][0]

    def rows(self, sql: str, params=None):
        return self.con.execute(sql, params or []).fetchall()


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    h = Hub(tmp_path / "hub")
    yield h
    h.con.close()


@pytest.fixture(autouse=True, scope="session")
def research_key_file(tmp_path_factory):
    """Every test runs with a throwaway project key, so pipeline runs write the research extract and
    nothing reads a developer's own key or creates the demo key in their home folder."""
    key_file = save_key(new_key(), tmp_path_factory.mktemp("research-key") / "project.key")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_FILE_ENV, str(key_file))
        yield key_file


# A fixed key for the sample world, so that its pseudonyms (and any chance overlap a leak scan could
# trip on) are the same on every run. Synthetic data only.
SAMPLE_KEY = hashlib.sha256(b"mash-analytics tests: research key for the synthetic sample").digest()


@dataclass(frozen=True)
class SampleWorld:
    """The committed synthetic sample after the whole Dagster job, research extract included. Read-only."""

    paths: Paths
    key_file: Path
    key: bytes

    @property
    def extract(self) -> Path:
        return extract_dir(self.paths.outputs)


@pytest.fixture(scope="session")
def sample_world(tmp_path_factory, worker_id) -> SampleWorld:
    """Built once per test session and shared by the xdist workers (a file lock makes the others wait).

    The whole ``mash_daily`` job runs in-process on an ephemeral Dagster instance: the run history is
    not needed here, and recording it in SQLite doubled the build time.
    """
    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions

    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    root = shared / "sample_world"
    world = SampleWorld(Paths.from_env(root / "home"), root / "research.key", SAMPLE_KEY)
    with open(shared / "sample_world.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "built").exists():
            shutil.rmtree(root, ignore_errors=True)  # a build that failed half way
            root.mkdir()
            shutil.copytree(SAMPLE_WORLD / "landing", world.paths.landing)
            save_key(SAMPLE_KEY, world.key_file)
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("MASH_HOME", str(world.paths.home))
                mp.setenv(KEY_FILE_ENV, str(world.key_file))
                job = build_definitions(world.paths).resolve_job_def("mash_daily")
                result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False,
                                                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
                assert result.success, "the sample world's pipeline run failed"
            (root / "built").touch()
    return world
