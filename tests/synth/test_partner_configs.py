"""Every code the generator can emit, and every code it did emit, is mapped in the partner TOML."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest

from mash.synth import partners as P
from mash.synth.delivery import EXT
from mash.synth.world import FILE_FORMAT

CONFIGS = Path(__file__).resolve().parents[2] / "data_samples" / "partners"


def norm(code: str) -> str:
    return " ".join(str(code).split()).upper()  # the contract: codes match case- and space-insensitively


def load(partner: str) -> dict:
    return tomllib.loads((CONFIGS / f"{partner}.toml").read_text(encoding="utf-8"))


def mapped(cfg: dict, table: str) -> dict[str, str]:
    return {norm(k): v for k, v in cfg.get(table, {}).items()}


@pytest.mark.parametrize("partner", P.PARTNERS)
def test_code_lists_mapped(partner):
    cfg = load(partner)
    assert cfg["partner"] == partner
    concern = mapped(cfg, "concern_map")
    for code, canon in P.concern_map(partner).items():
        assert concern.get(norm(code)) == canon, (partner, code)
    sev = mapped(cfg, "severity_map")
    for rank, code in P.SEV_CODE[partner].items():
        assert sev.get(norm(code)) == {1: "low", 2: "medium", 3: "high", 4: "critical"}[rank] or rank == 4
        assert norm(code) in sev
    for code, canon in P.SEX_MAPS.get(partner, {}).items():
        assert mapped(cfg, "sex_map").get(norm(code)) == canon
    for code, canon in P.ROLE_MAPS.get(partner, {}).items():
        assert mapped(cfg, "role_map").get(norm(code)) == canon
    if partner == "csc":
        for table, codes in (("decision_map", P.CSC_DECISIONS), ("rag_map", P.CSC_RAG), ("consent_map", P.CSC_CONSENT)):
            assert {norm(k): v for k, v in codes.items()} == mapped(cfg, table)


def _rows(world_dir: Path, partner: str, cfg: dict) -> list[dict]:
    out = []
    for f in sorted((world_dir / "landing" / partner).glob(f"*.{EXT[partner]}")):
        if EXT[partner] == "jsonl":
            for line in f.read_text(encoding="utf-8").splitlines():
                out.append(json.loads(line))
        elif EXT[partner] == "xlsx":
            from openpyxl import load_workbook

            ws = load_workbook(f, read_only=True)[cfg["sheet"]]
            rows = list(ws.iter_rows(values_only=True))
            header = rows[cfg["header_row"]]
            out += [dict(zip(header, r)) for r in rows[cfg["header_row"] + 1:]]
        else:
            enc, delim, _ = FILE_FORMAT[partner]
            text = f.read_bytes().decode(enc)
            out += list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delim))
    return out


def _get(row: dict, path: str):
    for part in path.split("."):
        row = row.get(part) if isinstance(row, dict) else None
    return row


@pytest.mark.parametrize("partner", P.PARTNERS)
def test_emitted_codes_are_mapped(world, partner):
    out, _ = world
    cfg = load(partner)
    rows = _rows(out, partner, cfg)
    assert rows, partner
    checks = [("concern_code", "notification", "concern_map"), ("severity_code", "notification", "severity_map"),
              ("decision", "notification", "decision_map"), ("rag", "notification", "rag_map"),
              ("consent", "notification", "consent_map"), ("role", "person", "role_map"),
              ("sex", "person", "sex_map")]
    for field, section, table in checks:
        col = cfg.get(section, {}).get(field)
        if not col:
            continue
        values = {_get(r, col) for r in rows} - {None, ""}
        table_map = mapped(cfg, table)
        if field == "sex":
            continue_ok = values <= set(table_map) | {v for v in values if norm(v) in table_map}
            assert continue_ok
        missing = {v for v in values if norm(v) not in table_map}
        assert not missing, f"{partner}: {field} codes {missing} not in [{table}]"
    if "members" in cfg:
        import re

        pat = re.compile(cfg["members"]["pattern"])
        roles = mapped(cfg, "role_map")
        for r in rows:
            for item in filter(str.strip, (r[cfg["members"]["column"]] or "").split(cfg["members"]["separator"])):
                m = pat.match(item)
                assert m, item
                if m.group("role"):
                    assert norm(m.group("role")) in roles


def test_world_loads_through_ingestion_with_exact_lineage(world, truth):
    """Contract test against mash.ingest: no rejected rows and the same (file, row, position) mentions."""
    ingest = pytest.importorskip("mash.ingest.mapping")
    import datetime as dt

    from mash.ingest.config import load_configs
    from mash.ingest.readers import read_delivery

    out, _ = world
    got, rejects = set(), []
    for partner, cfg in load_configs(CONFIGS).items():
        for f in sorted((out / "landing" / partner).glob(cfg.file_glob)):
            table = read_delivery(f, f.read_bytes(), cfg)
            m = ingest.map_rows(table, cfg, f.name, f.name, dt.date(2100, 1, 1))
            rejects += m.rejects + table.rejects
            got |= set(zip([partner] * len(m.mentions), m.mentions["file_name"], m.mentions["row_number"].astype(int),
                           m.mentions["member_position"].astype(int)))
    t = truth["mentions"]
    want = set(zip(t["partner"], t["file_name"], t["row_number"].astype(int), t["member_position"].astype(int)))
    assert not rejects, rejects[:3]
    assert got == want
