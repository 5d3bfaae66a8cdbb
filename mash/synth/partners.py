"""Every code a partner feed can emit, in one place, with its canonical meaning.

The TOML files in ``data_samples/partners/`` describe the same feeds for the
ingestion engine; ``tests/synth`` checks that every code below (and every code
actually written) is mapped there to the same canonical value.

A :class:`Kind` is one type of notification a partner sends: its concern code,
the canonical concern, how common it is, who it is about and how severe it
tends to be.
"""

from __future__ import annotations

from dataclasses import dataclass

# Share of all notifications per partner (PRIMER section 3: police ~29%, schools ~18%, health 15% ...).
PARTNER_SHARES: dict[str, float] = {
    "police": 0.30, "schools": 0.20, "health": 0.15, "csc": 0.12,
    "online_form": 0.08, "housing": 0.05, "asc": 0.05, "probation": 0.05,
}
PARTNERS = tuple(PARTNER_SHARES)

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass(frozen=True)
class Kind:
    """One type of notification.

    ``subject`` names who the notification is about (see :mod:`mash.synth.events`);
    ``pools`` weights the kinds of household it comes from; ``sev`` is P(low, medium, high, critical).
    """

    code: str
    concern: str
    weight: float
    subject: str
    pools: tuple[tuple[str, float], ...] = (("family", 1.0),)
    sev: tuple[float, float, float, float] = (0.6, 0.3, 0.1, 0.0)
    label: str = ""


FAMILY = (("family", 1.0),)
ADULT_POOLS = (("older", 0.35), ("adult", 0.25), ("hmo", 0.2), ("hostel", 0.2))

# -- police --------------------------------------------------------------------------------------
POLICE_KINDS = (
    Kind("DOM", "domestic_abuse", 0.30, "da", sev=(0.55, 0.30, 0.15, 0), label="Domestic incident"),
    Kind("DOMV", "domestic_abuse", 0.09, "da", sev=(0.25, 0.45, 0.30, 0), label="Domestic violence with injury"),
    Kind("MISP", "missing_from_home", 0.10, "child:11-17", (("family", 0.55), ("lac", 0.45)),
         (0.5, 0.35, 0.15, 0), "Missing person (child)"),
    Kind("CWEL", "neglect", 0.06, "kids_with_carer", sev=(0.5, 0.35, 0.15, 0), label="Concern for welfare"),
    Kind("NEGL", "neglect", 0.03, "kids_with_carer", sev=(0.2, 0.5, 0.3, 0), label="Child neglect / cruelty"),
    Kind("ASSLT", "physical_abuse", 0.05, "child:0-17", sev=(0.3, 0.45, 0.25, 0), label="Assault on a child"),
    Kind("SEXO", "sexual_abuse", 0.02, "child:4-17", sev=(0.0, 0.3, 0.7, 0), label="Sexual offence"),
    Kind("CSE", "child_exploitation", 0.03, "child:12-17", (("family", 0.6), ("lac", 0.4)),
         (0.2, 0.4, 0.4, 0), "Child exploitation concern"),
    Kind("ASB", "antisocial_behaviour", 0.05, "child:10-17", sev=(0.75, 0.2, 0.05, 0), label="Antisocial behaviour"),
    Kind("YOFF", "offending", 0.04, "child:10-17", (("family", 0.8), ("lac", 0.2)), (0.6, 0.3, 0.1, 0),
         "Youth offending"),
    Kind("MHI", "parental_mental_health", 0.12, "carer_kids", sev=(0.5, 0.35, 0.15, 0),
         label="Mental health incident (parent)"),
    Kind("DRUG", "substance_misuse", 0.05, "carer_kids", sev=(0.55, 0.35, 0.1, 0), label="Drugs (parent)"),
    Kind("VULA", "adult_at_risk", 0.04, "adult", ADULT_POOLS, (0.5, 0.35, 0.15, 0), "Vulnerable adult"),
    Kind("ASBA", "antisocial_behaviour", 0.02, "adult", (("hmo", 0.5), ("hostel", 0.3), ("adult", 0.2)),
         (0.7, 0.25, 0.05, 0), "Antisocial behaviour (adult)"),
)
POLICE_SEVERITY = {"Standard": "low", "Medium": "medium", "High": "high"}
POLICE_SEV_CODE = {1: "Standard", 2: "Medium", 3: "High", 4: "High"}
POLICE_ROLES = {
    "Victim": "victim", "Suspect": "suspect", "Witness": "witness", "Child Present": "child_present",
    "Child Resident": "household_member", "Missing Person": "subject", "Subject": "subject",
    "Person Reporting": "referrer", "Parent/Guardian": "parent_carer", "Involved": "other",
}
POLICE_SEX = {"Male": "M", "Female": "F", "Unknown": "U"}

