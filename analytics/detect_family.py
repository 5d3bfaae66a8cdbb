"""Detectors whose subject is a family network: sibling spread, escalation, family moves.

A family network (``family_networks``) is a sibling group with its carers and
strongly linked adults; see :mod:`analytics.family_graph`. The same output
columns as :mod:`analytics.detect_child`.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics.detect_child import COLUMNS, _empty, threshold_params, threshold_sql
from analytics.episodes import merge_windows
from analytics.rule_config import Rule

DASH_RANK = {"standard": 1, "low": 1, "medium": 2, "high": 3, "very high": 4}
RAG_RANK = {"green": 1, "amber": 2, "red": 3}


def _members(con: duckdb.DuckDBPyConnection, network_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    if not network_ids:
        return {}
    df = con.execute("""
        SELECT network_id, person_id, relation FROM family_networks
        WHERE network_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY network_id, relation, person_id
    """, [network_ids]).df()
    out: dict[str, list[tuple[str, str]]] = {}
    for nid, pid, rel in df.itertuples(index=False):
        out.setdefault(nid, []).append((pid, rel))
    return out


def sibling_spread(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    """>= ``min_notifications`` notifications from >= ``min_agencies`` agencies within ``window_days``, each
    *about* one of >= ``min_children`` children of one sibling group (the child has a role in
    ``subject_roles``), and no child the subject of ``min_notifications`` or more of them (each child alone
    stays below the low-level-repeat rule).

    None may be at threshold, and no notification at threshold may name anyone in the family network
    (children, carers, household adults) in the window: a family already known at threshold is not a
    hidden spread. A notification that merely names the children present (a police incident about a
    parent, a housing member list) already puts the siblings side by side in one agency's record, so
    it does not count towards the spread.

    >>> sibling_spread(con, cfg.by_name("sibling_spread"))  # doctest: +SKIP
    """
    n_min, a_min, w = int(rule.t("min_notifications", 3)), int(rule.t("min_agencies", 2)), int(rule.window_days)
    c_min = int(rule.t("min_children", 2))
    roles = [str(r) for r in rule.t("subject_roles", ["subject", "victim", "suspect"])]
    thr = threshold_sql(rule)
    win = con.execute(f"""
        WITH kids AS (
            SELECT network_id, person_id FROM family_networks WHERE relation = 'child'
            QUALIFY count(*) OVER (PARTITION BY network_id) >= {c_min}
        ),
        g AS (
            SELECT k.network_id, c.person_id, c.notification_id, c.event_date, c.agency, {thr} AS at_threshold
            FROM kids k JOIN _child_notes c USING (person_id)
            WHERE list_has_any(c.roles, $subject_roles::VARCHAR[])
        ),
        family_threshold AS (
            SELECT DISTINCT f.network_id, e.event_date
            FROM family_networks f JOIN linked_mentions lm USING (person_id)
            JOIN notification_events e ON e.notification_id = lm.notification_id
            WHERE f.network_id IN (SELECT network_id FROM kids) AND {threshold_sql(rule, "e.")}
        ),
        starts AS (SELECT DISTINCT network_id, event_date AS start FROM g),
        inwin AS (
            SELECT s.network_id, s.start, g.* EXCLUDE (network_id)
            FROM starts s JOIN g ON g.network_id = s.network_id
             AND g.event_date BETWEEN s.start AND s.start + INTERVAL {w - 1} DAY
        ),
        per_child AS (
            SELECT network_id, start, max(n) AS max_per_child FROM (
                SELECT network_id, start, person_id, count(DISTINCT notification_id) AS n
                FROM inwin GROUP BY ALL) GROUP BY ALL
        )
        SELECT i.network_id, i.start, i.start + INTERVAL {w - 1} DAY AS "end",
               list(DISTINCT i.notification_id ORDER BY i.notification_id) AS ids
        FROM inwin i JOIN per_child p USING (network_id, start)
        WHERE NOT EXISTS (SELECT 1 FROM family_threshold t WHERE t.network_id = i.network_id
                          AND t.event_date BETWEEN i.start AND i.start + INTERVAL {w - 1} DAY)
        GROUP BY i.network_id, i.start, p.max_per_child
        HAVING count(DISTINCT i.notification_id) >= {n_min} AND count(DISTINCT i.agency) >= {a_min}
           AND count(DISTINCT i.person_id) >= {c_min} AND NOT bool_or(i.at_threshold)
           AND p.max_per_child < {n_min}
    """, {**threshold_params(rule), "subject_roles": roles}).df()
    eps = merge_windows(win, ["network_id"])
    if eps.empty:
        return _empty()
    mem = _members(con, eps["network_id"].tolist())
    kids = con.execute("""
        SELECT c.notification_id, list(DISTINCT c.person_id ORDER BY c.person_id) AS kids, min(c.agency) AS agency
        FROM _child_notes c GROUP BY 1
    """).df().set_index("notification_id")
    rows = []
    for r in eps.itertuples(index=False):
        members = mem.get(r.network_id, [])
        child_ids = {p for p, rel in members if rel == "child"}
        named = sorted({k for i in r.ids for k in kids.at[i, "kids"] if k in child_ids})
        ags = sorted({kids.at[i, "agency"] for i in r.ids})
        rows.append({"subject_type": rule.subject, "subject_id": r.network_id, "window_start": r.start,
                     "window_end": r.end, "evidence": list(r.ids), "members": members,
                     "explanation": f"{len(r.ids)} low-level notifications from {len(ags)} agencies "
                                    f"({', '.join(ags)}) within {w} days about {len(named)} siblings; "
                                    f"each child alone is named in fewer than {n_min}"})
    return pd.DataFrame(rows, columns=COLUMNS)


def _worsening_chain(points: list[tuple], window_days: int) -> list[tuple]:
    """Longest chain of points ``(date, rank, id)`` in date order, each on a later day and strictly worse
    (higher rank) than the one before, spanning at most ``window_days``.

    >>> import datetime as dt
    >>> d = lambda m: dt.date(2025, m, 1)
    >>> [p[2] for p in _worsening_chain([(d(1), 1, "a"), (d(2), 1, "b"), (d(3), 2, "c"), (d(5), 3, "d")], 365)]
    ['a', 'c', 'd']
    """
    pts = sorted(points)
    best: list[tuple] = []
    for i in range(len(pts)):
        limit = pts[i][0].toordinal() + window_days - 1
        length, prev = {i: 1}, {i: -1}
        for j in range(i + 1, len(pts)):
            if pts[j][0].toordinal() > limit:
                break
            cands = [k for k in length if pts[k][0] < pts[j][0] and pts[k][1] < pts[j][1]]
            if cands:
                k = max(cands, key=lambda c: (length[c], -c))
                length[j], prev[j] = length[k] + 1, k
        end = max(length, key=lambda c: (length[c], -c))
        if length[end] > len(best):
            chain, j = [], end
            while j >= 0:
                chain.append(pts[j])
                j = prev[j]
            best = chain[::-1]
    return best


def escalation(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    """Rising concern in one family within ``window_days``: at least ``min_signals`` of these signals,
    each a chain of >= ``min_points`` readings, every one worse than the last:

    * ``dash`` - DASH risk of domestic-abuse incidents naming a family member (standard < medium < high);
    * ``rag`` - the front door's RAG rating of contacts about a child (green < amber < red);
    * ``attendance`` - one child's school attendance falling, by >= ``min_attendance_drop`` points overall;
    * ``severity`` (optional, off in the shipped rules) - the severity of any notification about a child.

    >>> escalation(con, cfg.by_name("escalation"))  # doctest: +SKIP
    """
    w = int(rule.window_days)
    min_points, min_signals = int(rule.t("min_points", 3)), int(rule.t("min_signals", 2))
    drop = float(rule.t("min_attendance_drop", 10))
    use = set(rule.t("signals", ["dash", "rag", "attendance"]))
    rows_df = con.execute(f"""
        SELECT DISTINCT f.network_id, f.relation, lm.person_id, e.notification_id, e.event_date, e.owner_agency,
               e.concern_type, lower(trim(e.dash_risk)) AS dash, e.rag, e.attendance_pct, e.severity_rank
        FROM family_networks f
        JOIN linked_mentions lm ON lm.person_id = f.person_id
        JOIN notification_events e ON e.notification_id = lm.notification_id
        WHERE (e.concern_type = 'domestic_abuse' AND e.dash_risk IS NOT NULL)
           OR e.rag IS NOT NULL OR (e.attendance_pct IS NOT NULL AND f.relation = 'child')
           OR ($use_severity AND f.relation = 'child')
        ORDER BY f.network_id, e.event_date, e.notification_id, lm.person_id, f.relation
    """, {"use_severity": "severity" in use}).df()
    # a network needs min_points readings in at least min_signals signals before any chain is worth finding
    ok = pd.DataFrame({
        "network_id": rows_df["network_id"],
        "dash": rows_df["notification_id"].where(rows_df["concern_type"].eq("domestic_abuse")
                                                 & rows_df["dash"].isin(list(DASH_RANK))),
        "rag": rows_df["notification_id"].where(rows_df["rag"].isin(list(RAG_RANK)) & rows_df["relation"].eq("child")),
        "attendance": rows_df["notification_id"].where(rows_df["attendance_pct"].notna()
                                                       & rows_df["relation"].eq("child")),
        "severity": rows_df["notification_id"].where(rows_df["relation"].eq("child"))})
    per = ok.groupby("network_id")[[c for c in ("dash", "rag", "attendance", "severity") if c in use]].nunique()
    enough = (per >= min_points).sum(axis=1)
    rows_df = rows_df[rows_df["network_id"].isin(enough[enough >= min_signals].index)]
    found = []
    # plain Python per network (thousands of small groups: pandas per group would cost more than the work)
    day = pd.to_datetime(rows_df["event_date"]).dt.date.to_numpy()
    cols = {c: rows_df[c].to_numpy(dtype=object) for c in ("network_id", "relation", "person_id", "notification_id",
                                                           "concern_type", "dash", "rag")}
    att = rows_df["attendance_pct"].to_numpy(dtype=float)
    sev = rows_df["severity_rank"].to_numpy()
    nets = cols["network_id"]
    heads = np.flatnonzero(np.r_[True, nets[1:] != nets[:-1]]) if len(nets) else np.array([], dtype=int)
    for a, b in zip(heads, np.r_[heads[1:], len(nets)]):
        nid = nets[a]
        rows_ = range(a, b)
        signals: dict[str, list[tuple]] = {}
        if "dash" in use:
            signals["dash"] = _points((day[i], DASH_RANK[cols["dash"][i]], cols["notification_id"][i]) for i in rows_
                                      if cols["concern_type"][i] == "domestic_abuse" and cols["dash"][i] in DASH_RANK)
        if "rag" in use:
            signals["rag"] = _points((day[i], RAG_RANK[cols["rag"][i]], cols["notification_id"][i]) for i in rows_
                                     if cols["rag"][i] in RAG_RANK and cols["relation"][i] == "child")
        if "severity" in use:
            signals["severity"] = _points((day[i], int(sev[i]), cols["notification_id"][i]) for i in rows_
                                          if cols["relation"][i] == "child")
        att_by_child: dict[str, list[tuple]] = {}
        if "attendance" in use:
            seen: set[tuple] = set()
            for i in rows_:
                key = (cols["person_id"][i], cols["notification_id"][i])
                if cols["relation"][i] == "child" and not np.isnan(att[i]) and key not in seen:
                    seen.add(key)
                    # lower attendance is worse: rank by the negated percentage
                    att_by_child.setdefault(key[0], []).append((day[i], -float(att[i]), key[1]))
        for start, end, ids, labels in _escalation_windows(signals, att_by_child, w, min_points, min_signals, drop):
            found.append({"network_id": nid, "start": start, "end": end, "ids": ids, "labels": labels})
    if not found:
        return _empty()
    win = pd.DataFrame(found)
    label_of = {(f["network_id"], i): lab for f in found for i, lab in f["labels"].items()}
    date_of = dict(zip(rows_df["notification_id"], rows_df["event_date"]))
    eps = merge_windows(win[["network_id", "start", "end", "ids"]], ["network_id"])
    mem = _members(con, eps["network_id"].tolist())
    rows = []
    for r in eps.itertuples(index=False):
        sig: dict[str, list[str]] = {}
        for i in sorted(r.ids, key=lambda x: (date_of.get(x), x)):
            sig.setdefault(label_of.get((r.network_id, i), "?").split(":")[0], []).append(
                label_of.get((r.network_id, i), "?").split(":", 1)[-1])
        text = "; ".join(f"{k} {'falling' if k == 'attendance' else 'rising'}: {' -> '.join(v)}"
                         for k, v in sorted(sig.items()))
        rows.append({"subject_type": rule.subject, "subject_id": r.network_id, "window_start": r.start,
                     "window_end": r.end, "evidence": list(r.ids), "members": mem.get(r.network_id, []),
                     "explanation": f"{len(sig)} escalation signals within {w} days ({text}); rule: >= "
                                    f"{min_signals} signals of >= {min_points} worsening readings"})
    return pd.DataFrame(rows, columns=COLUMNS)


def _points(points) -> list[tuple]:
    """(date, rank, notification id) readings, one per notification (the first row seen)."""
    out, seen = [], set()
    for p in points:
        if p[2] not in seen:
            seen.add(p[2])
            out.append(p)
    return out


def _escalation_windows(signals: dict, att_by_child: dict, w: int, min_points: int, min_signals: int,
                        drop: float) -> list[tuple]:
    """Qualifying (start, end, ids, labels) windows for one network; a window starts at each reading."""
    all_dates = sorted({p[0] for pts in [*signals.values(), *att_by_child.values()] for p in pts})
    out = []
    for start in all_dates:
        end_ord = start.toordinal() + w - 1
        chains: dict[str, list[tuple]] = {}
        for name, pts in signals.items():
            sub = [p for p in pts if start.toordinal() <= p[0].toordinal() <= end_ord]
            ch = _worsening_chain(sub, w)
            if len(ch) >= min_points:
                chains[name] = ch
        best_att: list[tuple] = []
        for pts in att_by_child.values():
            sub = [p for p in pts if start.toordinal() <= p[0].toordinal() <= end_ord]
            ch = _worsening_chain(sub, w)
            if len(ch) >= min_points and (ch[-1][1] - ch[0][1]) >= drop and len(ch) > len(best_att):
                best_att = ch
        if best_att:
            chains["attendance"] = best_att
        if len(chains) >= min_signals:
            ids, labels = [], {}
            for name, ch in chains.items():
                for d, rank, i in ch:
                    ids.append(i)
                    labels[i] = f"{name}:" + _reading(name, rank)
            first = min(p[0] for ch in chains.values() for p in ch)
            last = max(p[0] for ch in chains.values() for p in ch)
            out.append((pd.Timestamp(first), pd.Timestamp(last), sorted(set(ids)), labels))
    return out


def _reading(signal: str, rank: float) -> str:
    if signal == "dash":
        return {1: "standard", 2: "medium", 3: "high", 4: "very high"}.get(int(rank), str(rank))
    if signal == "rag":
        return {1: "green", 2: "amber", 3: "red"}.get(int(rank), str(rank))
    if signal == "severity":
        return {1: "low", 2: "medium", 3: "high", 4: "critical"}.get(int(rank), str(rank))
    return f"{-rank:.1f}%"


def family_moves(con: duckdb.DuckDBPyConnection, rule: Rule) -> pd.DataFrame:
    """A family notified under >= ``min_addresses`` different address entities within ``window_days``.

    Counts the addresses at which the network's children are recorded, and a carer's address while that
    carer is evidenced living with the children (between the first and last time the carer is named with
    one of the children, or recorded at one of the children's addresses) or when nothing contradicts it:
    the next time (within a year) a child of the family is recorded, it is at that address, or at the
    address where the carer is next recorded (the family moved on together). A carer who separates and
    moves on, leaving the children behind, is not the family moving, nor is a new partner's previous
    home; a carer recorded alone at a home, then with the children at their next one, is. A carer's
    record naming another family's children (and none of this one's) places the carer in that family's
    home, so it never counts for this one. Shared houses and institutions never count. A record with a
    postcode but no address line counts as a place when the postcode is not one of the family's known
    addresses' postcodes. Evidence is the first notification at each address
    (these make the alert id); the other notifications at those addresses in the window are recorded as
    supporting evidence.

    >>> family_moves(con, cfg.by_name("family_moves"))  # doctest: +SKIP
    """
    k, w = int(rule.t("min_addresses", 3)), int(rule.window_days)
    carers = bool(rule.t("count_carers_while_with_children", True))
    m_all = con.execute(f"""
        WITH fam AS (SELECT network_id, person_id, relation FROM family_networks),
        shared_pc AS (  -- postcodes of shared houses and institutions: a bare postcode there says nothing
            SELECT DISTINCT e.postcode FROM address_entities e JOIN address_profiles p USING (address_id)
            WHERE p.kind <> 'household' AND e.postcode IS NOT NULL
        ),
        lm AS (  -- a place: an address entity (family homes only), else a bare postcode
            SELECT lm.* REPLACE (coalesce(lm.address_id, 'PC:' || ma.postcode_norm) AS address_id)
            FROM linked_mentions lm JOIN mention_addresses ma USING (mention_id)
            LEFT JOIN address_profiles ap ON ap.address_id = lm.address_id
            WHERE ap.kind = 'household'
               OR (lm.address_id IS NULL AND ma.postcode_norm IS NOT NULL
                   AND ma.postcode_norm NOT IN (SELECT postcode FROM shared_pc))
        ),
        kid_m AS (
            SELECT f.network_id, lm.address_id, lm.notification_id, lm.event_date
            FROM fam f JOIN lm USING (person_id) WHERE f.relation = 'child'
        ),
        kid_n AS (  -- every notification naming a child of the network, with or without an address
            SELECT DISTINCT f.network_id, m.notification_id
            FROM fam f JOIN linked_mentions m USING (person_id) WHERE f.relation = 'child'
        ),
        other_kids AS (  -- notifications naming children of some other family and none of this one's
            SELECT DISTINCT f.network_id, o.notification_id
            FROM fam f JOIN linked_mentions c ON c.person_id = f.person_id AND f.relation = 'carer'
            JOIN linked_mentions o ON o.notification_id = c.notification_id AND o.is_child
            WHERE o.person_id NOT IN (SELECT person_id FROM fam k WHERE k.network_id = f.network_id
                                      AND k.relation = 'child')
              AND NOT EXISTS (SELECT 1 FROM kid_n n WHERE n.network_id = f.network_id
                              AND n.notification_id = o.notification_id)
        ),
        carer_m AS (  -- a carer recorded with another family's children is in that family's home, not this one's
            SELECT f.network_id, f.person_id, lm.address_id, lm.notification_id, lm.event_date
            FROM fam f JOIN lm USING (person_id) WHERE f.relation = 'carer' AND $count_carers
              AND NOT EXISTS (SELECT 1 FROM other_kids x WHERE x.network_id = f.network_id
                              AND x.notification_id = lm.notification_id)
        ),
        with_kids AS (  -- when each carer is evidenced with the children
            SELECT c.network_id, c.person_id, min(c2.event_date) AS d0, max(c2.event_date) AS d1
            FROM (SELECT DISTINCT network_id, person_id FROM carer_m) c
            JOIN linked_mentions c2 ON c2.person_id = c.person_id
            WHERE EXISTS (SELECT 1 FROM kid_n k WHERE k.network_id = c.network_id
                          AND k.notification_id = c2.notification_id)
               OR EXISTS (SELECT 1 FROM kid_m k WHERE k.network_id = c.network_id AND k.address_id = c2.address_id)
            GROUP BY ALL
        ),
        next_kid AS (  -- where the children are next recorded, within a year after each carer record
            SELECT c.network_id, c.person_id, c.notification_id, c.address_id, c.event_date,
                   k.address_id AS kid_address
            FROM carer_m c JOIN kid_m k ON k.network_id = c.network_id AND k.event_date > c.event_date
             AND k.event_date <= c.event_date + INTERVAL 365 DAY
            QUALIFY k.event_date = min(k.event_date) OVER (
                PARTITION BY c.network_id, c.person_id, c.notification_id, c.address_id)
        ),
        next_carer AS (  -- where the carer is next recorded somewhere else
            SELECT c.network_id, c.person_id, c.notification_id, c.address_id, o.address_id AS carer_address
            FROM carer_m c JOIN carer_m o ON o.network_id = c.network_id AND o.person_id = c.person_id
             AND o.address_id <> c.address_id AND o.event_date > c.event_date
            QUALIFY o.event_date = min(o.event_date) OVER (
                PARTITION BY c.network_id, c.person_id, c.notification_id, c.address_id)
        ),
        contradicted AS (  -- the children next recorded somewhere else, and not where the carer went next
            SELECT DISTINCT n.network_id, n.person_id, n.notification_id, n.address_id FROM next_kid n
            WHERE n.kid_address <> n.address_id
              AND NOT EXISTS (SELECT 1 FROM next_carer x WHERE x.network_id = n.network_id
                              AND x.person_id = n.person_id AND x.notification_id = n.notification_id
                              AND x.address_id = n.address_id AND x.carer_address = n.kid_address)
        ),
        m AS (
            SELECT network_id, address_id, notification_id, event_date FROM kid_m
            UNION ALL
            SELECT c.network_id, c.address_id, c.notification_id, c.event_date
            FROM carer_m c LEFT JOIN with_kids w USING (network_id, person_id)
            WHERE c.event_date BETWEEN w.d0 AND w.d1
               OR NOT EXISTS (SELECT 1 FROM contradicted x WHERE x.network_id = c.network_id
                              AND x.person_id = c.person_id AND x.notification_id = c.notification_id
                              AND x.address_id = c.address_id)
        )
        SELECT DISTINCT network_id, address_id, notification_id, event_date FROM m
    """, {"count_carers": carers}).df()
    first = (m_all.sort_values(["network_id", "address_id", "event_date", "notification_id"])
             .drop_duplicates(["network_id", "address_id"])
             .rename(columns={"notification_id": "first_id", "event_date": "first_date"}))
    # a bare postcode is a different place only when none of the family's known addresses has it
    if len(first):
        pc_of = con.execute("SELECT address_id, postcode FROM address_entities").df().set_index(
            "address_id")["postcode"]
        is_pc = first["address_id"].str.startswith("PC:")
        known = first[~is_pc].assign(pc=lambda d: d["address_id"].map(pc_of)).groupby("network_id")["pc"].agg(set)
        dup = [pc and a[3:] in known.get(n, set()) for n, a, pc in zip(first["network_id"], first["address_id"], is_pc)]
        first = first[~pd.Series(dup, index=first.index)].reset_index(drop=True)
    if first.empty:
        return _empty()
    # windows start at each address's first notification and hold the addresses first seen within W days
    first = first.sort_values(["network_id", "first_date", "first_id"]).reset_index(drop=True)
    many = first.groupby("network_id")["address_id"].transform("nunique") >= k
    win_rows = []
    for nid, g in first[many].groupby("network_id", sort=True):
        dates, ids = g["first_date"].tolist(), g["first_id"].tolist()
        for i, d in enumerate(dates):
            end = d + pd.Timedelta(days=w - 1)
            sel = [ids[j] for j in range(i, len(dates)) if dates[j] <= end]
            if len(sel) >= k:
                win_rows.append({"network_id": nid, "start": d, "end": end, "ids": sel})
    eps = merge_windows(pd.DataFrame(win_rows, columns=["network_id", "start", "end", "ids"]), ["network_id"])
    if eps.empty:
        return _empty()
    mem = _members(con, eps["network_id"].tolist())
    labels = con.execute("SELECT address_id, label FROM address_entities").df().set_index("address_id")["label"]
    addr_of = dict(zip(first["first_id"] + "|" + first["network_id"], first["address_id"]))

    def label(a: str | None) -> str:
        if isinstance(a, str) and a.startswith("PC:"):
            return f"somewhere in {a[3:]} (postcode only)"
        return labels.get(a, "?")

    by_net = dict(tuple(m_all[m_all["network_id"].isin(eps["network_id"])].groupby("network_id")))
    rows = []
    for r in eps.itertuples(index=False):
        places = [addr_of.get(i + "|" + r.network_id) for i in r.ids]
        g = by_net[r.network_id]
        # every other notification placing the family at those addresses in the window supports the alert
        sup = g[g["address_id"].isin(places) & (g["event_date"] >= r.start) & (g["event_date"] <= r.end)]
        rows.append({"subject_type": rule.subject, "subject_id": r.network_id, "window_start": r.start,
                     "window_end": r.end, "evidence": list(r.ids), "members": mem.get(r.network_id, []),
                     "supporting": sorted(set(sup["notification_id"]) - set(r.ids)),
                     "explanation": f"family recorded at {len(r.ids)} different addresses within {w} days: "
                                    + "; ".join(label(p) for p in places)})
    return pd.DataFrame(rows, columns=[*COLUMNS, "supporting"])
