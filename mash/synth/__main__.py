"""``python -m mash.synth --out DIR --notifications N --seed S --months M``"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from mash.synth.world import generate_world


def main(argv: list[str] | None = None) -> int:
    """Generate a world from the command line and print its summary as JSON."""
    ap = argparse.ArgumentParser(prog="python -m mash.synth", description=__doc__)
    ap.add_argument("--out", type=Path, required=True, help="output folder (landing/ and truth/ go inside)")
    ap.add_argument("--notifications", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)

    def progress(stage: str, frac: float) -> None:
        if not a.quiet:
            print(f"[{frac:5.0%}] {stage}", file=sys.stderr)

    s = generate_world(a.out, a.notifications, a.seed, a.months, a.start, progress)
    print(json.dumps({**s.to_json(), "seconds": s.seconds, "rss_mb": s.rss_mb}, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