# -- health --------------------------------------------------------------------------------------
HEALTH_KINDS = (
    Kind("DA-DISC", "domestic_abuse", 0.17, "mother", sev=(0.45, 0.35, 0.18, 0.02), label="Domestic abuse disclosure"),
    Kind("PMH", "parental_mental_health", 0.26, "mother", sev=(0.5, 0.35, 0.13, 0.02), label="Parental mental health"),
    Kind("SH", "self_harm", 0.12, "child:11-17", (("family", 0.85), ("lac", 0.15)), (0.3, 0.4, 0.25, 0.05),
         "Self-harm"),
    Kind("NAI", "physical_abuse", 0.05, "child:0-10", sev=(0.1, 0.3, 0.45, 0.15), label="Unexplained injury"),
    Kind("NEG", "neglect", 0.10, "child:0-10", sev=(0.55, 0.3, 0.13, 0.02), label="Neglect"),
    Kind("WNB", "neglect", 0.08, "child:0-17", sev=(0.8, 0.18, 0.02, 0), label="Was not brought"),
    Kind("SUB", "substance_misuse", 0.07, "carer", sev=(0.5, 0.35, 0.15, 0), label="Parental substance misuse"),
    Kind("CMH", "behaviour_wellbeing", 0.10, "child:8-17", sev=(0.6, 0.3, 0.1, 0), label="Child mental health"),
    Kind("CSA", "sexual_abuse", 0.03, "child:3-17", sev=(0.0, 0.25, 0.55, 0.2), label="Sexual abuse concern"),
)
HEALTH_SEVERITY = {"low": "low", "moderate": "medium", "high": "high", "urgent": "critical"}
HEALTH_SEV_CODE = {1: "low", 2: "moderate", 3: "high", 4: "urgent"}
HEALTH_SEX = {"female": "F", "male": "M", "unknown": "U"}
HEALTH_SERVICES = ("ED", "GP", "CAMHS", "Health Visiting", "Midwifery")

# -- schools -------------------------------------------------------------------------------------
SCHOOL_KINDS = (
    Kind("Attendance", "school_attendance", 0.22, "pupil", (("family", 0.95), ("lac", 0.05)), (0.55, 0.35, 0.1, 0)),
    Kind("Behaviour", "behaviour_wellbeing", 0.11, "pupil", sev=(0.7, 0.25, 0.05, 0)),
    Kind("Emotional wellbeing", "behaviour_wellbeing", 0.08, "pupil", sev=(0.65, 0.3, 0.05, 0)),
    Kind("Neglect", "neglect", 0.13, "pupil", sev=(0.5, 0.35, 0.13, 0.02)),
    Kind("Disclosure - domestic abuse", "domestic_abuse", 0.13, "pupil", sev=(0.4, 0.4, 0.18, 0.02)),
    Kind("Parental mental health", "parental_mental_health", 0.11, "pupil", sev=(0.6, 0.3, 0.1, 0)),
    Kind("Self-harm", "self_harm", 0.06, "pupil:10-17", sev=(0.3, 0.45, 0.2, 0.05)),
    Kind("Physical injury", "physical_abuse", 0.06, "pupil", sev=(0.3, 0.4, 0.25, 0.05)),
    Kind("Sexualised behaviour / disclosure", "sexual_abuse", 0.02, "pupil", sev=(0.1, 0.3, 0.45, 0.15)),
    Kind("Online safety / exploitation", "child_exploitation", 0.03, "pupil:10-17", sev=(0.3, 0.4, 0.25, 0.05)),
    Kind("Substance misuse", "substance_misuse", 0.03, "pupil:11-17", sev=(0.5, 0.35, 0.15, 0)),
)
SCHOOL_SEVERITY = {"Level 1": "low", "Level 2": "medium", "Level 3": "high", "Level 4": "critical"}
SCHOOL_SEV_CODE = {1: "Level 1", 2: "Level 2", 3: "Level 3", 4: "Level 4"}
SCHOOL_SEX = {"F": "F", "M": "M"}

