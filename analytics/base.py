"""The analytics' starting tables: one row per real notification, and every mention with its person.

* ``notification_events`` - ``notifications`` with re-sent copies collapsed. A
  partner that delivers the same reference twice (the same row in a later file,
  or twice in one file) has told the hub about one event, not two; counting both
  would fake a "repeat" and, for children's social care, a re-referral.
* ``notification_copies`` - every loaded notification id and the event it belongs to.
* ``analytics_mention_person`` - the person links this run used (a copy of the matching engine's
  ``mention_person``, or the ground truth's in development), less the clusters in ``link_conflicts``.
* ``link_conflicts`` - clusters that name one "person" twice in one notification (two rows of one
  police occurrence, two members of one household list): two people, such as twins, merged. The
  analytics do not rest on such a link: each mention of the cluster stands alone (``U:<mention_id>``)
  until the link is reviewed in matching.
* ``person_profiles`` - one row per person: most common DOB (``approx_dob`` falls back on a
  stated age), surname, name as written, sex.
* ``linked_mentions`` - each mention of an event with its person, link probability,
  age at the event, child flag, normalised surname and resolved address.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.names import SURNAME_SQL
from analytics.sqlutil import most_common_sql, replace_table, table_exists
from mash.sqlsafe import quote_ident

TABLE = "analytics_mention_person"  # never the matching engine's own ``mention_person`` table


def load_mention_person(con: duckdb.DuckDBPyConnection, mention_person: pd.DataFrame | str) -> int:
    """Store the person links the analytics run on as ``analytics_mention_person``; returns how many
    clusters were set aside (``link_conflicts``).

    ``mention_person`` is a DataFrame or the name of a table/view holding
    ``mention_id, person_id, link_probability``. Mentions it does not cover get
    a person of their own (``U:<mention_id>``, probability 1.0) so nothing is lost.
    A cluster holding two mentions of one notification is two people (one record
    does not name a person twice): its mentions become people of their own, and the
    cluster is listed in ``link_conflicts`` with the notification that shows it.

    >>> load_mention_person(con, pd.DataFrame({"mention_id": ["m1"], "person_id": ["P1"],
    ...                                        "link_probability": [0.97]}))  # doctest: +SKIP
    """
    if isinstance(mention_person, str):
        if not table_exists(con, mention_person):
            raise ValueError(f"no table or view '{mention_person}' with the person links")
        # a copy: the matching engine may replace its own table while the analytics are read
        con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS "
                    f"SELECT mention_id, person_id, link_probability FROM {quote_ident(mention_person)}")
    else:
        need = {"mention_id", "person_id", "link_probability"}
        missing = need - set(mention_person.columns)
        if missing:
            raise ValueError(f"mention_person lacks column(s) {sorted(missing)}")
        replace_table(con, TABLE, mention_person[["mention_id", "person_id", "link_probability"]])
    dup = con.execute(f"SELECT count(*) FROM (SELECT mention_id FROM {TABLE} GROUP BY 1 HAVING count(*) > 1)"
                      ).fetchall()[0][0]
    if dup:
        # a mention in two clusters would count its notification twice for two people
        raise ValueError(f"mention_person gives {dup} mention(s) more than one person; each mention needs one")
    return _set_aside_conflicts(con)


def _set_aside_conflicts(con: duckdb.DuckDBPyConnection) -> int:
    """Clusters naming one person twice in one notification (twins on one police occurrence, both in
    one household list): write ``link_conflicts`` and give each of their mentions a person of its own."""
    con.execute(f"""
        CREATE OR REPLACE TABLE link_conflicts AS
        SELECT mp.person_id, pm.notification_id, list(mp.mention_id ORDER BY mp.mention_id) AS mention_ids,
               min(mp.link_probability) AS min_link_probability,
               'named ' || count(*) || ' times in one notification: two people in one cluster' AS reason
        FROM {TABLE} mp JOIN person_mentions pm USING (mention_id)
        GROUP BY mp.person_id, pm.notification_id HAVING count(*) > 1
        ORDER BY mp.person_id, pm.notification_id
    """)
    con.execute(f"""
        UPDATE {TABLE} SET person_id = 'U:' || mention_id, link_probability = 1.0
        WHERE person_id IN (SELECT person_id FROM link_conflicts)
    """)
    return int(con.execute("SELECT count(DISTINCT person_id) FROM link_conflicts").fetchall()[0][0])


def build_base(con: duckdb.DuckDBPyConnection, child_feeds: tuple[str, ...] = (),
               child_roles: tuple[str, ...] = ("child_present",),
               child_concern_codes: tuple[str, ...] = ()) -> dict[str, int]:
    """Build ``notification_events``, ``notification_copies``, ``person_profiles`` and ``linked_mentions``.

    Needs ``analytics_mention_person`` (see :func:`load_mention_person`) and
    ``mention_addresses`` (see :func:`analytics.addresses.resolve_addresses`).

    A person is a child at an event when their age then is under 18 (DOB from any
    of their mentions, else a stated age). With no age anywhere, these are children:
    the subject of a notification from a feed in ``child_feeds`` (feeds that are only
    ever about a child: a school's referrals, the public "report a concern about a
    child" form); anyone named in a role in ``child_roles`` (``"child_present"``, or
    ``"partner:role"`` for one feed's, such as the police's "Child Resident"); and the
    subject or victim of a concern in ``child_concern_codes`` (``"partner:code"``, codes
    only ever about a child: a health "was not brought", a police "missing child").
    Anyone else is not.

    >>> build_base(con)["events"]  # doctest: +SKIP
    2990
    """
    con.execute("""
        CREATE OR REPLACE TABLE notification_copies AS
        WITH n AS (
            SELECT n.notification_id, n.partner,
                   coalesce(n.source_ref, n.notification_id) AS ref,
                   coalesce(d.received_at, TIMESTAMP '1970-01-01') AS received_at, n.file_name, n.row_number
            FROM notifications n LEFT JOIN deliveries d USING (delivery_id)
        )
        SELECT notification_id,
               first_value(notification_id) OVER (
                   PARTITION BY partner, ref ORDER BY received_at, file_name, row_number, notification_id
               ) AS event_id
        FROM n
    """)
    con.execute("""
        CREATE OR REPLACE TABLE notification_events AS
        SELECT n.notification_id, n.partner, n.owner_agency, n.source_ref, n.event_date, n.reported_date,
               n.concern_code, n.concern_type, n.severity, n.severity_rank, n.channel, n.decision, n.rag,
               n.dash_risk, n.attendance_pct, n.consent, n.free_text, n.file_name, n.row_number,
               c.n_copies
        FROM notifications n
        JOIN (SELECT event_id, count(*) AS n_copies FROM notification_copies GROUP BY event_id) c
          ON c.event_id = n.notification_id
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _m AS
        SELECT m.mention_id, m.notification_id, m.partner, m.role, m.member_position, m.file_name, m.row_number,
               coalesce(mp.person_id, 'U:' || m.mention_id) AS person_id,
               coalesce(mp.link_probability, 1.0) AS link_probability,
               m.dob, m.age_years, m.sex, {SURNAME_SQL} AS surname_norm,
               upper(strip_accents(coalesce(m.first_name, split_part(trim(m.full_name), ' ', 1)))) AS given_norm,
               coalesce(nullif(trim(concat_ws(' ', m.first_name, m.surname)), ''), trim(m.full_name)) AS written_name
        FROM person_mentions m
        JOIN notification_events e USING (notification_id)
        LEFT JOIN analytics_mention_person mp USING (mention_id)
    """)
    con.execute(f"""
        CREATE OR REPLACE TABLE person_profiles AS
        SELECT person_id,
               {most_common_sql("dob")} AS dob,
               -- no DOB anywhere: an age ("about 7") still places the person within a year or so
               coalesce({most_common_sql("dob")},
                        min(event_date - to_days(CAST(round((age_years + 0.5) * 365.25) AS INTEGER)))) AS approx_dob,
               {most_common_sql("surname_norm", "surname_norm <> ''")} AS surname_norm,
               {most_common_sql("given_norm")} AS given_norm,
               {most_common_sql("written_name")} AS display_name,
               {most_common_sql("sex", "sex <> 'U'")} AS sex,
               count(*) AS n_mentions,
               min(link_probability) AS min_link_probability
        FROM _m JOIN notification_events USING (notification_id) GROUP BY person_id
    """)
    con.execute("""
        CREATE OR REPLACE TABLE linked_mentions AS
        WITH a AS (
            SELECT m.*, e.event_date, e.owner_agency, e.concern_code,
                   CASE WHEN p.dob IS NOT NULL THEN floor(date_diff('day', p.dob, e.event_date) / 365.25)
                        WHEN m.age_years IS NOT NULL THEN m.age_years
                        ELSE floor(date_diff('day', p.approx_dob, e.event_date) / 365.25) END AS age_at_event,
                   coalesce(p.surname_norm, m.surname_norm) AS person_surname
            FROM _m m JOIN notification_events e USING (notification_id)
            LEFT JOIN person_profiles p USING (person_id)
        )
        SELECT a.mention_id, a.notification_id, a.partner, a.owner_agency, a.event_date, a.role,
               a.member_position, a.file_name, a.row_number, a.person_id, a.link_probability,
               a.age_at_event::INTEGER AS age_at_event,
               -- a child present at a police incident with no usable age is still a child
               CASE WHEN a.age_at_event IS NOT NULL THEN a.age_at_event < 18
                    ELSE list_contains($child_roles::VARCHAR[], a.role)
                         OR list_contains($child_roles::VARCHAR[], a.partner || ':' || a.role)
                         OR (a.role = 'subject' AND list_contains($child_feeds::VARCHAR[], a.partner))
                         OR (a.role IN ('subject', 'victim')
                             AND list_contains($child_codes::VARCHAR[], a.partner || ':' || a.concern_code))
               END AS is_child,
               a.surname_norm, a.person_surname, ma.address_id
        FROM a LEFT JOIN mention_addresses ma USING (mention_id)
    """, {"child_feeds": list(child_feeds), "child_roles": list(child_roles),
          "child_codes": list(child_concern_codes)})
    con.execute("DROP TABLE _m")
    counts = con.execute("""
        SELECT (SELECT count(*) FROM notification_events), (SELECT count(*) FROM notification_copies),
               (SELECT count(*) FROM linked_mentions), (SELECT count(*) FROM person_profiles)
    """).fetchall()[0]
    return {"events": counts[0], "notifications": counts[1], "mentions": counts[2], "persons": counts[3]}
