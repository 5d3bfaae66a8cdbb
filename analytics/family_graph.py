"""The family-link graph: people as nodes, typed and dated edges with their evidence.

Edges (table ``family_edges``, one row per pair and edge type, ``person_a < person_b``):

=====================  ========  ===========================================================
edge_type              strength  evidence
=====================  ========  ===========================================================
declared_household     strong    named together in a member list (housing application)
declared_lodger        weak      member list names them as a lodger / other
carer_child            strong    adult (victim, parent/carer, subject, referrer) and child
                                 named in one notification
child_child            strong    two children named in one notification
victim_suspect         weak      victim and suspect of one incident (often an ex-partner
                                 living elsewhere: a link, not a household)
suspect_other          weak      suspect and anyone else named
co_mentioned           weak      any other pair named together
co_resident            strong    both placed at one address entity (a ``household``, never
                                 a shared house or institution) within ``co_residence_days``;
                                 dated by the overlap of their spells, or by the gap between
                                 them when they do not overlap
parent_child           strong    INFERRED, rule ``age_gap_15_50_shared_surname_or_address``:
                                 a strong link, age gap 15-50 years and a shared surname
                                 group or a shared address
sibling                strong    INFERRED, rule ``children_same_home``: two children with a
                                 strong link and an age gap under 15 years (or unknown);
                                 or rule ``children_of_one_parent``: two children each
                                 with an inferred ``parent_child`` edge, with a shared
                                 surname, to one adult (age gap under 15 years or unknown)
=====================  ========  ===========================================================

Every edge has ``first_date <= last_date``.

Family networks (table ``family_networks``): children are grouped into sibling
groups along ``sibling`` edges only; the network of a child is its sibling group,
every adult with a ``parent_child`` edge to one of them (``carer``) and every
adult with another strong edge to one of them (``household_adult``). The walk
stops there: it never follows an adult on to *their* other links, and weak
edges are never followed, so an ex-partner, a suspect or a hostel does not pull
unrelated families into one network.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import networkx as nx
import pandas as pd

from analytics.sqlutil import replace_table

STRONG = ("declared_household", "carer_child", "child_child", "co_resident", "parent_child", "sibling")
CARER_ROLES = ("parent_carer", "victim", "subject", "referrer", "household_member")
PARENT_CHILD_RULE = "age_gap_15_50_shared_surname_or_address"
SIBLING_RULE = "children_same_home"
ONE_PARENT_RULE = "children_of_one_parent"


@dataclass(frozen=True)
class GraphSettings:
    """Family-graph settings (``rules.toml`` ``[family_graph]``).

    >>> GraphSettings(co_residence_days=180).parent_max_gap_years
    50
    """

    co_residence_days: int = 365  # gap allowed between two people's spells at one address
    parent_min_gap_years: float = 15
    parent_max_gap_years: float = 50
    sibling_max_gap_years: float = 15


def _edges_sql(s: GraphSettings) -> str:
    carer = ", ".join(f"'{r}'" for r in CARER_ROLES)
    return f"""
    WITH pm AS (  -- one row per person per notification, with the strongest facts about them
        SELECT notification_id, person_id, min(event_date) AS event_date,
               bool_or(is_child) AS is_child, list(DISTINCT role ORDER BY role) AS roles,
               max(member_position) AS pos, min(address_id) AS address_id
        FROM linked_mentions GROUP BY notification_id, person_id
    ),
    lists AS (SELECT notification_id FROM pm GROUP BY notification_id HAVING max(pos) > 0),
    pairs AS (
        SELECT a.notification_id, a.event_date,
               least(a.person_id, b.person_id) AS person_a, greatest(a.person_id, b.person_id) AS person_b,
               a.is_child AS a_child, b.is_child AS b_child, a.roles AS a_roles, b.roles AS b_roles,
               a.address_id IS NOT NULL AND a.address_id = b.address_id AS same_address,
               a.notification_id IN (SELECT notification_id FROM lists) AS is_list
        FROM pm a JOIN pm b ON a.notification_id = b.notification_id AND a.person_id < b.person_id
    ),
    typed AS (
        SELECT *,
          CASE
            WHEN is_list AND (list_contains(a_roles, 'other') OR list_contains(b_roles, 'other')) THEN 'declared_lodger'
            WHEN is_list THEN 'declared_household'
            WHEN (list_contains(a_roles, 'suspect') AND list_contains(b_roles, 'victim'))
              OR (list_contains(b_roles, 'suspect') AND list_contains(a_roles, 'victim')) THEN 'victim_suspect'
            WHEN list_contains(a_roles, 'suspect') OR list_contains(b_roles, 'suspect') THEN 'suspect_other'
            WHEN a_child AND b_child THEN 'child_child'
            WHEN (a_child AND NOT b_child AND list_has_any(b_roles, [{carer}]))
              OR (b_child AND NOT a_child AND list_has_any(a_roles, [{carer}])) THEN 'carer_child'
            ELSE 'co_mentioned'
          END AS edge_type
        FROM pairs
    ),
    mention_edges AS (
        SELECT person_a, person_b, edge_type, 'notification' AS source,
               list(DISTINCT notification_id ORDER BY notification_id) AS evidence,
               min(event_date) AS first_date, max(event_date) AS last_date, bool_or(same_address) AS same_address
        FROM typed GROUP BY ALL
    ),
    res AS (
        SELECT least(a.person_id, b.person_id) AS person_a, greatest(a.person_id, b.person_id) AS person_b,
               'co_resident' AS edge_type, 'address' AS source,
               list(DISTINCT a.address_id ORDER BY a.address_id) AS evidence,
               -- overlapping spells: the overlap; spells up to co_residence_days apart: the gap between
               -- them, from the end of the earlier to the start of the later (never first > last)
               min(least(greatest(a.from_date, b.from_date), least(a.to_date, b.to_date))) AS first_date,
               max(greatest(greatest(a.from_date, b.from_date), least(a.to_date, b.to_date))) AS last_date,
               true AS same_address
        FROM household_spells a
        JOIN household_spells b ON a.address_id = b.address_id AND a.person_id < b.person_id
        JOIN address_profiles ap ON ap.address_id = a.address_id AND ap.kind = 'household'
        WHERE a.from_date <= b.to_date + INTERVAL {int(s.co_residence_days)} DAY
          AND b.from_date <= a.to_date + INTERVAL {int(s.co_residence_days)} DAY
        GROUP BY ALL
    )
    SELECT * FROM mention_edges UNION ALL SELECT * FROM res
    """


def build_family_graph(con: duckdb.DuckDBPyConnection, settings: GraphSettings | None = None) -> dict[str, int]:
    """Write ``family_edges`` and ``family_networks`` (needs ``linked_mentions``, ``household_spells``,
    ``address_profiles``, ``person_profiles``).

    >>> build_family_graph(con)  # doctest: +SKIP
    {'edges': 5200, 'strong_edges': 4100, 'networks': 1500, 'network_rows': 3900}
    """
    s = settings or GraphSettings()
    strong = ", ".join(f"'{t}'" for t in STRONG)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _base_edges AS {_edges_sql(s)}")
    # inferred edges from pairs that already have a strong link
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _inferred AS
        WITH linked AS (
            SELECT person_a, person_b, bool_or(same_address) AS same_address,
                   list(DISTINCT edge_type ORDER BY edge_type) AS because,
                   min(first_date) AS first_date, max(last_date) AS last_date
            FROM _base_edges WHERE edge_type IN ({strong}) GROUP BY person_a, person_b
        ),
        x AS (
            SELECT l.*, pa.approx_dob AS dob_a, pb.approx_dob AS dob_b,
                   abs(date_diff('day', pa.approx_dob, pb.approx_dob)) / 365.25 AS gap,
                   (pa.surname_norm = pb.surname_norm
                    OR (length(pa.surname_norm) >= 4 AND contains(pb.surname_norm, pa.surname_norm))
                    OR (length(pb.surname_norm) >= 4 AND contains(pa.surname_norm, pb.surname_norm))
                    OR jaro_winkler_similarity(pa.surname_norm, pb.surname_norm) >= 0.85) AS same_surname,
                   ca.is_child AS a_child, cb.is_child AS b_child
            FROM linked l
            JOIN person_profiles pa ON pa.person_id = l.person_a
            JOIN person_profiles pb ON pb.person_id = l.person_b
            JOIN (SELECT person_id, bool_or(is_child) AS is_child FROM linked_mentions GROUP BY 1) ca
              ON ca.person_id = l.person_a
            JOIN (SELECT person_id, bool_or(is_child) AS is_child FROM linked_mentions GROUP BY 1) cb
              ON cb.person_id = l.person_b
        )
        SELECT person_a, person_b, 'parent_child' AS edge_type, 'inferred' AS source,
               because AS evidence, first_date, last_date, same_address, '{PARENT_CHILD_RULE}' AS rule,
               coalesce(same_surname, false) AS same_surname,
               CASE WHEN dob_a < dob_b THEN person_a ELSE person_b END || ' parent of ' ||
               CASE WHEN dob_a < dob_b THEN person_b ELSE person_a END ||
               ' (age gap ' || round(gap, 1) || ' years' ||
               CASE WHEN coalesce(same_surname, false) THEN ', shared surname' ELSE '' END ||
               CASE WHEN same_address THEN ', shared address' ELSE '' END || ')' AS detail
        FROM x
        WHERE gap IS NOT NULL AND gap BETWEEN {float(s.parent_min_gap_years)} AND {float(s.parent_max_gap_years)}
          AND (coalesce(same_surname, false) OR same_address)
          AND (a_child OR b_child)
        UNION ALL
        SELECT person_a, person_b, 'sibling', 'inferred', because, first_date, last_date, same_address,
               '{SIBLING_RULE}', coalesce(same_surname, false),
               'children with a strong link (' || array_to_string(because, ', ') || '), age gap '
               || coalesce(round(gap, 1) || ' years', 'unknown') AS detail
        FROM x WHERE a_child AND b_child AND coalesce(gap < {float(s.sibling_max_gap_years)}, true)
    """)
    # two children of one parent (each sharing the parent's surname) are siblings even when no record names
    # them together: a father seen with one child at one home and another child at the next
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _one_parent AS
        WITH kid AS (SELECT person_id FROM linked_mentions GROUP BY 1 HAVING bool_or(is_child)),
        pc AS (
            SELECT CASE WHEN pa.approx_dob < pb.approx_dob THEN i.person_a ELSE i.person_b END AS parent,
                   CASE WHEN pa.approx_dob < pb.approx_dob THEN i.person_b ELSE i.person_a END AS child,
                   i.first_date, i.last_date
            FROM _inferred i
            JOIN person_profiles pa ON pa.person_id = i.person_a
            JOIN person_profiles pb ON pb.person_id = i.person_b
            WHERE i.edge_type = 'parent_child' AND i.same_surname
        ),
        pairs AS (
            SELECT x.parent, least(x.child, y.child) AS person_a, greatest(x.child, y.child) AS person_b,
                   least(x.first_date, y.first_date) AS first_date, greatest(x.last_date, y.last_date) AS last_date
            FROM pc x JOIN pc y ON x.parent = y.parent AND x.child < y.child
            WHERE x.child IN (SELECT person_id FROM kid) AND y.child IN (SELECT person_id FROM kid)
        )
        SELECT p.person_a, p.person_b, 'sibling' AS edge_type, 'inferred' AS source, ['parent_child'] AS evidence,
               min(p.first_date) AS first_date, max(p.last_date) AS last_date, false AS same_address,
               '{ONE_PARENT_RULE}' AS rule, true AS same_surname,
               'children of one parent (' || string_agg(DISTINCT p.parent, ', ' ORDER BY p.parent) ||
               ', shared surname), age gap ' ||
               coalesce(round(abs(date_diff('day', a.approx_dob, b.approx_dob)) / 365.25, 1) || ' years', 'unknown')
                   AS detail
        FROM pairs p
        JOIN person_profiles a ON a.person_id = p.person_a
        JOIN person_profiles b ON b.person_id = p.person_b
        WHERE coalesce(abs(date_diff('day', a.approx_dob, b.approx_dob)) / 365.25
                       < {float(s.sibling_max_gap_years)}, true)
          AND NOT EXISTS (SELECT 1 FROM _inferred s WHERE s.edge_type = 'sibling'
                          AND s.person_a = p.person_a AND s.person_b = p.person_b)
        GROUP BY p.person_a, p.person_b, a.approx_dob, b.approx_dob
    """)
    con.execute(f"""
        CREATE OR REPLACE TABLE family_edges AS
        SELECT person_a, person_b, edge_type,
               CASE WHEN edge_type IN ({strong}) THEN 'strong' ELSE 'weak' END AS strength,
               source = 'inferred' AS inferred, rule,
               source, array_to_string(evidence, ';') AS evidence, len(evidence) AS n_evidence,
               first_date, last_date, detail
        FROM (SELECT *, NULL::VARCHAR AS rule, NULL::VARCHAR AS detail FROM _base_edges
              UNION ALL SELECT * EXCLUDE (same_surname) FROM _inferred
              UNION ALL SELECT * EXCLUDE (same_surname) FROM _one_parent)
        ORDER BY person_a, person_b, edge_type
    """)
    for t in ("_base_edges", "_inferred", "_one_parent"):
        con.execute(f"DROP TABLE {t}")
    nets = _networks(con)
    replace_table(con, "family_networks", nets)
    counts = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE strength = 'strong') FROM family_edges
    """).fetchall()[0]
    return {"edges": int(counts[0]), "strong_edges": int(counts[1]),
            "networks": int(nets["network_id"].nunique()) if len(nets) else 0, "network_rows": int(len(nets))}


