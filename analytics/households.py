"""Household spells and the addresses that must never make a family.

* ``household_spells`` - one row per person and address entity: first and last
  date some agency placed the person there, how many mentions and which agencies.
* ``address_profiles`` - per address entity: people, children, adults, *surname
  groups* and a kind: ``household``, ``shared_house`` or ``institution``.

A children's home, a hostel or a house in multiple occupation puts many
unrelated people under one roof. Treating co-residence there as family would
join every resident into one "family", so such addresses are flagged and the
family graph (:mod:`analytics.family_graph`) gives them no strong edges.

Surname groups: two surnames are one group when one contains the other
(``JACKSON`` / ``JACKSONSMITH``, double-barrelled) or they are near-identical
(Jaro-Winkler >= 0.85, a typo such as ``BENNTET``), so a blended family or a
mistyped record does not look like strangers.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from rapidfuzz.distance import JaroWinkler

from analytics.sqlutil import replace_table


@dataclass(frozen=True)
class SharedAddressRule:
    """When an address is too mixed to be one family's home (set in ``rules.toml`` ``[households]``).

    ``shared_min_adults`` people who are not children, from at least
    ``shared_min_surname_groups`` surname groups -> ``shared_house``;
    ``institution_min_surname_groups`` surname groups whatever the ages -> ``institution``.

    >>> SharedAddressRule().institution_min_surname_groups
    5
    """

    shared_min_adults: int = 4
    shared_min_surname_groups: int = 4
    institution_min_surname_groups: int = 5


def surname_groups(surnames: list[str]) -> int:
    """How many unrelated surname groups a list of surnames holds.

    >>> surname_groups(["JACKSON", "JACKSONSMITH", "SMITH", "BENNETT", "BENNTET"])
    2
    """
    names = sorted({s for s in surnames if s})
    parent = list(range(len(names)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            b = names[j]
            related = (len(a) >= 4 and a in b) or (len(b) >= 4 and b in a) or JaroWinkler.similarity(a, b) >= 0.85
            if related:
                parent[find(j)] = find(i)
    return len({find(i) for i in range(len(names))})


def build_households(con: duckdb.DuckDBPyConnection, rule: SharedAddressRule | None = None) -> dict[str, int]:
    """Write ``household_spells`` and ``address_profiles`` from ``linked_mentions``.

    >>> build_households(con)  # doctest: +SKIP
    {'spells': 4100, 'addresses': 1107, 'shared_house': 2, 'institution': 2}
    """
    rule = rule or SharedAddressRule()
    con.execute("""
        CREATE OR REPLACE TABLE household_spells AS
        SELECT person_id, address_id, min(event_date) AS from_date, max(event_date) AS to_date,
               count(*) AS n_mentions, count(DISTINCT owner_agency) AS n_agencies,
               string_agg(DISTINCT owner_agency, '; ' ORDER BY owner_agency) AS agencies
        FROM linked_mentions WHERE address_id IS NOT NULL
        GROUP BY person_id, address_id
    """)
    people = con.execute("""
        SELECT address_id, person_id, min(person_surname) AS surname,
               bool_or(is_child) AS is_child
        FROM linked_mentions WHERE address_id IS NOT NULL
        GROUP BY address_id, person_id
    """).df()
    agg = people.groupby("address_id").agg(n_persons=("person_id", "size"), n_children=("is_child", "sum"))
    agg["n_children"] = agg["n_children"].astype(int)
    agg["n_adults"] = agg["n_persons"] - agg["n_children"]
    agg["n_surname_groups"] = people.groupby("address_id")["surname"].agg(
        lambda s: surname_groups([x for x in s if isinstance(x, str)]))
    inst = agg["n_surname_groups"] >= rule.institution_min_surname_groups
    shared = (~inst & (agg["n_adults"] >= rule.shared_min_adults)
              & (agg["n_surname_groups"] >= rule.shared_min_surname_groups))
    agg["kind"] = "household"
    agg.loc[shared, "kind"] = "shared_house"
    agg.loc[inst, "kind"] = "institution"
    agg["reason"] = ""
    agg.loc[inst, "reason"] = (agg["n_persons"].astype(str) + " people from " + agg["n_surname_groups"].astype(str)
                               + f" surname groups (institution at >= {rule.institution_min_surname_groups})")
    agg.loc[shared, "reason"] = (agg["n_adults"].astype(str) + " adults from " + agg["n_surname_groups"].astype(str)
                                 + f" surname groups (shared house at >= {rule.shared_min_adults} adults and "
                                   f">= {rule.shared_min_surname_groups} groups)")
    out = agg.reset_index()
    dates = con.execute("""
        SELECT address_id, min(from_date) AS first_seen, max(to_date) AS last_seen
        FROM household_spells GROUP BY address_id
    """).df()
    out = out.merge(dates, on="address_id", how="left")
    replace_table(con, "address_profiles", out[["address_id", "kind", "reason", "n_persons", "n_children", "n_adults",
                                                "n_surname_groups", "first_seen", "last_seen"]])
    kinds = out["kind"].value_counts().to_dict()
    n_spells = con.execute("SELECT count(*) FROM household_spells").fetchall()[0][0]
    return {"spells": int(n_spells), "addresses": int(len(out)), "shared_house": int(kinds.get("shared_house", 0)),
            "institution": int(kinds.get("institution", 0))}
