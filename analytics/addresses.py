"""Address entities: the same dwelling written differently by different agencies.

Agencies write one flat as ``Flat 2, 14 Elm Road, Millbrook``, ``2/14 ELM RD`` or
``14 Elm Road`` with the postcode in upper or lower case, with or without a
space, sometimes mistyped and sometimes missing. Resolution is deliberately
conservative because a wrong merge makes two families look like one:

1. every written address is parsed into flat, house number, street, locality and
   postcode; street-type abbreviations (Rd, Ave, Gdns ...) are expanded and a
   house-number letter (``14a``) is read as a flat of that house;
2. addresses **with** a valid postcode are merged when flat and number are equal,
   the postcodes are equal (or one character apart in the same sector, a typo)
   and the streets are similar (rapidfuzz ratio, vectorised per block);
3. an address **without** a postcode joins an entity only when exactly one
   entity fits (same flat and number, very similar street, locality not
   contradicting); when two or more fit it stays on its own, marked ambiguous;
4. an address without a house number (``Foxglove Gardens``, typical of a member
   of the public's online form) joins an entity only when exactly one entity on
   that street houses someone of the same surname group (rule
   ``street_and_surname_single_fit``); otherwise it gets no entity: a street is too
   coarse to put people under one roof. An ambiguous address from step 3 is
   settled the same way (rule ``surname_tiebreak``).

Tables written: ``address_entities`` and ``mention_addresses``.
"""

from __future__ import annotations


import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from analytics.names import SURNAME_SQL
from matching.postcodes import standardise_postcodes
from matching.text import str_series
from analytics.sqlutil import replace_table, stable_id

STREET_TYPES = {
    "RD": "ROAD", "ST": "STREET", "STR": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "CL": "CLOSE",
    "LN": "LANE", "DR": "DRIVE", "DRV": "DRIVE", "CRES": "CRESCENT", "CRESC": "CRESCENT", "CR": "CRESCENT",
    "GDNS": "GARDENS", "GDN": "GARDENS", "PL": "PLACE", "CT": "COURT", "GR": "GROVE", "GRV": "GROVE",
    "TERR": "TERRACE", "TER": "TERRACE", "TCE": "TERRACE", "WK": "WALK", "SQ": "SQUARE", "MWS": "MEWS",
    "PDE": "PARADE", "HTS": "HEIGHTS", "HL": "HILL", "PK": "PARK", "RI": "RISE", "WY": "WAY",
}
_KIND_WORDS = sorted(set(STREET_TYPES) | set(STREET_TYPES.values()) | {"MEWS", "RISE", "WAY", "ROW", "GREEN"},
                     key=len, reverse=True)
_KIND_RE = "|".join(_KIND_WORDS)

