"""Reading ``rules.toml``: the declarative detection rules and the household/graph settings.

Each ``[[rule]]`` has a ``name`` (unique, appears on every alert), a ``kind``
(which detector runs it, see :data:`analytics.rules.DETECTORS`), a ``subject``
(``child``, ``household``, ``family_network`` or ``adult``), ``window_days``,
a ``[rule.thresholds]`` table, a ``description`` a practitioner can read, a
``priority`` (1 = most serious; orders the queue) and ``in_queue`` (false for
rules kept as front-door measures only, such as repeat contacts at 365 days).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from analytics.family_graph import GraphSettings
from analytics.households import SharedAddressRule

SUBJECTS = frozenset({"child", "household", "family_network", "adult"})


class RuleConfigError(ValueError):
    """A rules file that cannot be used; the message names the rule and key.

    >>> rules_from_dict({"rule": [{"name": "x", "kind": "k", "subject": "cat", "window_days": 9}]})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analytics.rule_config.RuleConfigError: rules: rule 'x' subject 'cat' is not one of ...
    """


@dataclass(frozen=True)
class Rule:
    """One detection rule as configured.

    >>> Rule("low_level_repeat", "low_level_repeat", "child", 90, {"min_agencies": 2}).thresholds_text()
    '{"min_agencies": 2, "window_days": 90}'
    """

    name: str
    kind: str
    subject: str
    window_days: int
    thresholds: dict = field(default_factory=dict)
    description: str = ""
    priority: int = 3
    in_queue: bool = True
    pattern_type: str = ""  # the ground-truth pattern type this rule looks for (evaluation only)

    def t(self, key: str, default=None):
        """A threshold value, or ``default`` when the rule does not set it."""
        return self.thresholds.get(key, default)

    def thresholds_text(self) -> str:
        """Thresholds as stable JSON (stored on every alert)."""
        return json.dumps({"window_days": self.window_days, **self.thresholds}, sort_keys=True)


@dataclass(frozen=True)
class RulesConfig:
    """Everything ``rules.toml`` configures.

    >>> rules_from_dict({"rule": [{"name": "r", "kind": "re_referral", "subject": "child",
    ...                            "window_days": 365}]}).by_name("r").window_days
    365
    """

    rules: tuple[Rule, ...]
    households: SharedAddressRule
    graph: GraphSettings
    child_feeds: tuple[str, ...] = ()  # [people]: feeds whose subject is always a child
    child_roles: tuple[str, ...] = ("child_present",)  # [people]: roles ("role" or "partner:role") of a child
    child_concern_codes: tuple[str, ...] = ()  # [people]: "partner:code" only ever about a child
    path: Path | None = None

    @property
    def people(self) -> dict[str, tuple[str, ...]]:
        """Who counts as a child when no DOB or age is recorded: the keyword arguments of
        :func:`analytics.base.build_base`."""
        return {"child_feeds": self.child_feeds, "child_roles": self.child_roles,
                "child_concern_codes": self.child_concern_codes}

    def by_name(self, name: str) -> Rule:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(name)


def load_rules(path: Path | str, known_kinds: frozenset[str] | None = None) -> RulesConfig:
    """Load and check ``rules.toml``.

    >>> cfg = load_rules("data_samples/rules.toml")  # doctest: +SKIP
    >>> cfg.by_name("low_level_repeat").t("min_agencies")  # doctest: +SKIP
    2
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleConfigError(f"{path.name}: not valid TOML: {exc}") from exc
    return rules_from_dict(raw, path, known_kinds)


def rules_from_dict(raw: dict, path: Path | None = None, known_kinds: frozenset[str] | None = None) -> RulesConfig:
    """Build a :class:`RulesConfig` from an already-parsed TOML document (tests use this).

    >>> rules_from_dict({"family_graph": {"co_residence_days": 180}}).graph.co_residence_days
    180
    """
    where = path.name if path else "rules"
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(raw.get("rule", [])):
        for key in ("name", "kind", "subject", "window_days"):
            if key not in r:
                raise RuleConfigError(f"{where}: rule #{i + 1} lacks '{key}'")
        if r["name"] in seen:
            raise RuleConfigError(f"{where}: rule name '{r['name']}' is used twice")
        seen.add(r["name"])
        if r["subject"] not in SUBJECTS:
            raise RuleConfigError(f"{where}: rule '{r['name']}' subject '{r['subject']}' is not one of "
                                  f"{sorted(SUBJECTS)}")
        if known_kinds is not None and r["kind"] not in known_kinds:
            raise RuleConfigError(f"{where}: rule '{r['name']}' kind '{r['kind']}' is not one of "
                                  f"{sorted(known_kinds)}")
        if int(r["window_days"]) <= 0:
            raise RuleConfigError(f"{where}: rule '{r['name']}' window_days must be positive")
        rules.append(Rule(name=r["name"], kind=r["kind"], subject=r["subject"], window_days=int(r["window_days"]),
                          thresholds=dict(r.get("thresholds", {})), description=r.get("description", ""),
                          priority=int(r.get("priority", 3)), in_queue=bool(r.get("in_queue", True)),
                          pattern_type=r.get("pattern_type", "")))
    h = raw.get("households", {})
    g = raw.get("family_graph", {})
    people = raw.get("people", {})
    return RulesConfig(
        rules=tuple(rules),
        households=SharedAddressRule(**{k: int(v) for k, v in h.items()}),
        graph=GraphSettings(**g),
        child_feeds=tuple(str(x) for x in people.get("child_feeds", ())),
        child_roles=tuple(str(x) for x in people.get("child_roles", ("child_present",))),
        child_concern_codes=tuple(str(x) for x in people.get("child_concern_codes", ())),
        path=path,
    )
