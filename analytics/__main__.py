"""``python -m analytics --warehouse W --out DIR [--truth TRUTH_DIR | --mention-person TABLE]``

Runs :func:`analytics.run_all` on a warehouse. With ``--truth`` the person ids
come from the synthetic world's ground truth and the rules are scored against
its patterns (printed, and written as ``evaluation_*.csv``). For development and
demos; the project CLI and Dagster call :func:`analytics.run_all` directly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from analytics.evaluate import evaluate, write_evaluation
from analytics.run import run_all
from analytics.truth import truth_mention_person
from mash.warehouse import connect

HERE = Path(__file__).resolve().parents[1] / "data_samples"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print counts (and the evaluation); returns the exit code.

    >>> main(["--warehouse", "var/warehouse.duckdb", "--out", "/tmp/a", "--truth", "data_samples/world/truth"])
    ... # doctest: +SKIP
    """
    ap = argparse.ArgumentParser(prog="python -m analytics", description=__doc__)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--truth", type=Path, help="truth/ folder of a synthetic world: use its person ids and score")
    ap.add_argument("--mention-person", default="mention_person",
                    help="table in the warehouse with mention_id, person_id, link_probability")
    ap.add_argument("--rules", type=Path, default=HERE / "rules.toml")
    ap.add_argument("--rag", type=Path, default=HERE / "rag.toml")
    a = ap.parse_args(argv)
    con = connect(a.warehouse)
    mp = truth_mention_person(con, a.truth) if a.truth else a.mention_person
    res = run_all(con, mp, a.rules, a.rag, a.out)
    print(json.dumps({"counts": res["counts"], "seconds": res["seconds"],
                      "paths": {k: str(v) for k, v in res["paths"].items()}}, indent=2, default=str))
    if a.truth:
        ev = evaluate(con, a.truth)
        write_evaluation(ev, a.out)
        with pd.option_context("display.width", 220, "display.max_columns", 30):
            print(ev["by_pattern"].to_string(index=False))
        print(f"alerts resting on a wrongly merged decoy: {ev['decoy_alerts']}")
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