# -- children's social care front door -----------------------------------------------------------
CSC_KINDS = (
    Kind("3B", "domestic_abuse", 0.22, "child:0-17", sev=(0.35, 0.35, 0.25, 0.05), label="Domestic abuse - parent/carer"),
    Kind("3A", "domestic_abuse", 0.03, "child:10-17", sev=(0.3, 0.4, 0.25, 0.05), label="Domestic abuse - child"),
    Kind("4B", "parental_mental_health", 0.17, "child:0-17", sev=(0.45, 0.35, 0.17, 0.03),
         label="Mental health - parent/carer"),
    Kind("4A", "behaviour_wellbeing", 0.05, "child:8-17", sev=(0.5, 0.35, 0.15, 0), label="Mental health - child"),
    Kind("1B", "substance_misuse", 0.05, "child:0-17", sev=(0.4, 0.4, 0.2, 0), label="Alcohol misuse - parent/carer"),
    Kind("2B", "substance_misuse", 0.05, "child:0-17", sev=(0.4, 0.4, 0.2, 0), label="Drug misuse - parent/carer"),
    Kind("N", "neglect", 0.14, "child:0-17", sev=(0.35, 0.4, 0.2, 0.05), label="Neglect"),
    Kind("E", "emotional_abuse", 0.08, "child:0-17", sev=(0.4, 0.4, 0.18, 0.02), label="Emotional abuse"),
    Kind("P", "physical_abuse", 0.06, "child:0-17", sev=(0.1, 0.35, 0.4, 0.15), label="Physical abuse"),
    Kind("S", "sexual_abuse", 0.02, "child:2-17", sev=(0.0, 0.2, 0.5, 0.3), label="Sexual abuse"),
    Kind("10A", "missing_from_home", 0.04, "child:11-17", (("family", 0.6), ("lac", 0.4)), (0.3, 0.4, 0.25, 0.05),
         label="Going/being missing"),
    Kind("11A", "child_exploitation", 0.02, "child:11-17", (("family", 0.6), ("lac", 0.4)), (0.1, 0.4, 0.4, 0.1),
         label="Child sexual exploitation"),
    Kind("24A", "child_exploitation", 0.02, "child:11-17", (("family", 0.7), ("lac", 0.3)), (0.1, 0.4, 0.4, 0.1),
         label="Child criminal exploitation"),
    Kind("15A", "self_harm", 0.02, "child:11-17", sev=(0.2, 0.4, 0.3, 0.1), label="Self-harm"),
    Kind("20", "other", 0.03, "child:0-17", sev=(0.7, 0.25, 0.05, 0), label="Other"),
)
CSC_SEVERITY = {"1": "low", "2": "medium", "3": "high", "4": "critical"}
CSC_SEV_CODE = {1: "1", 2: "2", 3: "3", 4: "4"}
CSC_DECISIONS = {"NFA": "nfa", "Early Help": "early_help", "Referral": "referral_s17", "Strategy": "strategy_s47",
                 "Info Only": "information_only"}
CSC_RAG = {"R": "red", "A": "amber", "G": "green", "B": "blue"}
CSC_CONSENT = {"Y": "given", "N": "not_sought", "Override": "override"}
CSC_SEX = {"Male": "M", "Female": "F", "Not Known": "U"}
CSC_SOURCES = ("Police", "School", "Health - GP", "Health - ED", "Health Visitor", "Individual", "Anonymous",
               "LA Housing", "Probation", "Adult Social Care", "Other LA", "Early Help")