# how similar two street names must be (rapidfuzz ratio, 0-100)
STREET_SIM_WITH_POSTCODE = 80
STREET_SIM_WITHOUT_POSTCODE = 92


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Upper case, one space before the inward code; anything not shaped like a postcode becomes NA.

    One rule for the whole project: this is the matching engine's standardiser, keeping valid ones only.

    >>> normalise_postcode(pd.Series(["mh4 2tt", "MH42TT", "n/a", None])).tolist()
    ['MH4 2TT', 'MH4 2TT', nan, nan]
    """
    std = standardise_postcodes(values.reset_index(drop=True))
    ok = std["postcode_valid"].fillna(False).astype(bool).to_numpy()
    out = pd.Series(np.where(ok, std["postcode"].to_numpy(dtype=object), np.nan), index=values.index, dtype="object")
    return out


def _expand_street(street: pd.Series) -> pd.Series:
    """Expand the street-type abbreviation in the last word: ``ELM RD`` -> ``ELM ROAD``."""
    parts = street.str.rsplit(" ", n=1, expand=True)
    if parts.shape[1] < 2:  # no street has two words (or there are no streets at all)
        return street
    head, last = parts[0], parts[1]
    has_two = last.notna()
    last_full = last.map(lambda w: STREET_TYPES.get(w, w) if isinstance(w, str) else w)
    return street.where(~has_two, head + " " + last_full)


def parse_addresses(raw: pd.Series) -> pd.DataFrame:
    """Split written address lines into flat, number, street, locality and building (vectorised regex).

    >>> p = parse_addresses(pd.Series(["Flat 2, 14 Elm Rd, Millbrook", "2/14 ELM ROAD", "14a Elm Road",
    ...                                "Church House, 51 Church Walk", "Foxglove Gdns"]))
    >>> p[["flat", "number", "street", "locality"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['2', '14', 'ELM ROAD', 'MILLBROOK'], ['2', '14', 'ELM ROAD', ''], ['A', '14', 'ELM ROAD', ''],
     ['', '51', 'CHURCH WALK', ''], ['', '', 'FOXGLOVE GARDENS', '']]
    """
    s = (str_series(raw).fillna("").str.upper()
         .str.replace("’", "'", regex=False).str.replace(r"[^A-Z0-9/,' ]", " ", regex=True)
         .str.replace("'", "", regex=False).str.replace(r"\s+", " ", regex=True).str.strip()
         .str.replace(r"\s*,\s*", ", ", regex=True).str.strip(", "))
    out = pd.DataFrame({"flat": "", "number": "", "suffix": "", "rest": s, "building": ""}, index=raw.index)
    patterns = [  # first match wins: flat word, flat/number, building name, plain number
        (r"^(?:FLAT|APARTMENT|APT|UNIT|ROOM)\s*([0-9A-Z]+)\s*,?\s*(\d+)([A-Z]?)\b,?\s*(.*)$",
         ["flat", "number", "suffix", "rest"]),
        (r"^([0-9]+[A-Z]?|[A-Z])\s*/\s*(\d+)([A-Z]?)\b,?\s*(.*)$", ["flat", "number", "suffix", "rest"]),
        (r"^([^,0-9]+?), (\d+)([A-Z]?)\b,?\s*(.*)$", ["building", "number", "suffix", "rest"]),
        (r"^(\d+)([A-Z]?)\b,?\s*(.*)$", ["number", "suffix", "rest"]),
    ]
    todo = pd.Series(True, index=raw.index)
    for pat, cols in patterns:
        m = s.where(todo, "").str.extract(pat)
        hit = m[0].notna() & todo
        for i, c in enumerate(cols):
            out.loc[hit, c] = m.loc[hit, i].fillna("")
        todo &= ~hit
    rest = out["rest"].str.strip(", ")
    # street and locality: split at the first comma, else just after the first street-type word
    has_comma = rest.str.contains(",", regex=False)
    c = rest.str.split(",", n=1, expand=True).reindex(columns=[0, 1])
    k = rest.str.extract(rf"^(\S+(?:\s+\S+)*?\s+(?:{_KIND_RE}))\b\s*(.*)$")
    street = np.where(has_comma, c[0], k[0].where(k[0].notna(), rest))
    locality = np.where(has_comma, c[1], k[1].where(k[0].notna(), ""))
    out["street"] = _expand_street(pd.Series(street, index=raw.index).fillna("").str.strip())
    out["locality"] = pd.Series(locality, index=raw.index).fillna("").str.strip(", ").str.strip()
    out["flat"] = out["flat"].str.lstrip("0")
    # "14a" with no flat given is flat A of number 14 (how the same dwelling is often also written)
    letter_flat = (out["suffix"] != "") & (out["flat"] == "")
    out.loc[letter_flat, "flat"] = out.loc[letter_flat, "suffix"]
    out.loc[~letter_flat & (out["suffix"] != ""), "number"] += out.loc[~letter_flat & (out["suffix"] != ""), "suffix"]
    return out[["flat", "number", "street", "locality", "building"]]


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        p = self.parent
        root = i
        while p[root] != root:
            root = p[root]
        while p[i] != root:
            p[i], i = root, p[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _one_char_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) <= 1


def _similar_pairs(streets: np.ndarray, idx: np.ndarray, cutoff: int) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of records in one block whose streets score >= cutoff."""
    if len(idx) < 2:
        return []
    sc = process.cdist(streets[idx], streets[idx], scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8)
    a, b = np.nonzero(np.triu(sc >= cutoff, k=1))
    return list(zip(idx[a].tolist(), idx[b].tolist()))


def resolve_address_records(rec: pd.DataFrame) -> pd.DataFrame:
    """Assign an entity to each distinct parsed address record.

    ``rec`` has columns flat, number, street, locality, postcode (normalised or NA) and
    optionally building.
    Returns ``rec`` plus ``entity`` (an integer, -1 for no entity) and ``match_rule``.

    >>> r = pd.DataFrame({"flat": ["", "", ""], "number": ["14", "14", "14"],
    ...                   "street": ["ELM ROAD", "ELM RAOD", "ELM ROAD"], "locality": ["", "", ""],
    ...                   "postcode": ["MH1 1AA", "MH1 1AA", np.nan]})
    >>> resolve_address_records(r)["entity"].nunique()
    1
    """
    rec = rec.reset_index(drop=True).copy()
    n = len(rec)
    uf = _UnionFind(n)
    streets = rec["street"].to_numpy(dtype=object)
    pcs = rec["postcode"].fillna("").to_numpy(dtype=object)
    locs = rec["locality"].to_numpy(dtype=object)
    flats, numbers = rec["flat"].to_numpy(dtype=object), rec["number"].to_numpy(dtype=object)
    has_num = (rec["number"] != "").to_numpy()
    has_pc = pcs != ""
    rule = np.where(has_num, np.where(has_pc, "postcode", "no_postcode"), "no_house_number").astype(object)

    # 1. anchored records (valid postcode): block on flat + number + postcode sector
    anchored = np.flatnonzero(has_num & has_pc)
    a = rec.iloc[anchored]
    sector = a["postcode"].str[:-2]
    for _, g in pd.DataFrame({"i": anchored}).groupby([a["flat"].to_numpy(), a["number"].to_numpy(),
                                                      sector.to_numpy()]):
        for i, j in _similar_pairs(streets, g["i"].to_numpy(), STREET_SIM_WITH_POSTCODE):
            loc_ok = locs[i] == "" or locs[j] == "" or locs[i] == locs[j]
            if loc_ok and (pcs[i] == pcs[j] or _one_char_apart(pcs[i], pcs[j])):
                uf.union(i, j)

    # 2. records without a postcode join the single entity that fits, if there is exactly one
    loose = np.flatnonzero(has_num & ~has_pc)
    blds = rec["building"].to_numpy(dtype=object) if "building" in rec else np.full(n, "", dtype=object)
    if len(loose):
        roots = np.array([uf.find(i) for i in range(n)])
        # anchored records by flat and number, then by street: each distinct street is scored once
        by_key: dict[tuple[str, str], dict[str, list[int]]] = {}
        for i in anchored:
            by_key.setdefault((flats[i], numbers[i]), {}).setdefault(streets[i], []).append(i)
        street_list: dict[tuple[str, str], np.ndarray] = {}
        memo: dict[tuple, set] = {}  # the same written address fits the same entities
        leftover = []
        for i in loose:
            key = (flats[i], numbers[i])
            mk = (key, streets[i], locs[i], blds[i])
            if mk not in memo:
                cands = by_key.get(key, {})
                fits = set()
                if cands:
                    if key not in street_list:
                        street_list[key] = np.array(list(cands), dtype=object)
                    sc = process.extract(streets[i], street_list[key], scorer=fuzz.ratio,
                                         score_cutoff=STREET_SIM_WITHOUT_POSTCODE, limit=None)
                    for st, _, _ in sc:
                        for j in cands[st]:
                            if locs[i] == "" or locs[j] == "" or locs[i] == locs[j]:
                                fits.add(roots[j])
                if len(fits) > 1 and blds[i]:
                    # a building name ("Church House") picks between streets of the same name
                    same_bld = {roots[j] for js in cands.values() for j in js if blds[j] == blds[i]} & fits
                    fits = same_bld or fits
                memo[mk] = fits
            fits = memo[mk]
            if len(fits) == 1:
                uf.union(i, next(iter(fits)))
                rule[i] = "no_postcode_single_fit"
            else:
                if len(fits) > 1:
                    rule[i] = "no_postcode_ambiguous"
                leftover.append(i)
        # loose records that fit nothing (or too much) group among themselves on exact fields
        lo = rec.iloc[leftover]
        for _, g in pd.DataFrame({"i": leftover}).groupby([lo["flat"].to_numpy(), lo["number"].to_numpy(),
                                                          lo["street"].to_numpy(), lo["locality"].to_numpy()]):
            ids = g["i"].to_numpy()
            for j in ids[1:]:
                uf.union(int(ids[0]), int(j))

    ent = np.array([uf.find(i) for i in range(n)])
    rec["entity"] = np.where(has_num, ent, -1)
    rec["match_rule"] = rule
    return rec


def parsed_by_address(written: pd.DataFrame, parsed: pd.DataFrame) -> pd.DataFrame:
    """Written (address, postcode) with its parsed flat, number, street and locality.

    >>> w = pd.DataFrame({"address": ["2/14 Elm Rd"], "postcode": ["MH1 1AA"]})
    >>> parsed_by_address(w, parse_addresses(w["address"]))["street"].tolist()
    ['ELM ROAD']
    """
    return pd.DataFrame({"address": written["address"].to_numpy(), "postcode": written["postcode"].to_numpy(),
                         "flat": parsed["flat"].to_numpy(), "number": parsed["number"].to_numpy(),
                         "street": parsed["street"].to_numpy(), "locality": parsed["locality"].to_numpy()})


def _surname_group_match(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a == b or (len(a) >= 4 and a in b) or (len(b) >= 4 and b in a))


def _attach_by_surname(ma: pd.DataFrame, parsed: pd.DataFrame, ent: pd.DataFrame) -> pd.DataFrame:
    """Settle addresses that fit several entities, or only a street, by who lives there.

    A street-only address (``Richmond Terrace``), or a number and street without a postcode that exists
    in two localities, joins the single candidate entity where someone of the same surname group is
    recorded. None or several such entities: it stays as it was.
    """
    todo = ma["match_rule"].isin(["no_house_number", "no_postcode_ambiguous"]) & ma["surname_norm"].notna()
    if not todo.any():
        return ma
    # who is recorded at each entity, once per (entity, surname): the candidates, by the entity's street
    known = ma.loc[ma["address_id"].notna() & ma["surname_norm"].notna()
                   & ~ma["match_rule"].isin(["no_postcode_ambiguous"]), ["address_id", "surname_norm"]]
    kn = known.drop_duplicates()
    e = ent.set_index("address_id")
    kn = kn.assign(ent_street=kn["address_id"].map(e["street"]), ent_flat=kn["address_id"].map(e["flat"]),
                   ent_number=kn["address_id"].map(e["number"]), ent_loc=kn["address_id"].map(e["locality"]))
    kn = kn.dropna(subset=["ent_street"])
    if kn.empty:
        return ma
    fields = ["address_id", "ent_flat", "ent_number", "ent_loc", "surname_norm"]
    by_street = {st: tuple(g[c].to_numpy(dtype=object) for c in fields)
                 for st, g in kn.groupby("ent_street", sort=False)}
    streets = np.array(list(by_street), dtype=object)
    hits_of: dict[str, list[str]] = {}  # written street -> entity streets it is similar to
    settled: dict[tuple, tuple[str, str] | None] = {}  # the same written address and surname, the same answer
    # the addresses to settle, with their parsed parts
    rows = np.flatnonzero(todo.to_numpy())
    info = ma.iloc[rows][["address", "postcode", "surname_norm", "match_rule"]].merge(
        parsed, on=["address", "postcode"], how="left")
    cols = {c: info[c].to_numpy(dtype=object) for c in ("surname_norm", "street", "locality", "match_rule", "flat",
                                                         "number")}
    # set in plain arrays and written back once: an item set on an Arrow-backed column copies the column
    new_addr = ma["address_id"].to_numpy(dtype=object).copy()
    new_rule = ma["match_rule"].to_numpy(dtype=object).copy()
    for k, idx in enumerate(rows):
        sn, st, loc = cols["surname_norm"][k], cols["street"][k], cols["locality"][k]
        rule = cols["match_rule"][k]
        if not isinstance(st, str) or not st:
            continue
        key = (rule, sn, st, loc, cols["flat"][k], cols["number"][k])
        if key not in settled:
            if st not in hits_of:
                hits_of[st] = [h[0] for h in process.extract(st, streets, scorer=fuzz.ratio,
                                                             score_cutoff=STREET_SIM_WITHOUT_POSTCODE, limit=None)]
            ids = set()
            for h in hits_of[st]:
                for aid, flat, number, eloc, esn in zip(*by_street[h]):
                    if rule == "no_postcode_ambiguous" and (flat != key[4] or number != key[5]):
                        continue
                    if isinstance(loc, str) and loc and eloc not in ("", loc):
                        continue
                    if _surname_group_match(sn, esn):
                        ids.add(aid)
            ids = sorted(ids)
            settled[key] = (ids[0], "street_and_surname_single_fit" if rule == "no_house_number"
                            else "surname_tiebreak") if len(ids) == 1 else None
        if settled[key] is not None:
            new_addr[idx], new_rule[idx] = settled[key]
    ma["address_id"] = pd.Series(new_addr, index=ma.index, dtype=object)
    ma["match_rule"] = pd.Series(new_rule, index=ma.index, dtype=object)
    return ma


_MA_COLUMNS = ["mention_id", "address_id", "match_rule", "address_written", "postcode_written", "postcode_norm"]
_ENTITY_COLUMNS = ["address_id", "flat", "number", "street", "locality", "postcode", "building", "label",
                   "n_spellings", "ambiguous"]


def _mode_by(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """The most common ``col`` per ``key`` (ties: the one seen first), without a Python call per group.

    >>> _mode_by(pd.DataFrame({"k": [1, 1, 1, 2], "v": ["a", "b", "b", "c"]}), "k", "v").tolist()
    ['b', 'c']
    """
    d = pd.DataFrame({key: df[key].to_numpy(), col: df[col].to_numpy(), "_pos": np.arange(len(df))})
    g = d.groupby([key, col], sort=False).agg(n=("_pos", "size"), first=("_pos", "min")).reset_index()
    g = g.sort_values([key, "n", "first"], ascending=[True, False, True], kind="stable").drop_duplicates(key)
    return g.set_index(key)[col]


def _no_addresses(con: duckdb.DuckDBPyConnection, m: pd.DataFrame) -> dict[str, int]:
    """The tables when no mention has an address line: every mention 'no_address', no entities."""
    ma = pd.DataFrame({"mention_id": m["mention_id"], "address_id": None, "match_rule": "no_address",
                       "address_written": m["address"], "postcode_written": m["postcode"],
                       "postcode_norm": normalise_postcode(m["postcode"]).to_numpy()})
    replace_table(con, "mention_addresses", ma[_MA_COLUMNS])
    ent = pd.DataFrame({c: pd.Series(dtype="int64" if c == "n_spellings" else "bool" if c == "ambiguous" else object)
                        for c in _ENTITY_COLUMNS})
    replace_table(con, "address_entities", ent)
    return {"written_addresses": 0, "entities": 0, "mentions_with_entity": 0}


def resolve_addresses(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Resolve every mention's address into ``address_entities`` and ``mention_addresses``.

    >>> resolve_addresses(con)  # doctest: +SKIP
    {'written_addresses': 3120, 'entities': 2230, 'mentions_with_entity': 5012}
    """
    m = con.execute(f"""
        SELECT mention_id, nullif(trim(address), '') AS address, nullif(trim(postcode), '') AS postcode,
               nullif({SURNAME_SQL}, '') AS surname_norm
        FROM person_mentions
    """).df()
    written = m[["address", "postcode"]].drop_duplicates().reset_index(drop=True)
    # each written address is parsed once, however many mentions use it
    written = written[written["address"].notna()].reset_index(drop=True)
    if written.empty:  # no address line anywhere (feeds without addresses): no entities, postcodes still count
        return _no_addresses(con, m)
    parsed = parse_addresses(written["address"])
    parsed["postcode"] = normalise_postcode(written["postcode"]).to_numpy()
    # a postcode typed into the address line is still a postcode
    in_line = parsed["locality"].str.extract(r"([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")[0]
    parsed["postcode"] = parsed["postcode"].where(parsed["postcode"].notna(), normalise_postcode(in_line))
    parsed["locality"] = parsed["locality"].str.replace(r",?\s*[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", "",
                                                        regex=True).str.strip()
    keyed = parsed.assign(_k=parsed["flat"] + "|" + parsed["number"] + "|" + parsed["street"] + "|"
                          + parsed["locality"]
                          + "|" + parsed["postcode"].fillna(""))
    distinct = keyed.drop_duplicates("_k").reset_index(drop=True)
    res = resolve_address_records(distinct[["flat", "number", "street", "locality", "postcode", "building"]])
    res["_k"] = distinct["_k"].to_numpy()

    # entity attributes: the most common spelling of each field; id from the entity's canonical form
    with_ent = res[res["entity"] >= 0].copy()
    counts = keyed.groupby("_k").size()
    with_ent["weight"] = counts.reindex(with_ent["_k"]).to_numpy()
    with_ent["score"] = (with_ent["postcode"].notna().astype(int) * 2 + (with_ent["locality"] != "").astype(int))
    best = with_ent.sort_values(["entity", "score", "weight", "_k"], ascending=[True, False, False, True])
    canon = best.drop_duplicates("entity").set_index("entity")
    pcs = _mode_by(with_ent.dropna(subset=["postcode"]), "entity", "postcode")
    locs = _mode_by(with_ent[with_ent["locality"] != ""], "entity", "locality")
    blds = _mode_by(with_ent[with_ent["building"] != ""], "entity", "building")
    ent = pd.DataFrame(index=canon.index)
    ent["flat"] = canon["flat"]
    ent["number"] = canon["number"]
    ent["street"] = canon["street"]
    ent["locality"] = locs.reindex(ent.index).fillna("")
    ent["postcode"] = pcs.reindex(ent.index)
    ent["building"] = blds.reindex(ent.index).fillna("")
    ent["n_spellings"] = with_ent.groupby("entity").size().reindex(ent.index)
    ent["ambiguous"] = (with_ent["match_rule"] == "no_postcode_ambiguous").groupby(with_ent["entity"]).any(
    ).reindex(ent.index)
    ent["address_id"] = [stable_id("ADR", f, nb, st, pc if isinstance(pc, str) else "", lc, length=12)
                         for f, nb, st, pc, lc in zip(ent["flat"], ent["number"], ent["street"], ent["postcode"],
                                                      ent["locality"])]
    flat_txt = np.where(ent["flat"] != "", "Flat " + ent["flat"] + ", ", "")
    ent["label"] = (flat_txt + ent["number"] + " " + ent["street"].str.title()
                    + np.where(ent["locality"] != "", ", " + ent["locality"].str.title(), "")
                    + np.where(ent["postcode"].notna(), ", " + ent["postcode"].fillna(""), ""))
    res["address_id"] = res["entity"].map(ent["address_id"])

    keyed["address_id"] = keyed["_k"].map(res.set_index("_k")["address_id"])
    keyed["match_rule"] = keyed["_k"].map(res.set_index("_k")["match_rule"])
    written = pd.concat([written, keyed[["address_id", "match_rule"]]], axis=1)
    ma = m.merge(written, on=["address", "postcode"], how="left")
    ma["match_rule"] = ma["match_rule"].fillna("no_address")
    ma = _attach_by_surname(ma, parsed_by_address(written, parsed), ent)
    # the postcode alone still says roughly where someone was (used to count a family's moves)
    ma["postcode_norm"] = normalise_postcode(ma["postcode"]).to_numpy()
    replace_table(con, "mention_addresses",
                  ma[["mention_id", "address_id", "match_rule", "address", "postcode", "postcode_norm"]]
                  .rename(columns={"address": "address_written", "postcode": "postcode_written"}))
    replace_table(con, "address_entities",
                  ent.reset_index(drop=True)[["address_id", "flat", "number", "street", "locality", "postcode",
                                              "building", "label", "n_spellings", "ambiguous"]])
    return {"written_addresses": int(len(written)), "entities": int(len(ent)),
            "mentions_with_entity": int(ma["address_id"].notna().sum())}
