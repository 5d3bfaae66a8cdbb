"""Partner feed configuration: one declarative TOML file per partner.

The contract is documented in ``docs/partner-config.md``. Loading validates the
file so that a mistake in a config is reported with the file and key to fix,
before any delivery is read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONCERN_TYPES = frozenset(
    {
        "domestic_abuse", "neglect", "physical_abuse", "sexual_abuse", "emotional_abuse",
        "parental_mental_health", "substance_misuse", "child_exploitation", "missing_from_home",
        "school_attendance", "behaviour_wellbeing", "self_harm", "housing_conditions",
        "homelessness", "antisocial_behaviour", "offending", "adult_at_risk", "other",
    }
)
SEVERITIES = {"low": 1, "medium": 2, "high": 3, "critical": 4}
ROLES = frozenset(
    {"subject", "victim", "suspect", "witness", "child_present", "parent_carer",
     "household_member", "referrer", "other"}
)
CONSENT = frozenset({"given", "override", "not_sought", "unknown"})
DECISIONS = frozenset({"nfa", "early_help", "referral_s17", "strategy_s47", "information_only"})
RAG = frozenset({"red", "amber", "green", "blue"})
SEX = frozenset({"F", "M", "U"})
CHANNELS = frozenset({"partner_notification", "phone", "secure_email", "online_form", "contact_record"})
FORMATS = frozenset({"csv", "jsonl", "xlsx"})
ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp1252"})

# For date-and-time fields (decided_at); tried in order.
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")

NOTIFICATION_FIELDS = frozenset(
    {"source_ref", "event_date", "reported_date", "concern_code", "severity_code", "free_text",
     "decision", "decided_at", "contact_source", "rag", "dash_risk", "attendance_pct", "consent",
     "consent_override_rationale", "consent_authorised_by"}
)
PERSON_FIELDS = frozenset(
    {"role", "first_name", "middle_name", "surname", "full_name", "dob", "age_years", "sex",
     "address", "postcode", "nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id"}
)

# code map name -> (vocabulary it must map into (None: any non-empty text), required?)
_MAPS = {
    "concern_map": (CONCERN_TYPES, True),
    "severity_map": (frozenset(SEVERITIES), False),
    "role_map": (ROLES, False),
    "consent_map": (CONSENT, False),
    "decision_map": (DECISIONS, False),
    "rag_map": (RAG, False),
    "sex_map": (SEX, False),
    # who made a front-door contact, as the agency names used in reports; an open vocabulary, since a
    # hub's partners differ
    "contact_source_map": (None, False),
}


class ConfigError(ValueError):
    """A partner config that cannot be used; the message names the file and key."""


def norm_code(code: object) -> str:
    """Codes are matched case- and space-insensitively: ``norm_code(" da ") == "DA"``."""
    return " ".join(str(code).split()).upper()


@dataclass(frozen=True)
class Members:
    """A cell that lists several people (e.g. a housing household-member list)."""

    column: str
    separator: str
    pattern: re.Pattern[str]
    role: str


@dataclass(frozen=True)
class PartnerConfig:
    """A validated partner feed mapping. Build with :func:`load_config`."""

    partner: str
    agency: str
    format: str
    path: Path
    description: str = ""
    encoding: str = "utf-8"
    delimiter: str = ","
    file_glob: str = "*"
    sheet: str | None = None
    header_row: int = 0
    date_formats: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
    datetime_formats: tuple[str, ...] = DATETIME_FORMATS
    channel: str = "partner_notification"
    record_key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    notification: dict[str, str] = field(default_factory=dict)
    person: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    maps: dict[str, dict[str, str]] = field(default_factory=dict)
    members: Members | None = None

    def map_for(self, name: str) -> dict[str, str]:
        """Normalised code map (keys via :func:`norm_code`), empty if the config has none."""
        return self.maps.get(name, {})


def _fail(path: Path, msg: str) -> ConfigError:
    return ConfigError(f"{path.name}: {msg}")


def load_config(path: Path) -> PartnerConfig:
    """Load and validate one partner TOML file.

    >>> cfg = load_config(Path("data_samples/partners/police.toml"))  # doctest: +SKIP
    >>> cfg.partner, cfg.format  # doctest: +SKIP
    ('police', 'csv')
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from exc
    for key in ("partner", "agency", "format"):
        if key not in raw:
            raise _fail(path, f"missing required key '{key}'")
    partner = raw["partner"]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", partner):
        raise _fail(path, f"partner '{partner}' must be lower case letters, digits and underscores")
    fmt = raw["format"]
    if fmt not in FORMATS:
        raise _fail(path, f"format '{fmt}' is not one of {sorted(FORMATS)}")
    encoding = raw.get("encoding", "utf-8").lower()
    if encoding not in ENCODINGS:
        raise _fail(path, f"encoding '{encoding}' is not one of {sorted(ENCODINGS)}")
    delimiter = raw.get("delimiter", ",")
    if len(delimiter) != 1:
        raise _fail(path, f"delimiter must be one character, got {delimiter!r}")
    channel = raw.get("channel", "partner_notification")
    if channel not in CHANNELS:
        raise _fail(path, f"channel '{channel}' is not one of {sorted(CHANNELS)}")
    notification = dict(raw.get("notification", {}))
    person = dict(raw.get("person", {}))
    for section, allowed, mapping in (("notification", NOTIFICATION_FIELDS, notification),
                                      ("person", PERSON_FIELDS, person)):
        unknown = set(mapping) - allowed
        if unknown:
            raise _fail(path, f"[{section}] has unknown canonical field(s) {sorted(unknown)}; "
                              f"allowed: {sorted(allowed)}")
    if "event_date" not in notification:
        raise _fail(path, "[notification] must map event_date")
    if "concern_code" not in notification:
        raise _fail(path, "[notification] must map concern_code")

    maps: dict[str, dict[str, str]] = {}
    for name, (vocab, required) in _MAPS.items():
        table = raw.get(name)
        if table is None:
            if required:
                raise _fail(path, f"missing [{name}]")
            continue
        bad = {k: v for k, v in table.items() if (v not in vocab if vocab is not None
                                                  else not isinstance(v, str) or not v.strip())}
        if bad:
            allowed = sorted(vocab) if vocab is not None else "non-empty text"
            raise _fail(path, f"[{name}] maps to unknown canonical value(s) {bad}; allowed: {allowed}")
        maps[name] = {norm_code(k): v for k, v in table.items()}

    defaults = dict(raw.get("defaults", {}))
    if defaults.get("role", "subject") not in ROLES:
        raise _fail(path, f"[defaults] role '{defaults['role']}' is not one of {sorted(ROLES)}")
    if defaults.get("severity", "low") not in SEVERITIES:
        raise _fail(path, f"[defaults] severity '{defaults['severity']}' is not one of {sorted(SEVERITIES)}")

    members = None
    if "members" in raw:
        m = raw["members"]
        try:
            pattern = re.compile(m["pattern"])
        except (KeyError, re.error) as exc:
            raise _fail(path, f"[members] pattern is missing or not a valid regex: {exc}") from exc
        if "column" not in m:
            raise _fail(path, "[members] needs 'column'")
        members = Members(column=m["column"], separator=m.get("separator", ";"), pattern=pattern,
                          role=m.get("role", "household_member"))
    file_glob = raw.get("file_glob", "*")
    if not isinstance(file_glob, str) or not file_glob or "/" in file_glob or "\\" in file_glob \
            or file_glob.startswith("."):
        # a pattern like "../../*" would pick up files outside the partner's landing folder
        raise _fail(path, f"file_glob {file_glob!r} must be a file-name pattern such as '*.csv' "
                          f"(no folders, no leading dot)")
    if fmt == "xlsx" and not raw.get("sheet"):
        raise _fail(path, "xlsx feeds need 'sheet' (the sheet to read)")

    return PartnerConfig(
        partner=partner, agency=raw["agency"], format=fmt, path=path,
        description=raw.get("description", ""), encoding=encoding, delimiter=delimiter,
        file_glob=file_glob, sheet=raw.get("sheet"),
        header_row=int(raw.get("header_row", 0)),
        date_formats=tuple(raw.get("date_formats", ("%d/%m/%Y", "%Y-%m-%d"))),
        datetime_formats=tuple(raw.get("datetime_formats", DATETIME_FORMATS)),
        channel=channel, record_key=tuple(raw.get("record_key", ())),
        required=tuple(raw.get("required", ())), notification=notification, person=person,
        defaults=defaults, maps=maps, members=members,
    )


def load_configs(folder: Path) -> dict[str, PartnerConfig]:
    """Every ``*.toml`` in ``folder``, keyed by partner id.

    >>> sorted(load_configs(Path("data_samples/partners")))[:2]  # doctest: +SKIP
    ['asc', 'csc']
    """
    configs: dict[str, PartnerConfig] = {}
    for path in sorted(Path(folder).glob("*.toml")):
        cfg = load_config(path)
        if cfg.partner in configs:
            raise _fail(path, f"partner '{cfg.partner}' is already defined in {configs[cfg.partner].path.name}")
        configs[cfg.partner] = cfg
    return configs
