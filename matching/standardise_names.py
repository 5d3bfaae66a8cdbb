"""Person-name standardisation: one spelling per name before comparison.

Rules (each one exists because partner systems write the same name differently):

* upper case, accents folded (Zoë -> ZOE, Łukasz -> LUKASZ);
* apostrophes of every kind removed (O'Brien, O’Brien, OBrien -> OBRIEN);
* hyphens and dashes of every kind become one ``-`` with no spaces round it;
  a double-barrelled surname keeps its full form and its parts;
* anything that is not a letter, space or hyphen is dropped (digits, quotes,
  control characters, emoji), and runs of spaces collapse;
* titles (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Rev, Sir ...) and generational
  suffixes (Jr, Snr, II, III) are removed;
* a forename field holding several names is split into first and middle names;
* ``SURNAME, Forename`` and ``Forename Middle Surname`` full names are split.

Every scalar function is idempotent and never raises, whatever it is given.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import jellyfish
import numpy as np
import pandas as pd

from matching.name_variants import name_group
from matching.text import APOSTROPHES, HYPHENS, MISSING_TOKENS, fold_accents, map_unique, map_unique_frame, to_text

TITLES = frozenset(
    {
        "MR", "MRS", "MS", "MISS", "MX", "MSTR", "MASTER", "DR", "DOCTOR", "PROF", "PROFESSOR",
        "REV", "REVD", "REVEREND", "FR", "FATHER", "SIR", "DAME", "LADY", "LORD", "SR", "SRA",
        "HON", "CAPT", "CAPTAIN", "SGT", "CLLR", "BARONESS", "BARON", "MADAM", "MADAME", "MME",
        "MLLE", "HERR", "FRAU", "SHEIKH", "SHAIKH",
    }
)
# "SR" is also "Senior": as a leading token it is a title (Señor/Sister), as a trailing one a suffix.
SUFFIXES = frozenset({"JR", "JNR", "JUNIOR", "SNR", "SR", "SENIOR", "II", "III", "IV", "ESQ"})
# Surname particles that belong with the surname when a full name is split.
PARTICLES = frozenset(
    {"VAN", "VON", "DE", "DA", "DI", "DEL", "DELLA", "DER", "DEN", "LE", "LA", "DU", "DOS", "DAS",
     "AL", "EL", "BIN", "BINTI", "BINT", "BEN", "MAC", "ST", "TER", "TEN", "ABU", "UL"}
)

_APOSTROPHE_RE = re.compile(f"[{re.escape(APOSTROPHES)}]")
_HYPHEN_RE = re.compile(f"\\s*[{re.escape(HYPHENS)}]+\\s*")
# Letters of any script are kept (a name written in Arabic or Chinese stays
# comparable with itself); digits, underscores and punctuation are not names.
_NOT_NAME_RE = re.compile(r"[^\w \-]|[\d_]")
_SPACES_RE = re.compile(r" +")
_PLAIN = re.compile(r"[A-Z]+")


class ParsedName(NamedTuple):
    """A name split into its parts (empty string when absent)."""

    first_name: str
    middle_name: str
    surname: str


def normalise_name(value: Any) -> str:
    """Standardised text of one name field (titles and suffixes removed).

    >>> normalise_name("  mr   o’brien-SMITH ")
    'OBRIEN-SMITH'
    >>> normalise_name("Zoë")
    'ZOE'
    """
    if isinstance(value, str) and len(value) <= 60:
        # Fast path: one plain word (most names) needs only upper-casing. Upper-casing can lengthen
        # a word (ß -> SS), so a long result goes the slow way and is cut like any other.
        up = value.strip().upper()
        if len(up) <= 100 and _PLAIN.fullmatch(up) and up not in TITLES and up not in MISSING_TOKENS:
            return up
    text = to_text(value)
    if not text:
        return ""
    s = fold_accents(text)
    s = _APOSTROPHE_RE.sub("", s)
    s = _HYPHEN_RE.sub("-", s)
    s = _NOT_NAME_RE.sub(" ", s)
    s = _SPACES_RE.sub(" ", s).strip(" ")
    # Hyphens only join name parts: drop leading/trailing/doubled ones.
    s = re.sub(r"-{2,}", "-", s)
    s = re.sub(r"(^|\s)-+|-+(\s|$)", " ", s)
    s = _SPACES_RE.sub(" ", s).strip(" -")
    if len(s) > 100:
        # Cut at a word boundary *before* removing titles and suffixes, so that a cut cannot
        # leave a new trailing suffix ("... IVA IV") and normalising stays idempotent.
        s = (s[:101].rsplit(" ", 1)[0] if " " in s[:101] else s[:100]).strip(" -")
    tokens = s.split(" ") if s else []
    while tokens and tokens[0] in TITLES and len(tokens) > 1:
        tokens.pop(0)
    if len(tokens) == 1 and tokens[0] in TITLES:
        tokens = []
    while len(tokens) > 1 and tokens[-1] in SUFFIXES:
        tokens.pop()
    out = " ".join(tokens).strip(" -")
    # Cleaning can leave a placeholder word ("'NONE'", "(unknown)"): it is missing, as it would
    # be if written plainly, so that normalising twice changes nothing.
    return "" if out in MISSING_TOKENS else out


def split_forenames(value: Any) -> tuple[str, str]:
    """(first name, middle names) from a forename field that may hold several names.

    >>> split_forenames("Mary-Jane  Louise Ann")
    ('MARY-JANE', 'LOUISE ANN')
    """
    s = normalise_name(value)
    if not s:
        return "", ""
    first, _, rest = s.partition(" ")
    return first, rest


def parse_full_name(value: Any) -> ParsedName:
    """Split a whole name held in one field.

    ``SURNAME, Forename Middle`` is recognised by its comma; otherwise the last
    word is the surname, together with any particles before it (van, de, al ...).

    >>> parse_full_name("SMITH, John Paul")
    ParsedName(first_name='JOHN', middle_name='PAUL', surname='SMITH')
    >>> parse_full_name("Dr Ludwig van Beethoven")
    ParsedName(first_name='LUDWIG', middle_name='', surname='VAN BEETHOVEN')
    """
    text = to_text(value)
    if not text:
        return ParsedName("", "", "")
    if "," in text:
        surname_part, _, forename_part = text.partition(",")
        surname = normalise_name(surname_part)
        first, middle = split_forenames(forename_part)
        if not first and not surname:
            return ParsedName("", "", "")
        return ParsedName(first, middle, surname)
    s = normalise_name(text)
    tokens = s.split(" ") if s else []
    if not tokens:
        return ParsedName("", "", "")
    if len(tokens) == 1:
        return ParsedName("", "", tokens[0])
    cut = len(tokens) - 1
    while cut > 1 and tokens[cut - 1] in PARTICLES:
        cut -= 1
    return ParsedName(tokens[0], " ".join(tokens[1:cut]), " ".join(tokens[cut:]))


def surname_parts(value: Any) -> tuple[str, str]:
    """First and last part of a (possibly double-barrelled) surname.

    >>> surname_parts("Smith-Jones"), surname_parts("O'Neil")
    (('SMITH', 'JONES'), ('ONEIL', 'ONEIL'))
    """
    s = normalise_name(value)
    if not s:
        return "", ""
    parts = [p for p in re.split(r"[ \-]", s) if p and p not in PARTICLES]
    if not parts:
        return s, s
    return parts[0], parts[-1]


def phonetic_code(value: Any) -> str:
    """Metaphone code of a name's letters ("" when empty).

    jellyfish offers metaphone but not double metaphone; metaphone's single code
    is used wherever a rule says ``*_dm``.

    >>> phonetic_code("Mohammed") == phonetic_code("Muhammad")
    True
    """
    s = normalise_name(value).replace(" ", "").replace("-", "")
    if not s:
        return ""
    try:
        code = jellyfish.metaphone(s)[:12]
    except Exception:  # defensive: a phonetic library must never stop a run
        code = ""
    # Metaphone knows only Latin letters: other scripts keep their own text.
    return code or s[:12]


def nysiis_code(value: Any) -> str:
    """NYSIIS code of a name ("" when empty).

    >>> nysiis_code("Johnson") == nysiis_code("Jonson")
    True
    """
    s = normalise_name(value).replace(" ", "").replace("-", "")
    if not s:
        return ""
    try:
        return jellyfish.nysiis(s)[:12]
    except Exception:
        return s[:6]


# --- vectorised -------------------------------------------------------------------


def _blank_to_none(values: list[str]) -> pd.Series:
    s = pd.Series(values, dtype="object")
    return s.where(s != "", None)


def standardise_names(
    first_name: pd.Series | None = None,
    surname: pd.Series | None = None,
    middle_name: pd.Series | None = None,
    full_name: pd.Series | None = None,
) -> pd.DataFrame:
    """Standardised name features for a whole table (one row per input row).

    Columns: ``first_name, middle_name, surname, surname_part1, surname_part2,
    first_name_group, first_name_dm, surname_dm, first_name_nysiis, surname_nysiis,
    first_initial, middle_initial`` (None where absent). When ``full_name`` is
    given it fills whichever parts the separate columns leave empty.

    >>> df = standardise_names(pd.Series(["Bill Henry"]), pd.Series(["smith-jones"]))
    >>> df.loc[0, ["first_name", "middle_name", "surname_part2", "first_name_group"]].tolist()
    ['BILL', 'HENRY', 'JONES', 'WILLIAM']
    """
    n = next((len(s) for s in (first_name, surname, middle_name, full_name) if s is not None), 0)
    if first_name is not None:
        fm = map_unique_frame(first_name.reset_index(drop=True), split_forenames, ["first", "middle"])
        first = fm["first"].tolist()
        middle_from_first = fm["middle"].tolist()
    else:
        first, middle_from_first = [""] * n, [""] * n
    middle = (
        map_unique(middle_name.reset_index(drop=True), normalise_name) if middle_name is not None else [""] * n
    )
    middle = [m if m else mf for m, mf in zip(middle, middle_from_first)]
    sur = map_unique(surname.reset_index(drop=True), normalise_name) if surname is not None else [""] * n
    if full_name is not None:
        parsed = map_unique_frame(full_name.reset_index(drop=True), parse_full_name, ["f", "m", "s"])
        first = [a if a else b for a, b in zip(first, parsed["f"].tolist())]
        middle = [a if a else b for a, b in zip(middle, parsed["m"].tolist())]
        sur = [a if a else b for a, b in zip(sur, parsed["s"].tolist())]
    out = pd.DataFrame(
        {
            "first_name": _blank_to_none(first),
            "middle_name": _blank_to_none(middle),
            "surname": _blank_to_none(sur),
        }
    )
    parts = map_unique_frame(out["surname"], surname_parts, ["p1", "p2"])
    out["surname_part1"] = _blank_to_none(parts["p1"].tolist())
    out["surname_part2"] = _blank_to_none(parts["p2"].tolist())
    out["first_name_group"] = _blank_to_none(map_unique(out["first_name"], lambda v: name_group(v or "")))
    out["first_name_dm"] = _blank_to_none(map_unique(out["first_name"], phonetic_code))
    out["surname_dm"] = _blank_to_none(map_unique(out["surname"], phonetic_code))
    out["first_name_nysiis"] = _blank_to_none(map_unique(out["first_name"], nysiis_code))
    out["surname_nysiis"] = _blank_to_none(map_unique(out["surname"], nysiis_code))
    out["first_initial"] = _blank_to_none(map_unique(out["first_name"], lambda v: (v or "")[:1]))
    out["middle_initial"] = _blank_to_none(map_unique(out["middle_name"], lambda v: (v or "")[:1]))
    return out


def normalise_name_series(values: pd.Series) -> pd.Series:
    """:func:`normalise_name` over a Series (computed once per distinct value).

    >>> normalise_name_series(pd.Series(["ann", "Ann "])).tolist()
    ['ANN', 'ANN']
    """
    return pd.Series(map_unique(values.reset_index(drop=True), normalise_name), index=values.index, dtype=object)


__all__ = [
    "ParsedName", "normalise_name", "split_forenames", "parse_full_name", "surname_parts",
    "phonetic_code", "nysiis_code", "standardise_names", "normalise_name_series", "np",
]
