"""Turn true notifications and mentions into each partner's own export layout.

:func:`recorded_mentions` applies noise once for every mention; the ``render_*``
functions then lay the recorded values out as each partner would. Each partner
table has hidden columns (prefixed ``_``) that the delivery step uses for files,
row numbers and ground truth; the writers drop them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mash.synth.frames import filled
from mash.synth import partners as P
from mash.synth.dates import fmt_iso, fmt_uk, ymd
from mash.synth.households import Population
from mash.synth.names import SCHOOL_NAME_STEMS, STAFF_NAMES
from mash.synth.noise import NoiseRates, noisy_address, noisy_dob, noisy_ids, noisy_names, noisy_postcode
from mash.synth.text import public_descriptions, summaries

# share of mentions for which a partner normally records an identifier it holds
ID_COVERAGE = {
    ("police", "pnc"): 0.9, ("health", "nhs_number"): 0.96, ("schools", "upn"): 0.97, ("csc", "la_id"): 0.85,
    ("asc", "nhs_number"): 0.6, ("asc", "la_id"): 0.85, ("housing", "ni_number"): 0.6, ("probation", "pnc"): 0.95,
}
REPORT_LAG = {"police": (0, 3), "health": (0, 8), "schools": (0, 4), "csc": (0, 1), "asc": (0, 6),
              "housing": (1, 11), "probation": (1, 15), "online_form": (0, 1)}


def recorded_mentions(rng: np.random.Generator, rates: NoiseRates, pop: Population, addresses: pd.DataFrame,
                      ments: pd.DataFrame, notifs: pd.DataFrame) -> pd.DataFrame:
    """One row per mention with true ids and noisy recorded names, DOB, address and identifiers."""
    persons = pop.persons
    m = ments.copy()
    m["day"] = notifs["day"].to_numpy()[m["nid"].to_numpy()]  # nid == row position
    m["partner"] = pd.Series(notifs["partner"].to_numpy()[m["nid"].to_numpy()], index=m.index, dtype=object)
    pid = m["pid"].to_numpy()
    day = m["day"].to_numpy()
    g = persons["given"].to_numpy()[pid]
    f = persons["family"].to_numpy()[pid]
    pf = persons["prev_family"].to_numpy()[pid]
    sex = persons["sex"].to_numpy()[pid]
    dob = persons["dob"].to_numpy()[pid]
    m["age"] = (day - dob) / 365.25
    adult = m["age"].to_numpy() >= 18
    tags: dict[str, np.ndarray] = {}
    rg, rf, t = noisy_names(rng, rates, g.astype(object), f.astype(object), pf.astype(object), sex, adult)
    tags.update(t)
    rdob, t = noisy_dob(rng, rates, dob.astype(np.int64))
    tags.update(t)

    spell = pop.spell_at(pid, day)
    ps = pop.person_spells
    addr = np.where(spell >= 0, ps["addr"].to_numpy()[np.maximum(spell, 0)], -1)
    prev = pop.previous_spell(spell)
    prev_addr = np.where(prev >= 0, ps["addr"].to_numpy()[np.maximum(prev, 0)], -1)
    # a stale address is only plausible for a while after the move
    since_move = day - np.where(spell >= 0, ps["from"].to_numpy()[np.maximum(spell, 0)], day)
    prev_addr = np.where(since_move < 240, prev_addr, -1)
    line = addresses["line1"].to_numpy()
    loc = addresses["locality"].to_numpy()
    pcs = addresses["postcode"].to_numpy()
    t_line = np.where(addr >= 0, line[np.maximum(addr, 0)], "").astype(object)
    t_pc = np.where(addr >= 0, pcs[np.maximum(addr, 0)], "").astype(object)
    s_line = np.where(prev_addr >= 0, line[np.maximum(prev_addr, 0)], "").astype(object)
    s_pc = np.where(prev_addr >= 0, pcs[np.maximum(prev_addr, 0)], "").astype(object)
    r_line, r_pc, t = noisy_address(rng, rates, t_line, s_line, s_pc, t_pc)
    tags.update(t)
    r_pc, t = noisy_postcode(rng, rates, r_pc)
    tags.update(t)
    used_addr = np.where(tags["stale_address"], prev_addr, addr)
    m["addr"] = addr
    # where the record shows the person living that day: their address; -1 when no line is recorded, the
    # line is stale (an old address is not where they lived then), or there is no postcode and another
    # address in the area has the same first line (the record cannot say which). A renderer that leaves
    # the line out (the public online form) sets -1 too
    line_unique = ~pd.Series(line).duplicated(keep=False).to_numpy()
    m["addr_unique"] = line_unique[np.maximum(addr, 0)] & (addr >= 0)
    says_which = (r_pc != "") | m["addr_unique"].to_numpy()
    m["addr_r"] = np.where((r_line != "") & ~tags["stale_address"] & says_which & (addr >= 0), addr, -1)
    ob = lambda a: pd.Series(np.asarray(a, dtype=object), index=m.index, dtype=object)  # noqa: E731
    m["given_r"], m["family_r"], m["dob_r"], m["sex"] = ob(rg), ob(rf), rdob, ob(sex)
    m["line_r"], m["pc_r"] = ob(r_line), ob(r_pc)
    m["locality"] = ob(np.where(used_addr >= 0, loc[np.maximum(used_addr, 0)], ""))

    part = m["partner"].to_numpy()
    for idcol in ("nhs_number", "upn", "pnc", "ni_number", "la_id"):
        true = persons[idcol].to_numpy()[pid].astype(object)
        rec = filled(len(m), "")
        miss = np.zeros(len(m), dtype=bool)
        typo = np.zeros(len(m), dtype=bool)
        for (p, col), cov in ID_COVERAGE.items():
            if col != idcol:
                continue
            sel = part == p
            if sel.any():
                r, t = noisy_ids(rng, rates, true[sel], cov)
                rec[sel] = r
                miss[sel] |= t["id_missing"]
                typo[sel] |= t["id_typo"]
        m[idcol + "_r"] = ob(rec)
        tags[f"{idcol}_missing"] = miss
        tags[f"{idcol}_typo"] = typo
    names = list(tags)
    tag_str = pd.Series("", index=m.index, dtype=object)
    for k in names:
        tag_str = tag_str.where(~tags[k], tag_str + (k + ";"))
    m["noise"] = ob(tag_str.str.rstrip(";").to_numpy())
    m.attrs["noise_counts"] = {k: int(v.sum()) for k, v in tags.items()}
    return m


def obj_frame(cols: dict) -> pd.DataFrame:
    """DataFrame keeping object-dtype text as object (pandas 3 would convert it to Arrow strings and back)."""
    n = next(len(v) for v in cols.values() if isinstance(v, (np.ndarray, list, pd.Series)))
    out = {}
    for k, v in cols.items():
        if isinstance(v, np.ndarray) and v.dtype == object:
            out[k] = pd.Series(v, dtype=object)
        elif isinstance(v, np.ndarray) and v.dtype.kind in "US":
            out[k] = pd.Series(v.astype(object), dtype=object)
        elif np.ndim(v) == 0:
            out[k] = pd.Series(np.full(n, v))
        else:
            out[k] = pd.Series(v)
    return pd.DataFrame(out)


def _uk(days: np.ndarray) -> np.ndarray:
    return np.where(days >= 0, fmt_uk(np.maximum(days, 0)), "")


def _iso(days: np.ndarray) -> np.ndarray:
    return np.where(days >= 0, fmt_iso(np.maximum(days, 0)), "")


def _upper(a: np.ndarray) -> np.ndarray:
    return np.array([x.upper() for x in a], dtype=object)


def _pick(rng: np.random.Generator, options, n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), size=n)]


def _ref(prefix: str, seq: np.ndarray, width: int = 6) -> np.ndarray:
    return np.array([f"{prefix}{s:0{width}d}" for s in seq], dtype=object)


def _sex(partner: str, sex: np.ndarray, rng: np.random.Generator, unknown: float = 0.02) -> np.ndarray:
    out = np.array([P.sex_code(partner, s) for s in sex], dtype=object)
    unk = P.sex_code(partner, "U")
    if unk:
        out[rng.random(len(sex)) < unknown] = unk
    return out


def _pnc_style(rng: np.random.Generator, pnc: np.ndarray) -> np.ndarray:
    """PNC IDs as typed: mostly YY/NNNNNNNC, some long-year, some without padding."""
    r = rng.random(len(pnc))
    out = pnc.copy()
    for i in np.flatnonzero((pnc != "") & (r < 0.15)):
        yy, rest = pnc[i].split("/")
        if r[i] < 0.1:
            out[i] = ("19" if int(yy) >= 30 else "20") + yy + "/" + rest
        else:
            out[i] = yy + "/" + rest[:-1].lstrip("0") + rest[-1]
    return out


def _sev_code(partner: str, sev: np.ndarray) -> np.ndarray:
    table = P.SEV_CODE[partner]
    return np.array([table[int(s)] for s in sev], dtype=object)


_NOTIF_COLS = ["nid", "code", "concern", "sev", "ref", "reported", "decision", "rag", "consent", "attendance",
               "service", "children_at_address"]


def _join(notifs: pd.DataFrame, m: pd.DataFrame) -> pd.DataFrame:
    """Mentions with the notification fields a renderer needs (positional: nid == row of ``notifs``)."""
    out = m.copy(deep=False)
    nid = out["nid"].to_numpy()
    for c in _NOTIF_COLS[1:]:
        if c in notifs:
            v = notifs[c].to_numpy()[nid]
            out[c] = pd.Series(v, index=out.index, dtype=object) if v.dtype == object else v
    return out


def render_police(rng, notifs, m) -> pd.DataFrame:
    x = _join(notifs, m).sort_values(["nid", "order", "pid"], kind="stable").reset_index(drop=True)
    n = len(x)
    sev = x["sev"].to_numpy()
    da = x["concern"].to_numpy() == "domestic_abuse"
    adult = x["age"].to_numpy() >= 18
    return obj_frame({
        "OccurrenceRef": x["ref"].to_numpy(),
        "OccurrenceDate": _uk(x["day"].to_numpy()),
        "ReportedDate": _uk(x["reported"].to_numpy()),
        "OffenceCategory": x["code"].to_numpy(),
        "RiskLevel": _sev_code("police", sev),
        "DASHRisk": np.where(da, _sev_code("police", sev), ""),
        "PersonRole": x["role"].to_numpy(),
        "Surname": _upper(x["family_r"].to_numpy()),
        "Forename": x["given_r"].to_numpy(),
        "DOB": _uk(x["dob_r"].to_numpy()),
        "Gender": _sex("police", x["sex"].to_numpy(), rng),
        "Address": _upper(np.where(x["line_r"] != "", x["line_r"] + ", " + x["locality"], "")),
        "Postcode": x["pc_r"].to_numpy(),
        "PNCID": np.where(adult, _pnc_style(rng, x["pnc_r"].to_numpy()), ""),
        "Summary": np.where(x["order"].to_numpy() == 0, summaries(rng, x["concern"].to_numpy()), ""),
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": x["order"].to_numpy(),
    }), x


def _one_per_nid(notifs, m) -> pd.DataFrame:
    x = _join(notifs, m[m["order"] == 0])
    return x.sort_values("nid", kind="stable").reset_index(drop=True)


def render_health(rng, notifs, m):
    x = _one_per_nid(notifs, m)
    n = len(x)
    nhs = x["nhs_number_r"].to_numpy()
    spaced = rng.random(n) < 0.2
    nhs = np.where(spaced & (nhs != ""), [f"{v[:3]} {v[3:6]} {v[6:]}" if v else v for v in nhs], nhs)
    rows = obj_frame({
        "referral_id": x["ref"].to_numpy(),
        "referral_date": _iso(x["day"].to_numpy()),
        "service": x["service"].to_numpy(),
        "concern": x["code"].to_numpy(),
        "severity": _sev_code("health", x["sev"].to_numpy()),
        "narrative": summaries(rng, x["concern"].to_numpy()),
        "referrer.organisation": _pick(rng, ["Marsham General Hospital", "Eastbrook Medical Centre",
                                             "Marsham Community Health", "Westcombe Surgery"], n),
        "referrer.role": _pick(rng, ["Safeguarding nurse", "GP", "Health visitor", "Midwife", "ED consultant"], n),
        "patient.nhs_number": nhs,
        "patient.given_name": x["given_r"].to_numpy(),
        "patient.family_name": x["family_r"].to_numpy(),
        "patient.birth_date": _iso(x["dob_r"].to_numpy()),
        "patient.gender": _sex("health", x["sex"].to_numpy(), rng, 0.01),
        "patient.postcode": x["pc_r"].to_numpy(),
        "patient.address_line": x["line_r"].to_numpy(),
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": 0,
    })
    return rows, x


def _year_group(dob: np.ndarray, day: np.ndarray) -> np.ndarray:
    y, m, _ = ymd(day)
    ay = np.where(m >= 9, y, y - 1)  # academic year starting September
    by, bm, _ = ymd(dob)
    age_aug31 = ay - by - (bm >= 9)
    yg = age_aug31 - 4
    return np.where(yg <= 0, "Reception", np.where(yg <= 13, "Year " + np.clip(yg, 1, 13).astype(str).astype(object),
                                                   "Year 13"))


def render_schools(rng, notifs, m, pop):
    x = _one_per_nid(notifs, m)
    n = len(x)
    dob_true = pop.persons["dob"].to_numpy()[x["pid"].to_numpy()]
    yg = _year_group(dob_true, x["day"].to_numpy())
    secondary = np.array([g.startswith("Year ") and int(g.split()[1]) >= 7 for g in yg])
    stems = np.array(SCHOOL_NAME_STEMS, dtype=object)
    stem = stems[(x["pid"].to_numpy() * 7919) % len(stems)]
    school = np.where(secondary, stem + " Academy", stem + " Primary School")
    att = x["attendance"].to_numpy(dtype=float)
    rows = obj_frame({
        "ReferralID": x["ref"].to_numpy(),
        "DateOfConcern": _uk(x["day"].to_numpy()),
        "UPN": x["upn_r"].to_numpy(),
        "PupilForename": x["given_r"].to_numpy(),
        "PupilSurname": x["family_r"].to_numpy(),
        "DOB": _uk(x["dob_r"].to_numpy()),
        "Gender": np.array([P.sex_code("schools", s) for s in x["sex"].to_numpy()], dtype=object),
        "YearGroup": yg,
        "AttendancePct": np.where(np.isnan(att), None, att),
        "ConcernCategory": x["code"].to_numpy(),
        "ConcernLevel": _sev_code("schools", x["sev"].to_numpy()),
        "SchoolName": school,
        "PupilAddress": x["line_r"].to_numpy(),
        "Postcode": x["pc_r"].to_numpy(),
        "ReportedBy": _pick(rng, STAFF_NAMES, n) + " (DSL)",
        "Details": summaries(rng, x["concern"].to_numpy()),
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": 0,
    })
    return rows, x


_OVERRIDE_WHY = ["Seeking consent would place the child at increased risk of harm.",
                 "Parent is the alleged perpetrator; consent would prejudice enquiries.",
                 "Urgent safeguarding concern, unable to contact parent in time."]


def render_csc(rng, notifs, m):
    x = _one_per_nid(notifs, m)
    n = len(x)
    rag = x["rag"].to_numpy()
    minutes = rng.integers(8 * 60, 18 * 60, size=n)
    lag_h = np.where(rag == "R", rng.uniform(0.3, 4, n), np.where(rag == "A", rng.uniform(2, 24, n),
                     np.where(rag == "G", rng.uniform(20, 72, n), rng.uniform(1, 48, n))))
    total_min = minutes + (lag_h * 60).astype(np.int64)
    dec_day = x["day"].to_numpy() + total_min // 1440
    mm = total_min % 1440
    dec_dt = np.array([f"{d}T{h:02d}:{mi:02d}:00" for d, h, mi in zip(fmt_iso(dec_day), mm // 60, mm % 60)],
                      dtype=object)
    override = x["consent"].to_numpy() == "Override"
    rows = obj_frame({
        "ContactID": x["ref"].to_numpy(),
        "ContactDate": _iso(x["day"].to_numpy()),
        "ChildForename": x["given_r"].to_numpy(),
        "ChildSurname": x["family_r"].to_numpy(),
        "ChildDOB": _iso(x["dob_r"].to_numpy()),
        "LAPersonID": x["la_id_r"].to_numpy(),
        "Gender": _sex("csc", x["sex"].to_numpy(), rng),
        "Address": x["line_r"].to_numpy(),
        "Postcode": x["pc_r"].to_numpy(),
        "SourceOfContact": _pick(rng, P.CSC_SOURCES, n),
        "ContactReason": x["code"].to_numpy(),
        "NeedLevel": _sev_code("csc", x["sev"].to_numpy()),
        "Decision": x["decision"].to_numpy(),
        "RAG": rag,
        "Consent": x["consent"].to_numpy(),
        "ConsentOverrideRationale": np.where(override, _pick(rng, _OVERRIDE_WHY, n), ""),
        "ConsentAuthorisedBy": np.where(override, "Team Manager " + _pick(rng, STAFF_NAMES, n), ""),
        "DecisionDateTime": dec_dt,
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": 0,
    })
    return rows, x


def render_asc(rng, notifs, m):
    x = _one_per_nid(notifs, m)
    n = len(x)
    rows = obj_frame({
        "ConcernRef": x["ref"].to_numpy(),
        "DateReceived": _uk(x["day"].to_numpy()),
        "FirstName": x["given_r"].to_numpy(),
        "LastName": x["family_r"].to_numpy(),
        "DOB": _uk(x["dob_r"].to_numpy()),
        "NHSNumber": x["nhs_number_r"].to_numpy(),
        "LAPersonID": x["la_id_r"].to_numpy(),
        "Gender": _sex("asc", x["sex"].to_numpy(), rng),
        "Address": np.where(x["line_r"] != "", x["line_r"] + ", " + x["locality"], ""),
        "Postcode": x["pc_r"].to_numpy(),
        "ConcernType": x["code"].to_numpy(),
        "RiskLevel": _sev_code("asc", x["sev"].to_numpy()),
        "Source": _pick(rng, P.ASC_SOURCES, n),
        "ReportedBy": _pick(rng, STAFF_NAMES, n),
        "Notes": summaries(rng, x["concern"].to_numpy()),
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": 0,
    })
    return rows, x


def render_housing(rng, notifs, m):
    x = _one_per_nid(notifs, m)
    n = len(x)
    g, f = x["given_r"].to_numpy(), x["family_r"].to_numpy()
    comma = rng.random(n) < 0.7
    name = np.where(comma, _upper(f) + ", " + g, g + " " + f)
    mem = m[m["order"] > 0].sort_values(["nid", "order"], kind="stable")
    role_shown = rng.random(len(mem)) < 0.85
    dob_txt = _uk(mem["dob_r"].to_numpy())
    item = (mem["given_r"].to_numpy() + " " + _upper(mem["family_r"].to_numpy()) + " (" + dob_txt + ")"
            + np.where(role_shown & (mem["role"].to_numpy() != ""), " - " + mem["role"].to_numpy(), ""))
    cell = pd.Series(item, index=mem["nid"].to_numpy()).groupby(level=0).agg("; ".join)
    rows = obj_frame({
        "CaseRef": x["ref"].to_numpy(),
        "NotificationDate": _uk(x["day"].to_numpy()),
        "NotificationType": x["code"].to_numpy(),
        "Urgency": _sev_code("housing", x["sev"].to_numpy()),
        "ApplicantName": name,
        "ApplicantDOB": _uk(x["dob_r"].to_numpy()),
        "NINumber": x["ni_number_r"].to_numpy(),
        "CurrentAddress": np.where(x["line_r"] != "", x["line_r"] + ", " + x["locality"], ""),
        "Postcode": x["pc_r"].to_numpy(),
        "HouseholdMembers": cell.reindex(x["nid"].to_numpy()).fillna("").to_numpy(),
        "Notes": summaries(rng, x["concern"].to_numpy()),
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": 0,
    })
    return rows, x


def render_probation(rng, notifs, m, crn: np.ndarray):
    x = _one_per_nid(notifs, m)
    n = len(x)
    kids = x["children_at_address"].fillna("Unknown").to_numpy()
    kids = np.where(rng.random(n) < 0.15, "Unknown", kids)
    rows = obj_frame({
        "NotificationRef": x["ref"].to_numpy(),
        "NotificationDate": _uk(x["day"].to_numpy()),
        "CRN": crn[x["pid"].to_numpy()],
        "PNC": _pnc_style(rng, x["pnc_r"].to_numpy()),
        "Surname": x["family_r"].to_numpy(),
        "Forenames": x["given_r"].to_numpy(),
        "DateOfBirth": _uk(x["dob_r"].to_numpy()),
        "Gender": np.array([P.sex_code("probation", s) for s in x["sex"].to_numpy()], dtype=object),
        "Address": np.where(x["line_r"] != "", x["line_r"] + ", " + x["locality"], ""),
        "Postcode": x["pc_r"].to_numpy(),
        "OffenceType": x["code"].to_numpy(),
        "RoSH": _sev_code("probation", x["sev"].to_numpy()),
        "ChildrenAtAddress": kids,
        "OffenderManager": _pick(rng, STAFF_NAMES, n),
        "Details": summaries(rng, x["concern"].to_numpy()),
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": 0,
    })
    return rows, x


def _public_name(rng, g: np.ndarray, f: np.ndarray, age: np.ndarray) -> np.ndarray:
    """A child's name as a neighbour types it."""
    r = rng.random(len(g))
    out = np.where(r < 0.45, g + " " + f, "")
    out = np.where((r >= 0.45) & (r < 0.55), _lower(f + ", " + g), out)
    out = np.where((r >= 0.55) & (r < 0.65), _upper(g + " " + f), out)
    out = np.where((r >= 0.65) & (r < 0.72), np.where(age < 8, "little " + g, g), out)
    out = np.where((r >= 0.72) & (r < 0.9), g, out)
    out = np.where((r >= 0.9) & (r < 0.95), g + " (not sure of surname)", out)
    out = np.where(r >= 0.95, _lower(g + " " + f), out)
    return out


