"""Recording noise: how true values become what a partner actually typed.

Each function takes true values for a batch of mentions, changes a random
share of them and returns the recorded values plus a boolean mask of which
rows it changed, so the world can report exactly how much of each kind of
noise it injected (``world.json``) and tag each mention (``mentions.csv``).
Rates live in :class:`NoiseRates`; the defaults are plausible for English
administrative data (PRIMER: 1.5-2% of health DOBs wrong).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from mash.synth.dates import from_ymd, ymd
from mash.synth.names import STREET_ABBREV, name_variants


@dataclass(frozen=True)
class NoiseRates:
    """Per-field probabilities of each kind of recording error (applied per mention)."""

    name_typo: float = 0.025
    nickname: float = 0.05
    first_last_swap: float = 0.008
    barrel_part: float = 0.45  # of double-barrelled surnames, recorded as one part
    maiden_name: float = 0.25  # of women with a previous surname, recorded under it
    dob_swap: float = 0.006  # day/month swapped (only possible when both <= 12)
    dob_off_by_one: float = 0.01  # a day or a year out
    dob_placeholder: float = 0.004  # 01/01/yyyy
    dob_missing: float = 0.03
    postcode_format: float = 0.10  # no space / lower case
    postcode_typo: float = 0.01
    postcode_missing: float = 0.05
    address_abbrev: float = 0.25  # Road -> Rd, Flat 2, 14 -> 2/14
    stale_address: float = 0.06  # of mentions after a move: the old address
    address_missing: float = 0.03
    id_missing: float = 0.08  # an identifier the partner normally records is blank
    id_typo: float = 0.006  # one character of an identifier mistyped
    duplicate: float = 0.02  # notification sent twice (same or next file)
    late: float = 0.04  # notification delivered in the next period's file

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


_KEYS = "qwertyuiopasdfghjklzxcvbnm"
_NEAR = {c: _KEYS[max(0, i - 1)] + _KEYS[min(len(_KEYS) - 1, i + 1)] for i, c in enumerate(_KEYS)}


def typo(s: str, r: float, r2: float) -> str:
    """One keyboard slip, chosen by ``r`` and placed by ``r2`` (both in [0, 1)).

    >>> typo("Smith", 0.1, 0.5), typo("Smith", 0.6, 0.5)
    ('Smth', 'Smiith')
    """
    if len(s) < 3:
        return s
    i = 1 + int(r2 * (len(s) - 2))  # never the first letter: people rarely get that wrong
    if r < 0.3:
        return s[:i] + s[i + 1:]
    if r < 0.55:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:] if i + 1 < len(s) else s[:i - 1] + s[i] + s[i - 1]
    if r < 0.8:
        return s[:i] + s[i] + s[i:]
    c = s[i].lower()
    sub = _NEAR.get(c, c)[int(r2 * 10) % 2] if c in _NEAR else c
    return s[:i] + (sub.upper() if s[i].isupper() else sub) + s[i + 1:]


def _mask(rng: np.random.Generator, n: int, rate: float, eligible: np.ndarray | None = None) -> np.ndarray:
    m = rng.random(n) < rate
    return m if eligible is None else m & eligible


def noisy_names(rng: np.random.Generator, rates: NoiseRates, given: np.ndarray, family: np.ndarray,
                prev_family: np.ndarray, sex: np.ndarray, adult: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Recorded (given, family) with nicknames, typos, swaps, barrel parts and maiden names."""
    n = len(given)
    g, f = given.copy(), family.copy()
    tags: dict[str, np.ndarray] = {}
    variants = name_variants()
    has_var = np.array([x in variants for x in g], dtype=bool)
    m = _mask(rng, n, rates.nickname, has_var)
    r = rng.random(n)
    g[m] = [variants[x][int(rr * len(variants[x]))] for x, rr in zip(g[m], r[m])]
    tags["nickname"] = m
    barrel = np.array(["-" in x for x in f], dtype=bool)
    m = _mask(rng, n, rates.barrel_part, barrel)
    side = rng.random(n) < 0.5
    f[m] = [x.split("-")[0 if s else -1] for x, s in zip(f[m], side[m])]
    tags["barrel_part"] = m
    m = _mask(rng, n, rates.maiden_name, (prev_family != "") & adult & (sex == "F"))
    f[m] = prev_family[m]
    tags["maiden_name"] = m
    for col, arr in (("given", g), ("family", f)):
        m = _mask(rng, n, rates.name_typo)
        r1, r2 = rng.random(n), rng.random(n)
        arr[m] = [typo(x, a, b) for x, a, b in zip(arr[m], r1[m], r2[m])]
        tags[f"typo_{col}"] = m
    m = _mask(rng, n, rates.first_last_swap)
    g[m], f[m] = f[m].copy(), g[m].copy()
    tags["first_last_swap"] = m
    return g, f, tags


