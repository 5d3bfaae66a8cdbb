"""The short examples in the research modules' docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib
import tempfile

import pytest

MODULES = ["mash.research.keys", "mash.research.extract", "mash.research.notebooks"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # examples write their key files here
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
