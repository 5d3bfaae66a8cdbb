"""Keyed pseudonyms (HMAC-SHA256) and coarsening of quasi-identifiers.

An unkeyed hash of an NHS number is not a pseudonym: there are only about a
billion NHS numbers, so hashing them all and looking the hash up takes
minutes. HMAC with a secret per-project key cannot be reversed that way
without the key, which is held outside the repository and the warehouse.
Pseudonymised data is still personal data; this only lowers the risk.

The same value gives different pseudonyms in different *namespaces*
(``person``, ``household``, ...) so that a person id cannot be joined to a
household id that happens to share its digits, and in different projects
(different keys), so that two projects' extracts cannot be linked.

>>> p = Pseudonymiser(bytes(range(32)))
>>> p.key_id
'aa8b359b'
>>> p.pseudonym("9434765919")[:16]
'82c189899d29c436'
>>> p.pseudonym("9434765919", "household") == p.pseudonym("9434765919")
False
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, overload

import pandas as pd

KEY_BYTES = 32
MIN_LENGTH = 16
_PREFIX = b"mash-pseudonym/v1\x00"
_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ENV_PREFIX = "env:"


def new_key() -> bytes:
    """A fresh random 256-bit project key (store it with :func:`save_key`).

    >>> len(new_key())
    32
    """
    return secrets.token_bytes(KEY_BYTES)


def key_fingerprint(key: bytes) -> str:
    """Short public id of a key: first 8 hex of ``sha256(b'key-id' + key)``.

    Safe to print and store beside pseudonymised data (it names which key was
    used) because recovering a 256-bit key from 32 bits of its hash is hopeless.

    >>> key_fingerprint(bytes(32))
    '7d901a70'
    """
    return hashlib.sha256(b"key-id" + bytes(key)).hexdigest()[:8]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_bytes(value: Any) -> bytes:
    """Canonical text of an identifier: strings stripped, whole numbers without ``.0``."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        raise TypeError("refusing to pseudonymise a boolean")
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        # pandas reads an all-digit column with gaps as float; 9434765919.0 is the id 9434765919.
        if value.is_integer():
            return str(int(value)).encode()
        raise TypeError(f"refusing to pseudonymise a non-integral float {value!r}")
    if isinstance(value, str):
        return value.strip().encode("utf-8")
    raise TypeError(f"cannot pseudonymise a {type(value).__name__}")


class Pseudonymiser:
    """HMAC-SHA256 pseudonyms under one project key.

    ``key_id`` is optional; when given it must equal :func:`key_fingerprint` of
    ``key``, which catches the wrong key being loaded before any output is
    written. ``length`` truncates the hex pseudonym (16 to 64 characters;
    16 hex = 64 bits, ample against accidental collisions for a local authority).

    >>> k = bytes(range(32))
    >>> Pseudonymiser(k, key_id="aa8b359b", length=16).pseudonym(9434765919)
    '82c189899d29c436'
    """

    def __init__(self, key: bytes, key_id: str | None = None, *, length: int = 64) -> None:
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError("key must be bytes (see load_key / new_key)")
        if len(key) < KEY_BYTES:
            raise ValueError(f"key must be at least {KEY_BYTES} bytes, got {len(key)}")
        if not MIN_LENGTH <= length <= 64:
            raise ValueError(f"length must be between {MIN_LENGTH} and 64 hex characters")
        fingerprint = key_fingerprint(bytes(key))
        if key_id is not None and not hmac.compare_digest(key_id, fingerprint):
            raise ValueError(f"key_id {key_id!r} does not match the key (its id is {fingerprint!r})")
        self._mac = hmac.new(bytes(key), digestmod=hashlib.sha256)
        self.key_id = fingerprint
        self.length = length

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs and tracebacks.
        return f"Pseudonymiser(key_id={self.key_id!r}, length={self.length})"

    def __reduce__(self):
        raise TypeError("Pseudonymiser is not picklable: it holds a secret key")

    def _one(self, namespace: str, value: Any) -> str | None:
        if _missing(value):
            return None  # a shared pseudonym for "unknown" would link every unknown together
        mac = self._mac.copy()
        mac.update(_PREFIX + namespace.encode() + b"\x00" + _as_bytes(value))
        return mac.hexdigest()[: self.length]

    @overload
    def pseudonym(self, value: pd.Series, namespace: str = ...) -> pd.Series: ...
    @overload
    def pseudonym(self, value: Any, namespace: str = ...) -> str | None: ...

    def pseudonym(self, value, namespace="person"):
        """Pseudonym of ``value`` in ``namespace`` (hex); a Series maps element-wise.

        Missing values (None, NaN, NA) stay missing. Strings are stripped; no
        other normalisation is done, so standardise identifiers first (e.g.
        remove spaces from NHS numbers) or equal ids will not match.

        >>> p = Pseudonymiser(bytes(range(32)), length=16)
        >>> p.pseudonym(pd.Series(["9434765919", None, " 9434765919 "])).tolist()
        ['82c189899d29c436', nan, '82c189899d29c436']
        """
        if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
            raise ValueError(f"namespace must match {_NAMESPACE.pattern}, got {namespace!r}")
        if isinstance(value, pd.Series):
            # Hash each distinct value once: identifier columns repeat heavily.
            uniques = value.dropna().unique()
            lookup = {u: self._one(namespace, u) for u in uniques}
            return pd.Series(
                [None if _missing(v) else lookup[v] for v in value], index=value.index, name=value.name, dtype="str"
            )
        return self._one(namespace, value)

    def frame(self, df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
        """Copy of ``df`` with each named column replaced by its pseudonyms.

        ``columns`` maps column name -> namespace.

        >>> p = Pseudonymiser(bytes(range(32)), length=16)
        >>> p.frame(pd.DataFrame({"nhs": ["9434765919"], "n": [1]}), {"nhs": "person"})["nhs"].tolist()
        ['82c189899d29c436']
        """
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise KeyError(f"columns not in frame: {missing}")
        out = df.copy()
        for col, namespace in columns.items():
            out[col] = self.pseudonym(out[col], namespace)
        return out


# ------------------------------------------------------------------------- keys
def _inside_git_tree(path: Path) -> Path | None:
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            return parent
    return None


def _decode_key(text: str, where: str) -> bytes:
    text = "".join(text.split())
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"key in {where} is not hex") from None
    if len(key) < KEY_BYTES:
        raise ValueError(f"key in {where} is {len(key)} bytes; at least {KEY_BYTES} needed")
    return key


