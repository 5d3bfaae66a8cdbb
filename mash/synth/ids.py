"""Mint valid, unique identifiers in bulk with the matcher's own check rules.

The check characters come from :mod:`matching.identifiers` so the world and the
matcher can never disagree about what "valid" means.
"""

from __future__ import annotations

import numpy as np

from matching.identifiers import UPN_ALPHABET, is_valid_ni, nhs_check_digit, pnc_check_char, upn_check_letter


def mint_nhs(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid NHS numbers (10-digit strings).

    >>> from matching.identifiers import is_valid_nhs
    >>> all(is_valid_nhs(x) for x in mint_nhs(np.random.default_rng(1), 50))
    True
    """
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        want = int((n - len(out)) * 1.15) + 16
        # 4xx-7xx: the ranges issued in England and Wales.
        nine = rng.integers(400_000_000, 800_000_000, size=want)
        for x in nine.astype(str):
            check = nhs_check_digit(x)
            if check is None:
                continue
            full = x + str(check)
            if full in seen:
                continue
            seen.add(full)
            out.append(full)
            if len(out) == n:
                break
    return np.array(out, dtype=object)


def mint_upn(rng: np.random.Generator, la_codes: np.ndarray, estabs: np.ndarray, years: np.ndarray,
             temporary: np.ndarray) -> np.ndarray:
    """Valid UPNs, unique per (LA, establishment, year) by a running serial.

    A temporary UPN ends in a letter instead of a digit (still check-lettered).

    >>> from matching.identifiers import is_valid_upn
    >>> u = mint_upn(np.random.default_rng(0), np.array([801, 801]), np.array([2001, 2001]),
    ...              np.array([19, 19]), np.array([False, True]))
    >>> [is_valid_upn(x) for x in u], u[0] != u[1]
    ([True, True], True)
    """
    n = len(la_codes)
    key = (la_codes.astype(np.int64) * 10_000 + estabs) * 100 + years
    order = np.argsort(key, kind="stable")
    serial = np.empty(n, dtype=np.int64)
    sk = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sk)) + 1]
    run = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    # a random offset per group keeps serials from all starting at 001
    offset = rng.integers(1, 200, size=len(starts))
    serial[order] = run + np.repeat(offset, np.diff(np.r_[starts, n]))
    if serial.max(initial=0) > 999:
        raise ValueError("too many pupils per establishment-year for 3-digit UPN serials")
    out = np.empty(n, dtype=object)
    temp_letter = np.array(list(UPN_ALPHABET))[rng.integers(0, len(UPN_ALPHABET), size=n)]
    for i in range(n):
        s = f"{serial[i]:03d}"
        if temporary[i]:
            s = s[:2] + temp_letter[i]
        body = f"{la_codes[i]:03d}{estabs[i]:04d}{years[i] % 100:02d}{s}"
        out[i] = upn_check_letter(body) + body
    return out


def mint_pnc(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """PNC IDs ``YY/NNNNNNNC`` with a valid check character; unique within the call.

    >>> from matching.identifiers import is_valid_pnc
    >>> all(is_valid_pnc(x) for x in mint_pnc(np.random.default_rng(2), np.array([98, 5, 21])))
    True
    """
    n = len(years)
    serial = rng.choice(9_000_000, size=n, replace=False) + 100_000 if n else np.zeros(0, np.int64)
    out = np.empty(n, dtype=object)
    for i in range(n):
        yy = f"{int(years[i]) % 100:02d}"
        sn = f"{int(serial[i]):07d}"
        out[i] = f"{yy}/{sn}{pnc_check_char(yy, sn)}"
    return out


_NI_FIRST = [c for c in "ABCEGHJKLMNOPRSTWXYZ"]
_NI_SECOND = [c for c in "ABCEGHJKLMNPRSTWXYZ"]


def mint_ni(rng: np.random.Generator, n: int) -> np.ndarray:
    """Format-valid, distinct National Insurance numbers.

    >>> all(is_valid_ni(x) for x in mint_ni(np.random.default_rng(3), 40))
    True
    """
    prefixes = [a + b for a in _NI_FIRST for b in _NI_SECOND if is_valid_ni(f"{a}{b}000000A")]
    if n == 0:
        return np.array([], dtype=object)
    pre = np.array(prefixes, dtype=object)[rng.integers(0, len(prefixes), size=n)]
    digits = rng.choice(1_000_000, size=n, replace=n > 1_000_000)
    suffix = np.array(list("ABCD"), dtype=object)[rng.integers(0, 4, size=n)]
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = f"{pre[i]}{digits[i]:06d}{suffix[i]}"
    return out


def mint_la_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Local-authority person ids ``LA`` + 7 digits, distinct."""
    nums = rng.choice(9_000_000, size=n, replace=False) + 1_000_000
    return np.array([f"LA{x}" for x in nums], dtype=object)


def mint_crn(rng: np.random.Generator, n: int) -> np.ndarray:
    """Probation case reference numbers (a letter and six digits), distinct."""
    nums = rng.choice(1_000_000, size=n, replace=False)
    letters = np.array(list("ABCDEFGHJKLMNPRSTUVWXY"), dtype=object)[rng.integers(0, 22, size=n)]
    return np.array([f"{a}{b:06d}" for a, b in zip(letters, nums)], dtype=object)
