"""Planted patterns and decoys, with the households they need.

Patterns are what the product should find; decoys are look-alike people it
must never merge. Planted households are *reserved*: background notifications
never pick them, so a planted pattern means exactly what its rule says.

Rules (the same ones :mod:`mash.synth.truth` uses to find incidental instances):

* ``low_level_repeat`` - a child named in >=3 notifications from >=2 partners within 90 days,
  and every notification naming the child in that window is low severity with no CSC decision
  at or above early help.
* ``sibling_spread`` - >=3 low-level notifications within 90 days about 2-4 siblings of one
  household from >=2 partners, no child named in 3 or more of them (listed only when the delivered
  records tie the siblings together: :func:`mash.synth.truth.sibling_spread_shown`; incidental instances:
  :func:`mash.synth.truth.sibling_spreads`).
* ``escalation`` - one family's notifications over months with rising severity:
  DASH Standard -> Medium -> High, attendance falling, CSC RAG G -> A -> R.
* ``da_suspect_multi_household`` - an adult named as suspect in police domestic incidents at
  >=2 different addresses where children were named.
* ``family_moves`` - one family notified under >=3 different addresses (as the delivered records show
  them: see :func:`mash.synth.truth.family_moves`).
* ``re_referral`` - a child referred to CSC (decision Referral or Strategy) again within 365 days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mash.synth.events import Resolver, generate
from mash.synth.households import OPEN, Families, WorldBuilder
from mash.synth.partners import KINDS

KIND_BY_CODE = {p: {k.code: k for k in ks} for p, ks in KINDS.items()}

# planted instances per 3,000 notifications
BASE_COUNTS = {"low_level_repeat": 18, "sibling_spread": 12, "escalation": 10, "da_suspect_multi_household": 8,
               "family_moves": 12, "twins": 10, "same_name_close_dob": 8, "unrelated_adults_same_address": 6,
               "father_son_same_name": 8}
RE_REFERRAL_RATE = 0.22  # PRIMER: re-referrals within 12 months, national


def scaled(n: int, name: str) -> int:
    """Planted count for ``n`` notifications: ``scaled(3000, "escalation") == 10``."""
    return max(2, int(round(BASE_COUNTS[name] * n / 3000)))


@dataclass
class Plan:
    """Reserved households created before the population is finished."""

    fams: dict[str, Families] = field(default_factory=dict)
    hmo: list[np.ndarray] = field(default_factory=list)
    da_move_day: np.ndarray | None = None
    same_name_pairs: np.ndarray | None = None  # k x 2 pids


def plan(wb: WorldBuilder, n: int) -> Plan:
    """Create the reserved households every planted pattern and decoy needs."""
    rng, T = wb.rng, wb.T
    p = Plan()
    quiet = dict(reserved=True, n_moves=0, sep_rate=0.0, newp_rate=0.0, birth_rate=0.0, twin_rate=0.0)
    p.fams["llr"] = wb.add_families(scaled(n, "low_level_repeat"), nkids=rng.integers(1, 4), kid_age_range=(6, 14),
                                    **quiet)
    p.fams["ss"] = wb.add_families(scaled(n, "sibling_spread"), nkids=rng.integers(3, 5), kid_age_range=(9, 15),
                                   **quiet)
    p.fams["esc"] = wb.add_families(scaled(n, "escalation"), ftype="couple", nkids=rng.integers(1, 4),
                                    kid_age_range=(6, 14), **quiet)
    k = scaled(n, "da_suspect_multi_household")
    a = wb.add_families(k, reserved=True, ftype="couple", n_moves=0, sep_rate=1.0, newp_rate=0.0, birth_rate=0.0,
                        twin_rate=0.0, sep_window=(0.2, 0.4), kid_age_range=(2, 14))
    b = wb.add_families(k, reserved=True, ftype="single_mum", n_moves=0, sep_rate=0.0, newp_rate=0.0,
                        birth_rate=0.0, twin_rate=0.0, kid_age_range=(1, 12))
    move_in = np.minimum(a.sep_day + rng.integers(20, 60, size=k), wb.E - 120)
    ok = a.father_unit >= 0
    wb.end_membership(a.father[ok], a.father_unit[ok], move_in[ok])
    wb.add_members(a.father[ok], b.unit[ok], move_in[ok], OPEN, "partner")
    wb.add_rels(b.mother[ok], a.father[ok], "partner")
    p.fams["da_a"], p.fams["da_b"], p.da_move_day = a, b, move_in
    p.fams["fm"] = wb.add_families(scaled(n, "family_moves"), reserved=True, n_moves=int(rng.integers(2, 4)),
                                   sep_rate=0.0, newp_rate=0.0, birth_rate=0.0, twin_rate=0.0, kid_age_range=(5, 14))
    p.fams["tw"] = wb.add_families(scaled(n, "twins"), reserved=True, nkids=rng.integers(2, 4), n_moves=0,
                                   sep_rate=0.0, newp_rate=0.0, birth_rate=0.0, twin_rate=1.0, kid_age_range=(5, 14))
    k = scaled(n, "same_name_close_dob")
    s1 = wb.add_families(k, kid_age_range=(5, 14), nkids=1, **quiet)
    s2 = wb.add_families(k, kid_age_range=(5, 14), nkids=1, **quiet)
    p.fams["sn1"], p.fams["sn2"] = s1, s2
    p.same_name_pairs = np.stack([s1.kids[:, 0], s2.kids[:, 0]], axis=1)
    k = scaled(n, "father_son_same_name")
    fs = wb.add_families(k, ftype="couple", nkids=rng.integers(1, 3), kid_age_range=(13, 17.5), kid_sex="M", **quiet)
    p.fams["fs"] = fs
    p.hmo = wb.add_shared(scaled(n, "unrelated_adults_same_address"), "hmo", 4, (20, 55), 0.7, (3000, 3001),
                          "hmo", reserved=True)
    return p


def apply_renames(wb: WorldBuilder, p: Plan, persons_given: dict[int, str] | None = None) -> None:
    """Decoy identities: same name/near DOB children, father and son sharing a name, HMO namesakes.

    Needs the drawn attributes, so it runs on the builder's person blocks before :meth:`finish`.
    """
    rng = wb.rng
    people = wb.person_columns()  # pid == position
    a, b = p.same_name_pairs[:, 0], p.same_name_pairs[:, 1]
    wb.update(b, "given", people["given"][a])
    wb.update(b, "family", people["family"][a])
    wb.update(b, "sex", people["sex"][a])
    wb.update(b, "dob", people["dob"][a] + rng.integers(1, 11, size=len(a)))
    fs = p.fams["fs"]
    son, dad = fs.kids[:, 0], fs.father
    wb.update(son, "given", people["given"][dad])
    wb.update(son, "family", people["family"][dad])
    wb.update(dad, "dob", people["dob"][son] - (rng.uniform(25, 30, size=len(son)) * 365.25).astype(int))
    wb.update(dad, "suffix", "Sr")
    wb.update(son, "suffix", "Jr")
    # half of the planted HMOs have two unrelated tenants with the same surname
    for place in p.hmo[::2]:
        if len(place) >= 2:
            wb.update(place[1:2], "family", people["family"][place[:1]])


class Planter:
    """Queues planted requests and resolves them in one batch per notification kind.

    ``add`` returns tickets; after :meth:`flush`, ``ticket_nid[t]`` is the planted
    notification's block-local id, or -1 where the request did not resolve.
    """

    def __init__(self, res: Resolver):
        self.res = res
        self._queue: list[dict] = []
        self.notifs: list[pd.DataFrame] = []
        self.ments: list[pd.DataFrame] = []
        self.ticket_nid = np.zeros(0, dtype=np.int64)

    def add(self, partner: str, code: str, units, days, subject, sev, **preset) -> np.ndarray:
        units, days, subject = (np.atleast_1d(np.asarray(x)) for x in (units, days, subject))
        sev = np.broadcast_to(np.asarray(sev), units.shape)
        start = len(self._queue)
        for i in range(len(units)):
            row = {"partner": partner, "code": code, "unit": int(units[i]), "day": int(days[i]),
                   "subject": int(subject[i]), "sev": int(sev[i])}
            for col, v in preset.items():
                v = np.asarray(v, dtype=object)
                row[col] = v[i] if v.ndim else v.item()
            self._queue.append(row)
        return np.arange(start, len(self._queue))

    def flush(self) -> None:
        q = pd.DataFrame(self._queue)
        self.ticket_nid = np.full(len(q), -1, dtype=np.int64)
        if q.empty:
            return
        preset_cols = [c for c in q.columns if c not in ("partner", "code", "unit", "day", "subject", "sev")]
        base = 0
        for (partner, code), g in q.groupby(["partner", "code"], sort=True):
            kind = KIND_BY_CODE[partner][code]
            units, days, subj = (g[c].to_numpy(np.int64) for c in ("unit", "day", "subject"))
            nt, mt = generate(self.res, partner, kind, units, days, subj)
            r = nt["q"].to_numpy()
            nt["sev"] = g["sev"].to_numpy()[r]
            for col in preset_cols:
                vals = g[col].to_numpy(dtype=object)[r]
                if col == "attendance":
                    nt[col] = pd.to_numeric(pd.Series(vals), errors="coerce").to_numpy()
                else:
                    nt[col] = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in vals]
            local = np.full(len(g), -1, dtype=np.int64)
            local[r] = base + np.arange(len(nt))
            self.ticket_nid[g.index.to_numpy()] = local
            nt["q"] = local[r]
            self.notifs.append(nt)
            self.ments.append(mt.assign(q=local[mt["q"].to_numpy()]))
            base += len(nt)

    def ids(self, tickets) -> list[int]:
        return [int(self.ticket_nid[t]) for t in tickets if self.ticket_nid[t] >= 0]


@dataclass
class Instance:
    pattern_type: str
    subject_type: str
    subject_id: int
    person_ids: list[int]
    nids: list[int]
    planted: bool = True


_LOW_CHILD = [("schools", "Behaviour", {}), ("schools", "Emotional wellbeing", {}),
              ("schools", "Attendance", {"attendance": None}), ("health", "WNB", {}),
              ("online_form", "Neglect", {}), ("csc", "20", {"decision": "NFA", "rag": "G", "consent": "Y"}),
              ("csc", "N", {"decision": "Info Only", "rag": "G", "consent": "Y"})]


def _low(pl: Planter, rng: np.random.Generator, unit: int, child: int, day: int, choice: int) -> int:
    partner, code, pre = _LOW_CHILD[choice]
    pre = dict(pre)
    if "attendance" in pre:
        pre["attendance"] = round(float(rng.uniform(86, 90)), 1)
    return int(pl.add(partner, code, [unit], [day], [child], 1, **pre)[0])  # a ticket


def _between(rng: np.random.Generator, lo: int, hi: int, size: int | None = None):
    """Uniform integers in [lo, hi), degrading to ``lo`` when a short world leaves no room."""
    return rng.integers(lo, max(lo + 1, hi), size=size)


def _pick_low_sources(rng: np.random.Generator, k: int) -> list[int]:
    # at least two different partners: the first two choices come from different agencies
    while True:
        c = list(rng.integers(0, len(_LOW_CHILD), size=k))
        if len({_LOW_CHILD[i][0] for i in c[:2]}) == 2:
            return c


def plant(res: Resolver, p: Plan, rng: np.random.Generator) -> tuple[Planter, list[Instance], list[dict]]:
    """Planted notifications for every pattern and decoy; returns (planter, pattern instances, decoys)."""
    S, E = res.pop.start, res.pop.end
    pl = Planter(res)
    inst: list[Instance] = []
    decoys: list[dict] = []

    f = p.fams["llr"]
    for i in range(len(f.unit)):
        child, k = int(f.kids[i, 0]), int(rng.integers(3, 6))
        w0 = int(_between(rng, S + 5, E - 95))
        days = np.sort(w0 + rng.choice(89, size=k, replace=False))
        nids = [_low(pl, rng, int(f.unit[i]), child, int(d), c) for d, c in zip(days, _pick_low_sources(rng, k))]
        inst.append(Instance("low_level_repeat", "person", child, [child], nids))

    f = p.fams["ss"]
    for i in range(len(f.unit)):
        kids = [int(x) for x in f.kids[i] if x >= 0]
        n_kids = min(len(kids), int(rng.integers(2, 5)))
        chosen = kids[:n_kids]
        k = int(rng.integers(3, min(6, 2 * n_kids) + 1))
        w0 = int(_between(rng, S + 5, E - 95))
        days = np.sort(w0 + rng.choice(89, size=k, replace=False))
        nids = [_low(pl, rng, int(f.unit[i]), chosen[j % n_kids], int(d), c)
                for j, (d, c) in enumerate(zip(days, _pick_low_sources(rng, k)))]
        inst.append(Instance("sibling_spread", "household", int(f.unit[i]), chosen, nids))

    f = p.fams["esc"]
    for i in range(len(f.unit)):
        u, mum, kid = int(f.unit[i]), int(f.mother[i]), int(f.kids[i, 0])
        t0 = int(_between(rng, S + 5, E - 200))
        stretch = min(1.0, max(0.05, (E - S - 20) / 185))  # short worlds squeeze the escalation
        plan_ = [("police", "DOM", 0, mum, 1, {}), ("schools", "Attendance", 25, kid, 1, {"attendance": 88.4}),
                 ("csc", "3B", 45, kid, 1, {"rag": "G", "decision": "NFA", "consent": "Y"}),
                 ("police", "DOM", 80, mum, 2, {}), ("schools", "Attendance", 100, kid, 2, {"attendance": 77.9}),
                 ("csc", "3B", 120, kid, 2, {"rag": "A", "decision": "Early Help", "consent": "Y"}),
                 ("police", "DOMV", 150, mum, 3, {}), ("schools", "Attendance", 165, kid, 3, {"attendance": 58.2}),
                 ("csc", "3B", 175, kid, 3, {"rag": "R", "decision": "Strategy", "consent": "Override"})]
        nids = [int(pl.add(pa, code, [u], [t0 + int(dt * stretch) + int(rng.integers(0, 8 * stretch + 1))], [subj], sev, **pre)[0])
                for pa, code, dt, subj, sev, pre in plan_]
        members = [int(x) for x in [mum, f.father[i], *f.kids[i]] if x >= 0]
        inst.append(Instance("escalation", "household", u, members, nids))

    a, b, move_in = p.fams["da_a"], p.fams["da_b"], p.da_move_day
    for i in range(len(a.unit)):
        man = int(a.father[i])
        if a.father_unit[i] < 0:
            continue
        n_a, n_b = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        days_a = _between(rng, S + 3, int(a.sep_day[i]) - 1, n_a)
        days_b = _between(rng, int(move_in[i]) + 5, E - 2, n_b)
        sev_a = rng.integers(1, 4, size=n_a)
        sev_b = rng.integers(1, 4, size=n_b)
        ids_a = pl.add("police", "DOM", np.full(n_a, a.unit[i]), days_a, np.full(n_a, a.mother[i]), sev_a)
        ids_b = pl.add("police", "DOM", np.full(n_b, b.unit[i]), days_b, np.full(n_b, b.mother[i]), sev_b)
        nids = [int(x) for x in np.r_[ids_a, ids_b]]
        inst.append(Instance("da_suspect_multi_household", "person", man, [man], nids))
        # probation knows him too, as a DA perpetrator
        pl.add("probation", "DA", [b.unit[i]], [int(_between(rng, int(move_in[i]) + 5, E - 1))], [man], 3)

    f = p.fams["fm"]
    opts = [("schools", "Neglect"), ("health", "NEG"), ("csc", "N"), ("schools", "Behaviour"), ("health", "WNB")]
    for i in range(len(f.unit)):
        u, kid = int(f.unit[i]), int(f.kids[i, 0])
        nids = []
        for j in range(len(f.spell_starts)):
            lo = max(int(f.spell_starts[j][i]), S)
            hi = int(f.spell_starts[j + 1][i]) if j + 1 < len(f.spell_starts) else E
            hi = min(hi, E)
            if hi - lo < 3:
                continue
            partner, code = opts[int(rng.integers(0, len(opts)))]
            nids.append(int(pl.add(partner, code, [u], [int(_between(rng, lo, hi - 1))], [kid],
                                   int(rng.integers(1, 3)))[0]))
        members = [int(x) for x in [f.mother[i], f.father[i], *f.kids[i]] if x >= 0]
        inst.append(Instance("family_moves", "household", u, members, nids))

    # -- decoys: each one's people are named in delivered records ------------------------------------
    f = p.fams["tw"]
    for i in range(len(f.unit)):
        u, t1, t2 = int(f.unit[i]), int(f.kids[i, 0]), int(f.kids[i, 1])
        d = int(_between(rng, S + 5, E - 40))
        pl.add("police", "CWEL", [u], [d], [f.mother[i] if f.mother[i] >= 0 else f.father[i]], 1)
        pl.add("schools", "Behaviour", [u, u], [d + 7, d + 20], [t1, t2], 1)
        decoys.append({"decoy_type": "twins", "person_ids": [t1, t2]})
    sn = p.same_name_pairs
    for i in range(len(sn)):
        d = int(_between(rng, S + 5, E - 60))
        for fam, pid, dd in ((p.fams["sn1"], sn[i, 0], d), (p.fams["sn2"], sn[i, 1], d + int(rng.integers(5, 50)))):
            pl.add("schools", "Emotional wellbeing", [fam.unit[i]], [dd], [pid], 1)
            pl.add("health", "WNB", [fam.unit[i]], [dd + 9], [pid], 1)
        decoys.append({"decoy_type": "same_name_close_dob", "person_ids": [int(sn[i, 0]), int(sn[i, 1])]})
    f = p.fams["fs"]
    for i in range(len(f.unit)):
        u, dad, son = int(f.unit[i]), int(f.father[i]), int(f.kids[i, 0])
        d = int(_between(rng, S + 5, E - 60))
        pl.add("police", "DOM", [u], [d], [f.mother[i]], 2)
        pl.add("police", "YOFF", [u], [d + 30], [son], 1)
        pl.add("probation", "VIOL", [u], [d + 12], [dad], 2)
        decoys.append({"decoy_type": "father_son_same_name", "person_ids": [dad, son]})
    unit_of = np.full(len(res.pop.persons), -1, dtype=np.int64)
    mem = res.pop.members
    unit_of[mem["pid"].to_numpy()] = mem["unit"].to_numpy()  # residents belong to one unit each
    for place in p.hmo:
        if len(place) < 2:
            continue
        units = unit_of[place[:2]]
        d = int(_between(rng, S + 5, E - 30))
        pl.add("police", "ASBA", units[:1], [d], place[:1], 1)
        pl.add("asc", "Modern Slavery", units[1:2], [d + 10], place[1:2], 2)
        pl.add("housing", "HOMELESS-S", units[:1], [d + 20], place[:1], 1)
        decoys.append({"decoy_type": "unrelated_adults_same_address", "person_ids": [int(x) for x in place[:2]]})
    pl.flush()
    for it in inst:
        it.nids = pl.ids(it.nids)
    return pl, inst, decoys


def top_up_re_referrals(res: Resolver, notifs: pd.DataFrame, ments: pd.DataFrame, rng: np.random.Generator,
                        budget: int) -> Planter:
    """Add second CSC referrals within 12 months until ~22% of referred children are re-referred.

    ``budget`` caps how many contacts may be added (they come out of the CSC share).
    """
    S, E = res.pop.start, res.pop.end
    pl = Planter(res)
    csc = notifs[(notifs["partner"] == "csc") & notifs["decision"].isin(["Referral", "Strategy"])]
    if csc.empty:
        return pl
    ref = csc[["nid", "subject", "day", "unit"]].sort_values(["subject", "day"], kind="stable")
    gap = ref.groupby("subject")["day"].diff()
    already = set(ref.loc[gap <= 365, "subject"])
    children = ref.drop_duplicates("subject")
    # ~15% of requests do not resolve (the child has moved out of reach that day): ask for more
    need = int(round(RE_REFERRAL_RATE * len(children) * 1.15)) - len(already)
    cand = children[~children["subject"].isin(already)]
    if need <= 0 or cand.empty:
        return pl
    take = cand.iloc[rng.permutation(len(cand))[: min(need, budget, len(cand))]]
    d1 = take["day"].to_numpy()
    gap2 = rng.integers(30, 366, size=len(take))
    d2 = np.where(d1 + gap2 < E - 1, d1 + gap2, d1 - gap2)
    ok = d2 >= S
    take, d2 = take[ok], d2[ok]
    sev = rng.choice([2, 3, 4], size=len(take), p=[0.45, 0.45, 0.10])
    dec = np.where(sev >= 4, "Strategy", np.where(rng.random(len(take)) < 0.8, "Referral", "Strategy"))
    rag = np.where(sev >= 3, "R", "A")
    codes = np.array(["3B", "4B", "N", "E", "P"])[rng.integers(0, 5, size=len(take))]
    # each child's address on the new day decides the unit; the resolver checks they live there
    spell = res.pop.spell_at(take["subject"].to_numpy(), d2)
    units = np.where(spell >= 0, res.pop.person_spells["unit"].to_numpy()[np.maximum(spell, 0)], -1)
    for code in np.unique(codes):
        m = (codes == code) & (units >= 0)
        if m.any():
            pl.add("csc", str(code), units[m], d2[m], take["subject"].to_numpy()[m], sev[m],
                   decision=dec[m], rag=rag[m])
    pl.flush()
    return pl