# -- adult social care ------------------------------------------------------------------------------
ASC_KINDS = (
    Kind("Physical Abuse", "adult_at_risk", 0.10, "adult", ADULT_POOLS, (0.4, 0.4, 0.2, 0)),
    Kind("Financial Abuse", "adult_at_risk", 0.12, "adult", ADULT_POOLS, (0.5, 0.4, 0.1, 0)),
    Kind("Psychological Abuse", "adult_at_risk", 0.08, "adult", ADULT_POOLS, (0.5, 0.4, 0.1, 0)),
    Kind("Neglect/Acts of Omission", "adult_at_risk", 0.10, "adult", ADULT_POOLS, (0.4, 0.4, 0.2, 0)),
    Kind("Self-Neglect", "adult_at_risk", 0.12, "adult", ADULT_POOLS, (0.5, 0.35, 0.15, 0)),
    Kind("Domestic Abuse", "domestic_abuse", 0.18, "mother", sev=(0.4, 0.4, 0.2, 0)),
    Kind("Mental Health Crisis", "parental_mental_health", 0.20, "carer", sev=(0.35, 0.4, 0.25, 0)),
    Kind("Substance Misuse", "substance_misuse", 0.06, "carer", sev=(0.5, 0.35, 0.15, 0)),
    Kind("Organisational Abuse", "adult_at_risk", 0.02, "adult", (("hostel", 1.0),), (0.5, 0.4, 0.1, 0)),
    Kind("Modern Slavery", "adult_at_risk", 0.02, "adult", (("hmo", 1.0),), (0.1, 0.4, 0.5, 0)),
)
ASC_SEVERITY = {"Low": "low", "Medium": "medium", "High": "high"}
ASC_SEV_CODE = {1: "Low", 2: "Medium", 3: "High", 4: "High"}
ASC_SEX = {"M": "M", "F": "F", "U": "U"}
ASC_SOURCES = ("Police", "GP", "Family member", "Self", "Care provider", "Hospital", "Neighbour", "Housing")

# -- housing --------------------------------------------------------------------------------------
HOUSING_KINDS = (
    Kind("HOMELESS", "homelessness", 0.25, "carer", sev=(0.3, 0.5, 0.2, 0)),
    Kind("S21", "homelessness", 0.15, "carer", sev=(0.5, 0.4, 0.1, 0)),
    Kind("ARREARS", "homelessness", 0.14, "carer", sev=(0.7, 0.25, 0.05, 0)),
    Kind("DISREPAIR", "housing_conditions", 0.12, "carer", sev=(0.6, 0.3, 0.1, 0)),
    Kind("OVERCROWD", "housing_conditions", 0.08, "carer", sev=(0.7, 0.25, 0.05, 0)),
    Kind("ASB", "antisocial_behaviour", 0.08, "carer", sev=(0.6, 0.3, 0.1, 0)),
    Kind("DA-FLEE", "domestic_abuse", 0.12, "mother", sev=(0.1, 0.4, 0.5, 0)),
    Kind("HOARDING", "housing_conditions", 0.03, "adult", (("older", 1.0),), (0.5, 0.4, 0.1, 0)),
    Kind("HOMELESS-S", "homelessness", 0.03, "adult", (("hostel", 0.6), ("hmo", 0.4)), (0.4, 0.4, 0.2, 0)),
)
HOUSING_SEVERITY = {"Routine": "low", "Priority": "medium", "Emergency": "high"}
HOUSING_SEV_CODE = {1: "Routine", 2: "Priority", 3: "Emergency", 4: "Emergency"}
# member roles as written after " - " in the member list
HOUSING_MEMBER_ROLES = {"Partner": "household_member", "Son": "household_member", "Daughter": "household_member",
                        "Child": "household_member", "Mother": "household_member", "Father": "household_member",
                        "Grandmother": "household_member", "Grandfather": "household_member",
                        "Relative": "household_member", "Lodger": "other"}

# -- probation ------------------------------------------------------------------------------------
PROBATION_KINDS = (
    Kind("DA", "domestic_abuse", 0.48, "male_adult", (("family", 0.75), ("solo", 0.25)), (0.1, 0.45, 0.4, 0.05)),
    Kind("VIOL", "offending", 0.17, "male_adult", (("family", 0.4), ("solo", 0.2), ("hostel", 0.25), ("hmo", 0.15)),
         (0.2, 0.5, 0.25, 0.05)),
    Kind("SEXO", "sexual_abuse", 0.06, "male_adult", (("solo", 0.4), ("hostel", 0.4), ("family", 0.2)),
         (0.0, 0.3, 0.5, 0.2)),
    Kind("DRUG", "substance_misuse", 0.15, "male_adult", (("family", 0.4), ("hostel", 0.3), ("hmo", 0.3)),
         (0.5, 0.4, 0.1, 0)),
    Kind("ACQ", "offending", 0.14, "male_adult", (("hostel", 0.4), ("hmo", 0.3), ("solo", 0.3)), (0.6, 0.35, 0.05, 0)),
)
PROBATION_SEVERITY = {"Low": "low", "Medium": "medium", "High": "high", "Very High": "critical"}
PROBATION_SEV_CODE = {1: "Low", 2: "Medium", 3: "High", 4: "Very High"}
PROBATION_SEX = {"M": "M", "F": "F"}

