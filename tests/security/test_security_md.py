"""SECURITY.md stays true: every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REF = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")
BARE = re.compile(r"`(test_\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_test_named_in_security_md_exists():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    missing = []
    for line in text.splitlines():
        for path, name in REF.findall(line):
            if not (ROOT / path).is_file():
                missing.append(path)
            elif name and name not in _tests_in(ROOT / path):
                missing.append(f"{path}::{name}")
    security_tests = set().union(*(_tests_in(p) for p in (ROOT / "tests" / "security").glob("test_*.py")))
    missing += [f"tests/security/...::{n}" for n in BARE.findall(text) if n not in security_tests]
    assert not missing, missing


def test_every_threat_row_names_a_test():
    rows = [line for line in (ROOT / "SECURITY.md").read_text(encoding="utf-8").splitlines()
            if re.match(r"\| \d+ \|", line)]
    assert len(rows) >= 20
    assert all("tests/" in row for row in rows), [r[:60] for r in rows if "tests/" not in r]
