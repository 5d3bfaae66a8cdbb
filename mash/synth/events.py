"""True notifications: who each partner notifies about, when, why and how severe.

A notification is resolved against the household on its day: a police domestic
incident names the mother as victim, the partner present (or the ex-partner)
as suspect and the children at home; a school referral names one pupil. The
result is two tables that everything downstream works from:

* ``notifs``: one row per true notification (nid, partner, code, concern, sev, day, subject, ...);
* ``mentions``: one row per person named (nid, pid, role label, pos, order).

Background notifications pick households with heavy-tailed weights, so most
children are notified once and a minority many times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mash.synth.frames import filled
from mash.synth.households import Population
from mash.synth.partners import KINDS, PARTNER_SHARES, Kind

ADULT_ROLES = ("mother", "father", "partner", "grandparent", "adult", "resident")
CARER_RANK = {"mother": 0, "father": 1, "partner": 2, "grandparent": 1}

_POLICE_CHILD_ROLE = {"MISP": "Missing Person", "ASSLT": "Victim", "SEXO": "Victim", "CSE": "Victim",
                      "ASB": "Suspect", "YOFF": "Suspect"}
_POLICE_CARER_ROLE = {"MHI": "Subject", "DRUG": "Suspect", "CWEL": "Parent/Guardian", "NEGL": "Parent/Guardian"}
_HEALTH_SERVICES = {
    "DA-DISC": ("ED", "GP", "Midwifery"), "PMH": ("Health Visiting", "GP", "Midwifery"),
    "SH": ("ED", "CAMHS"), "NAI": ("ED",), "NEG": ("Health Visiting", "GP"), "WNB": ("GP",),
    "SUB": ("ED", "GP"), "CMH": ("CAMHS", "GP"), "CSA": ("ED", "GP"),
}


class Resolver:
    """Turns (kind, unit, day) requests into notifications and mentions."""

    def __init__(self, pop: Population, rng: np.random.Generator):
        self.pop = pop
        self.rng = rng
        self.dob = pop.persons["dob"].to_numpy()
        self.sex = pop.persons["sex"].to_numpy()
        u = pop.units
        self.unit_kind = u["kind"].to_numpy()
        self.unit_weight = u["weight"].to_numpy()
        self.unit_center = u["center"].to_numpy()
        self.unit_reserved = u["reserved"].to_numpy()
        self.unit_ex = np.full(len(u), -1, dtype=np.int64)
        self.unit_ex_from = np.zeros(len(u), dtype=np.int64)
        # active window: a shared-address resident is only notified about while living there
        lo = np.full(len(u), pop.start)
        hi = np.full(len(u), pop.end)
        sp = pop.spells
        stay = sp[(sp["seq"] == 1) & np.isin(self.unit_kind[sp["unit"].to_numpy()], ["lac", "hostel", "hmo"])]
        su = stay["unit"].to_numpy()
        lo[su] = np.maximum(stay["start"].to_numpy(), pop.start)
        hi[su] = np.minimum(stay["end"].to_numpy(), pop.end)
        self.lo, self.hi = lo, hi
        self._pools: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def set_ex_partners(self, unit: np.ndarray, ex: np.ndarray, from_day: np.ndarray) -> None:
        ok = ex >= 0
        self.unit_ex[unit[ok]] = ex[ok]
        self.unit_ex_from[unit[ok]] = from_day[ok]

    def pool(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self._pools:
            ok = (self.unit_kind == name) & ~self.unit_reserved & (self.hi > self.lo)
            units = np.flatnonzero(ok)
            w = self.unit_weight[units]
            self._pools[name] = (units, w / w.sum() if len(units) else w)
        return self._pools[name]

    # -- background requests ------------------------------------------------------------------------
    def sample_requests(self, kind: Kind, n: int, partner: str) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        names = [p for p, _ in kind.pools if len(self.pool(p)[0])]
        w = np.array([dict(kind.pools)[p] for p in names])
        which = rng.choice(len(names), size=n, p=w / w.sum())
        units = np.empty(n, dtype=np.int64)
        for i, name in enumerate(names):
            m = which == i
            pu, pw = self.pool(name)
            units[m] = pu[rng.choice(len(pu), size=int(m.sum()), p=pw)]
        lo, hi = self.lo[units], self.hi[units]
        uniform = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
        around = self.unit_center[units] + rng.normal(0, 45, size=n).astype(np.int64)
        days = np.where(rng.random(n) < 0.45, around, uniform)
        days = np.clip(days, lo, hi - 1)
        if partner == "schools":
            days = _term_time(days)
            days = np.clip(days, lo, hi - 1)
        return units, days

    # -- resolution ---------------------------------------------------------------------------------
    def resolve(self, partner: str, kind: Kind, units: np.ndarray, days: np.ndarray,
                forced_subject: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Notifications (one per resolvable request) and their mentions; column ``q`` is the request index."""
        rng = self.rng
        L = self.pop.members_at(units, days)
        L["age"] = (L["day"].to_numpy() - self.dob[L["pid"].to_numpy()]) / 365.25
        L["sex"] = self.sex[L["pid"].to_numpy()]
        L["r"] = rng.random(len(L))
        L["is_child"] = (L["age"] < 18) & (L["age"] >= 0)
        L["adult"] = L["mrole"].isin(ADULT_ROLES) & (L["age"] >= 18)
        subj = kind.subject
        forced = None
        if forced_subject is not None:
            forced = pd.Series(forced_subject, index=np.arange(len(units)))

        def pick(mask: pd.Series, rank: pd.Series | None = None) -> pd.Series:
            sub = L[mask]
            cols = ["q", "r"] if rank is None else ["q", "_rank", "r"]
            if rank is not None:
                sub = sub.assign(_rank=rank[mask])
            sub = sub.sort_values(cols, kind="stable").drop_duplicates("q")
            return pd.Series(sub["pid"].to_numpy(), index=sub["q"].to_numpy())

        carer_rank = L["mrole"].map(CARER_RANK).fillna(9)
        is_carer = L["adult"] & L["mrole"].isin(list(CARER_RANK))
        mothers = L["adult"] & ((L["mrole"] == "mother") | ((L["mrole"] == "grandparent") & (L["sex"] == "F")))
        males = L["adult"] & (L["sex"] == "M") & L["mrole"].isin(["father", "partner", "adult", "resident"])
        kids = L["is_child"] & L["mrole"].isin(["child", "resident"])

        rows: list[pd.DataFrame] = []  # mention rows: q, pid, role, order

        def add(series: pd.Series, role: str | pd.Series, order: int) -> None:
            if len(series):
                rows.append(pd.DataFrame({"q": series.index.to_numpy(), "pid": series.to_numpy(),
                                          "role": role if isinstance(role, str) else role.to_numpy(),
                                          "order": order}))

        if subj.startswith("child") or subj.startswith("pupil"):
            a, b = (0, 17) if ":" not in subj else map(int, subj.split(":")[1].split("-"))
            if subj == "pupil":
                a, b = 4, 17
            subject = pick(kids & (L["age"] >= a) & (L["age"] < b + 1))
        elif subj in ("mother", "da"):
            subject = pick(mothers, carer_rank)
        elif subj in ("carer", "carer_kids", "kids_with_carer"):
            subject = pick(is_carer, carer_rank)
            if subj != "kids_with_carer":
                subject = subject.combine_first(pick(L["adult"]))
        elif subj == "male_adult":
            subject = pick(males)
        elif subj == "adult":
            subject = pick(L["adult"])
        else:
            raise ValueError(f"unknown subject selector {subj!r}")
        if forced is not None:
            # a planted notification names its subject; it must still live there that day
            have = set((L["q"].to_numpy() * (1 << 32) + L["pid"].to_numpy()).tolist())
            want = forced.index.to_numpy() * (1 << 32) + forced.to_numpy().astype(np.int64)
            subject = forced[[w in have for w in want.tolist()]]

        q_ok = subject.index.to_numpy()
        if partner == "police":
            subject = self._police(kind, L, subject, kids, males, is_carer, carer_rank, pick, add)
            q_ok = subject.index.to_numpy()
        elif partner == "housing":
            add(subject, "", 0)
            subj_for_row = subject.reindex(L["q"].to_numpy()).to_numpy()
            inq = ~pd.isna(subj_for_row)
            is_app = inq & (L["pid"].to_numpy() == subj_for_row)
            others = L[inq & ~is_app].copy()
            app_of_q = pd.Series(L["mrole"].to_numpy()[is_app], index=L["q"].to_numpy()[is_app])
            others["label"] = _member_labels(others, app_of_q.reindex(others["q"]).to_numpy())
            others = others.sort_values(["q", "age"], ascending=[True, True], kind="stable")
            others["order"] = others.groupby("q").cumcount() + 1
            rows.append(others[["q", "pid", "label", "order"]].rename(columns={"label": "role"}))
        else:
            add(subject, "", 0)

        notif = pd.DataFrame({"q": q_ok, "subject": subject.to_numpy()})
        ment = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["q", "pid", "role", "order"])
        ment = ment[ment["q"].isin(q_ok)]
        if partner == "probation":
            has_kids = L[kids].groupby("q").size()
            notif["children_at_address"] = np.where(has_kids.reindex(q_ok).fillna(0).to_numpy() > 0, "Y", "N")
        return notif, ment.drop_duplicates(["q", "pid"]).reset_index(drop=True)

    def _police(self, kind, L, subject, kids, males, is_carer, carer_rank, pick, add) -> pd.Series:
        rng = self.rng
        code = kind.code
        if kind.subject == "da":
            victim = subject
            suspect = pick(males & L["mrole"].isin(["father", "partner"]))
            # without a partner at home the ex-partner is the suspect (post-separation abuse)
            qs = victim.index.to_numpy()
            units_day = L.drop_duplicates("q").set_index("q")
            need = [q for q in qs if q not in suspect.index]
            if need:
                u = self._req_units[need]
                d = units_day.loc[need, "day"].to_numpy()
                ex = self.unit_ex[u]
                ok = (ex >= 0) & (d >= self.unit_ex_from[u])
                suspect = pd.concat([suspect, pd.Series(ex[ok], index=np.array(need)[ok])])
            victim = victim[victim.index.isin(suspect.index)]
            suspect = suspect.reindex(victim.index)
            add(victim, "Victim", 0)
            add(suspect, "Suspect", 1)
            k = L[kids & L["q"].isin(victim.index)]
            present = rng.random(len(k)) < 0.8
            witness = present & (k["age"].to_numpy() >= 12) & (rng.random(len(k)) < 0.25)
            role = np.where(witness, "Witness", np.where(present, "Child Present", "Child Resident"))
            add(pd.Series(k["pid"].to_numpy(), index=k["q"].to_numpy()), pd.Series(role), 2)
            return victim
        if kind.subject in ("kids_with_carer", "carer_kids"):
            carer = subject
            k = L[kids & L["q"].isin(carer.index)]
            has_k = np.unique(k["q"].to_numpy())
            carer = carer[carer.index.isin(has_k)]
            k = k[k["q"].isin(carer.index)]
            add(carer, _POLICE_CARER_ROLE[code], 0)
            add(pd.Series(k["pid"].to_numpy(), index=k["q"].to_numpy()), "Child Present", 1)
            return carer
        if kind.subject == "adult":
            add(subject, "Victim" if code == "VULA" else "Suspect", 0)
            return subject
        add(subject, _POLICE_CHILD_ROLE[code], 0)
        carer = pick(is_carer & L["q"].isin(subject.index), carer_rank)
        add(carer, "Person Reporting" if code == "MISP" else "Parent/Guardian", 1)
        return subject


