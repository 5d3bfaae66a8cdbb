"""Build a whole synthetic MASH world and write it to disk (stages: households, notifications,
identifiers, noise and layout per partner, delivery files, ground truth).

>>> from pathlib import Path; import tempfile
>>> s = generate_world(Path(tempfile.mkdtemp()), n_notifications=400, seed=1, months=6)
>>> s.notifications_per_partner["police"] > 0
True
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from mash.synth import partners as P
from mash.synth import truth as T
from mash.synth.addresses import make_addresses
from mash.synth.dates import day_number, fmt_iso
from mash.synth.delivery import deliver
from mash.synth.frames import filled, objectify, release_memory
from mash.synth.events import Resolver, add_attributes, background, draw_severity, partner_targets
from mash.synth.households import WorldBuilder
from mash.synth.ids import mint_crn
from mash.synth.noise import NoiseRates
from mash.synth.patterns import apply_renames, plan, plant, top_up_re_referrals
from mash.synth.people import assign_identifiers
from mash.synth import render as R
from mash.synth.writers import (set_mtime, visible, write_csv, write_jsonl, write_truth_csv,
                                 write_truth_csv_chunked, write_xlsx)

FILE_FORMAT = {  # partner -> (encoding, delimiter, crlf)
    "police": ("utf-8", ",", False), "csc": ("utf-8-sig", ",", False), "asc": ("cp1252", ",", True),
    "housing": ("utf-8", "|", False), "probation": ("cp1252", ";", True), "online_form": ("utf-8", ",", False),
}
REF_PREFIX = {"police": "OR/{yy}/", "health": "HR-", "schools": "SR", "csc": "", "asc": "SG-", "housing": "H/{yyyy}/",
              "probation": "PRB", "online_form": "F-"}


@dataclass
class WorldSummary:
    """What :func:`generate_world` wrote (also saved, minus timings, as ``truth/world.json``)."""

    out_dir: Path
    seed: int
    n_notifications: int
    months: int
    start: date
    notifications_per_partner: dict[str, int]
    rows_per_partner: dict[str, int]
    files_per_partner: dict[str, int]
    pattern_counts: dict[str, dict[str, int]]
    decoy_counts: dict[str, int]
    noise_rates: dict[str, float]
    noise_counts: dict[str, int]
    n_persons: int
    n_households: int
    n_addresses: int
    re_referral_rate: float
    corrupted_identifier_share: dict[str, float]
    seconds: dict[str, float] = field(default_factory=dict)
    rss_mb: dict[str, int] = field(default_factory=dict)  # resident memory after each stage

    def to_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k not in ("out_dir", "seconds", "rss_mb")}
        d["start"] = self.start.isoformat()
        return d


def _months_days(start: date, months: int) -> int:
    y, m = divmod(start.month - 1 + months, 12)
    return (date(start.year + y, m + 1, 1) - start).days


def generate_world(out_dir: Path, n_notifications: int = 3000, seed: int = 7, months: int = 18,
                   start: date = date(2025, 1, 1), progress: Callable[[str, float], None] | None = None,
                   noise: NoiseRates | None = None) -> WorldSummary:
    """Generate one local authority's MASH world: landing files per partner plus ground truth.

    Deterministic: the same arguments give byte-identical files.

    >>> from pathlib import Path; import tempfile
    >>> s = generate_world(Path(tempfile.mkdtemp()), n_notifications=300, seed=3, months=4)
    >>> sorted(s.rows_per_partner) == sorted(P.PARTNERS)
    True
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    rates = noise or NoiseRates()
    say = progress or (lambda stage, frac: None)
    out_dir = Path(out_dir)
    ss = np.random.SeedSequence(seed)
    r_pop, r_plant, r_bg, r_attr, r_id, r_noise, r_render, r_del = [np.random.default_rng(s) for s in ss.spawn(8)]
    n = int(n_notifications)
    S = day_number(start)
    days = _months_days(start, months)
    E = S + days

    rss: dict[str, int] = {}

    def lap(name: str) -> None:
        release_memory()
        timings[name] = round(time.perf_counter() - t_start - sum(timings.values()), 3)
        try:
            import psutil

            rss[name] = int(psutil.Process().memory_info().rss / 2**20)
        except ImportError:  # memory figures are a nicety
            pass

    # -- people and households ------------------------------------------------------------------------
    say("households", 0.0)
    wb = WorldBuilder(r_pop, S, days)
    fams = wb.add_families(max(20, int(round(0.40 * n))))
    wb.add_adults(max(5, int(round(0.02 * n))), "older", (65, 95), 0.4, p_couple=0.3)
    wb.add_adults(max(5, int(round(0.02 * n))), "adult", (18, 64), 0.6)
    wb.add_shared(max(2, n // 800), "hmo", 5, (20, 60), 0.7, (150, 900), "hmo")
    wb.add_shared(max(1, n // 6000), "childrens_home", 6, (11.5, 17), 0.55, (60, 330), "lac", weight=3.0)
    wb.add_shared(max(1, n // 12000), "hostel", 20, (18, 60), 0.8, (30, 240), "hostel")
    pl_plan = plan(wb, n)
    apply_renames(wb, pl_plan)
    pop = wb.finish()
    addresses = objectify(make_addresses(r_pop, wb.n_addr, pop.addr_kinds))
    del wb  # the builder's blocks duplicate the population
    release_memory()
    lap("households")

    # -- notifications --------------------------------------------------------------------------------
    say("notifications", 0.15)
    res = Resolver(pop, r_bg)
    for f in [fams, *pl_plan.fams.values()]:
        ex = np.where(f.father_unit >= 0, f.father, f.absent_father)
        res.set_ex_partners(f.unit, ex, np.where(f.father_unit >= 0, f.sep_day, 0))
    res.rng = r_plant
    planter, instances, decoys = plant(res, pl_plan, r_plant)
    planted_n = pd.concat(planter.notifs, ignore_index=True)
    planted_m = pd.concat(planter.ments, ignore_index=True)
    res.rng = r_bg
    targets = partner_targets(n)
    planted_per = planted_n["partner"].value_counts().to_dict()
    reserve_csc = int(round(0.06 * targets["csc"]))
    bg_n, bg_m = [], []
    for p in P.PARTNERS:
        want = max(0, targets[p] - planted_per.get(p, 0) - (reserve_csc if p == "csc" else 0))
        nt, mt = background(res, p, want)
        bg_n.append(nt.assign(block=p))
        bg_m.append(mt.assign(block=p))
    notifs, ments = _combine([(planted_n, planted_m, "planted")] + list(zip(bg_n, bg_m, P.PARTNERS)))
    missing_sev = notifs["sev"].isna().to_numpy()
    sev = notifs["sev"].to_numpy(dtype=float).copy()
    sev[missing_sev] = draw_severity(r_attr, notifs[missing_sev])
    notifs["sev"] = sev.astype(np.int64)
    notifs = objectify(add_attributes(r_attr, objectify(notifs), pop.persons["dob"].to_numpy()))
    # re-referrals: top up to the national 22%, then fill any CSC shortfall with background contacts
    top = top_up_re_referrals(res, notifs, ments, r_attr, reserve_csc)
    parts = [(notifs, ments, "base")]
    top_base = int(notifs["nid"].max()) + 1
    rereferral_planted: set[int] = set()
    if top.notifs:
        tn, tm = pd.concat(top.notifs, ignore_index=True), pd.concat(top.ments, ignore_index=True)
        parts.append((tn, tm, "rereferral"))
        rereferral_nids_local = len(tn)
        rereferral_planted = set(range(top_base, top_base + len(tn)))
    else:
        rereferral_nids_local = 0
    short = targets["csc"] - int((notifs["partner"] == "csc").sum()) - rereferral_nids_local
    if short > 0:
        xn, xm = background(res, "csc", short)
        xn["sev"] = draw_severity(r_attr, xn)
        parts.append((xn, xm, "csc_fill"))
    notifs, ments = _combine(parts, keep_nid=True)
    del parts, bg_n, bg_m, planted_n, planted_m, top, planter, res  # instances keep what truth needs
    release_memory()
    notifs = add_attributes(r_attr, notifs, pop.persons["dob"].to_numpy())
    notifs["sev"] = notifs["sev"].astype(np.int64)
    # refs and reported days
    lag_lo = notifs["partner"].map({p: v[0] for p, v in R.REPORT_LAG.items()}).to_numpy()
    lag_hi = notifs["partner"].map({p: v[1] for p, v in R.REPORT_LAG.items()}).to_numpy()
    notifs["reported"] = np.minimum(notifs["day"].to_numpy() + lag_lo +
                                    (r_attr.random(len(notifs)) * (lag_hi - lag_lo)).astype(np.int64), E - 1)
    notifs = notifs.sort_values(["partner", "day", "nid"], kind="stable")
    seq = notifs.groupby("partner").cumcount().to_numpy() + 1
    yy = (pd.Series(fmt_iso(notifs["day"].to_numpy())).str[:4]).to_numpy()
    pref = notifs["partner"].map(REF_PREFIX).to_numpy()
    notifs["ref"] = [pr.replace("{yy}", y[2:]).replace("{yyyy}", y) + (f"{s:07d}" if p == "csc" else f"{s:06d}")
                     for pr, y, s, p in zip(pref, yy, seq, notifs["partner"].to_numpy())]
    notifs = objectify(notifs.sort_values("nid").reset_index(drop=True))
    ments = objectify(ments)
    # nids are 0..N-1, so a nid is also a row position: lookups below are plain numpy gathers
    assert (notifs["nid"].to_numpy() == np.arange(len(notifs))).all()
    lap("notifications")

    # -- identifiers (who holds a PNC ID / LA id depends on who was notified) -------------------------------
    say("identifiers", 0.35)
    npers = len(pop.persons)
    part_of = notifs.set_index("nid")["partner"]
    mp = ments.assign(partner=part_of.reindex(ments["nid"].to_numpy()).to_numpy())
    pnc_want = np.zeros(npers, dtype=bool)
    sus = mp[(mp["role"] == "Suspect")]["pid"].to_numpy()
    pnc_want[sus[r_id.random(len(sus)) < 0.85]] = True
    pnc_want[mp[mp["partner"] == "probation"]["pid"].to_numpy()] = True
    adult_m = ((S - pop.persons["dob"].to_numpy()) > 18 * 365.25) & (pop.persons["sex"].to_numpy() == "M")
    pnc_want |= adult_m & (r_id.random(npers) < 0.04)
    la_want = np.zeros(npers, dtype=bool)
    la_want[mp[mp["partner"].isin(["csc", "asc"])]["pid"].to_numpy()] = True
    lac_units = pop.units.index[pop.units["kind"] == "lac"]
    la_want[pop.members[pop.members["unit"].isin(lac_units)]["pid"].to_numpy()] = True
    la_want[mp["pid"].to_numpy()[r_id.random(len(mp)) < 0.08]] = True
    persons = objectify(assign_identifiers(r_id, pop.persons, S, E, pnc_want, la_want))
    crn = filled(npers, "")
    prob = np.unique(mp[mp["partner"] == "probation"]["pid"].to_numpy())
    crn[prob] = mint_crn(r_id, len(prob))
    persons["crn"] = crn
    persons["is_child"] = (S - persons["dob"].to_numpy()) < 18 * 365.25
    pop.persons = persons
    del mp, pnc_want, la_want
    lap("identifiers")

    # -- noise, render, deliver, write -----------------------------------------------------------------
    say("noise", 0.45)
    ments = ments.sort_values(["nid", "order", "pid"], kind="stable").reset_index(drop=True)
    m_partner = notifs["partner"].to_numpy()[ments["nid"].to_numpy()]
    noise_counts: dict[str, int] = {}
    ids_total: dict[str, int] = {}
    lap("noise")
    land = out_dir / "landing"
    truth_dir = out_dir / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    all_lineage, all_nl = [], []
    rows_per, files_per = {}, {}
    pool = None  # big xlsx deliveries are written by a second process while this one carries on
    if targets["schools"] >= 20_000:
        import multiprocessing as mp_
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(max_workers=1, mp_context=mp_.get_context("spawn"))
    pending = []
    for i, p in enumerate(P.PARTNERS):
        say(f"write {p}", 0.5 + 0.35 * i / len(P.PARTNERS))
        pn = notifs[notifs["partner"] == p]
        # noise and layout per partner, in chunks of whole notifications, so only a slice of the
        # recorded mentions is in memory at a time (police has ~1M rows at a million notifications)
        part_m = ments[m_partner == p].reset_index(drop=True)
        part_m["rowkey"] = np.arange(len(part_m)) if p == "police" else part_m["nid"].to_numpy()
        bounds = _chunk_bounds(part_m["nid"].to_numpy(), CHUNK_MENTIONS)
        rows_parts, slim_parts = [], []
        for lo, hi in bounds:
            pm = R.recorded_mentions(r_noise, rates, pop, addresses, part_m.iloc[lo:hi], notifs)
            for k, v in pm.attrs["noise_counts"].items():
                noise_counts[k] = noise_counts.get(k, 0) + v
            for c in ("nhs_number", "upn", "pnc", "la_id", "ni_number"):
                ids_total[c] = ids_total.get(c, 0) + int((pm[c + "_r"] != "").sum())
            pm["pos"] = 0 if p != "housing" else pm["order"].to_numpy()
            rendered, shown = _render(p, r_render, notifs, pm, pop, crn)
            rows_parts.append(rendered)
            # the address each delivered mention carries is its row's (household members share the
            # applicant's): by row key, as rendered
            on_row = pd.Series(shown["addr_r"].to_numpy(), index=shown["rowkey"].to_numpy())
            pm["addr_d"] = on_row.reindex(pm["rowkey"].to_numpy()).fillna(-1).to_numpy().astype(np.int64)
            slim_parts.append(pm[["nid", "pid", "rowkey", "pos", "noise", "addr_d"]])
            del rendered, shown
            del pm
        rows = pd.concat(rows_parts, ignore_index=True)
        slim = pd.concat(slim_parts, ignore_index=True)
        del rows_parts, slim_parts, part_m
        rows, lineage, nl = deliver(r_del, rates, p, rows, slim, pn, S, E)
        pending += _write_partner(p, rows, land / p, pool)
        rows_per[p] = int(len(rows))
        files_per[p] = int(rows["_file"].nunique())
        all_lineage.append(lineage)
        all_nl.append(nl.assign(partner=p))
        del rows, slim, lineage, nl
        lap(f"write_{p}")
    for fut in pending:
        fut.result()
    if pool is not None:
        pool.shutdown()
    lap("write_landing")

    say("truth", 0.88)
    lineage = pd.concat(all_lineage, ignore_index=True)
    nl = pd.concat(all_nl, ignore_index=True)
    noise_counts["duplicate_notifications"] = int((nl["_dup"] == 1).sum())
    noise_counts["late_notifications"] = int(((nl["late"] == 1) & (nl["_dup"] == 0)).sum())
    summary_bits = _write_truth(truth_dir, pop, persons, addresses, notifs, ments, lineage, nl, instances,
                                decoys, S, rereferral_planted)
    lap("truth")
    ids_typo = {k[:-5]: noise_counts.get(k, 0) for k in noise_counts if k.endswith("_typo") and not
                k.startswith("typo_")}
    corrupted = {c: round(ids_typo.get(c, 0) / ids_total[c], 5) if ids_total[c] else 0.0 for c in ids_total}
    summary = WorldSummary(
        out_dir=out_dir, seed=seed, n_notifications=n, months=months, start=start,
        notifications_per_partner={p: int((notifs["partner"] == p).sum()) for p in P.PARTNERS},
        rows_per_partner=rows_per, files_per_partner=files_per,
        pattern_counts=summary_bits["patterns"], decoy_counts=summary_bits["decoys"],
        noise_rates=rates.as_dict(), noise_counts=noise_counts, n_persons=int(len(persons)),
        n_households=int(summary_bits["households"]), n_addresses=int(len(addresses)),
        re_referral_rate=summary_bits["re_referral_rate"], corrupted_identifier_share=corrupted)
    (truth_dir / "world.json").write_text(json.dumps(summary.to_json(), indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")
    summary.seconds = dict(timings, total=round(time.perf_counter() - t_start, 3))
    summary.rss_mb = rss
    say("done", 1.0)
    return summary


CHUNK_MENTIONS = 250_000


def _chunk_bounds(nid: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Row ranges of about ``size`` that never split one notification's mentions (``nid`` sorted)."""
    out, lo, n = [], 0, len(nid)
    while lo < n:
        hi = min(n, lo + size)
        while 0 < hi < n and nid[hi] == nid[hi - 1]:
            hi += 1
        out.append((lo, hi))
        lo = hi
    return out or [(0, 0)]


def _combine(parts, keep_nid: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack notification blocks, giving each a global nid (and carrying mentions along)."""
    out_n, out_m, base = [], [], 0
    for nt, mt, _ in parts:
        if nt is None or len(nt) == 0:
            continue
        if keep_nid and "nid" in nt:
            out_n.append(nt)
            out_m.append(mt)
            base = max(base, int(nt["nid"].max()) + 1)
            continue
        key = pd.Series(np.arange(len(nt)) + base, index=nt["q"].to_numpy())
        nt = nt.assign(nid=key.to_numpy())
        mt = mt.assign(nid=key.reindex(mt["q"].to_numpy()).to_numpy())
        base += len(nt)
        out_n.append(nt)
        out_m.append(mt)
    notifs = pd.concat(out_n, ignore_index=True)
    ments = pd.concat(out_m, ignore_index=True)
    ments = ments[ments["nid"].notna()].copy()
    ments["nid"] = ments["nid"].astype(np.int64)
    if "sev" not in notifs:
        notifs["sev"] = np.nan
    keep = [c for c in notifs.columns if c not in ("q", "block")]
    return notifs[keep].reset_index(drop=True), ments[["nid", "pid", "role", "order"]].reset_index(drop=True)


def _render(p, rng, pn, pm, pop, crn):
    if p == "police":
        return R.render_police(rng, pn, pm)
    if p == "health":
        return R.render_health(rng, pn, pm)
    if p == "schools":
        return R.render_schools(rng, pn, pm, pop)
    if p == "csc":
        return R.render_csc(rng, pn, pm)
    if p == "asc":
        return R.render_asc(rng, pn, pm)
    if p == "housing":
        return R.render_housing(rng, pn, pm)
    if p == "probation":
        return R.render_probation(rng, pn, pm, crn)
    return R.render_online(rng, pn, pm)


_SCHOOL_LOOKUP = [(k.code, k.concern.replace("_", " ")) for k in P.SCHOOL_KINDS] + \
    [(c, f"Continuum of need: {c}") for c in P.SCHOOL_SEVERITY]


def _write_partner(p: str, rows: pd.DataFrame, folder: Path, pool=None) -> list:
    """Write one partner's files; xlsx goes to ``pool`` when given (returns its futures)."""
    folder.mkdir(parents=True, exist_ok=True)
    futures = []
    for fname, chunk in rows.groupby("_file", sort=True):
        path = folder / fname
        last = int(chunk["_reported"].max())
        arrived = datetime.combine(date(1970, 1, 1) + timedelta(days=last + 1), datetime.min.time()) + timedelta(hours=6)
        if p == "schools":
            label = fname.removeprefix("schools_").removesuffix(".xlsx").replace("_", " ")
            args = (visible(chunk).reset_index(drop=True), path,
                    f"Marsham Schools - safeguarding referrals to the MASH - {label}", "Referrals", _SCHOOL_LOOKUP,
                    arrived)
            if pool is not None:
                futures.append(pool.submit(_xlsx_job, *args))
            else:
                _xlsx_job(*args)
            continue
        if p == "health":
            write_jsonl(chunk, path)
        else:
            enc, delim, crlf = FILE_FORMAT[p]
            write_csv(chunk, path, enc, delim, crlf)
        set_mtime(path, arrived)
    return futures


def _xlsx_job(df: pd.DataFrame, path: Path, title: str, sheet: str, lookup, arrived: datetime) -> None:
    write_xlsx(df, path, title, sheet, lookup)
    set_mtime(path, arrived)


def _delivered_mentions(lineage: pd.DataFrame, nt: pd.DataFrame, ps: pd.DataFrame, pop) -> pd.DataFrame:
    """One row per delivered mention (re-sent copies left out): ``nid, pid, partner, day, unit`` (the
    person's family unit that day, -1 for none), ``addr`` (the true address the record shows them living
    at that day, -1 for none) and ``child`` (under 18 that day)."""
    o = lineage[lineage["dup"] == 0]
    nid = o["nid"].to_numpy(np.int64)
    pid = o["person_id"].to_numpy(np.int64)
    day = nt["day"].to_numpy()[nid]
    spell = pop.spell_at(pid, day)
    unit = np.where(spell >= 0, ps["unit"].to_numpy()[np.maximum(spell, 0)], -1)
    child = (day - pop.persons["dob"].to_numpy()[pid]) < 18 * 365.25
    return pd.DataFrame({"nid": nid, "pid": pid, "partner": o["partner"].to_numpy(), "day": day, "unit": unit,
                         "addr": o["addr"].to_numpy(np.int64), "child": child})


def _write_truth(d: Path, pop, persons, addresses, notifs, ments, lineage, nl, instances, decoys, S,
                 rereferral_planted: set[int]) -> dict:
    pid_s = T.pid_str
    # persons
    def persons_cols(sl: slice) -> dict:
        x = persons.iloc[sl]
        return {
            "person_id": pid_s(x["pid"].to_numpy()), "given_name": x["given"].to_numpy(),
            "family_name": x["family"].to_numpy(), "previous_family_name": x["prev_family"].to_numpy(),
            "name_suffix": x["suffix"].to_numpy(), "dob": fmt_iso(x["dob"].to_numpy()),
            "sex": x["sex"].to_numpy(), "nhs_number": x["nhs_number"].to_numpy(),
            "upn": x["upn"].to_numpy(), "pnc": x["pnc"].to_numpy(), "ni_number": x["ni_number"].to_numpy(),
            "la_id": x["la_id"].to_numpy(), "crn": x["crn"].to_numpy(),
            "is_child": x["is_child"].astype(int).to_numpy()}
    write_truth_csv_chunked(persons_cols, len(persons), d / "persons.csv")
    ps = pop.person_spells
    kind = pop.units["kind"].to_numpy()

    def hh_cols(sl: slice) -> dict:
        x = ps.iloc[sl]
        to = x["to"].to_numpy()
        return {
            "household_id": T.code("H", x["unit"], 7) + "-" + x["seq"].to_numpy().astype(str).astype(object),
            "address_id": T.code("A", x["addr"], 7), "person_id": pid_s(x["pid"].to_numpy()),
            "from_date": fmt_iso(x["from"].to_numpy()), "to_date": np.where(to > S + 100000, "", fmt_iso(to)),
            "unit_kind": kind[x["unit"].to_numpy()], "member_role": x["mrole"].to_numpy()}
    write_truth_csv_chunked(hh_cols, len(ps), d / "households.csv")
    n_households = len(np.unique(ps["unit"].to_numpy() * 100 + ps["seq"].to_numpy()))
    addr = addresses.assign(address_id=T.code("A", addresses["address_id"], 7))
    addr[["address_id", "line1", "locality", "town", "postcode", "kind"]].pipe(write_truth_csv, d / "addresses.csv")
    rels = pop.rels
    write_truth_csv_chunked(lambda sl: {"person_a": pid_s(rels["person_a"].to_numpy()[sl]),
                                        "person_b": pid_s(rels["person_b"].to_numpy()[sl]),
                                        "type": rels["type"].to_numpy()[sl]}, len(rels), d / "relationships.csv")
    # mentions
    nid_str = lambda a: T.code("N", a, 8)  # noqa: E731
    lin = lineage.sort_values(["partner", "file_name", "row_number", "member_position"], kind="stable")
    def mention_cols(sl: slice) -> dict:
        x = lin.iloc[sl]
        nid = nid_str(x["nid"])
        return {
            "partner": x["partner"].to_numpy(), "file_name": x["file_name"].to_numpy(),
            "row_number": x["row_number"].to_numpy(), "member_position": x["member_position"].to_numpy(),
            "person_id": pid_s(x["person_id"].to_numpy()),
            "notification_id": np.where(x["dup"].to_numpy() == 1, nid + "-D", nid),
            "noise": x["noise"].to_numpy()}
    write_truth_csv_chunked(mention_cols, len(lin), d / "mentions.csv")
    del lin
    # notifications
    nt = notifs  # row position == nid
    nl = nl.sort_values(["_nid", "_dup"], kind="stable")
    ids = nl["_nid"].to_numpy()
    spell = pop.spell_at(nt["subject"].to_numpy()[ids], nt["day"].to_numpy()[ids])
    sp_unit = np.where(spell >= 0, ps["unit"].to_numpy()[np.maximum(spell, 0)], -1)
    sp_seq = np.where(spell >= 0, ps["seq"].to_numpy()[np.maximum(spell, 0)], 0)
    dup = nl["_dup"].to_numpy() == 1
    write_truth_csv({
        "notification_id": np.where(dup, nid_str(ids) + "-D", nid_str(ids)),
        "partner": nl["partner"].to_numpy(), "source_ref": nt["ref"].to_numpy()[ids],
        "file_name": nl["file_name"].to_numpy(), "row_numbers": nl["rows"].to_numpy(),
        "event_date": fmt_iso(nt["day"].to_numpy()[ids]), "reported_date": fmt_iso(nt["reported"].to_numpy()[ids]),
        "concern_code": nt["code"].to_numpy()[ids], "concern": nt["concern"].to_numpy()[ids],
        "severity": np.array(["", "low", "medium", "high", "critical"], dtype=object)[nt["sev"].to_numpy()[ids]],
        "decision": nt["decision"].fillna("").to_numpy()[ids], "rag": nt["rag"].fillna("").to_numpy()[ids],
        "subject_person_id": pid_s(nt["subject"].to_numpy()[ids]),
        "household_id": np.where(sp_unit >= 0, T.code("H", np.maximum(sp_unit, 0), 7) + "-" +
                                 sp_seq.astype(str).astype(object), ""),
        "duplicate_of": np.where(dup, nid_str(ids), ""), "late": nl["late"].to_numpy(),
    }, d / "notifications.csv")

    # pattern instances first (as nids), then look up only the delivered rows they rest on
    is_child = persons["is_child"].to_numpy()
    llr = T.low_level_repeats(notifs, ments, is_child)
    rr, referred = T.re_referrals(notifs)
    spell = pop.spell_at(ments["pid"].to_numpy(), nt["day"].to_numpy()[ments["nid"].to_numpy()])
    m_addr = np.where(spell >= 0, ps["addr"].to_numpy()[np.maximum(spell, 0)], -1)
    da = T.da_suspects(notifs, ments, m_addr)
    del spell, m_addr
    # family patterns rest on what the delivered records show: where each record places its person (not
    # when the address is left out or stale) and which members the records tie together
    shown = _delivered_mentions(lineage, nt, ps, pop)
    fm = T.family_moves(shown, kind)
    ss = T.sibling_spreads(shown, notifs, kind)
    wanted = set()
    for inst in instances:
        wanted.update(inst.nids)
    for frame in (llr, rr, fm, da, ss):
        for nids in frame["nids"]:
            wanted.update(nids)
    orig = lineage[(lineage["dup"] == 0) & lineage["nid"].isin(np.fromiter(wanted, dtype=np.int64))]
    rec_key = orig["partner"] + ":" + orig["file_name"] + ":" + orig["row_number"].astype(str)
    by_nid_pid: dict[tuple[int, int], str] = {}
    by_nid: dict[int, str] = {}
    for k, a, b in zip(rec_key.to_numpy(), orig["nid"].to_numpy(), orig["person_id"].to_numpy()):
        by_nid_pid.setdefault((int(a), int(b)), k)
        by_nid.setdefault(int(a), k)

    def records(nids: list[int], pids: list[int]) -> str:
        out: list[str] = []
        for nid in nids:
            hits = [by_nid_pid.get((nid, p)) for p in pids]
            hits = [h for h in hits if h is not None]
            if not hits and nid in by_nid:
                hits = [by_nid[nid]]
            out.extend(hits)
        return ";".join(dict.fromkeys(out))

    # patterns: planted plus incidental instances of rule-checkable patterns
    rows: list[dict] = []
    planted_llr = {i.subject_id for i in instances if i.pattern_type == "low_level_repeat"}
    llr_found = set(llr["pid"].tolist())
    fm_found = set(fm["unit"].tolist())
    shown_by_unit = dict(tuple(shown[shown["unit"].isin(
        [i.subject_id for i in instances if i.pattern_type == "sibling_spread"])].groupby("unit")))
    for inst in instances:
        # never claim a pattern the delivered data does not show: a request that did not resolve, a
        # family move whose records lost the addresses (stale, left out), siblings nothing ties together
        if inst.pattern_type == "low_level_repeat" and inst.subject_id not in llr_found:
            continue
        if inst.pattern_type == "family_moves" and inst.subject_id not in fm_found:
            continue
        if inst.pattern_type == "sibling_spread" and not T.sibling_spread_shown(
                shown_by_unit.get(inst.subject_id, shown.iloc[:0]), inst.nids, inst.person_ids):
            continue
        rows.append(dict(pattern_type=inst.pattern_type, subject_type=inst.subject_type,
                         subject_id=(pid_s([inst.subject_id])[0] if inst.subject_type == "person"
                                     else f"H{inst.subject_id:07d}"),
                         person_ids=";".join(pid_s(inst.person_ids)),
                         records=records(inst.nids, inst.person_ids), planted=1))
    for pid, nids in zip(llr["pid"], llr["nids"]):
        if pid in planted_llr:
            continue
        rows.append(dict(pattern_type="low_level_repeat", subject_type="person", subject_id=pid_s([pid])[0],
                         person_ids=pid_s([pid])[0], records=records(nids, [pid]), planted=0))
    for pid, nids in zip(rr["pid"], rr["nids"]):
        rows.append(dict(pattern_type="re_referral", subject_type="person", subject_id=pid_s([pid])[0],
                         person_ids=pid_s([pid])[0], records=records(nids, [pid]),
                         planted=int(any(x in rereferral_planted for x in nids))))
    planted_units = {(i.pattern_type, i.subject_id) for i in instances}
    for u, mem, nids in zip(fm["unit"], fm["pids"], fm["nids"]):
        if ("family_moves", u) in planted_units:
            continue
        rows.append(dict(pattern_type="family_moves", subject_type="household", subject_id=f"H{u:07d}",
                         person_ids=";".join(pid_s(mem)), records=records(nids, mem), planted=0))
    for u, kids, nids in zip(ss["unit"], ss["pids"], ss["nids"]):
        if ("sibling_spread", u) in planted_units:
            continue
        rows.append(dict(pattern_type="sibling_spread", subject_type="household", subject_id=f"H{u:07d}",
                         person_ids=";".join(pid_s(kids)), records=records(nids, kids), planted=0))
    for pid, nids in zip(da["pid"], da["nids"]):
        if ("da_suspect_multi_household", pid) in planted_units:
            continue
        rows.append(dict(pattern_type="da_suspect_multi_household", subject_type="person",
                         subject_id=pid_s([pid])[0], person_ids=pid_s([pid])[0], records=records(nids, [pid]),
                         planted=0))
    pat = pd.DataFrame(rows, columns=["pattern_type", "subject_type", "subject_id", "person_ids", "records", "planted"])
    pat = pat[pat["records"] != ""].reset_index(drop=True)
    pat.insert(0, "pattern_id", [f"PAT{i + 1:06d}" for i in range(len(pat))])
    pat.pipe(write_truth_csv, d / "patterns.csv")

    # decoys: planted plus every natural twin pair and namesake pair in which both are named somewhere
    mentioned = np.unique(lineage["person_id"].to_numpy())
    named = np.zeros(len(persons), dtype=bool)
    named[mentioned] = True
    drows = [dict(decoy_type=x["decoy_type"], person_ids=";".join(pid_s(x["person_ids"])), planted=1)
             for x in decoys if all(named[p] for p in x["person_ids"])]
    planted_sets = {frozenset(x["person_ids"]) for x in decoys}
    tw = pop.rels[pop.rels["type"] == "twin"]
    for a, b in zip(tw["person_a"], tw["person_b"]):
        if named[a] and named[b] and frozenset((a, b)) not in planted_sets:
            drows.append(dict(decoy_type="twins", person_ids=";".join(pid_s([a, b])), planted=0))
    fam_unit = np.full(len(persons), -1)
    fm_members = pop.members[pop.members["mrole"] == "child"].drop_duplicates("pid")
    fam_unit[fm_members["pid"].to_numpy()] = fm_members["unit"].to_numpy()
    for a, b in T.same_name_close_dob(persons, mentioned, fam_unit):
        if frozenset((a, b)) not in planted_sets:
            drows.append(dict(decoy_type="same_name_close_dob", person_ids=";".join(pid_s([a, b])), planted=0))
    dec = pd.DataFrame(drows, columns=["decoy_type", "person_ids", "planted"])
    dec.insert(0, "decoy_id", [f"DEC{i + 1:06d}" for i in range(len(dec))])
    dec.pipe(write_truth_csv, d / "decoys.csv")

    pc = {}
    for t, g in pat.groupby("pattern_type"):
        pc[t] = {"planted": int(g["planted"].sum()), "incidental": int((g["planted"] == 0).sum())}
    dc = {t: int(len(g)) for t, g in dec.groupby("decoy_type")}
    return {"patterns": pc, "decoys": dc, "households": n_households,
            "re_referral_rate": round(len(rr) / referred, 4) if referred else 0.0}
