"""The per-project key behind the research extract's pseudonyms.

One key per research project: two projects' extracts then cannot be joined on
their pseudonyms, and withdrawing a project means destroying its key. The key
lives in a file outside any git work tree, readable by its owner only (see
:func:`mash.governance.pseudonymise.load_key`); its path is given in
``MASH_RESEARCH_KEY_FILE`` (or ``env:VARIABLE`` to read the hex key from another
variable). Only the key's fingerprint (``key_id``) is ever written next to data.

The synthetic demo needs a key too, so ``mash demo`` (and ``mash ui``) fall back on
a *demo key* kept in ``~/.mash-analytics/demo-research.key``, created on first use
and labelled ``demo`` in every manifest. The pipeline and ``mash extract`` never
fall back on it: a real extract needs a key someone chose for that project.

>>> import tempfile, pathlib
>>> from mash.governance.pseudonymise import save_key
>>> path = save_key(bytes(32), pathlib.Path(tempfile.mkdtemp()) / "project.key")
>>> research_key(path).key_id  # research_key() reads the path from $MASH_RESEARCH_KEY_FILE
'7d901a70'
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from mash.governance.pseudonymise import key_fingerprint, load_key, new_key, save_key

KEY_FILE_ENV = "MASH_RESEARCH_KEY_FILE"
DEMO_KEY_NAME = "demo-research.key"


class NoResearchKey(LookupError):
    """No project key is configured (``MASH_RESEARCH_KEY_FILE`` is not set)."""


@dataclass(frozen=True)
class ResearchKey:
    """A loaded project key with its public id and where it came from.

    ``kind`` is ``"project"`` (from ``MASH_RESEARCH_KEY_FILE`` or a file given
    explicitly) or ``"demo"`` (the synthetic demo's key). ``key`` never appears in
    ``repr`` so it cannot end up in a log by accident.

    >>> k = ResearchKey(bytes(32), "demo")
    >>> k.key_id, "key=" in repr(k)
    ('7d901a70', False)
    """

    key: bytes = field(repr=False)
    kind: str = "project"
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", key_fingerprint(self.key))

    def __reduce__(self):
        raise TypeError("ResearchKey is not picklable: it holds a secret key")


def research_key(path: str | os.PathLike[str] | None = None) -> ResearchKey:
    """The project key from ``path``, else from ``$MASH_RESEARCH_KEY_FILE``.

    Raises :class:`NoResearchKey` when neither is given, and the errors of
    :func:`~mash.governance.pseudonymise.load_key` when the file is unsafe (inside a
    git work tree, readable by others) or not a key.
    """
    source = path if path is not None else os.environ.get(KEY_FILE_ENV)
    if not source:
        raise NoResearchKey(
            f"no research key: set {KEY_FILE_ENV} to a key file outside the repository "
            f"(create one with `mash new-key --out ~/keys/<project>.key`)")
    key = load_key(source)
    is_demo = not str(source).startswith("env:") and Path(source).resolve() == demo_key_path().resolve()
    return ResearchKey(key, "demo" if is_demo else "project")


def demo_key_path() -> Path:
    """Where the demo key lives: ``~/.mash-analytics/demo-research.key`` (outside any repository).

    >>> demo_key_path().name
    'demo-research.key'
    """
    return Path.home() / ".mash-analytics" / DEMO_KEY_NAME


def ensure_demo_key(path: Path | None = None) -> tuple[Path, bool]:
    """Create the demo key if it does not exist yet; returns ``(path, created)``.

    Safe when several processes race: the key is written to a private temporary
    file and hard-linked into place, so a reader never sees a half-written key and
    exactly one process's key wins.

    >>> import tempfile, pathlib
    >>> p, created = ensure_demo_key(pathlib.Path(tempfile.mkdtemp()) / "demo.key")
    >>> created, ensure_demo_key(p)[1]
    (True, False)
    """
    path = Path(path or demo_key_path())
    if path.exists():
        return path, False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = save_key(new_key(), path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        os.link(tmp, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        tmp.unlink()
    return path, created


def demo_key() -> ResearchKey:
    """The demo key (created on first use), labelled ``demo``. For the synthetic demo only."""
    path, _ = ensure_demo_key()
    return ResearchKey(load_key(path), "demo")