# -- public online form -------------------------------------------------------------------------------
ONLINE_KINDS = (
    Kind("Neglect", "neglect", 0.22, "child:0-15", sev=(0.7, 0.25, 0.05, 0)),
    Kind("Domestic abuse", "domestic_abuse", 0.20, "child:0-15", sev=(0.6, 0.3, 0.1, 0)),
    Kind("Physical abuse", "physical_abuse", 0.10, "child:0-15", sev=(0.5, 0.3, 0.2, 0)),
    Kind("Emotional abuse", "emotional_abuse", 0.08, "child:0-15", sev=(0.7, 0.25, 0.05, 0)),
    Kind("Sexual abuse", "sexual_abuse", 0.02, "child:3-15", sev=(0.3, 0.3, 0.4, 0)),
    Kind("A parent's mental health", "parental_mental_health", 0.18, "child:0-15", sev=(0.7, 0.25, 0.05, 0)),
    Kind("Drugs or alcohol", "substance_misuse", 0.08, "child:0-15", sev=(0.7, 0.25, 0.05, 0)),
    Kind("Something else", "other", 0.10, "child:0-15", sev=(0.8, 0.15, 0.05, 0)),
)
ONLINE_SEVERITY = {"No": "low", "Not sure": "medium", "Yes": "high"}
ONLINE_SEV_CODE = {1: "No", 2: "Not sure", 3: "Yes", 4: "Yes"}
ONLINE_REPORTERS = ("Neighbour", "Family member", "Friend of the family", "Member of the public", "Parent",
                    "Anonymous", "Childminder", "Sports coach")

KINDS: dict[str, tuple[Kind, ...]] = {
    "police": POLICE_KINDS, "health": HEALTH_KINDS, "schools": SCHOOL_KINDS, "csc": CSC_KINDS,
    "asc": ASC_KINDS, "housing": HOUSING_KINDS, "probation": PROBATION_KINDS, "online_form": ONLINE_KINDS,
}
SEV_CODE: dict[str, dict[int, str]] = {
    "police": POLICE_SEV_CODE, "health": HEALTH_SEV_CODE, "schools": SCHOOL_SEV_CODE, "csc": CSC_SEV_CODE,
    "asc": ASC_SEV_CODE, "housing": HOUSING_SEV_CODE, "probation": PROBATION_SEV_CODE, "online_form": ONLINE_SEV_CODE,
}
SEVERITY_MAPS: dict[str, dict[str, str]] = {
    "police": POLICE_SEVERITY, "health": HEALTH_SEVERITY, "schools": SCHOOL_SEVERITY, "csc": CSC_SEVERITY,
    "asc": ASC_SEVERITY, "housing": HOUSING_SEVERITY, "probation": PROBATION_SEVERITY, "online_form": ONLINE_SEVERITY,
}
SEX_MAPS: dict[str, dict[str, str]] = {
    "police": POLICE_SEX, "health": HEALTH_SEX, "schools": SCHOOL_SEX, "csc": CSC_SEX, "asc": ASC_SEX,
    "probation": PROBATION_SEX,
}
ROLE_MAPS: dict[str, dict[str, str]] = {"police": POLICE_ROLES, "housing": HOUSING_MEMBER_ROLES}


def concern_map(partner: str) -> dict[str, str]:
    """Partner concern code -> canonical concern, as the partner TOML must map it.

    >>> concern_map("police")["DOM"]
    'domestic_abuse'
    """
    return {k.code: k.concern for k in KINDS[partner]}


def sex_code(partner: str, sex: str) -> str:
    """The partner's spelling of F/M/U: ``sex_code("police", "F") == "Female"``."""
    for code, canon in SEX_MAPS[partner].items():
        if canon == sex:
            return code
    return ""