def noisy_dob(rng: np.random.Generator, rates: NoiseRates, dob: np.ndarray) -> tuple[np.ndarray, dict]:
    """Recorded DOB day numbers (-1 = blank)."""
    n = len(dob)
    out = dob.copy()
    y, mth, d = ymd(dob)
    tags = {}
    m = _mask(rng, n, rates.dob_swap, (d <= 12) & (mth <= 12) & (d != mth))
    out[m] = from_ymd(y[m], d[m], mth[m])
    tags["dob_swap"] = m
    m = _mask(rng, n, rates.dob_off_by_one) & ~m
    year = rng.random(n) < 0.35
    step = np.where(rng.random(n) < 0.5, -1, 1)
    out[m & ~year] += step[m & ~year]
    my = m & year
    out[my] = from_ymd(y[my] + step[my], mth[my], d[my])
    tags["dob_off_by_one"] = m
    m = _mask(rng, n, rates.dob_placeholder)
    out[m] = from_ymd(y[m], np.ones(int(m.sum())), np.ones(int(m.sum())))
    tags["dob_placeholder"] = m
    m = _mask(rng, n, rates.dob_missing)
    out[m] = -1
    tags["dob_missing"] = m
    return out, tags


def noisy_postcode(rng: np.random.Generator, rates: NoiseRates, pc: np.ndarray) -> tuple[np.ndarray, dict]:
    """Recorded postcodes: spacing/case variants, a mistyped character, blanks."""
    n = len(pc)
    out = pc.copy()
    tags = {}
    m = _mask(rng, n, rates.postcode_format)
    how = rng.random(n)
    out[m & (how < 0.5)] = [x.replace(" ", "") for x in out[m & (how < 0.5)]]
    out[m & (how >= 0.5)] = [x.lower() for x in out[m & (how >= 0.5)]]
    tags["postcode_format"] = m
    m = _mask(rng, n, rates.postcode_typo)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    pos = rng.integers(0, 2, size=n)
    new = np.array(list(letters), dtype=object)[rng.integers(0, len(letters), size=n)]
    # change one inward-code letter: still a well-formed postcode, just the wrong one
    out[m] = [x[:-2 + p] + c + x[len(x) - 1 + p:] if p == 0 else x[:-1] + c
              for x, p, c in zip(out[m], pos[m], new[m])]
    tags["postcode_typo"] = m
    m = _mask(rng, n, rates.postcode_missing)
    out[m] = ""
    tags["postcode_missing"] = m
    return out, tags


def abbreviate(line: str, r: float) -> str:
    """A recorded variant of an address line.

    >>> abbreviate("Flat 2, 14 Elm Road", 0.1), abbreviate("14a Elm Street", 0.9)
    ('2/14 Elm Road', 'Flat A, 14 Elm Street')
    """
    if line.startswith("Flat ") and r < 0.5:
        flat, rest = line[5:].split(", ", 1)
        return f"{flat}/{rest}" if r < 0.25 else f"Flat {flat} {rest}"
    head = line.split(" ", 1)
    if r >= 0.8 and len(head) == 2 and head[0][:-1].isdigit() and head[0][-1] == "a":
        return f"Flat A, {head[0][:-1]} {head[1]}"
    words = line.split(" ")
    for i, w in enumerate(words):
        key = w.rstrip(",")
        if key in STREET_ABBREV:
            words[i] = w.replace(key, STREET_ABBREV[key])
            break
    return " ".join(words)


def noisy_address(rng: np.random.Generator, rates: NoiseRates, line: np.ndarray, stale_line: np.ndarray,
                  stale_pc: np.ndarray, pc: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Recorded (address line, postcode): stale after a move, abbreviated, or blank."""
    n = len(line)
    out, opc = line.copy(), pc.copy()
    tags = {}
    m = _mask(rng, n, rates.stale_address, stale_line != "")
    out[m], opc[m] = stale_line[m], stale_pc[m]
    tags["stale_address"] = m
    m = _mask(rng, n, rates.address_abbrev)
    r = rng.random(n)
    out[m] = [abbreviate(x, a) for x, a in zip(out[m], r[m])]
    tags["address_abbrev"] = m
    m = _mask(rng, n, rates.address_missing)
    out[m] = ""
    tags["address_missing"] = m
    return out, opc, tags


def corrupt_id(value: str, r: float, r2: float) -> str:
    """Mistype one digit of an identifier (letters and separators kept).

    >>> corrupt_id("9434765919", 0.0, 0.5)
    '4434765919'
    """
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    if not digits:
        return value
    i = digits[int(r * len(digits))]
    new = str((int(value[i]) + 1 + int(r2 * 8)) % 10)
    return value[:i] + new + value[i + 1:]


def noisy_ids(rng: np.random.Generator, rates: NoiseRates, ids: np.ndarray, coverage: float) -> tuple[np.ndarray, dict]:
    """Identifier as recorded: missing beyond ``coverage`` or by noise, sometimes mistyped."""
    n = len(ids)
    out = ids.copy()
    has = out != ""
    m_cov = has & (rng.random(n) >= coverage)
    m_miss = _mask(rng, n, rates.id_missing, has & ~m_cov)
    out[m_cov | m_miss] = ""
    m = _mask(rng, n, rates.id_typo, out != "")
    r1, r2 = rng.random(n), rng.random(n)
    out[m] = [corrupt_id(x, a, b) for x, a, b in zip(out[m], r1[m], r2[m])]
    return out, {"id_missing": m_miss, "id_typo": m}
