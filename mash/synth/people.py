"""True personal attributes: names by origin, sex and generation; identifiers.

Identifiers are attached after the notifications exist, because who has a PNC
ID or a local-authority id depends on who the police and social care know.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mash.synth.frames import filled
from mash.synth import ids
from mash.synth.names import ADULT_F, ADULT_M, CHILD_F, CHILD_M, ORIGIN_SHARES, ORIGINS, SURNAMES, zipf_weights

_CHILD_NAME_BORN_FROM = 1996  # people born from then on carry "modern" forenames


def sample_origins(rng: np.random.Generator, n: int) -> np.ndarray:
    """Origin labels that steer name lists, in the shares of :data:`ORIGIN_SHARES`."""
    return np.array(ORIGINS, dtype=object)[rng.choice(len(ORIGINS), size=n, p=ORIGIN_SHARES)]


def sample_given(rng: np.random.Generator, origin: np.ndarray, sex: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Forenames drawn Zipf-weighted from the list for each person's origin, sex and generation.

    >>> g = sample_given(np.random.default_rng(0), np.array(["british"]), np.array(["F"]), np.array([2015]))
    >>> isinstance(g[0], str)
    True
    """
    out = np.empty(len(origin), dtype=object)
    young = birth_year >= _CHILD_NAME_BORN_FROM
    for o in ORIGINS:
        for s, young_tab, old_tab in (("F", CHILD_F, ADULT_F), ("M", CHILD_M, ADULT_M)):
            for is_young, tab in ((True, young_tab), (False, old_tab)):
                m = (origin == o) & (sex == s) & (young == is_young)
                k = int(m.sum())
                if k:
                    names = tab[o]
                    out[m] = np.array(names, dtype=object)[rng.choice(len(names), size=k, p=zipf_weights(len(names)))]
    return out


def sample_surnames(rng: np.random.Generator, origin: np.ndarray) -> np.ndarray:
    """Surnames for each origin, Zipf-weighted (Smith, Khan and Nowak are common)."""
    out = np.empty(len(origin), dtype=object)
    for o in ORIGINS:
        m = origin == o
        k = int(m.sum())
        if k:
            names = SURNAMES[o]
            out[m] = np.array(names, dtype=object)[rng.choice(len(names), size=k, p=zipf_weights(len(names), 1.0))]
    return out


def assign_identifiers(rng: np.random.Generator, persons: pd.DataFrame, start_day: int, end_day: int,
                       pnc_wanted: np.ndarray, la_wanted: np.ndarray, la_code: int = 801) -> pd.DataFrame:
    """Add nhs_number, upn, pnc, ni_number, la_id columns (empty string when a person has none).

    UPNs go to everyone aged 4-18 at some point in the period; most carry the home LA code,
    some another LA's (they started school elsewhere).
    """
    n = len(persons)
    dob = persons["dob"].to_numpy()
    nhs = filled(n, "")
    has_nhs = rng.random(n) < 0.975  # recent arrivals and unregistered people have none yet
    nhs[has_nhs] = ids.mint_nhs(rng, int(has_nhs.sum()))

    age_start = (start_day - dob) / 365.25
    age_end = (end_day - dob) / 365.25
    pupil = (age_end >= 4) & (age_start < 18)
    upn = filled(n, "")
    k = int(pupil.sum())
    if k:
        other_la = np.array([802, 803, 330, 886, 936, 213])
        la = np.where(rng.random(k) < 0.9, la_code, other_la[rng.integers(0, len(other_la), size=k)])
        n_estab = max(40, k // 4500 + 1)
        estab = np.where(rng.random(k) < 0.7, 2000, 4000) + rng.integers(1, n_estab + 1, size=k)
        birth_year = 1970 + (dob[pupil] // 365.25).astype(np.int64)
        entry_year = birth_year + 4 + (rng.random(k) < 0.3)
        upn[pupil] = ids.mint_upn(rng, la, estab, entry_year, rng.random(k) < 0.01)

    pnc = filled(n, "")
    kp = int(pnc_wanted.sum())
    if kp:
        birth_year = 1970 + (dob[pnc_wanted] // 365.25).astype(np.int64)
        first_arrest = np.minimum(birth_year + 14 + rng.integers(0, 20, size=kp), 2024)
        pnc[pnc_wanted] = ids.mint_pnc(rng, first_arrest)

    ni = filled(n, "")
    adult = age_end >= 16.5
    has_ni = adult & (rng.random(n) < 0.88)
    ni[has_ni] = ids.mint_ni(rng, int(has_ni.sum()))

    la_id = filled(n, "")
    kl = int(la_wanted.sum())
    if kl:
        la_id[la_wanted] = ids.mint_la_ids(rng, kl)
    out = persons.copy()
    out["nhs_number"], out["upn"], out["pnc"], out["ni_number"], out["la_id"] = nhs, upn, pnc, ni, la_id
    return out
