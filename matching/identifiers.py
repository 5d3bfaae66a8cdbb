"""UK person identifiers and their check rules.

NHS number (modulus 11), Unique Pupil Number (check letter), Police National
Computer ID (check character) and National Insurance number (format only).
Each has ``normalise_*`` (strip separators, upper-case), ``is_valid_*`` and,
where there is a check character, ``*_check`` so that the synthetic world can
mint valid identifiers with the same rule the matcher validates against.

An identifier that fails its check is kept as written by the caller but must
never count as strong evidence of identity.
"""

from __future__ import annotations

import re

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
PNC_ALPHABET = "ZABCDEFGHJKLMNPQRTUVWXY"
_NI_BAD_LETTERS = set("DFIQUV")
_NI_BAD_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
_SEPARATORS = re.compile(r"[\s\-/.]")
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def _clean(value: object) -> str:
    if value is None:
        return ""
    return _SEPARATORS.sub("", str(value)).upper()


# --- NHS number ---------------------------------------------------------------


def normalise_nhs(value: object) -> str:
    """Digits and letters only, upper case: ``normalise_nhs("943 476 5919") == "9434765919"``."""
    return _clean(value)


def nhs_check_digit(first_nine: str) -> int | None:
    """Check digit for nine digits, or None when the result is 10 (never issued).

    >>> nhs_check_digit("943476591")
    9
    """
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs(value: object) -> bool:
    """True when ``value`` is a 10-digit NHS number whose modulus-11 check holds.

    >>> is_valid_nhs("943 476 5919"), is_valid_nhs("9434765918")
    (True, False)
    """
    s = normalise_nhs(value)
    if not _TEN_DIGITS.fullmatch(s):  # ASCII digits only: "²" or Arabic-Indic digits are not an NHS number
        return False
    check = nhs_check_digit(s[:9])
    return check is not None and check == int(s[9])


# --- Unique Pupil Number --------------------------------------------------------


def upn_check_letter(last_twelve: str) -> str:
    """Check letter for UPN characters 2-13.

    >>> upn_check_letter("801200005001")
    'B'
    """
    total = 0
    for pos, ch in enumerate(last_twelve.upper(), start=2):
        if "0" <= ch <= "9":
            val = int(ch)
        else:
            idx = UPN_ALPHABET.find(ch)
            if idx < 0:
                raise ValueError(f"character {ch!r} is not allowed in a UPN")
            val = idx
        total += val * pos
    return UPN_ALPHABET[total % 23]


_UPN_SHAPE = re.compile(rf"^[{UPN_ALPHABET}][0-9]{{11}}[0-9{UPN_ALPHABET}]$")


def normalise_upn(value: object) -> str:
    """Upper case, separators removed."""
    return _clean(value)


def is_valid_upn(value: object) -> bool:
    """True for a 13-character UPN (permanent or temporary) with a correct check letter.

    >>> is_valid_upn("B801200005001"), is_valid_upn("Q207000016049")
    (True, False)
    """
    s = normalise_upn(value)
    if not _UPN_SHAPE.match(s):
        return False
    return upn_check_letter(s[1:]) == s[0]


# --- Police National Computer ID -----------------------------------------------

# [0-9], not \d: \d also matches other scripts' digits, which are not in any UK identifier.
_PNC_SLASHED = re.compile(r"^([0-9]{2}|[0-9]{4})/([0-9]{1,7})([A-Z])$")
_PNC_BARE = re.compile(r"^([0-9]{4}(?=[0-9]{7}[A-Z]$)|[0-9]{2})([0-9]{1,7})([A-Z])$")


def _parse_pnc(value: object) -> tuple[str, str, str] | None:
    """(2-digit year, serial, check) or None; the slash, when present, decides where the year ends."""
    s = re.sub(r"\s", "", "" if value is None else str(value)).upper()
    m = _PNC_SLASHED.match(s) or _PNC_BARE.match(s.replace("/", ""))
    if not m:
        return None
    year, serial, check = m.groups()
    return year[-2:], serial, check