def _lower(a: np.ndarray) -> np.ndarray:
    return np.array([x.lower() for x in a], dtype=object)


def render_online(rng, notifs, m):
    x = _one_per_nid(notifs, m)
    n = len(x)
    age = np.floor(x["age"].to_numpy()).astype(int)
    approx = age + np.where(rng.random(n) < 0.3, rng.integers(-1, 2, size=n), 0)
    approx = np.maximum(approx, 0).astype(str).astype(object)
    r = rng.random(n)
    age_txt = np.where(r < 0.3, "about " + approx, np.where(r < 0.75, approx, ""))
    minutes = rng.integers(0, 1440, size=n)
    submitted = np.array([f"{d} {mi // 60:02d}:{mi % 60:02d}" for d, mi in zip(fmt_iso(x["day"].to_numpy()), minutes)],
                         dtype=object)
    line = x["line_r"].to_numpy()
    street_only = np.array([" ".join(s.split(" ")[1:]) if s and s[0].isdigit() else s for s in line], dtype=object)
    ra = rng.random(n)
    address = np.where(ra < 0.35, line, np.where(ra < 0.5, street_only, ""))
    # a street alone (or nothing) does not say which home, nor does a first line (the form asks for no
    # postcode) that another address in the area shares: no delivered address for the truth
    x["addr_r"] = np.where((ra < 0.35) & x["addr_unique"].to_numpy(), x["addr_r"].to_numpy(), -1)
    rows = obj_frame({
        "submission_id": x["ref"].to_numpy(),
        "submitted_at": submitted,
        "child_name": _public_name(rng, x["given_r"].to_numpy(), x["family_r"].to_numpy(), x["age"].to_numpy()),
        "child_age": age_txt,
        "child_dob": np.where(rng.random(n) < 0.1, _uk(x["dob_r"].to_numpy()), ""),
        "child_address": address,
        "concern_type": x["code"].to_numpy(),
        "immediate_danger": _sev_code("online_form", x["sev"].to_numpy()),
        "description": public_descriptions(rng, x["concern"].to_numpy()),
        "reporter_relationship": _pick(rng, P.ONLINE_REPORTERS, n),
        "happy_to_be_contacted": _pick(rng, ["Yes", "No"], n),
        "_nid": x["nid"].to_numpy(), "_rowkey": x["rowkey"].to_numpy(), "_order": 0,
    })
    return rows, x
