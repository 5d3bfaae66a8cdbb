"""The hostile world is built once per test process and shared by the output tests."""

from __future__ import annotations

import pytest

from tests.security.world import World, build_hostile_world


@pytest.fixture(scope="session")
def hostile_world(tmp_path_factory) -> World:
    return build_hostile_world(tmp_path_factory.mktemp("hostile-world"))
