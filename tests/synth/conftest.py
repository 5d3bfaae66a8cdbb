"""One small synthetic world shared by the synth tests (generation takes about a second)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mash.synth import generate_world


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("world")
    summary = generate_world(out, n_notifications=900, seed=5, months=10)
    return out, summary


@pytest.fixture(scope="session")
def truth(world) -> dict[str, pd.DataFrame]:
    out, _ = world
    names = ["mentions", "persons", "households", "addresses", "relationships", "notifications", "patterns", "decoys"]
    return {n: pd.read_csv(out / "truth" / f"{n}.csv", dtype=str, keep_default_na=False) for n in names}
