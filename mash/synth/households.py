"""Households over time: families, moves, separations, new partners, births, institutions.

The world is built from *units* (a family, a man who left, an HMO tenant, a
looked-after child...). A unit has address spells (it moves as one) and
members who join and leave on dates. A person's address on a day is the
address of the unit spell they were a member of that day; that intersection
is what ``households.csv`` records as household spells.

All days are integer day numbers (see :mod:`mash.synth.dates`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mash.synth.frames import filled, objectify, release_memory
from mash.synth.people import sample_given, sample_origins, sample_surnames
from mash.synth.names import SIMILAR_TWIN_NAMES

OPEN = 10**7  # "still there": a leave/end day beyond any world


@dataclass
class Families:
    """Handles to the people of a batch of families, one row per family (-1 = nobody)."""

    unit: np.ndarray
    mother: np.ndarray
    father: np.ndarray
    grandmother: np.ndarray
    kids: np.ndarray  # families x max kids
    absent_father: np.ndarray
    new_partner: np.ndarray
    father_unit: np.ndarray  # the separated father's own unit, -1 if no separation
    sep_day: np.ndarray
    partner_day: np.ndarray
    spell_starts: list[np.ndarray] = field(default_factory=list)


class WorldBuilder:
    """Accumulates persons, units, spells, members and relationships in vectorised blocks."""

    def __init__(self, rng: np.random.Generator, start_day: int, days: int):
        self.rng = rng
        self.S = start_day
        self.T = days
        self.E = start_day + days
        self._persons: list[pd.DataFrame] = []
        self._units: list[pd.DataFrame] = []
        self._spells: list[pd.DataFrame] = []
        self._members: list[pd.DataFrame] = []
        self._rels: list[pd.DataFrame] = []
        self._addr_kinds: list[np.ndarray] = []
        self.n_persons = self.n_units = self.n_addr = 0
        self._updates: list[tuple[np.ndarray, str, object]] = []
        self._ends: list[pd.DataFrame] = []

    # -- primitives -------------------------------------------------------------------------------
    def new_addresses(self, kinds: np.ndarray) -> np.ndarray:
        kinds = np.asarray(kinds, dtype=object)
        ids = np.arange(self.n_addr, self.n_addr + len(kinds))
        self.n_addr += len(kinds)
        self._addr_kinds.append(kinds)
        return ids

    def house_or_flat(self, n: int, p_flat: float = 0.35) -> np.ndarray:
        return self.new_addresses(np.where(self.rng.random(n) < p_flat, "flat", "house"))

    def new_persons(self, sex: np.ndarray, dob: np.ndarray, origin: np.ndarray, family: np.ndarray,
                    given: np.ndarray | None = None, prev_family: np.ndarray | None = None) -> np.ndarray:
        n = len(sex)
        pid = np.arange(self.n_persons, self.n_persons + n)
        self.n_persons += n
        birth_year = 1970 + (np.asarray(dob) // 365.25).astype(np.int64)
        if given is None:
            given = sample_given(self.rng, origin, sex, birth_year)
        self._persons.append({
            "pid": pid, "given": np.asarray(given, dtype=object), "family": np.asarray(family, dtype=object),
            "prev_family": (np.asarray(prev_family, dtype=object) if prev_family is not None
                            else filled(n, "")),
            "dob": np.asarray(dob, dtype=np.int64), "sex": np.asarray(sex, dtype=object),
            "origin": np.asarray(origin, dtype=object), "suffix": filled(n, "")})
        return pid

    def new_units(self, kind: str, n: int, weight: np.ndarray | float = 1.0, reserved: bool = False) -> np.ndarray:
        uid = np.arange(self.n_units, self.n_units + n)
        self.n_units += n
        w = np.broadcast_to(np.asarray(weight, dtype=float), (n,))
        # A family's notifications cluster around a crisis; the centre is per unit.
        center = self.S + self.rng.integers(0, self.T, size=n)
        self._units.append({"unit": uid, "kind": filled(n, kind), "weight": np.array(w, dtype=float),
                            "center": center, "reserved": np.full(n, reserved)})
        return uid

    def add_spells(self, unit: np.ndarray, seq: np.ndarray, addr: np.ndarray, start: np.ndarray,
                   end: np.ndarray) -> None:
        n = len(unit)
        self._spells.append({k: np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)).copy() for k, v in
                             (("unit", unit), ("seq", seq), ("addr", addr), ("start", start), ("end", end))})

    def single_spell(self, unit: np.ndarray, addr: np.ndarray, start: np.ndarray | None = None) -> None:
        n = len(unit)
        if start is None:
            start = self.S - self.rng.integers(90, 4000, size=n)
        self.add_spells(unit, np.zeros(n, dtype=np.int64), addr, start, np.full(n, OPEN))

    def add_members(self, pid: np.ndarray, unit: np.ndarray, join: np.ndarray, leave: np.ndarray,
                    mrole: str | np.ndarray) -> None:
        ok = pid >= 0
        n = int(ok.sum())
        self._members.append({
            "pid": np.asarray(pid)[ok].astype(np.int64), "unit": np.asarray(unit)[ok].astype(np.int64),
            "join": (np.asarray(join)[ok] if np.ndim(join) else np.full(n, join)).astype(np.int64),
            "leave": (np.asarray(leave)[ok] if np.ndim(leave) else np.full(n, leave)).astype(np.int64),
            "mrole": np.asarray(mrole, dtype=object)[ok] if np.ndim(mrole) else filled(n, mrole)})

    def add_rels(self, a: np.ndarray, b: np.ndarray, kind: str) -> None:
        ok = (a >= 0) & (b >= 0)
        if ok.any():
            self._rels.append({"person_a": a[ok].astype(np.int64), "person_b": b[ok].astype(np.int64),
                               "type": filled(int(ok.sum()), kind)})

    def update(self, pid: np.ndarray, column: str, values: object) -> None:
        """Overwrite a person attribute at :meth:`finish` (planted decoys rename and re-date people)."""
        self._updates.append((np.asarray(pid), column, values))

    def end_membership(self, pid: np.ndarray, unit: np.ndarray, day: np.ndarray) -> None:
        """Cut short a membership (a man leaving his flat to move in with a new partner)."""
        self._ends.append(pd.DataFrame({"pid": np.asarray(pid, np.int64), "unit": np.asarray(unit, np.int64),
                                        "new_leave": np.asarray(day, np.int64)}))

    def person_columns(self) -> dict[str, np.ndarray]:
        """All persons so far as one array per attribute (pid order)."""
        return _cat(self._persons)

    def _dob_from_age(self, age_years: np.ndarray) -> np.ndarray:
        return (self.S - age_years * 365.25).astype(np.int64)

    # -- families ---------------------------------------------------------------------------------
    def add_families(self, n: int, *, reserved: bool = False, ftype: str | None = None,
                     nkids: int | np.ndarray | None = None, n_moves: int | None = None,
                     sep_rate: float = 0.09, newp_rate: float = 0.10, birth_rate: float = 0.09,
                     twin_rate: float = 0.012, kid_age_range: tuple[float, float] = (0.3, 17.8),
                     weight: np.ndarray | None = None, sep_window: tuple[float, float] | None = None,
                     kid_sex: str | None = None) -> Families:
        """Create ``n`` families with children; every knob can be forced for planted patterns."""
        rng, S, T = self.rng, self.S, self.T
        types = np.array(["couple", "single_mum", "single_dad", "multigen", "kinship"], dtype=object)
        ft = (filled(n, ftype) if ftype else
              types[rng.choice(5, size=n, p=[0.44, 0.38, 0.04, 0.09, 0.05])])
        if nkids is None:
            nk = rng.choice(np.arange(1, 7), size=n, p=[0.36, 0.32, 0.18, 0.08, 0.04, 0.02])
        else:
            nk = np.broadcast_to(np.asarray(nkids), (n,)).copy()
        maxk = int(nk.max()) + 1  # +1: a baby born during the period
        origin = sample_origins(rng, n)
        unit = self.new_units("family", n, rng.lognormal(0.0, 1.05, size=n) if weight is None else weight,
                              reserved=reserved)

        # children's ages: oldest first, the rest spread below it
        a1 = rng.uniform(*kid_age_range, size=n)
        # siblings 1-4.5 years apart (twins 0); a child who would be "born" after today is dropped
        gaps = rng.uniform(1.0, 4.5, size=(n, maxk))
        twins = (nk >= 2) & (rng.random(n) < twin_rate)
        gaps[twins, 0] = 0.0
        ages = a1[:, None] - np.c_[np.zeros(n), np.cumsum(gaps, axis=1)[:, :-1]]
        present = (np.arange(maxk)[None, :] < nk[:, None]) & (ages > 0.05)
        twins &= present[:, 1]
        nk = present.sum(axis=1)
        born_in = (rng.random(n) < birth_rate)
        baby_slot = nk.copy()
        kid_dob = self._dob_from_age(ages)
        baby_dob = S + rng.integers(20, max(21, T - 20), size=n)
        kid_dob[np.arange(n), np.minimum(baby_slot, maxk - 1)] = np.where(
            born_in, baby_dob, kid_dob[np.arange(n), np.minimum(baby_slot, maxk - 1)])
        present[np.arange(n), np.minimum(baby_slot, maxk - 1)] |= born_in

        mother_age = np.clip(a1 + rng.uniform(17, 36, size=n), 18, 54)
        father_age = np.maximum(mother_age + rng.normal(2.5, 3.5, size=n), a1 + 16.5)
        gm_age = np.where(ft == "kinship", a1 + rng.uniform(36, 52, size=n), mother_age + rng.uniform(18, 30, size=n))

        has_mother = np.isin(ft, ["couple", "single_mum", "multigen"])
        has_father = (ft == "couple") | (ft == "single_dad") | ((ft == "multigen") & (rng.random(n) < 0.35))
        has_gm = np.isin(ft, ["multigen", "kinship"])
        has_absent = ((ft == "single_mum") | ((ft == "multigen") & ~has_father)) & (rng.random(n) < 0.6)

        fam_surname = sample_surnames(rng, origin)
        other_surname = sample_surnames(rng, origin)  # mother's maiden / own name
        father_origin = np.where(rng.random(n) < 0.1, sample_origins(rng, n), origin)
        father_surname = np.where(father_origin == origin, fam_surname, sample_surnames(rng, father_origin))
        married = (ft == "couple") & (rng.random(n) < 0.55)
        # A single mother often still carries a married name, her maiden name on older records.
        kept_married = (ft != "couple") & (rng.random(n) < 0.2)
        mother_family = np.where(married | kept_married, father_surname, other_surname)
        mother_prev = np.where((married | kept_married) & (other_surname != father_surname), other_surname, "")
        absent_surname = np.where(has_absent, sample_surnames(rng, origin), "")

        def take(mask: np.ndarray, sex: str, age: np.ndarray, fam: np.ndarray, prev=None, org=origin) -> np.ndarray:
            out = np.full(n, -1, dtype=np.int64)
            k = int(mask.sum())
            if k:
                out[mask] = self.new_persons(filled(k, sex), self._dob_from_age(age[mask]),
                                             org[mask], fam[mask], prev_family=None if prev is None else prev[mask])
            return out

        mother = take(has_mother, "F", mother_age, mother_family, mother_prev)
        father = take(has_father, "M", father_age, father_surname, org=father_origin)
        gm_family = np.where(rng.random(n) < 0.6, other_surname, sample_surnames(rng, origin))
        grandmother = take(has_gm, "F", gm_age, gm_family)
        has_gf = has_gm & (rng.random(n) < 0.35)
        grandfather = take(has_gf, "M", gm_age + 2, gm_family)
        absent = take(has_absent, "M", father_age, absent_surname)

        # children's surnames
        r = rng.random(n)
        dad_name = np.where(has_father, father_surname, np.where(has_absent, absent_surname, fam_surname))
        mum_name = np.where(has_mother, mother_family, gm_family)
        barrel = (pd.Series(dad_name, dtype=object) + "-" + pd.Series(mum_name, dtype=object)).to_numpy(object)
        # "Smith-Smith" is not a thing
        barrel = np.where(dad_name == mum_name, dad_name, barrel)
        kid_surname = np.where(married, father_surname,
                               np.where(r < 0.55, np.where(has_father, dad_name, mum_name),
                                        np.where(r < 0.9, np.where(has_father, mum_name, dad_name), barrel)))

        fi, ki = np.nonzero(present)
        kids = np.full((n, maxk), -1, dtype=np.int64)
        ksex = np.where(rng.random(len(fi)) < 0.5, "F", "M").astype(object)
        if kid_sex:
            ksex[ki == 0] = kid_sex
        kgiven = np.full((n, maxk), None, dtype=object)
        kyear = 1970 + (kid_dob[fi, ki] // 365.25).astype(np.int64)
        kgiven[fi, ki] = sample_given(rng, origin[fi], ksex, kyear)
        ksex_m = np.full((n, maxk), None, dtype=object)
        ksex_m[fi, ki] = ksex
        for j in range(1, maxk):  # no two siblings share a forename (redraw, a few tries)
            for _ in range(4):
                clash = present[:, j] & (kgiven[:, :j] == kgiven[:, j:j + 1]).any(axis=1)
                if not clash.any():
                    break
                c = np.flatnonzero(clash)
                kgiven[c, j] = sample_given(rng, origin[c], ksex_m[c, j],
                                            1970 + (kid_dob[c, j] // 365.25).astype(np.int64))
        kids[fi, ki] = self.new_persons(ksex, kid_dob[fi, ki], origin[fi], kid_surname[fi], given=kgiven[fi, ki])
        # Twins: one in four pairs get near-identical names (Jayden / Jaydon).
        tw = np.flatnonzero(twins)
        similar = tw[rng.random(len(tw)) < 0.25]
        if len(similar):
            pairs = np.array(SIMILAR_TWIN_NAMES, dtype=object)[rng.integers(0, len(SIMILAR_TWIN_NAMES), len(similar))]
            self.update(kids[similar, 0], "given", pairs[:, 0])
            self.update(kids[similar, 1], "given", pairs[:, 1])

        # address spells: moves during the period
        moves = (rng.choice(4, size=n, p=[0.72, 0.19, 0.07, 0.02]) if n_moves is None
                 else np.full(n, n_moves))
        first_start = S - rng.integers(90, 4000, size=n)
        spell_starts = [first_start]
        move_days = np.sort(rng.integers(20, max(21, T - 20), size=(n, max(1, int(moves.max())))), axis=1)
        for j in range(int(moves.max())):
            spell_starts.append(np.where(j < moves, S + move_days[:, j], OPEN))
        for j, st in enumerate(spell_starts):
            has = st < OPEN
            nxt = spell_starts[j + 1] if j + 1 < len(spell_starts) else np.full(n, OPEN)
            self.add_spells(unit[has], np.full(int(has.sum()), j), self.house_or_flat(int(has.sum())),
                            st[has], nxt[has])

        # separations: the father (or the mother's partner) leaves for a flat of his own
        can_sep = has_father & has_mother
        sep = can_sep & (rng.random(n) < sep_rate)
        lo_s, hi_s = (30, max(31, T - 30)) if sep_window is None else (int(sep_window[0] * T), int(sep_window[1] * T))
        sep_day = np.where(sep, S + rng.integers(lo_s, hi_s, size=n), OPEN)
        father_unit = np.full(n, -1, dtype=np.int64)
        ks = int(sep.sum())
        if ks:
            father_unit[sep] = self.new_units("solo", ks, weight[sep] if weight is not None else 0.5)
            self.single_spell(father_unit[sep], self.house_or_flat(ks, 0.8), sep_day[sep])
            self.add_members(father[sep], father_unit[sep], sep_day[sep], OPEN, "father")

        # new partners move in with single mothers
        newp = (ft == "single_mum") & (rng.random(n) < newp_rate)
        partner_day = np.where(newp, S + rng.integers(20, max(21, T - 20), size=n), OPEN)
        new_partner = take(newp, "M", mother_age + rng.normal(1.0, 5.0, size=n).clip(-6, 12),
                           sample_surnames(rng, origin))
        kn = int(newp.sum())
        if kn:
            own = self.new_units("solo", kn, 0.4)
            self.add_spells(own, np.zeros(kn, dtype=np.int64), self.house_or_flat(kn, 0.8),
                            S - rng.integers(300, 3000, size=kn), partner_day[newp])
            self.add_members(new_partner[newp], own, S - 5000, partner_day[newp], "adult")
            self.add_members(new_partner[newp], unit[newp], partner_day[newp], OPEN, "partner")
            self.add_rels(mother[newp], new_partner[newp], "partner")

        if has_absent.any():
            ka = int(has_absent.sum())
            au = self.new_units("solo", ka, 0.5)
            self.single_spell(au, self.house_or_flat(ka, 0.8))
            self.add_members(absent[has_absent], au, S - 5000, OPEN, "father")

        # family memberships
        home_join = first_start
        self.add_members(mother, unit, home_join, OPEN, "mother")
        self.add_members(father, unit, home_join, sep_day, "father")
        self.add_members(grandmother, unit, home_join, OPEN, "grandparent")
        self.add_members(grandfather, unit, home_join, OPEN, "grandparent")
        kid_join = np.maximum(home_join[:, None], kid_dob)
        kid_leave = np.full((n, maxk), OPEN, dtype=np.int64)
        # after a separation, some children go to live with their father
        moves_to_dad = sep & (rng.random(n) < 0.25) & (nk >= 1)
        mover = np.where(moves_to_dad, rng.integers(0, np.maximum(nk, 1)), -1)
        c_day = np.minimum(sep_day + rng.integers(14, 200, size=n), self.E - 5)
        mt = np.flatnonzero(moves_to_dad & (c_day > sep_day))
        kid_leave[mt, mover[mt]] = c_day[mt]
        for j in range(maxk):
            self.add_members(kids[:, j], unit, kid_join[:, j], kid_leave[:, j], "child")
        if len(mt):
            self.add_members(kids[mt, mover[mt]], father_unit[mt], c_day[mt], OPEN, "child")

        # relationships
        for j in range(maxk):
            self.add_rels(mother, kids[:, j], "parent")
            self.add_rels(father, kids[:, j], "parent")
            self.add_rels(absent, kids[:, j], "parent")
            self.add_rels(grandmother, kids[:, j], "grandparent")
            self.add_rels(grandfather, kids[:, j], "grandparent")
            for i in range(j):
                is_twin = twins & (i == 0) & (j == 1)
                self.add_rels(np.where(~is_twin, kids[:, i], -1), kids[:, j], "sibling")
                self.add_rels(np.where(is_twin, kids[:, i], -1), kids[:, j], "twin")
        both = has_father & has_mother
        self.add_rels(np.where(both & ~sep, mother, -1), father, "partner")
        self.add_rels(np.where(sep, mother, -1), father, "ex_partner")
        self.add_rels(np.where(has_absent, mother, -1), absent, "ex_partner")
        self.add_rels(np.where(ft == "multigen", grandmother, -1), mother, "parent")
        return Families(unit=unit, mother=mother, father=father, grandmother=grandmother, kids=kids,
                        absent_father=absent, new_partner=new_partner, father_unit=father_unit,
                        sep_day=sep_day, partner_day=partner_day, spell_starts=spell_starts)

    # -- adults and shared addresses ------------------------------------------------------------------
    def add_adults(self, n: int, kind: str, age: tuple[float, float], p_male: float,
                   p_couple: float = 0.0, weight: float = 1.0) -> np.ndarray:
        """Adult-only units (older people, single adults) at their own address; returns the unit ids."""
        rng = self.rng
        unit = self.new_units(kind, n, rng.lognormal(0, 0.8, size=n) * weight)
        self.single_spell(unit, self.house_or_flat(n, 0.5))
        origin = sample_origins(rng, n)
        sex = np.where(rng.random(n) < p_male, "M", "F").astype(object)
        fam = sample_surnames(rng, origin)
        a = self.new_persons(sex, self._dob_from_age(rng.uniform(*age, size=n)), origin, fam)
        self.add_members(a, unit, self.S - 5000, OPEN, "adult")
        couple = rng.random(n) < p_couple
        k = int(couple.sum())
        if k:
            other = np.where(sex[couple] == "M", "F", "M").astype(object)
            b = self.new_persons(other, self._dob_from_age(rng.uniform(*age, size=k)), origin[couple], fam[couple])
            self.add_members(b, unit[couple], self.S - 5000, OPEN, "adult")
            self.add_rels(a[couple], b, "partner")
        return unit

    def add_shared(self, n_places: int, kind: str, beds: int, age: tuple[float, float], p_male: float,
                   stay: tuple[int, int], unit_kind: str, weight: float = 1.0,
                   reserved: bool = False) -> list[np.ndarray]:
        """Shared addresses (HMO, children's home, hostel) where unrelated people come and go.

        Each resident is a unit of their own with three spells: before, during and after the stay.
        Returns, per place, the resident pids.
        """
        rng, S = self.rng, self.S
        addr = self.new_addresses(filled(n_places, kind))
        places: list[np.ndarray] = []
        for p in range(n_places):
            starts, ends = [], []
            for _ in range(beds):
                t = S - int(rng.integers(0, stay[1]))
                while t < self.E:
                    length = int(rng.integers(*stay))
                    starts.append(t)
                    ends.append(t + length)
                    t += length + int(rng.integers(0, 30))
            starts_a, ends_a = np.array(starts), np.array(ends)
            k = len(starts_a)
            unit = self.new_units(unit_kind, k, rng.lognormal(0, 0.6, size=k) * weight, reserved=reserved)
            before, after = self.house_or_flat(k, 0.6), self.house_or_flat(k, 0.6)
            z = np.zeros(k, dtype=np.int64)
            self.add_spells(unit, z, before, starts_a - rng.integers(200, 3000, size=k), starts_a)
            self.add_spells(unit, z + 1, np.full(k, addr[p]), starts_a, ends_a)
            self.add_spells(unit, z + 2, after, ends_a, np.full(k, OPEN))
            origin = sample_origins(rng, k)
            sex = np.where(rng.random(k) < p_male, "M", "F").astype(object)
            dob = starts_a - (rng.uniform(*age, size=k) * 365.25).astype(np.int64)
            pid = self.new_persons(sex, dob, origin, sample_surnames(rng, origin))
            self.add_members(pid, unit, S - 10000, OPEN, "resident")
            places.append(pid)
        return places

    # -- finish -------------------------------------------------------------------------------------
    def finish(self) -> "Population":
        cols = self.person_columns()
        for pids, column, values in self._updates:
            cols[column][np.asarray(pids, dtype=np.int64)] = values
        persons = _frame(cols)
        persons.index = persons["pid"].to_numpy()
        units = _frame(_cat(self._units))
        units.index = units["unit"].to_numpy()
        spells = _frame(_cat(self._spells))
        members = _frame(_cat(self._members))
        if self._ends:
            ends = pd.concat(self._ends, ignore_index=True)
            m = members.merge(ends, on=["pid", "unit"], how="left")
            members["leave"] = np.where(m["new_leave"].notna(), m["new_leave"], members["leave"]).astype(np.int64)
        rels = _frame(_cat(self._rels)) if self._rels else pd.DataFrame(columns=["person_a", "person_b", "type"])
        # person spells = membership interval intersected with the unit's address spells
        ps = members.merge(spells, on="unit")
        ps["from"] = np.maximum(ps["join"], ps["start"])
        ps["to"] = np.minimum(ps["leave"], ps["end"])
        ps = ps[ps["from"] < ps["to"]].sort_values(["pid", "from"], kind="stable").reset_index(drop=True)
        ps = ps[["pid", "unit", "seq", "addr", "from", "to", "mrole"]]
        persons, units, members, rels, ps = (objectify(x) for x in (persons, units, members, rels, ps))
        release_memory()
        return Population(persons=persons, units=units, spells=spells, members=members, rels=rels,
                          person_spells=ps, addr_kinds=np.concatenate(self._addr_kinds), start=self.S, end=self.E)


def _cat(blocks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}


def _frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype=object) if v.dtype == object else v for k, v in cols.items()})


_KEY = 1 << 24  # day offset span for (pid, day) search keys


@dataclass
class Population:
    """The finished world's people and where they lived when."""

    persons: pd.DataFrame
    units: pd.DataFrame
    spells: pd.DataFrame
    members: pd.DataFrame
    rels: pd.DataFrame
    person_spells: pd.DataFrame
    addr_kinds: np.ndarray
    start: int
    end: int

    def __post_init__(self) -> None:
        ps = self.person_spells
        self._keys = ps["pid"].to_numpy(np.int64) * _KEY + (ps["from"].to_numpy(np.int64) + (_KEY // 2))
        # members grouped by unit (CSR layout) so "who lived here that day" is a gather, not a join
        m = self.members.sort_values(["unit", "pid"], kind="stable")
        self._m_pid = m["pid"].to_numpy(np.int64)
        self._m_join = m["join"].to_numpy(np.int64)
        self._m_leave = m["leave"].to_numpy(np.int64)
        self._m_role = m["mrole"].to_numpy(object)
        units = m["unit"].to_numpy(np.int64)
        n_units = int(self.units["unit"].max()) + 1
        self._m_start = np.searchsorted(units, np.arange(n_units + 1))

    def spell_at(self, pid: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Row index into :attr:`person_spells` of each person's spell on each day (-1 if none)."""
        q = np.asarray(pid, np.int64) * _KEY + (np.asarray(day, np.int64) + (_KEY // 2))
        i = np.searchsorted(self._keys, q, side="right") - 1
        ps = self.person_spells
        ok = (i >= 0)
        i = np.where(ok, i, 0)
        ok &= (ps["pid"].to_numpy()[i] == pid) & (ps["to"].to_numpy()[i] > day)
        return np.where(ok, i, -1)

    def previous_spell(self, spell_idx: np.ndarray) -> np.ndarray:
        """The same person's spell before (a stale address source), -1 if none or a different address."""
        ps = self.person_spells
        prev = spell_idx - 1
        ok = (spell_idx > 0) & (prev >= 0)
        prev = np.where(ok, prev, 0)
        ok &= ps["pid"].to_numpy()[prev] == ps["pid"].to_numpy()[np.maximum(spell_idx, 0)]
        ok &= ps["addr"].to_numpy()[prev] != ps["addr"].to_numpy()[np.maximum(spell_idx, 0)]
        return np.where(ok, prev, -1)

    def members_at(self, unit: np.ndarray, day: np.ndarray) -> pd.DataFrame:
        """Long table (q, pid, mrole) of who lived in each queried unit on each queried day."""
        unit = np.asarray(unit, np.int64)
        day = np.asarray(day, np.int64)
        lo, hi = self._m_start[unit], self._m_start[unit + 1]
        cnt = hi - lo
        q = np.repeat(np.arange(len(unit)), cnt)
        first = np.repeat(lo - np.r_[0, np.cumsum(cnt)[:-1]], cnt)
        idx = first + np.arange(int(cnt.sum()))
        d = day[q]
        ok = (self._m_join[idx] <= d) & (d < self._m_leave[idx])
        idx, q, d = idx[ok], q[ok], d[ok]
        return pd.DataFrame({"q": q, "pid": self._m_pid[idx], "mrole": pd.Series(self._m_role[idx], dtype=object),
                             "day": d})