def pnc_check_char(year2: str, serial: str) -> str:
    """Check character for a 2-digit year and a serial (zero-padded to 7).

    >>> pnc_check_char("12", "345")
    'G'
    """
    number = int(f"{int(year2):02d}{int(serial):07d}")
    return PNC_ALPHABET[number % 23]


def normalise_pnc(value: object) -> str:
    """Canonical short form ``YY/NNNNNNNC`` with the serial zero-padded, or the cleaned text if unparseable.

    >>> normalise_pnc("2012/345g")
    '12/0000345G'
    """
    parsed = _parse_pnc(value)
    if parsed is None:
        return _clean(value)
    year, serial, check = parsed
    return f"{year}/{int(serial):07d}{check}"


def is_valid_pnc(value: object) -> bool:
    """True when the PNC ID parses and its check character holds.

    >>> is_valid_pnc("12/345G"), is_valid_pnc("12/345H")
    (True, False)
    """
    parsed = _parse_pnc(value)
    if parsed is None:
        return False
    year, serial, check = parsed
    return pnc_check_char(year, serial) == check


# --- National Insurance number ----------------------------------------------------

_NI_SHAPE = re.compile(r"^([A-Z])([A-Z])([0-9]{6})([A-D])$")


def normalise_ni(value: object) -> str:
    """Upper case, separators removed: ``normalise_ni("ab 12 34 56 c") == "AB123456C"``."""
    return _clean(value)


def is_valid_ni(value: object) -> bool:
    """Format check for a National Insurance number (there is no checksum).

    >>> is_valid_ni("AB123456C"), is_valid_ni("GB123456A")
    (True, False)
    """
    m = _NI_SHAPE.match(normalise_ni(value))
    if not m:
        return False
    a, b, _, _ = m.groups()
    if a in _NI_BAD_LETTERS or b in _NI_BAD_LETTERS or b == "O":
        return False
    return a + b not in _NI_BAD_PREFIXES


# --- vectorised helpers (added for the matching engine) ---------------------------

_VALIDATORS = {
    "nhs": (normalise_nhs, is_valid_nhs),
    "upn": (normalise_upn, is_valid_upn),
    "pnc": (normalise_pnc, is_valid_pnc),
    "ni": (normalise_ni, is_valid_ni),
}


def identifier_kinds() -> tuple[str, ...]:
    """Kinds understood by :func:`standardise_identifier` (``nhs``, ``upn``, ``pnc``, ``ni``)."""
    return tuple(_VALIDATORS)


def standardise_identifier(value: object, kind: str) -> tuple[str, bool]:
    """(normalised text, passes its check rule) for one identifier; ("", False) when blank.

    An invalid identifier keeps its normalised text (it can still be shown and
    compared as written) but must not count as strong evidence.

    >>> standardise_identifier("943 476 5919", "nhs"), standardise_identifier("12/345g", "pnc")
    (('9434765919', True), ('12/0000345G', True))
    """
    normalise, validate = _VALIDATORS[kind]
    try:
        text = normalise(value)
    except Exception:  # hostile input: keep nothing rather than fail the run
        return "", False
    if not text:
        return "", False
    try:
        return text[:40], bool(validate(value))
    except Exception:
        return text[:40], False


def nhs_valid_array(normalised: "object") -> "object":
    """Vectorised :func:`is_valid_nhs` over already-normalised texts (numpy bool array).

    >>> nhs_valid_array(["9434765919", "9434765918", "12", None]).tolist()
    [True, False, False, False]
    """
    import numpy as np

    texts = ["" if v is None else str(v) for v in normalised]
    n = len(texts)
    out = np.zeros(n, dtype=bool)
    idx = np.array([i for i, t in enumerate(texts) if len(t) == 10 and t.isdigit() and t.isascii()], dtype=np.int64)
    if len(idx) == 0:
        return out
    digits = np.array([texts[i] for i in idx], dtype="U10").view(np.uint32).reshape(-1, 10).astype(np.int64) - 48
    total = digits[:, :9] @ np.array(_NHS_WEIGHTS)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    out[idx] = (check != 10) & (check == digits[:, 9])
    return out