def _member_labels(others: pd.DataFrame, app_mrole: np.ndarray) -> np.ndarray:
    """How a housing officer describes each other member relative to the applicant."""
    mrole = others["mrole"].to_numpy()
    sex = others["sex"].to_numpy()
    applicant_is_parent = np.isin(app_mrole, ["mother", "father", "partner"])
    child_label = np.where(applicant_is_parent, np.where(sex == "F", "Daughter", "Son"), "Child")
    out = filled(len(mrole), "Relative")
    out[mrole == "child"] = child_label[mrole == "child"]
    out[np.isin(mrole, ["father", "partner"])] = "Partner"
    gp = mrole == "grandparent"
    out[gp] = np.where(sex[gp] == "F", "Mother", "Father")
    out[(mrole == "mother") & (app_mrole == "grandparent")] = "Daughter"
    out[np.isin(mrole, ["adult", "resident"])] = "Lodger"
    return out


def _term_time(days: np.ndarray) -> np.ndarray:
    """Schools refer in term time: August moves to July, late December back a fortnight."""
    from mash.synth.dates import ymd

    _, m, d = ymd(days)
    days = np.where(m == 8, days - 31, days)
    return np.where((m == 12) & (d >= 20), days - 14, days)


def partner_targets(n: int) -> dict[str, int]:
    """Notifications per partner for ``n`` in total (largest-remainder rounding, sums to ``n``).

    >>> sum(partner_targets(1001).values())
    1001
    """
    raw = {p: s * n for p, s in PARTNER_SHARES.items()}
    out = {p: int(np.floor(v)) for p, v in raw.items()}
    rest = n - sum(out.values())
    for p in sorted(raw, key=lambda p: (-(raw[p] - out[p]), p))[:rest]:
        out[p] += 1
    return out


