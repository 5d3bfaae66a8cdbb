"""The pseudonymised research extract: Parquet tables, a data dictionary and a manifest.

Researchers get record-level data without names, dates of birth, addresses or any
identifier that could be looked up in a partner's system. What they get instead:

* **Pseudonyms.** Every id that could join back to the identifiable warehouse (person,
  mention, notification, household/address, family network, alert, linked pair) is
  replaced by a keyed HMAC-SHA256 pseudonym (16 hex characters) under a per-project key
  (:mod:`mash.research.keys`), in a namespace per kind of id so that a person pseudonym
  can never be joined to a household pseudonym. The key is never written; its
  fingerprint is the manifest's ``key_id``. Ids with no research use (delivery ids, file
  names, row numbers, partners' own references) are dropped.
* **Coarsening.** Date of birth becomes the birth month (``YYYY-MM``); age at each
  notification becomes an age band; a postcode becomes its sector (``MH1 8``) and
  district (``MH1``); an address becomes a household pseudonym with the sector only.
* **No free text.** Notification narratives, consent-override rationales, who authorised
  an override, alert explanations and subject labels, family-edge details, reviewers'
  names and notes are all left out.
* **Dates of events are kept to the day.** Repeat-contact and re-referral measures count
  days between notifications (30, 90, 365), so coarsening event dates would break the
  research the extract exists for. Date of birth is the identifying date and is coarsened.

Pseudonymised data is still personal data: the extract is for a trusted research
environment under a data-sharing agreement, and published figures still need
disclosure control (:mod:`mash.governance.disclosure`).

Files, in ``<outputs>/researcher/extract/`` (the researcher folder holds nothing else):
one ``<table>.parquet`` per table in :data:`TABLES`, ``data_dictionary.md`` and
``data_dictionary.json`` (every table and column), and ``manifest.json`` (key id,
creation time, source warehouse's last ingest, linkage settings version, row counts,
file hashes, the coarsening rules).

>>> from mash.research.keys import ResearchKey
>>> con = connect("var/warehouse.duckdb", read_only=True)  # doctest: +SKIP
>>> write_extract(con, "var/outputs/researcher/extract", ResearchKey(key))["tables"]["persons"]["rows"]
... # doctest: +SKIP
2381
"""

from __future__ import annotations

import hashlib
import json
import shutil
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mash.governance.pseudonymise import Pseudonymiser, postcode_district, postcode_sector
from mash.research.keys import ResearchKey

EXTRACT_VERSION = "1"
PSEUDONYM_HEX = 16  # 64 bits: collisions are checked for and would stop the extract
MANIFEST = "manifest.json"


def extract_dir(outputs: Path | str) -> Path:
    """Where the extract goes under an outputs folder: ``<outputs>/researcher/extract``.

    >>> extract_dir("var/outputs").as_posix()
    'var/outputs/researcher/extract'
    """
    return Path(outputs) / "researcher" / "extract"


