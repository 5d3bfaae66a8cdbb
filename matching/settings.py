"""Every setting of the matching engine in one typed, versioned object.

``LinkSettings`` holds the blocking rules, the comparisons with their ordered
levels and thresholds, the prior, the match threshold, the review band, the
term-frequency switch, the conflict rules and the training options. It is a
pydantic model, so it round-trips through JSON and is validated on load; its
``settings_hash`` (a digest of the canonical JSON) travels with every link and
explanation, so an explanation always says which settings produced it.

Example::

    >>> s = default_settings(["first_name", "surname", "dob", "postcode"])
    >>> s2 = LinkSettings.from_json(s.to_json())
    >>> s2.settings_hash == s.settings_hash
    True
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SETTINGS_SCHEMA_VERSION = "1"

LevelKind = Literal[
    "null",  # either side missing: no evidence either way (weight 0)
    "invalid",  # an identifier failed its check on either side: ignored (weight 0)
    "exact",  # same standardised value
    "exact_placeholder",  # same date, but it is a 01/01 placeholder on either side
    "name_variant",  # nickname or spelling variant (Bill/William, Mohamed/Muhammad)
    "jaro_winkler",  # Jaro-Winkler similarity >= threshold
    "levenshtein_ratio",  # normalised Levenshtein similarity >= threshold
    "levenshtein",  # Levenshtein distance <= threshold
    "damerau_levenshtein",  # Damerau-Levenshtein distance <= threshold
    "swapped",  # l.column = r.other_column and l.other_column = r.column
    "cross_exact",  # l.column = r.other_column or r.column = l.other_column
    "parts_overlap",  # a part of a double-barrelled value equals a part of the other
    "initial",  # same first letter
    "dob_swap",  # day and month swapped, same year
    "dob_adjacent",  # one day apart, or the same day and month one year apart
    "dob_typo",  # one digit wrong or two adjacent digits transposed (or one day/year out, if no dob_adjacent level came first)
    "dob_within_days",  # dates within `threshold` days
    "else",  # everything else
]
NON_EVIDENCE_KINDS = frozenset({"null", "invalid"})


class LevelSpec(BaseModel):
    """One comparison level: a condition tested in order, first true wins."""

    model_config = ConfigDict(extra="forbid")
    label: str
    kind: LevelKind
    column: str | None = None  # defaults to the comparison's column
    other_column: str | None = None  # for swapped / cross_exact
    threshold: float | None = None
    tf: bool = False  # apply a term-frequency adjustment at this level (exact kinds only)

    @model_validator(mode="after")
    def _check(self) -> LevelSpec:
        needs_threshold = {"jaro_winkler", "levenshtein_ratio", "levenshtein", "damerau_levenshtein", "dob_within_days"}
        if self.kind in needs_threshold and self.threshold is None:
            raise ValueError(f"level {self.label!r}: kind {self.kind} needs a threshold")
        if self.kind in {"swapped", "cross_exact"} and not self.other_column:
            raise ValueError(f"level {self.label!r}: kind {self.kind} needs other_column")
        if self.tf and self.kind != "exact":
            raise ValueError(f"level {self.label!r}: term-frequency adjustment applies to exact levels only")
        return self


class ComparisonSpec(BaseModel):
    """A field-by-field comparison with ordered levels (splink-style)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    column: str
    levels: list[LevelSpec]
    description: str = ""
    # Fixed m probabilities (one per level) from clerical review: EM then leaves them alone.
    fixed_m: list[float] | None = None

    @model_validator(mode="after")
    def _check(self) -> ComparisonSpec:
        if not self.levels or self.levels[-1].kind != "else":
            raise ValueError(f"comparison {self.name!r}: the last level must be kind 'else'")
        if sum(lv.kind not in NON_EVIDENCE_KINDS for lv in self.levels) < 2:
            raise ValueError(f"comparison {self.name!r}: needs at least two evidence levels")
        if self.fixed_m is not None and len(self.fixed_m) != len(self.levels):
            raise ValueError(f"comparison {self.name!r}: fixed_m needs one value per level")
        return self

    def columns(self) -> set[str]:
        """Feature columns this comparison reads."""
        out = {self.column}
        for lv in self.levels:
            out.update(c for c in (lv.column, lv.other_column) if c)
        return out