def load_key(source: str | os.PathLike[str], *, strict_permissions: bool = True) -> bytes:
    """Read a hex project key from ``"env:VARIABLE"`` or from a key file.

    A key file must be outside any git work tree (so it cannot be committed)
    and, with ``strict_permissions``, readable by its owner only (``chmod 600``).

    >>> import os
    >>> os.environ["DOCTEST_KEY"] = "ab" * 32
    >>> key_fingerprint(load_key("env:DOCTEST_KEY"))
    '898685b5'
    >>> del os.environ["DOCTEST_KEY"]
    """
    if isinstance(source, str) and source.startswith(ENV_PREFIX):
        name = source[len(ENV_PREFIX):]
        if name not in os.environ:
            raise KeyError(f"environment variable {name} is not set")
        return _decode_key(os.environ[name], f"${name}")
    path = Path(source)
    repo = _inside_git_tree(path)
    if repo is not None:
        raise ValueError(f"key file {path} is inside the git work tree {repo}; keep keys outside the repository")
    if strict_permissions and os.name == "posix" and path.stat().st_mode & 0o077:
        raise PermissionError(f"key file {path} is readable by others; run chmod 600 {path}")
    return _decode_key(path.read_text(encoding="ascii"), str(path))


def save_key(key: bytes, path: str | os.PathLike[str]) -> Path:
    """Write ``key`` as hex to a new owner-only file outside any git work tree.

    Refuses to overwrite: replacing a project key silently breaks every later
    link to earlier extracts.

    >>> import tempfile, pathlib
    >>> p = save_key(bytes(32), pathlib.Path(tempfile.mkdtemp()) / "project.key")
    >>> load_key(p) == bytes(32)
    True
    """
    path = Path(path)
    repo = _inside_git_tree(path)
    if repo is not None:
        raise ValueError(f"refusing to write a key inside the git work tree {repo}")
    if len(key) < KEY_BYTES:
        raise ValueError(f"key must be at least {KEY_BYTES} bytes")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(bytes(key).hex() + "\n")
    return path


# -------------------------------------------------------------------- coarsening
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})$")
_PARTIAL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ([0-9]))?$")


def _postcode_parts(value: Any) -> tuple[str, str | None] | None:
    """(district, sector-digit or None) of a full postcode, a sector or a district."""
    if _missing(value) or not isinstance(value, str):
        return None
    text = " ".join(value.upper().split())
    m = _POSTCODE.match(text)
    if m:
        return m.group(1), m.group(2)
    # A bare sector needs its space: "AB12" is read as district AB12, never as sector "AB1 2".
    m = _PARTIAL.match(text)
    if m:
        return m.group(1), m.group(2)
    return None


def _map(value: Any, one) -> Any:
    if isinstance(value, pd.Series):
        return pd.Series([one(v) for v in value], index=value.index, name=value.name, dtype="str")
    return one(value)


def postcode_sector(value: Any) -> Any:
    """Postcode sector ("AB1 2") of a postcode, or missing if it cannot be parsed.

    >>> postcode_sector("ab1 2cd"), postcode_sector("SW1A2AA"), postcode_sector("AB1")
    ('AB1 2', 'SW1A 2', None)
    """

    def one(v: Any) -> str | None:
        parts = _postcode_parts(v)
        return f"{parts[0]} {parts[1]}" if parts and parts[1] is not None else None

    return _map(value, one)


def postcode_district(value: Any) -> Any:
    """Postcode district (outward code, "AB1") of a postcode or sector, or missing.

    >>> postcode_district("ab1 2cd"), postcode_district("M1 1AE"), postcode_district("not a postcode")
    ('AB1', 'M1', None)
    """

    def one(v: Any) -> str | None:
        parts = _postcode_parts(v)
        return parts[0] if parts else None

    return _map(value, one)


def dob_to_month(value: Any) -> Any:
    """Date of birth coarsened to ``YYYY-MM``; unparseable input becomes missing.

    Strings must be ISO (``2012-03-04``): ``04/03/2012`` is ambiguous between UK
    and US order, and guessing wrong would move a child to another month.

    >>> dob_to_month("2012-03-04"), dob_to_month(date(2012, 3, 4)), dob_to_month("04/03/2012")
    ('2012-03', '2012-03', None)
    """

    def one(v: Any) -> str | None:
        if _missing(v):
            return None
        if isinstance(v, (date, datetime, pd.Timestamp)):
            return f"{v.year:04d}-{v.month:02d}"
        if isinstance(v, str):
            try:
                d = date.fromisoformat(v.strip()[:10])
            except ValueError:
                return None
            return f"{d.year:04d}-{d.month:02d}"
        return None

    return _map(value, one)