def generate(res: Resolver, partner: str, kind: Kind, units: np.ndarray, days: np.ndarray,
             forced_subject: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolve explicit requests (used by planted patterns too)."""
    res._req_units = units
    notif, ment = res.resolve(partner, kind, units, days, forced_subject)
    q = notif["q"].to_numpy()
    notif["unit"] = units[q]
    notif["day"] = days[q]
    notif["partner"] = partner
    notif["code"] = kind.code
    notif["concern"] = kind.concern
    return notif, ment


def background(res: Resolver, partner: str, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` background notifications for one partner, kinds in their configured proportions."""
    rng = res.rng
    kinds = KINDS[partner]
    w = np.array([k.weight for k in kinds])
    counts = rng.multinomial(n, w / w.sum()) if n > 0 else np.zeros(len(kinds), dtype=int)
    notifs, ments = [], []
    for kind, want in zip(kinds, counts):
        got_n, got_m, have = [], [], 0
        for attempt in range(6):
            if have >= want:
                break
            ask = int((want - have) * (1.6 + attempt)) + 8
            units, days = res.sample_requests(kind, ask, partner)
            nt, mt = generate(res, partner, kind, units, days)
            nt = nt.iloc[: want - have]
            mt = mt[mt["q"].isin(nt["q"])]
            # keep request indices unique across attempts
            off = attempt * 10**9
            nt = nt.assign(q=nt["q"] + off)
            mt = mt.assign(q=mt["q"] + off)
            got_n.append(nt)
            got_m.append(mt)
            have += len(nt)
        if got_n:
            notifs.append(pd.concat(got_n, ignore_index=True))
            ments.append(pd.concat(got_m, ignore_index=True))
    return _stack(notifs, ments)


def _stack(notifs: list[pd.DataFrame], ments: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate per-kind results, re-keying ``q`` to a block-local index."""
    out_n, out_m, base = [], [], 0
    for nt, mt in zip(notifs, ments):
        key = pd.Series(np.arange(len(nt)) + base, index=nt["q"].to_numpy())
        nt = nt.assign(q=key.to_numpy())
        mt = mt.assign(q=key.reindex(mt["q"].to_numpy()).to_numpy())
        base += len(nt)
        out_n.append(nt)
        out_m.append(mt)
    if not out_n:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(out_n, ignore_index=True), pd.concat(out_m, ignore_index=True)


# -- partner-specific attributes that depend on severity -----------------------------------------------

def draw_severity(rng: np.random.Generator, notifs: pd.DataFrame) -> np.ndarray:
    """Severity rank 1-4 per notification from its kind's distribution."""
    sev = np.zeros(len(notifs), dtype=np.int64)
    for partner, kinds in KINDS.items():
        for k in kinds:
            m = ((notifs["partner"] == partner) & (notifs["code"] == k.code)).to_numpy()
            c = int(m.sum())
            if c:
                p = np.array(k.sev, dtype=float)
                sev[m] = rng.choice(4, size=c, p=p / p.sum()) + 1
    return sev


_DECISIONS = ("NFA", "Info Only", "Early Help", "Referral", "Strategy")
_DECISION_P = {1: (0.50, 0.10, 0.32, 0.07, 0.01), 2: (0.15, 0.03, 0.42, 0.35, 0.05),
               3: (0.04, 0.0, 0.15, 0.56, 0.25), 4: (0.0, 0.0, 0.0, 0.3, 0.7)}


def add_attributes(rng: np.random.Generator, notifs: pd.DataFrame, dob: np.ndarray) -> pd.DataFrame:
    """CSC decision/RAG/consent, school attendance, health service, sources: all driven by severity.

    Columns already set (by planted patterns) are kept where not empty.
    """
    n = len(notifs)
    sev = notifs["sev"].to_numpy()
    out = notifs.copy()
    for col in ("decision", "rag", "consent", "service", "source", "attendance"):
        if col not in out:
            out[col] = None if col != "attendance" else np.nan
    csc = (out["partner"] == "csc").to_numpy()
    dec = np.empty(n, dtype=object)
    for s, p in _DECISION_P.items():
        m = csc & (sev == s)
        dec[m] = np.array(_DECISIONS, dtype=object)[rng.choice(5, size=int(m.sum()), p=p)]
    rag_by_sev = {1: (("G", 0.75), ("A", 0.1), ("B", 0.15)), 2: (("A", 0.7), ("G", 0.2), ("R", 0.1)),
                  3: (("R", 0.6), ("A", 0.4)), 4: (("R", 1.0),)}
    rag = np.empty(n, dtype=object)
    for s, opts in rag_by_sev.items():
        m = csc & (sev == s)
        codes = np.array([c for c, _ in opts], dtype=object)
        rag[m] = codes[rng.choice(len(codes), size=int(m.sum()), p=[p for _, p in opts])]
    rag = np.where(csc & (dec == "Strategy"), "R", rag)
    p_override = np.where(sev >= 3, 0.45, 0.12)
    r = rng.random(n)
    consent = np.where(r < p_override, "Override", np.where(r < p_override + 0.08, "N", "Y"))
    _fill(out, "decision", csc, dec)
    _fill(out, "rag", csc, rag)
    _fill(out, "consent", csc, consent)

    sch = (out["partner"] == "schools").to_numpy()
    att_concern = sch & (out["code"] == "Attendance").to_numpy()
    base = np.clip(rng.normal(93.5, 4.0, size=n), 62, 100)
    lo = np.array([0, 84, 68, 45, 15])[sev]
    hi = np.array([0, 90, 84, 68, 45])[sev]
    low_att = lo + rng.random(n) * (hi - lo)
    att = np.round(np.where(att_concern, low_att, base), 1)
    _fill(out, "attendance", sch, att)

    hl = (out["partner"] == "health").to_numpy()
    svc = np.empty(n, dtype=object)
    for code, options in _HEALTH_SERVICES.items():
        m = hl & (out["code"] == code).to_numpy()
        svc[m] = np.array(options, dtype=object)[rng.integers(0, len(options), size=int(m.sum()))]
    _fill(out, "service", hl, svc)
    return out


def _fill(df: pd.DataFrame, col: str, mask: np.ndarray, values: np.ndarray) -> None:
    cur = df[col].to_numpy(dtype=object).copy()
    empty = pd.isna(cur)
    take = mask & empty
    cur[take] = values[take]
    df[col] = cur
