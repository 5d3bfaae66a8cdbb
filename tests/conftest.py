"""Shared fixtures: a real DuckDB warehouse file in a temporary folder, and test partner feeds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI runs the property tests with a fixed seed so that a red build is reproducible; developers'
# runs stay random and keep exploring (a failure found there is saved in .hypothesis/ and replayed).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

from mash.ingest import ingest_partner, load_configs, reconciliation_problems
from mash.settings import Paths
from mash.warehouse import connect

FIXTURE_PARTNERS = Path(__file__).parent / "fixtures" / "partners"

os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def _test_warehouse_key() -> None:
    """Every test warehouse is encrypted with a throwaway key (child processes inherit it)."""
    import tempfile

    from mash.governance.pseudonymise import new_key, save_key
    from mash.warehouse import KEY_ENV, KEY_FILE_ENV

    os.environ.pop(KEY_ENV, None)
    folder = Path(tempfile.mkdtemp(prefix="mash-test-key-"))
    os.environ[KEY_FILE_ENV] = str(save_key(new_key(), folder / "warehouse.key"))


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