def _networks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Sibling groups plus their carers and strongly linked adults (one level, never further)."""
    children = con.execute("""
        SELECT person_id FROM linked_mentions GROUP BY person_id HAVING bool_or(is_child) ORDER BY person_id
    """).df()["person_id"].tolist()
    child_set = set(children)
    strong = ", ".join(f"'{t}'" for t in STRONG)
    edges = con.execute(f"""
        SELECT person_a, person_b, list(edge_type ORDER BY edge_type) AS types
        FROM family_edges WHERE strength = 'strong' AND edge_type IN ({strong})
        GROUP BY person_a, person_b
    """).df()
    g = nx.Graph()
    g.add_nodes_from(children)
    for a, b, types in edges.itertuples(index=False):
        if "sibling" in types and a in child_set and b in child_set:
            g.add_edge(a, b)
    rows: list[tuple[str, str, str, str]] = []
    group_of: dict[str, str] = {}
    for comp in nx.connected_components(g):
        nid = "FN-" + min(comp)
        for p in sorted(comp):
            group_of[p] = nid
            rows.append((nid, p, "child", "sibling group"))
    adults: dict[tuple[str, str], set[str]] = {}
    for a, b, types in edges.itertuples(index=False):
        for child, other in ((a, b), (b, a)):
            if child in group_of and other not in child_set:
                adults.setdefault((group_of[child], other), set()).update(types)
    for (nid, adult), types in sorted(adults.items()):
        rel = "carer" if "parent_child" in types else "household_adult"
        rows.append((nid, adult, rel, ", ".join(sorted(types))))
    return pd.DataFrame(rows, columns=["network_id", "person_id", "relation", "via"])
