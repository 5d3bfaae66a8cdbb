"""Roles, purposes and the gate every access to identifiable data goes through.

The policy (``governance.toml``) says which capabilities each role has and which
purposes it may state. :func:`authorise` checks an :class:`Actor` against it and
writes one audit entry either way: an allowed access is recorded, and so is a
refusal, so an attempt outside the role is visible in the access review.

Who the actor is comes from the environment (``MASH_USER``, ``MASH_ROLE``,
``MASH_AGENCY``, ``MASH_PURPOSE``) or the CLI's ``--role/--purpose`` options. This is
separation of duties inside a trusted deployment, not authentication: the
operating system's accounts and file permissions decide who can run what, and
the warehouse key is only given to analysts' accounts.

>>> policy = Policy.from_dict({"roles": {"analyst": {"capabilities": ["read_identifiable"],
...                                                   "purposes": ["MASH screening"]}}})
>>> policy.allows("analyst", "read_identifiable"), policy.allows("commissioner", "read_identifiable")
(True, False)
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mash.governance.audit import ROLES, AuditLog

CAPABILITIES = ("read_identifiable", "write_identifiable", "decide", "read_aggregate", "read_extract",
                "audit", "purge")


class AccessDenied(PermissionError):
    """The actor's role lacks the capability, or no purpose was given; the message says which."""


@dataclass(frozen=True)
class Policy:
    """Role -> capabilities and allowed purposes, plus the retention settings."""

    capabilities: Mapping[str, frozenset[str]]
    purposes: Mapping[str, tuple[str, ...]]
    retention: Mapping[str, Any] = field(default_factory=dict)
    version: int = 1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        """Build from the parsed TOML; unknown roles or capabilities are errors, not silently ignored."""
        roles = data.get("roles", {})
        for role, spec in roles.items():
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} in the governance policy; roles are {ROLES}")
            bad = set(spec.get("capabilities", [])) - set(CAPABILITIES)
            if bad:
                raise ValueError(f"role {role}: unknown capabilities {sorted(bad)}; known: {CAPABILITIES}")
        return cls(capabilities={r: frozenset(s.get("capabilities", [])) for r, s in roles.items()},
                   purposes={r: tuple(s.get("purposes", [])) for r, s in roles.items()},
                   retention=dict(data.get("retention", {})), version=int(data.get("version", 1)))

    @classmethod
    def load(cls, path: Path | str) -> "Policy":
        """Read ``governance.toml``.

        >>> from mash.settings import REPO_ROOT
        >>> Policy.load(REPO_ROOT / "data_samples" / "governance.toml").allows("researcher", "read_extract")
        True
        """
        with open(path, "rb") as fh:
            return cls.from_dict(tomllib.load(fh))

    def allows(self, role: str, capability: str) -> bool:
        """Whether ``role`` has ``capability``."""
        return capability in self.capabilities.get(role, frozenset())

    def purpose_allowed(self, role: str, purpose: str) -> bool:
        """Whether ``purpose`` is one the policy lists for ``role`` (case-insensitive)."""
        return purpose.strip().lower() in {p.lower() for p in self.purposes.get(role, ())}


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which role, for which agency and purpose."""

    who: str
    role: str
    agency: str
    purpose: str

    @classmethod
    def from_env(cls, role: str | None = None, purpose: str | None = None, who: str | None = None,
                 agency: str | None = None) -> "Actor":
        """Arguments first, then ``MASH_ROLE``/``MASH_PURPOSE``/``MASH_USER``/``MASH_AGENCY``.

        There is no default role: acting without one is refused by :func:`authorise`.

        >>> Actor.from_env(role="analyst", purpose="MASH screening", who="a.khan", agency="MASH").role
        'analyst'
        """
        return cls(who=who or os.environ.get("MASH_USER") or getpass.getuser(),
                   role=role or os.environ.get("MASH_ROLE", ""),
                   agency=agency or os.environ.get("MASH_AGENCY", "MASH"),
                   purpose=purpose or os.environ.get("MASH_PURPOSE", ""))

    def entry(self) -> dict[str, str]:
        """The actor's fields for :meth:`AuditLog.append`."""
        return {"who": self.who, "role": self.role or "unknown", "agency": self.agency,
                "purpose": self.purpose or "(none stated)"}


def authorise(actor: Actor, capability: str, policy: Policy, audit: AuditLog,
              what: Mapping[str, Any] | None = None, action: str = "access") -> dict[str, Any]:
    """Allow ``actor`` to use ``capability`` or raise :class:`AccessDenied`; audited either way.

    A purpose must be stated; one outside the role's listed purposes is allowed but
    flagged ``out_of_purpose`` in the access review (a question for the reviewer,
    not a block: real work has purposes no list foresees).

    >>> import tempfile; log = AuditLog(Path(tempfile.mkdtemp()) / "a.jsonl")
    >>> pol = Policy.from_dict({"roles": {"commissioner": {"capabilities": ["read_aggregate"]}}})
    >>> authorise(Actor("c.jones", "commissioner", "LA", "report"), "read_identifiable", pol, log)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mash.governance.access.AccessDenied: role 'commissioner' may not read_identifiable ...
    """
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    what = {"capability": capability, **(what or {})}
    problem = None
    if actor.role not in ROLES:
        problem = (f"no role given (set MASH_ROLE or pass --role; one of {', '.join(ROLES)}) "
                   if not actor.role else f"unknown role {actor.role!r} (one of {', '.join(ROLES)}) ")
    elif not policy.allows(actor.role, capability):
        holders = sorted(r for r in ROLES if policy.allows(r, capability))
        problem = f"role {actor.role!r} may not {capability} (only {', '.join(holders) or 'nobody'}) "
    elif not actor.purpose.strip():
        problem = "no purpose stated (pass --purpose or set MASH_PURPOSE) "
    if problem:
        audit.append(**actor.entry(), action=action, what={**what, "refused": problem.strip()}, outcome="denied")
        raise AccessDenied(problem + f"[{actor.who}]")
    return audit.append(**actor.entry(), action=action, what=what, outcome="allowed")


def check(paths, capability: str, actor: Actor | None = None, what: Mapping[str, Any] | None = None,
          action: str = "access") -> Actor:
    """:func:`authorise` with the policy and audit log of a deployment's :class:`~mash.settings.Paths`.

    >>> # check(Paths.from_env(), "read_identifiable", Actor.from_env(purpose="MASH screening"))
    """
    actor = actor or Actor.from_env()
    authorise(actor, capability, Policy.load(paths.governance), AuditLog(paths.audit_log), what, action)
    return actor


def record(paths, actor: Actor, action: str, what: Mapping[str, Any], outcome: str = "allowed") -> dict[str, Any]:
    """Append one audit entry (an export, a decision, a purge) for ``actor`` to the deployment's log.

    >>> # record(paths, actor, "export", {"files": ["outputs/analytics/alert_queue.csv"]})
    """
    return AuditLog(paths.audit_log).append(**actor.entry(), action=action, what=dict(what), outcome=outcome)