class ConflictRules(BaseModel):
    """Strong contradictions: a pair with one is never linked automatically, and a
    cluster holding such a pair is split (reviewer must-links override them).

    The decoy rules (``twins``, ``dob_years_apart``) and the sex rule are waived when the two
    records share an identifier; the decoy rules are also checked against the data on every run
    (:mod:`matching.premises`) and switched off, with the reason in ``premises``, where the
    identifier-anchored duplicates show that they would split true duplicates."""

    model_config = ConfigDict(extra="forbid")
    different_valid_nhs: bool = True
    different_valid_upn: bool = True
    different_valid_pnc: bool = True
    different_sex: bool = True
    # Two records of one group (input column ``group_id``: the people named in one notification)
    # are two people: one notification does not list the same person twice.
    same_group: bool = True
    # Dates of birth at least this many years apart that also differ in day or month and are not one
    # mistyped or two transposed digits of each other: a slip changes one part of a date, so these
    # are two people (father and son with the same name; namesake adults at one address).
    dob_years_apart: float | None = 1
    # Same DOB and surname, two different forenames (not one name written twice: a slip, a nickname,
    # a variant, a fragment), no shared identifier: twins.
    twins: bool = True
    twins_forename_max_similarity: float = 0.80
    # Test the two decoy rules' premises on the identifier-anchored pairs of each run.
    check_premises: bool = True
    premise_max_share: float = Field(0.01, ge=0.0, le=1.0)
    premises: dict[str, str] = {}  # rule -> why the run switched it off (written by the check)


