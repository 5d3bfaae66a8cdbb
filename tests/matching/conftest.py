"""Shared fixtures: a small synthetic population with known truth and decoys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

FIRST = ["OLIVER", "GEORGE", "HARRY", "JACK", "AMELIA", "OLIVIA", "ISLA", "EMILY", "MOHAMMED", "SOPHIE",
         "NOAH", "LEO", "GRACE", "RUBY", "ALFIE", "FREYA", "ARCHIE", "ELLA", "THOMAS", "CHLOE"]
SUR = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "PATEL", "KHAN",
       "WRIGHT", "WALKER", "OKAFOR", "NOWAK", "ZBIGNIEWSKA", "FOTHERINGAY", "QUILLIAM", "ABERNETHY"]


def make_people(n_persons: int = 400, seed: int = 7) -> pd.DataFrame:
    """Mentions of n_persons people (1-4 each) with light noise; ``person`` is the truth."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_persons):
        first = FIRST[rng.integers(len(FIRST))]
        sur = SUR[rng.integers(len(SUR))] + ("" if rng.random() < 0.7 else f"{chr(65 + p % 26)}{p % 7}".replace("0", "O")
                                              .replace("1", "I").replace("2", "Z").replace("3", "E")
                                              .replace("4", "A").replace("5", "S").replace("6", "G"))
        dob = pd.Timestamp("1950-01-01") + pd.Timedelta(days=int(rng.integers(0, 25000)))
        pc = f"LS{rng.integers(1, 29)} {rng.integers(1, 9)}{'ABDEFG'[rng.integers(6)]}{'HJLNPQ'[rng.integers(6)]}"
        for k in range(int(rng.integers(1, 5))):
            f, s, d = first, sur, dob.strftime("%d/%m/%Y")
            if rng.random() < 0.1:
                f = f[:-1] + ("A" if f[-1] != "A" else "E")
            if rng.random() < 0.05:
                s = s.lower()
            if rng.random() < 0.1:
                d = dob.strftime("%Y-%m-%d")
            rows.append({"record_id": f"r{p}-{k}", "first_name": f, "surname": s, "dob": d, "postcode": pc,
                         "person": p})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def people() -> pd.DataFrame:
    return make_people()