# ---------------------------------------------------------------------------------------------- dictionary
@dataclass(frozen=True)
class Column:
    """One column of an extract table, as the data dictionary describes it."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    """One extract table: its grain, description, columns and the SELECT that builds it.

    The SELECT reads the warehouse and the pseudonym lookups (``_pid_<namespace>(id, pid)``)
    and the postcode lookup (``_pc(postcode, sector, district)``) registered by
    :func:`write_extract`; its columns must be exactly :attr:`columns`, in order.
    """

    name: str
    grain: str
    description: str
    columns: tuple[Column, ...]
    sql: str


def C(name: str, type_: str, description: str) -> Column:  # noqa: N802 - reads as a table row below
    return Column(name, type_, description)


# Age at a notification, in the bands the Children in Need census uses for children, then
# ten-year bands for adults. 'unborn': a notification about an expected baby.
AGE_BANDS = ("unborn", "under 1", "1-4", "5-9", "10-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64",
             "65+", "unknown")


def _age_band_sql(age: str) -> str:
    return (f"CASE WHEN {age} IS NULL THEN 'unknown' WHEN {age} < 0 THEN 'unborn' WHEN {age} < 1 THEN 'under 1' "
            f"WHEN {age} < 5 THEN '1-4' WHEN {age} < 10 THEN '5-9' WHEN {age} < 16 THEN '10-15' "
            f"WHEN {age} < 18 THEN '16-17' WHEN {age} < 25 THEN '18-24' WHEN {age} < 35 THEN '25-34' "
            f"WHEN {age} < 45 THEN '35-44' WHEN {age} < 55 THEN '45-54' WHEN {age} < 65 THEN '55-64' "
            f"ELSE '65+' END")


_PAIR_ID = "least({l}, {r}) || '|' || greatest({l}, {r})"  # an unordered pair of mention ids, one key
_MENTION_AGENCY = ("(SELECT m.mention_id, n.owner_agency AS agency FROM person_mentions m "
                   "JOIN notifications n USING (notification_id))")

PERSON_PID = "Pseudonym of the person (namespace 'person'); joins every table's person columns."
NOTE_PID = "Pseudonym of the notification (namespace 'notification'); joins `notifications`."
HOUSE_PID = "Pseudonym of the address entity (namespace 'household'); joins `households`."
MENTION_PID = "Pseudonym of one person mention, i.e. one person named in one delivered record (namespace 'mention')."
PAIR_PID = "Pseudonym of the unordered pair of mentions (namespace 'pair'); joins `link_pairs`, `link_comparisons`, `review_pairs`."
ALERT_PID = "Pseudonym of the alert (namespace 'alert'); joins `alerts`, `alert_evidence`, `alert_members`."

TABLES: tuple[Table, ...] = (
    Table(
        "persons", "one row per person (a cluster of linked mentions)",
        "Everyone named in a notification, after record linkage. Birth month only; postcode sector and "
        "district of the most recent address any agency recorded.",
        (
            C("person_pid", "string", PERSON_PID),
            C("sex", "string", "F, M or U (unknown), the value most often recorded for the person."),
            C("birth_month", "string", "Date of birth coarsened to YYYY-MM (the most often recorded DOB); "
                                       "empty when no DOB was ever recorded."),
            C("dob_recorded", "bool", "True when some agency recorded a date of birth."),
            C("first_event_date", "date", "Date of the first notification naming the person."),
            C("last_event_date", "date", "Date of the last notification naming the person."),
            C("n_notifications", "int64", "Notifications naming the person (re-sent copies counted once)."),
            C("n_agencies", "int64", "Distinct agencies that notified about or named the person."),
            C("agencies", "string", "Those agencies, '; '-separated, alphabetical."),
            C("cluster_size", "int64", "Person mentions linked into this person, re-sent copies included "
                                       "(the linkage cluster size)."),
            C("min_link_probability", "float64", "Weakest link probability that put a mention in this person "
                                                 "(1.0 for a person seen once)."),
            C("n_households", "int64", "Distinct address entities the person was recorded at."),
            C("postcode_sector", "string", "Postcode sector (e.g. 'MH1 8') of the most recently recorded address "
                                           "with a postcode."),
            C("postcode_district", "string", "Postcode district (e.g. 'MH1') of that address."),
        ),
        """
        WITH lm AS (SELECT * FROM linked_mentions),
        agg AS (
            SELECT person_id, min(event_date) AS first_event_date, max(event_date) AS last_event_date,
                   count(DISTINCT notification_id) AS n_notifications, count(DISTINCT owner_agency) AS n_agencies,
                   string_agg(DISTINCT owner_agency, '; ' ORDER BY owner_agency) AS agencies,
                   count(DISTINCT address_id) AS n_households
            FROM lm GROUP BY person_id
        ),
        latest AS (
            SELECT lm.person_id, first(ae.postcode ORDER BY lm.event_date DESC, lm.mention_id DESC) AS postcode
            FROM lm JOIN address_entities ae USING (address_id)
            WHERE ae.postcode IS NOT NULL GROUP BY lm.person_id
        ),
        cl AS (SELECT person_id, count(*) AS cluster_size FROM analytics_mention_person GROUP BY person_id)
        SELECT p.pid AS person_pid, coalesce(pp.sex, 'U') AS sex, strftime(pp.dob, '%Y-%m') AS birth_month,
               pp.dob IS NOT NULL AS dob_recorded, a.first_event_date, a.last_event_date, a.n_notifications,
               a.n_agencies, a.agencies, coalesce(cl.cluster_size, pp.n_mentions) AS cluster_size,
               pp.min_link_probability, a.n_households, pc.sector AS postcode_sector,
               pc.district AS postcode_district
        FROM person_profiles pp
        JOIN _pid_person p ON p.id = pp.person_id
        LEFT JOIN agg a USING (person_id)
        LEFT JOIN cl USING (person_id)
        LEFT JOIN latest l USING (person_id)
        LEFT JOIN _pc pc ON pc.postcode = l.postcode
        ORDER BY person_pid
        """,
    ),
    Table(
        "notifications", "one row per notification (re-sent copies collapsed)",
        "What each agency told the hub: who sent it, when, the canonical concern, severity and the front "
        "door's decision. No narrative, no partner reference, no file or row.",
        (
            C("notification_pid", "string", NOTE_PID),
            C("partner", "string", "Partner feed (police, health, schools, csc, asc, housing, probation, online_form)."),
            C("agency", "string", "Agency that owns the notification."),
            C("event_date", "date", "Date of the incident or contact (kept to the day; see the manifest)."),
            C("days_to_report", "int64", "Days from the event to its report to the hub, where the partner gives both."),
            C("concern_type", "string", "Canonical concern (e.g. domestic_abuse, neglect, school_attendance)."),
            C("severity", "string", "low | medium | high | critical, mapped from the partner's own scale."),
            C("severity_rank", "int64", "1 (low) to 4 (critical)."),
            C("channel", "string", "partner_notification | contact_record | online_form."),
            C("decision", "string", "Front-door decision where recorded: nfa, information_only, early_help, "
                                    "referral_s17, strategy_s47."),
            C("rag", "string", "Front-door RAG rating where recorded: red, amber, green, blue."),
            C("dash_risk", "string", "DASH domestic-abuse risk level where recorded: Standard, Medium, High."),
            C("attendance_pct", "float64", "School attendance percentage reported by a school."),
            C("consent", "string", "given | override | not_sought | unknown (the override's rationale and "
                                   "who authorised it are not in the extract)."),
            C("n_copies", "int64", "How many times the partner delivered this notification (1 = once)."),
            C("n_people", "int64", "Distinct persons named in the notification."),
            C("n_children", "int64", "Of those, how many were children at the time."),
        ),
        """
        WITH c AS (
            SELECT notification_id, count(DISTINCT person_id) AS n_people,
                   count(DISTINCT person_id) FILTER (WHERE is_child) AS n_children
            FROM linked_mentions GROUP BY notification_id
        )
        SELECT n.pid AS notification_pid, e.partner, e.owner_agency AS agency, e.event_date,
               date_diff('day', e.event_date, e.reported_date) AS days_to_report, e.concern_type, e.severity,
               CAST(e.severity_rank AS BIGINT) AS severity_rank, e.channel, e.decision, e.rag, e.dash_risk,
               e.attendance_pct, e.consent, e.n_copies, coalesce(c.n_people, 0) AS n_people,
               coalesce(c.n_children, 0) AS n_children
        FROM notification_events e
        JOIN _pid_notification n ON n.id = e.notification_id
        LEFT JOIN c USING (notification_id)
        ORDER BY notification_pid
        """,
    ),
    Table(
        "person_notifications", "one row per person named in a notification (a person mention)",
        "Who was named in which notification, in what role, their age band then and where they were "
        "recorded as living. Joins `persons` and `notifications`.",
        (
            C("mention_pid", "string", MENTION_PID),
            C("person_pid", "string", PERSON_PID),
            C("notification_pid", "string", NOTE_PID),
            C("role", "string", "subject, victim, suspect, witness, child_present, parent_carer, household_member, "
                                "referrer."),
            C("age_band", "string", "Age band at the event: " + ", ".join(AGE_BANDS) + "."),
            C("is_child", "bool", "Under 18 at the event (or, with no age anywhere, a child by role or feed)."),
            C("link_probability", "float64", "Probability of the link that put this mention in its person "
                                             "(1.0 for a person seen once)."),
            C("household_pid", "string", HOUSE_PID + " Empty when no address was recorded."),
        ),
        f"""
        SELECT m.pid AS mention_pid, p.pid AS person_pid, n.pid AS notification_pid, lm.role,
               {_age_band_sql('lm.age_at_event')} AS age_band, lm.is_child, lm.link_probability,
               h.pid AS household_pid
        FROM linked_mentions lm
        JOIN _pid_mention m ON m.id = lm.mention_id
        JOIN _pid_person p ON p.id = lm.person_id
        JOIN _pid_notification n ON n.id = lm.notification_id
        LEFT JOIN _pid_household h ON h.id = lm.address_id
        ORDER BY mention_pid
        """,
    ),
    Table(
        "households", "one row per address entity",
        "Addresses resolved across agencies' spellings, reduced to a pseudonym and the postcode sector. "
        "`kind` flags shared houses and institutions, where living together does not make a family.",
        (
            C("household_pid", "string", HOUSE_PID),
            C("kind", "string", "household | shared_house | institution."),
            C("postcode_sector", "string", "Postcode sector of the address."),
            C("postcode_district", "string", "Postcode district of the address."),
            C("n_persons", "int64", "Persons recorded at the address."),
            C("n_children", "int64", "Of those, children."),
            C("n_adults", "int64", "Of those, adults."),
            C("n_surname_groups", "int64", "Unrelated surname groups among them."),
            C("first_seen", "date", "First notification placing someone there."),
            C("last_seen", "date", "Last notification placing someone there."),
        ),
        """
        SELECT h.pid AS household_pid, ap.kind, pc.sector AS postcode_sector, pc.district AS postcode_district,
               ap.n_persons, ap.n_children, ap.n_adults, ap.n_surname_groups,
               CAST(ap.first_seen AS DATE) AS first_seen, CAST(ap.last_seen AS DATE) AS last_seen
        FROM address_entities ae
        JOIN _pid_household h ON h.id = ae.address_id
        LEFT JOIN address_profiles ap USING (address_id)
        LEFT JOIN _pc pc ON pc.postcode = ae.postcode
        ORDER BY household_pid
        """,
    ),
    Table(
        "household_spells", "one row per person and household",
        "When some agency first and last placed a person at an address.",
        (
            C("person_pid", "string", PERSON_PID),
            C("household_pid", "string", HOUSE_PID),
            C("from_date", "date", "First notification placing the person there."),
            C("to_date", "date", "Last notification placing the person there."),
            C("n_mentions", "int64", "Mentions placing the person there."),
            C("n_agencies", "int64", "Agencies placing the person there."),
            C("agencies", "string", "Those agencies, '; '-separated."),
        ),
        """
        SELECT p.pid AS person_pid, h.pid AS household_pid, s.from_date, s.to_date, s.n_mentions, s.n_agencies,
               s.agencies
        FROM household_spells s
        JOIN _pid_person p ON p.id = s.person_id
        JOIN _pid_household h ON h.id = s.address_id
        ORDER BY person_pid, household_pid
        """,
    ),
    Table(
        "family_edges", "one row per pair of persons and edge type",
        "The family-link graph: typed, dated links between persons, declared (named together) or inferred "
        "(by a rule). The evidence ids and the textual detail are not in the extract.",
        (
            C("person_a_pid", "string", PERSON_PID),
            C("person_b_pid", "string", PERSON_PID),
            C("edge_type", "string", "declared_household, declared_lodger, carer_child, child_child, victim_suspect, "
                                     "suspect_other, co_mentioned, co_resident, parent_child (inferred), "
                                     "sibling (inferred)."),
            C("direction", "string", "For parent_child: a_parent_of_b or b_parent_of_a; otherwise empty."),
            C("strength", "string", "strong | weak (family networks follow strong edges only)."),
            C("inferred", "bool", "True when a rule inferred the edge rather than a record declaring it."),
            C("rule", "string", "The inference rule, for inferred edges."),
            C("source", "string", "notification | address | inferred."),
            C("n_evidence", "int64", "How many notifications or addresses support the edge."),
            C("first_date", "date", "First date the evidence covers. For co_resident (and edges inferred from it) "
                                    "this is the later of the two people's first dates at the address, so it can "
                                    "fall after last_date when their spells there did not overlap."),
            C("last_date", "date", "Last date the evidence covers (for co_resident: the earlier of their last dates)."),
        ),
        """
        SELECT a.pid AS person_a_pid, b.pid AS person_b_pid, e.edge_type,
               CASE WHEN e.edge_type = 'parent_child' THEN
                    CASE WHEN starts_with(e.detail, e.person_a || ' parent of ') THEN 'a_parent_of_b'
                         WHEN starts_with(e.detail, e.person_b || ' parent of ') THEN 'b_parent_of_a' END
               END AS direction,
               e.strength, e.inferred, e.rule, e.source, e.n_evidence, e.first_date, e.last_date
        FROM family_edges e
        JOIN _pid_person a ON a.id = e.person_a
        JOIN _pid_person b ON b.id = e.person_b
        ORDER BY person_a_pid, person_b_pid, edge_type
        """,
    ),
    Table(
        "family_networks", "one row per family network and member",
        "A child's sibling group with its carers and other household adults (a person can be an adult in "
        "more than one network).",
        (
            C("network_pid", "string", "Pseudonym of the family network (namespace 'network')."),
            C("person_pid", "string", PERSON_PID),
            C("relation", "string", "child | carer | household_adult."),
            C("via", "string", "Edge types that bring the member in, ', '-separated."),
        ),
        """
        SELECT n.pid AS network_pid, p.pid AS person_pid, f.relation, f.via
        FROM family_networks f
        JOIN _pid_network n ON n.id = f.network_id
        JOIN _pid_person p ON p.id = f.person_id
        ORDER BY network_pid, person_pid
        """,
    ),
    Table(
        "alert_rules", "one row per detection rule that raised alerts",
        "The rules behind the alerts, with their thresholds and plain-words description (configuration, "
        "not data about anyone).",
        (
            C("rule", "string", "Rule name."),
            C("rule_kind", "string", "Detector the rule uses."),
            C("subject_type", "string", "child | adult | household | family_network."),
            C("window_days", "int64", "How far apart the evidence may be."),
            C("priority", "int64", "1 = most serious."),
            C("in_queue", "bool", "False for front-door measures recorded but not queued for analysts."),
            C("thresholds", "string", "The rule's thresholds, JSON."),
            C("description", "string", "The rule in plain words."),
            C("n_alerts", "int64", "Alerts the rule raised."),
        ),
        """
        SELECT rule, any_value(rule_kind) AS rule_kind, any_value(subject_type) AS subject_type,
               any_value(window_days) AS window_days, any_value(priority) AS priority,
               any_value(in_queue) AS in_queue, any_value(thresholds) AS thresholds,
               any_value(description) AS description, count(*) AS n_alerts
        FROM alerts GROUP BY rule ORDER BY rule
        """,
    ),
    Table(
        "alerts", "one row per alert",
        "Explainable alerts raised by the detection rules, with their RAG, lead agency and review outcome. "
        "The subject's name and the written explanation are not in the extract.",
        (
            C("alert_pid", "string", ALERT_PID),
            C("rule", "string", "Rule that raised the alert; joins `alert_rules`."),
            C("priority", "int64", "1 = most serious."),
            C("in_queue", "bool", "Whether the alert is put in front of analysts."),
            C("subject_type", "string", "child | adult | household | family_network, as the rule defines it."),
            C("subject_kind", "string", "What subject_pid is a pseudonym of: person (joins persons.person_pid) or "
                                        "family_network (joins family_networks.network_pid)."),
            C("subject_pid", "string", "Pseudonym of the subject (namespace 'person' or 'network')."),
            C("window_start", "date", "First date of the evidence window."),
            C("window_end", "date", "Last date of the evidence window."),
            C("n_evidence", "int64", "Notifications in the evidence."),
            C("n_agencies", "int64", "Agencies in the evidence."),
            C("agencies", "string", "Those agencies, '; '-separated."),
            C("max_severity", "string", "Highest severity in the evidence."),
            C("link_confidence", "float64", "Weakest person link the alert rests on (probability)."),
            C("rag", "string", "RAG given to the alert."),
            C("lead_agency", "string", "Agency proposed to lead."),
            C("first_raised_date", "date", "Date the alert was first raised (a pipeline run date)."),
            C("review_outcome", "string", "Latest review outcome, or 'not reviewed'."),
            C("reviewed_date", "date", "Date of the latest review."),
        ),
        """
        WITH rv AS (
            SELECT alert_id, first(outcome ORDER BY reviewed_at DESC) AS outcome,
                   CAST(max(reviewed_at) AS DATE) AS reviewed_date
            FROM alert_reviews GROUP BY alert_id
        )
        SELECT a.pid AS alert_pid, al.rule, al.priority, al.in_queue, al.subject_type,
               CASE WHEN sp.pid IS NOT NULL THEN 'person' WHEN sn.pid IS NOT NULL THEN 'family_network' END
                   AS subject_kind,
               coalesce(sp.pid, sn.pid) AS subject_pid, al.window_start, al.window_end, al.n_evidence,
               al.n_agencies, al.agencies, al.max_severity, al.link_confidence, r.rag, r.lead_agency,
               CAST(al.first_raised_at AS DATE) AS first_raised_date,
               coalesce(rv.outcome, 'not reviewed') AS review_outcome, rv.reviewed_date
        FROM alerts al
        JOIN _pid_alert a ON a.id = al.alert_id
        LEFT JOIN _pid_person sp ON sp.id = al.subject_id AND al.subject_type IN ('child', 'adult')
        LEFT JOIN _pid_network sn ON sn.id = al.subject_id AND al.subject_type IN ('household', 'family_network')
        LEFT JOIN alert_rag r USING (alert_id)
        LEFT JOIN rv USING (alert_id)
        ORDER BY alert_pid
        """,
    ),
    Table(
        "alert_evidence", "one row per alert and evidence notification",
        "The notifications each alert rests on.",
        (
            C("alert_pid", "string", ALERT_PID),
            C("notification_pid", "string", NOTE_PID),
            C("evidence_role", "string", "trigger (meets the rule) | supporting (context shown with it)."),
        ),
        """
        SELECT a.pid AS alert_pid, n.pid AS notification_pid, e.evidence_role
        FROM alert_evidence e
        JOIN _pid_alert a ON a.id = e.alert_id
        JOIN _pid_notification n ON n.id = e.notification_id
        ORDER BY alert_pid, notification_pid
        """,
    ),
    Table(
        "alert_members", "one row per alert and person involved",
        "The family members each alert involves (names and dates of birth are not in the extract).",
        (
            C("alert_pid", "string", ALERT_PID),
            C("person_pid", "string", PERSON_PID),
            C("relation", "string", "subject, sibling, carer, household_adult, ... relative to the subject."),
            C("is_child", "bool", "Whether the member is a child."),
        ),
        """
        SELECT a.pid AS alert_pid, p.pid AS person_pid, m.relation, m.is_child
        FROM alert_members m
        JOIN _pid_alert a ON a.id = m.alert_id
        JOIN _pid_person p ON p.id = m.person_id
        ORDER BY alert_pid, person_pid, relation
        """,
    ),
    Table(
        "link_pairs", "one row per pair of mentions the linkage judged the same person",
        "Linkage quality: the total match weight and probability of every linked pair. The compared values "
        "are never in the extract, only their comparison levels (see `link_comparisons`).",
        (
            C("pair_pid", "string", PAIR_PID),
            C("mention_l_pid", "string", MENTION_PID),
            C("mention_r_pid", "string", MENTION_PID),
            C("person_pid", "string", PERSON_PID + " The person both mentions belong to."),
            C("agency_l", "string", "Agency of the left mention's notification."),
            C("agency_r", "string", "Agency of the right mention's notification."),
            C("match_weight", "float64", "Total match weight (log2 Bayes factor, prior included)."),
            C("probability", "float64", "Match probability."),
            C("prior_weight", "float64", "Prior weight (log2 odds that two random records match)."),
            C("decision", "string", "LINK, or the reason a pair scored below the threshold still joined."),
            C("conflicts", "string", "Conflicts found between the two records (e.g. twins), if any."),
            C("settings_version", "string", "Linkage settings version that scored the pair."),
        ),
        f"""
        WITH t AS (SELECT * FROM link_explanations WHERE comparison = '(total)'),
        ag AS {_MENTION_AGENCY}
        SELECT pr.pid AS pair_pid, ml.pid AS mention_l_pid, mr.pid AS mention_r_pid, p.pid AS person_pid,
               al.agency AS agency_l, ar.agency AS agency_r, t.match_weight, t.probability, t.prior_weight,
               t.decision, nullif(t.conflicts, '') AS conflicts, t.settings_version
        FROM t
        JOIN _pid_pair pr ON pr.id = {_PAIR_ID.format(l='t.record_id_l', r='t.record_id_r')}
        JOIN _pid_mention ml ON ml.id = t.record_id_l
        JOIN _pid_mention mr ON mr.id = t.record_id_r
        LEFT JOIN mention_person mp ON mp.mention_id = t.record_id_l
        LEFT JOIN _pid_person p ON p.id = mp.person_id
        LEFT JOIN ag al ON al.mention_id = t.record_id_l
        LEFT JOIN ag ar ON ar.mention_id = t.record_id_r
        ORDER BY pair_pid
        """,
    ),
    Table(
        "link_comparisons", "one row per linked pair and compared field",
        "The field-by-field evidence behind each link: comparison level, m and u probabilities and weights. "
        "The values compared are not in the extract.",
        (
            C("pair_pid", "string", PAIR_PID),
            C("comparison", "string", "Field compared (first_name, surname, dob, location, nhs_number, ...)."),
            C("level", "int64", "Comparison level index (0 = missing, higher = the settings' order)."),
            C("label", "string", "Comparison level in words (exact, jaro-winkler >= 0.92, missing, ...)."),
            C("m", "float64", "P(level | same person), estimated by the model."),
            C("u", "float64", "P(level | different persons)."),
            C("weight", "float64", "log2(m/u), the level's contribution to the match weight."),
            C("tf_adjustment", "float64", "Term-frequency adjustment (rare values weigh more)."),
        ),
        f"""
        SELECT pr.pid AS pair_pid, x.comparison, x.level, x.label, x.m, x.u, x.weight, x.tf_adjustment
        FROM link_explanations x
        JOIN _pid_pair pr ON pr.id = {_PAIR_ID.format(l='x.record_id_l', r='x.record_id_r')}
        WHERE x.comparison <> '(total)'
        ORDER BY pair_pid, comparison
        """,
    ),
    Table(
        "review_pairs", "one row per pair of mentions sent for clerical review or decided by a reviewer",
        "The clerical review queue and its outcomes: pairs near the threshold or scored as links despite a "
        "conflict, and the must-link / cannot-link decisions reviewers made (reviewer and reason not included).",
        (
            C("pair_pid", "string", PAIR_PID),
            C("mention_l_pid", "string", MENTION_PID),
            C("mention_r_pid", "string", MENTION_PID),
            C("agency_l", "string", "Agency of the left mention's notification."),
            C("agency_r", "string", "Agency of the right mention's notification."),
            C("probability", "float64", "Match probability when queued (empty for a decided pair no longer queued)."),
            C("match_weight", "float64", "Match weight when queued."),
            C("queue_reason", "string", "probability in review band | scored as a link but has a conflict."),
            C("conflicts", "string", "Conflicts found between the two records, if any."),
            C("outcome", "string", "pending | must_link | cannot_link."),
            C("decided_date", "date", "Date of the latest decision."),
            C("linked_now", "bool", "Whether the two mentions are in one person after the last linkage run."),
        ),
        f"""
        WITH ag AS {_MENTION_AGENCY},
        dec AS (
            SELECT least(record_id_l, record_id_r) AS l, greatest(record_id_l, record_id_r) AS r,
                   first(decision ORDER BY decided_at DESC) AS decision, CAST(max(decided_at) AS DATE) AS decided_date
            FROM review_decisions GROUP BY 1, 2
        ),
        q AS (
            SELECT record_id_l AS l, record_id_r AS r, probability, match_weight, reason, nullif(conflicts, '') AS conflicts
            FROM review_queue
        ),
        pairs AS (
            SELECT coalesce(q.l, dec.l) AS l, coalesce(q.r, dec.r) AS r, q.probability, q.match_weight,
                   q.reason AS queue_reason, q.conflicts, coalesce(dec.decision, 'pending') AS outcome,
                   dec.decided_date
            FROM q FULL JOIN dec ON least(q.l, q.r) = dec.l AND greatest(q.l, q.r) = dec.r
        )
        SELECT pr.pid AS pair_pid, ml.pid AS mention_l_pid, mr.pid AS mention_r_pid, al.agency AS agency_l,
               ar.agency AS agency_r, x.probability, x.match_weight, x.queue_reason, x.conflicts, x.outcome,
               x.decided_date, coalesce(pl.person_id = pr_.person_id, false) AS linked_now
        FROM pairs x
        JOIN _pid_pair pr ON pr.id = {_PAIR_ID.format(l='x.l', r='x.r')}
        JOIN _pid_mention ml ON ml.id = x.l
        JOIN _pid_mention mr ON mr.id = x.r
        LEFT JOIN ag al ON al.mention_id = x.l
        LEFT JOIN ag ar ON ar.mention_id = x.r
        LEFT JOIN mention_person pl ON pl.mention_id = x.l
        LEFT JOIN mention_person pr_ ON pr_.mention_id = x.r
        ORDER BY pair_pid
        """,
    ),
    Table(
        "link_runs", "one row per linkage run",
        "When the linkage ran, with which settings, and its counts.",
        (
            C("run_date", "date", "Date of the run."),
            C("settings_version", "string", "Linkage settings version."),
            C("threshold", "float64", "Match probability at which pairs link."),
            C("mentions", "int64", "Person mentions linked."),
            C("persons", "int64", "Persons (clusters) found."),
            C("candidate_pairs", "int64", "Pairs compared after blocking."),
            C("linked_pairs", "int64", "Pairs judged the same person."),
            C("review_pairs", "int64", "Pairs sent for clerical review."),
            C("seconds", "float64", "Run time."),
        ),
        """
        SELECT CAST(run_at AS DATE) AS run_date, settings_version, threshold, mentions, persons, candidate_pairs,
               linked_pairs, review_pairs, seconds
        FROM link_runs ORDER BY run_at
        """,
    ),
)

# The warehouse tables the extract reads; all must exist (the detection asset has run).
SOURCE_TABLES = ("deliveries", "notifications", "person_mentions", "mention_person", "link_explanations",
                 "review_queue", "review_decisions", "link_runs", "notification_events", "linked_mentions",
                 "analytics_mention_person", "person_profiles", "address_entities", "address_profiles",
                 "household_spells", "family_edges", "family_networks", "alerts", "alert_evidence",
                 "alert_members", "alert_rag", "alert_reviews")

# Pseudonym namespaces and the ids each one covers (DISTINCT, non-null, as text).
NAMESPACES: dict[str, str] = {
    "person": """
        SELECT person_id FROM person_profiles UNION SELECT person_id FROM linked_mentions
        UNION SELECT person_id FROM mention_person UNION SELECT person_id FROM household_spells
        UNION SELECT person_a FROM family_edges UNION SELECT person_b FROM family_edges
        UNION SELECT person_id FROM family_networks UNION SELECT person_id FROM alert_members
        UNION SELECT subject_id FROM alerts WHERE subject_type IN ('child', 'adult')""",
    "mention": "SELECT mention_id FROM person_mentions",
    "notification": "SELECT notification_id FROM notification_events",
    "household": "SELECT address_id FROM address_entities",
    "network": """
        SELECT network_id FROM family_networks
        UNION SELECT subject_id FROM alerts WHERE subject_type IN ('household', 'family_network')""",
    "alert": "SELECT alert_id FROM alerts",
    "pair": f"""
        SELECT {_PAIR_ID.format(l='record_id_l', r='record_id_r')} FROM link_explanations
        UNION SELECT {_PAIR_ID.format(l='record_id_l', r='record_id_r')} FROM review_queue
        UNION SELECT {_PAIR_ID.format(l='record_id_l', r='record_id_r')} FROM review_decisions""",
}

COARSENING = {
    "date_of_birth": "coarsened to the month (persons.birth_month, YYYY-MM); never written as a date",
    "age": "age at each notification as a band (" + ", ".join(AGE_BANDS) + ")",
    "postcode": "coarsened to the sector ('MH1 8') and district ('MH1'); full postcodes are never written",
    "address": "replaced by a household pseudonym; only the postcode sector and district are kept",
    "event_dates": "kept to the day: repeat and re-referral measures count days between notifications",
    "free_text": "removed: notification narratives, consent-override rationale and authoriser, alert explanations "
                 "and subject labels, family-edge details and evidence ids, reviewers' names, reasons and notes",
    "identifiers": "names, NHS numbers, UPNs, PNC ids, NI numbers, local-authority and other partner ids, "
                   "partners' references, delivery ids, file names and row numbers are never written",
    "ids": "person, mention, notification, household (address), family network, alert and linked-pair ids are "
           "replaced by keyed HMAC-SHA256 pseudonyms (16 hex characters), one namespace per kind of id",
}


# ------------------------------------------------------------------------------------------------ writing
def _check_sources(con: duckdb.DuckDBPyConnection) -> None:
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [t for t in SOURCE_TABLES if t not in present]
    if missing:
        raise ValueError(f"the warehouse lacks {', '.join(missing)}: run the pipeline up to detection/alerts first")


def _register_lookups(con: duckdb.DuckDBPyConnection, pz: Pseudonymiser) -> list[str]:
    """Register ``_pid_<namespace>(id, pid)`` for every namespace and ``_pc(postcode, sector, district)``."""
    names = []
    for namespace, sql in NAMESPACES.items():
        ids = con.execute(f"SELECT DISTINCT CAST(id AS VARCHAR) AS id FROM ({sql}) AS s(id) WHERE id IS NOT NULL"
                          ).df()["id"].astype(str)
        pids = pz.pseudonym(ids, namespace)
        if pids.nunique() != len(ids):
            # 64-bit pseudonyms make this vanishingly rare; two people sharing one would merge their records
            raise RuntimeError(f"pseudonym collision in namespace {namespace!r}; use a longer PSEUDONYM_HEX")
        name = f"_pid_{namespace}"
        con.register(name, pd.DataFrame({"id": ids.to_numpy(dtype=object), "pid": pids.to_numpy(dtype=object)}))
        names.append(name)
    postcodes = con.execute("SELECT DISTINCT postcode FROM address_entities WHERE postcode IS NOT NULL").df()["postcode"]
    con.register("_pc", pd.DataFrame({"postcode": postcodes.to_numpy(dtype=object),
                                      "sector": postcode_sector(postcodes).to_numpy(dtype=object),
                                      "district": postcode_district(postcodes).to_numpy(dtype=object)}))
    return names + ["_pc"]


def _type_name(arrow_type: pa.DataType) -> str:
    """The data dictionary's name for an Arrow type (nested types are not allowed in the extract)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_string_view(arrow_type):
        return "string"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return str(arrow_type).replace("double", "float64")
    return str(arrow_type)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _source_summary(con: duckdb.DuckDBPyConnection) -> dict:
    last_ingest, deliveries = con.execute(
        "SELECT max(ingested_at), count(*) FILTER (WHERE status = 'loaded') FROM deliveries").fetchall()[0]
    run = con.execute("SELECT run_at, settings_version FROM link_runs ORDER BY run_at DESC LIMIT 1").fetchall()
    return {
        "last_ingest_at": last_ingest.isoformat(timespec="seconds") if last_ingest else None,
        "deliveries_loaded": int(deliveries),
        "linkage_run_at": run[0][0].isoformat(timespec="seconds") if run else None,
        "linkage_settings_version": run[0][1] if run else None,
        "tables_read": list(SOURCE_TABLES),
    }