class LinkSettings(BaseModel):
    """All settings of one linkage model (see module docstring)."""

    model_config = ConfigDict(extra="forbid")
    schema_version: str = SETTINGS_SCHEMA_VERSION
    version: str = "default-1"  # a human label; settings_hash identifies the exact content
    link_type: Literal["dedupe", "link_only", "link_and_dedupe"] = "dedupe"
    blocking_rules: list[str]
    comparisons: list[ComparisonSpec]
    prior: float | None = None  # P(two random records match); None = estimate by EM
    match_threshold: float = Field(0.9, gt=0.0, lt=1.0)  # link when probability >= this
    review_band: tuple[float, float] = (0.5, 0.99)  # probabilities sent to clerical review
    tf_adjustments: bool = True
    tf_minimum_frequency: float = 1e-6  # floor on a value's frequency (caps a rare-value boost)
    conflicts: ConflictRules = ConflictRules()
    # EM training blocks; None = the blocking rules with 2+ conditions and identifier rules.
    training_rules: list[str] | None = None
    u_sample_pairs: int = 1_000_000
    em_max_iterations: int = 60
    em_tolerance: float = 1e-5
    dob_min_year: int = 1880
    max_cluster_check_size: int = 300  # clusters up to this size get every internal pair checked
    # Two records of one cluster whose own match weight is below this (about a
    # million to one against) are treated as a conflict; None switches it off.
    cannot_link_below_weight: float | None = -20.0
    seed: int = 42

    @field_validator("blocking_rules")
    @classmethod
    def _rules_not_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one blocking rule is needed")
        return v

    @model_validator(mode="after")
    def _check(self) -> LinkSettings:
        lo, hi = self.review_band
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError("review_band must be (low, high) with 0 <= low <= high <= 1")
        names = [c.name for c in self.comparisons]
        if len(set(names)) != len(names):
            raise ValueError("comparison names must be unique")
        return self

    # --- identity and persistence -------------------------------------------------

    def canonical_json(self) -> str:
        """JSON with sorted keys: the text the hash is computed from."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    @property
    def settings_hash(self) -> str:
        """First 12 hex digits of the SHA-256 of :meth:`canonical_json`."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:12]

    @property
    def version_tag(self) -> str:
        """``version@hash``: shown on every explanation."""
        return f"{self.version}@{self.settings_hash}"

    def to_json(self, indent: int = 2) -> str:
        """Readable JSON of the settings."""
        return json.dumps(self.model_dump(mode="json"), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> LinkSettings:
        """Validate and load settings from JSON text."""
        return cls.model_validate_json(text)

    def save(self, path: str | Path) -> None:
        """Write the settings to a JSON file."""
        Path(path).write_text(self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> LinkSettings:
        """Read settings from a JSON file."""
        return cls.from_json(Path(path).read_text())

    def feature_columns(self) -> set[str]:
        """Every feature column the comparisons read."""
        out: set[str] = set()
        for c in self.comparisons:
            out |= c.columns()
        return out


# --- default model ------------------------------------------------------------------

INPUT_COLUMNS = (
    "first_name", "middle_name", "surname", "full_name", "dob", "sex", "postcode", "address",
    "nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id",
)


def _name_comparison(name: str, col: str, other: str, dm: str, parts: bool, tf: bool) -> ComparisonSpec:
    levels = [
        LevelSpec(label="missing", kind="null"),
        LevelSpec(label="exact", kind="exact", tf=tf),
    ]
    if col == "first_name":
        levels.append(LevelSpec(label="nickname or spelling variant", kind="name_variant"))
    if parts:
        levels.append(LevelSpec(label="one part of a double-barrelled name", kind="parts_overlap"))
    levels += [
        LevelSpec(label="jaro-winkler >= 0.92", kind="jaro_winkler", threshold=0.92),
        LevelSpec(label="jaro-winkler >= 0.80", kind="jaro_winkler", threshold=0.80),
        LevelSpec(label="sounds the same (metaphone)", kind="exact", column=dm),
        LevelSpec(label=f"swapped with {other.replace('_', ' ')}", kind="cross_exact", other_column=other),
        LevelSpec(label="different", kind="else"),
    ]
    return ComparisonSpec(name=name, column=col, levels=levels)


def _identifier_comparison(name: str, col: str, valid_col: str | None, tf: bool = False) -> ComparisonSpec:
    levels = [LevelSpec(label="missing", kind="null")]
    if valid_col:
        levels.append(LevelSpec(label="fails its check rule: ignored", kind="invalid", column=valid_col))
    levels.append(LevelSpec(label="exact", kind="exact", tf=tf))
    if not valid_col:  # free identifiers compared as written: one typo still counts
        levels.append(LevelSpec(label="one edit apart", kind="damerau_levenshtein", threshold=1))
    levels.append(LevelSpec(label="different", kind="else"))
    return ComparisonSpec(name=name, column=col, levels=levels)


def default_comparisons(columns: list[str] | set[str]) -> list[ComparisonSpec]:
    """Comparisons for whichever input columns are present (see :data:`INPUT_COLUMNS`).

    >>> [c.name for c in default_comparisons(["first_name", "surname", "dob"])]
    ['first_name', 'middle_name', 'surname', 'dob']
    """
    cols = set(columns)
    names = bool(cols & {"first_name", "full_name"})
    surnames = bool(cols & {"surname", "full_name"})
    out: list[ComparisonSpec] = []
    if names:
        out.append(_name_comparison("first_name", "first_name", "surname", "first_name_dm", False, True))
    if "middle_name" in cols or "first_name" in cols or "full_name" in cols:
        out.append(
            ComparisonSpec(
                name="middle_name",
                column="middle_name",
                levels=[
                    LevelSpec(label="missing", kind="null"),
                    LevelSpec(label="exact", kind="exact"),
                    LevelSpec(label="same initial", kind="initial"),
                    LevelSpec(label="different", kind="else"),
                ],
            )
        )
    if surnames:
        out.append(_name_comparison("surname", "surname", "first_name", "surname_dm", True, True))
    if "dob" in cols:
        out.append(
            ComparisonSpec(
                name="dob",
                column="dob_digits",
                description="levels after 'exact' use the parsed date; 'one digit out' also works on a "
                "rejected (impossible) date as written",
                levels=[
                    LevelSpec(label="missing", kind="null"),
                    LevelSpec(label="exact, but a 01/01 placeholder", kind="exact_placeholder"),
                    LevelSpec(label="exact", kind="exact"),
                    LevelSpec(label="day and month swapped", kind="dob_swap"),
                    # A day or a year out and a mistyped digit are different slips, with
                    # different rates in different sources: two levels, so EM weighs each.
                    LevelSpec(label="one day or one year out", kind="dob_adjacent"),
                    LevelSpec(label="one digit wrong or two transposed", kind="dob_typo"),
                    LevelSpec(label="within a year", kind="dob_within_days", threshold=366),
                    LevelSpec(label="different", kind="else"),
                ],
            )
        )
    if "sex" in cols:
        out.append(
            ComparisonSpec(
                name="sex",
                column="sex",
                levels=[
                    LevelSpec(label="missing", kind="null"),
                    LevelSpec(label="same", kind="exact"),
                    LevelSpec(label="different", kind="else"),
                ],
            )
        )
    if "address" in cols:
        # One comparison for the whole location: postcode and address move together
        # (a household shares both), so two separate comparisons would count the
        # same evidence twice and link siblings.
        out.append(
            ComparisonSpec(
                name="location",
                column="location_any",
                description="address (flat, number, street) and postcode as one piece of evidence; "
                "sector/district levels need a valid UK postcode",
                levels=[
                    LevelSpec(label="missing", kind="null"),
                    LevelSpec(label="same address and postcode", kind="exact", column="location_key", tf=True),
                    LevelSpec(label="same address", kind="exact", column="address_key"),
                    LevelSpec(label="similar address, same postcode", kind="jaro_winkler", column="location_key",
                              threshold=0.9),
                    LevelSpec(label="same postcode", kind="exact", column="postcode"),
                    LevelSpec(label="similar address (jaro-winkler >= 0.9)", kind="jaro_winkler",
                              column="address_key", threshold=0.9),
                    LevelSpec(label="postcode one edit apart", kind="damerau_levenshtein", column="postcode",
                              threshold=1),
                    LevelSpec(label="same postcode sector", kind="exact", column="postcode_sector"),
                    LevelSpec(label="same postcode district", kind="exact", column="postcode_district"),
                    LevelSpec(label="different", kind="else"),
                ],
            )
        )
    elif "postcode" in cols:
        out.append(
            ComparisonSpec(
                name="postcode",
                column="postcode",
                description="postcode as written; sector/district levels need a valid UK postcode",
                levels=[
                    LevelSpec(label="missing", kind="null"),
                    LevelSpec(label="exact", kind="exact", tf=True),
                    LevelSpec(label="one edit apart", kind="damerau_levenshtein", threshold=1),
                    LevelSpec(label="same sector", kind="exact", column="postcode_sector"),
                    LevelSpec(label="same district", kind="exact", column="postcode_district"),
                    LevelSpec(label="different", kind="else"),
                ],
            )
        )
    for col, valid in (("nhs_number", "nhs_valid"), ("upn", "upn_valid"), ("pnc", "pnc_valid"),
                       ("ni_number", "ni_valid")):
        if col in cols:
            out.append(_identifier_comparison(col, col, valid))
    for col in ("la_id", "other_id"):
        if col in cols:
            out.append(_identifier_comparison(col, col, None, tf=True))
    return out


def default_blocking_rules(columns: list[str] | set[str], features=None, pair_budget: int | None = None) -> list[str]:
    """Blocking rules for whichever input columns are present.

    Tight rules (a shared valid identifier, or phonetic name + date of birth ...)
    are always used. Broad single-field rules (same date of birth, same surname,
    same postcode ...) catch records whose names are badly mistyped, but on a
    large table they generate too many pairs; when ``features`` is given each
    broad rule is kept only if the pairs it would generate on its own stay
    within ``pair_budget`` (default: max(250,000, records / 2)). The choice uses
    no labels and is written into the settings, so it is visible and repeatable.

    >>> default_blocking_rules(["nhs_number", "surname", "dob"])[:2]
    ['l.nhs_valid_number = r.nhs_valid_number', 'l.surname_dm = r.surname_dm AND l.dob_ymd = r.dob_ymd']
    """
    cols = set(columns)
    first = bool(cols & {"first_name", "full_name"})
    sur = bool(cols & {"surname", "full_name"})
    dob = "dob" in cols
    pc = "postcode" in cols or "address" in cols
    rules: list[str] = []
    for col, key in (("nhs_number", "nhs_valid_number"), ("upn", "upn_valid_number"),
                     ("pnc", "pnc_valid_number"), ("ni_number", "ni_valid_number")):
        if col in cols:
            rules.append(f"l.{key} = r.{key}")
    for col in ("la_id", "other_id"):
        if col in cols:
            rules.append(f"l.{col} = r.{col}")
    if sur and dob:
        rules.append("l.surname_dm = r.surname_dm AND l.dob_ymd = r.dob_ymd")
    if first and dob:
        rules.append("l.first_name_dm = r.first_name_dm AND l.dob_ymd = r.dob_ymd")
    if first and sur:
        if dob:
            # Same name, DOB with one error: a day typo, a day/month swap, a year typo.
            # (Three narrow rules instead of "same name and birth year", which grows
            # with the square of a common name's frequency.)
            name = "l.first_name_group = r.first_name_group AND l.surname_dm = r.surname_dm"
            rules.append(f"{name} AND l.dob_year = r.dob_year AND l.dob_month = r.dob_month")
            rules.append(f"{name} AND l.dob_day = r.dob_month AND l.dob_month = r.dob_day")
            rules.append(f"{name} AND l.dob_month = r.dob_month AND l.dob_day = r.dob_day")
        else:
            rules.append("l.first_name_group = r.first_name_group AND l.surname_dm = r.surname_dm")
        rules.append("l.first_name = r.surname AND l.surname = r.first_name")
    if pc and first:
        rules.append("l.postcode = r.postcode AND l.first_name_dm = r.first_name_dm")
    if pc and sur:
        rules.append("l.postcode = r.postcode AND l.surname_dm = r.surname_dm AND l.dob_year = r.dob_year"
                     if dob else "l.postcode = r.postcode AND l.surname_dm = r.surname_dm")
    if dob and pc:
        rules.append("l.dob_ymd = r.dob_ymd AND l.postcode_district = r.postcode_district")
    if first and sur and pc:
        rules.append("l.first_name_group = r.first_name_group AND l.surname_dm = r.surname_dm "
                     "AND l.postcode_district = r.postcode_district")
    broad: list[str] = []
    # Records without a usable DOB or postcode (an online form gives a name and an address) still
    # need a way in: the same dwelling and forename, then names alone, or household + surname.
    if first and "address" in cols:
        broad.append("l.address_key = r.address_key AND l.first_name_group = r.first_name_group")
    if first and sur and dob:
        broad.append("l.first_name_group = r.first_name_group AND l.surname_dm = r.surname_dm")
    if pc and sur and dob:
        broad.append("l.postcode = r.postcode AND l.surname_dm = r.surname_dm")
    if dob:
        broad.append("l.dob_ymd = r.dob_ymd")
    if first:
        broad.append("l.first_name = r.first_name")
    if sur:
        broad.append("l.surname = r.surname")
    if pc:
        broad.append("l.postcode = r.postcode")
    if features is None:
        if not rules:
            rules = broad
    else:
        from matching.blocking import estimate_rule_pairs

        budget = pair_budget if pair_budget is not None else max(250_000, len(features) // 2)
        for rule in broad:
            n_pairs = estimate_rule_pairs(features, rule)
            if n_pairs is not None and n_pairs <= budget:
                rules.append(rule)
        if not rules:  # nothing tight and nothing within budget: the tightest broad rule
            sized = [(estimate_rule_pairs(features, r) or 0, r) for r in broad]
            rules = [min(sized)[1]] if sized else []
    if not rules:
        raise ValueError("no column to block on: give at least one of names, dob, postcode or an identifier")
    return rules


def default_settings(columns: list[str] | set[str], features=None, **overrides) -> LinkSettings:
    """Default settings for a table with the given input columns (``features``: see
    :func:`default_blocking_rules`).

    >>> default_settings(["first_name", "surname", "dob"]).match_threshold
    0.9
    """
    cols = set(columns) & set(INPUT_COLUMNS)
    kwargs = dict(blocking_rules=default_blocking_rules(cols, features), comparisons=default_comparisons(cols))
    kwargs.update(overrides)
    return LinkSettings(**kwargs)