def _safe_to_replace(out: Path) -> bool:
    """An existing folder may be replaced only when it is empty or a previous extract."""
    if not out.exists():
        return True
    if not out.is_dir():
        return False
    entries = list(out.iterdir())
    return not entries or (out / MANIFEST).is_file()


def write_extract(con: duckdb.DuckDBPyConnection, out_dir: Path | str, key: ResearchKey,
                  now: datetime | None = None) -> dict:
    """Write the pseudonymised extract to ``out_dir``; returns the manifest.

    ``con`` reads the warehouse (read-only is enough); ``key`` is the project key
    (:func:`mash.research.keys.research_key`). The extract is built in a sibling
    folder and swapped in whole, so a reader never sees half of one and tables
    dropped from a later version do not linger. ``out_dir`` must be absent, empty,
    or a previous extract (it is replaced).

    >>> manifest = write_extract(con, extract_dir("var/outputs"), research_key())  # doctest: +SKIP
    >>> manifest["key_id"], manifest["tables"]["alerts"]["rows"]  # doctest: +SKIP
    ('3f09a1c2', 1729)
    """
    out = Path(out_dir)
    if not _safe_to_replace(out):
        raise FileExistsError(f"{out} holds files that are not a research extract; choose an empty folder")
    _check_sources(con)
    pz = Pseudonymiser(key.key, key.key_id, length=PSEUDONYM_HEX)
    created = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    stage.mkdir()
    try:
        manifest = _write_tables(con, stage, pz, key, created)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)  # no half-written extract left behind
        raise
    old = out.parent / f".{out.name}.{secrets.token_hex(4)}.old"
    if out.exists():
        out.rename(old)
    stage.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def _write_tables(con: duckdb.DuckDBPyConnection, stage: Path, pz: Pseudonymiser, key: ResearchKey,
                  created: datetime) -> dict:
    """Every table, the manifest and the data dictionary into ``stage``; returns the manifest."""
    registered = _register_lookups(con, pz)
    try:
        tables = {}
        for t in TABLES:
            data = con.execute(t.sql).fetch_arrow_table()  # noqa: S608 - fixed SELECTs from TABLES, no values
            expected = [c.name for c in t.columns]
            if data.column_names != expected:
                raise AssertionError(f"{t.name}: SELECT gives {data.column_names}, dictionary says {expected}")
            types = [_type_name(f.type) for f in data.schema]
            declared = [c.type for c in t.columns]
            if types != declared:
                raise AssertionError(f"{t.name}: column types {types}, dictionary says {declared}")
            path = stage / f"{t.name}.parquet"
            pq.write_table(data, path, compression="zstd")
            tables[t.name] = {"file": path.name, "rows": data.num_rows, "sha256": _sha256(path)}
        null_subjects = con.execute(
            "SELECT count(*) FROM alerts al LEFT JOIN _pid_person p ON p.id = al.subject_id "
            "LEFT JOIN _pid_network n ON n.id = al.subject_id WHERE p.pid IS NULL AND n.pid IS NULL").fetchall()[0][0]
        if null_subjects:
            raise ValueError(f"{null_subjects} alert(s) have a subject that is neither a person nor a family network")
        manifest = {
            "extract_version": EXTRACT_VERSION,
            "created_at": created.isoformat(timespec="seconds"),
            "key_id": key.key_id,
            "key_kind": key.kind,
            "pseudonyms": {"algorithm": "HMAC-SHA256", "hex_characters": PSEUDONYM_HEX,
                           "namespaces": list(NAMESPACES)},
            "source": _source_summary(con),
            "coarsening": COARSENING,
            "tables": tables,
        }
    finally:
        for name in registered:
            con.unregister(name)
    (stage / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    dictionary = data_dictionary(manifest)
    (stage / "data_dictionary.json").write_text(json.dumps(dictionary, indent=2) + "\n", encoding="utf-8")
    (stage / "data_dictionary.md").write_text(dictionary_markdown(dictionary), encoding="utf-8")
    return manifest


# ------------------------------------------------------------------------------------------- documentation
def data_dictionary(manifest: dict | None = None) -> dict:
    """Every table and column of the extract, with row counts when a manifest is given.

    >>> d = data_dictionary()
    >>> d["tables"]["persons"]["columns"][2]["name"]
    'birth_month'
    """
    tables = {}
    for t in TABLES:
        entry = {"file": f"{t.name}.parquet", "grain": t.grain, "description": t.description,
                 "columns": [{"name": c.name, "type": c.type, "description": c.description} for c in t.columns]}
        if manifest is not None:
            entry["rows"] = manifest["tables"][t.name]["rows"]
        tables[t.name] = entry
    out = {"extract_version": EXTRACT_VERSION, "tables": tables, "coarsening": COARSENING}
    if manifest is not None:
        out["key_id"] = manifest["key_id"]
        out["created_at"] = manifest["created_at"]
    return out


def dictionary_markdown(dictionary: dict) -> str:
    """The data dictionary as Markdown (what ``data_dictionary.md`` holds).

    >>> dictionary_markdown(data_dictionary()).splitlines()[0]
    '# MASH research extract: data dictionary'
    """
    lines = ["# MASH research extract: data dictionary", ""]
    if "key_id" in dictionary:
        lines += [f"Extract version {dictionary['extract_version']}, created {dictionary['created_at']}, "
                  f"pseudonym key id `{dictionary['key_id']}` (see `manifest.json`).", ""]
    lines += [
        "Pseudonymised, record-level data about people notified to a Multi-Agency Safeguarding Hub. It is still "
        "personal data: use it only inside the research environment and under the data-sharing agreement. "
        "Pseudonyms join tables within this extract (and with later extracts made under the same key id); "
        "they cannot be reversed without the project key, which is held by the hub and never shipped. "
        "Apply disclosure control (small counts suppressed) before publishing any figure.", "",
        "## How the data were made safe", "",
    ]
    lines += [f"- **{k.replace('_', ' ')}**: {v}" for k, v in dictionary["coarsening"].items()]
    lines += ["", "## Tables", ""]
    for name, t in dictionary["tables"].items():
        rows = f", {t['rows']:,} rows" if "rows" in t else ""
        lines += [f"### `{name}` ({t['file']}{rows})", "", f"Grain: {t['grain']}.", "", t["description"], "",
                  "| column | type | description |", "| --- | --- | --- |"]
        lines += [f"| `{c['name']}` | {c['type']} | {c['description'].replace('|', '/')} |" for c in t["columns"]]
        lines.append("")
    return "\n".join(lines)
