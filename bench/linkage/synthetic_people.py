"""Deterministic synthetic UK person mentions with known truth, for the scale benchmark.

``generate(n_mentions, seed)`` returns a DataFrame with the engine's input
columns (``record_id, first_name, middle_name, surname, dob, sex, postcode,
address, nhs_number``) and ``person_id`` (the truth). It is plain numpy, so a
million mentions take seconds.

What makes it realistic enough to be a fair test:

* households: people share surname, address and postcode; 2% of households
  have twins (same surname, DOB, address, different forenames) and 2% a son
  named after his father (DOB 20-40 years apart) -- decoys that must not merge;
* a long tail of surnames (a few hundred common British and other surnames
  weighted Zipf-like, plus generated rarer ones) and forenames across cultures;
* noise per mention: typos, nicknames and transliteration variants,
  missing values, day/month swaps, one-digit DOB errors, 01/01 placeholders,
  moves (new postcode and address), postcode typos, NHS numbers present on
  60% of mentions with 1% mistyped (so failing their check), mixed DOB formats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MALE = (
    "OLIVER GEORGE HARRY JACK JACOB NOAH CHARLIE MUHAMMAD THOMAS OSCAR WILLIAM JAMES LEO ALFIE HENRY JOSHUA FREDDIE "
    "ARCHIE ETHAN ISAAC ALEXANDER JOSEPH EDWARD SAMUEL MAX DANIEL ARTHUR LUCAS MOHAMMED LOGAN THEO HARRISON BENJAMIN "
    "MASON SEBASTIAN FINLEY ADAM DYLAN ZACHARY RILEY TEDDY DAVID TOBY JAKE LEWIS LUCA MATTHEW ELIJAH REUBEN ROBERT "
    "MICHAEL JOHN PETER PAUL MARK RICHARD STEPHEN CHRISTOPHER ANDREW ANTHONY KEVIN GARY SEAN AHMED ALI OMAR YUSUF "
    "IBRAHIM HASSAN JAKUB PIOTR KRZYSZTOF TOMASZ ALEKSANDER KWAME KOFI CHINEDU OLUWASEUN EMEKA RAJ ARJUN SANDEEP "
    "GURPREET DEEPAK AIDAN CONOR EOIN CIARAN DECLAN PATRICK"
).split()
FEMALE = (
    "OLIVIA AMELIA ISLA AVA EMILY ISABELLA MIA POPPY ELLA LILY SOPHIA GRACE EVIE SCARLETT RUBY CHLOE ISABELLE DAISY "
    "FREYA PHOEBE FLORENCE ALICE JESSICA SIENNA ELSIE MATILDA EVELYN EVA SOPHIE ROSIE CHARLOTTE ELIZABETH KATHERINE "
    "MARGARET SARAH EMMA LAURA REBECCA HANNAH LUCY AMY NATALIE SAMANTHA VICTORIA JENNIFER HELEN CLAIRE NICOLA "
    "DEBORAH SUSAN KAREN JULIE TRACEY FATIMA AISHA MARYAM ZAINAB AYESHA LEILA YASMIN ALEKSANDRA AGNIESZKA KATARZYNA "
    "ZOFIA AMARA CHIDINMA ADAEZE NGOZI PRIYA ANJALI MANPREET SIOBHAN NIAMH AOIFE ZOE CAOIMHE SINEAD MARY ANNE"
).split()
VARIANTS = {
    "MUHAMMAD": ["MOHAMMED", "MOHAMED", "MOHAMMAD"], "MOHAMMED": ["MUHAMMAD", "MOHAMED"], "WILLIAM": ["BILL", "WILL"],
    "ROBERT": ["BOB", "ROB"], "JAMES": ["JIM", "JAMIE"], "THOMAS": ["TOM"], "JOSEPH": ["JOE"], "SAMUEL": ["SAM"],
    "ALEXANDER": ["ALEX", "ALEKSANDER"], "DANIEL": ["DAN", "DANNY"], "MICHAEL": ["MIKE", "MICK"],
    "CHRISTOPHER": ["CHRIS"], "MATTHEW": ["MATT"], "ANDREW": ["ANDY", "DREW"], "ANTHONY": ["TONY"],
    "RICHARD": ["RICH", "DICK"], "STEPHEN": ["STEVE", "STEVEN"], "EDWARD": ["ED", "TED", "EDDIE"],
    "ELIZABETH": ["LIZ", "BETH", "ELISABETH"], "KATHERINE": ["KATE", "KATIE", "CATHERINE"],
    "MARGARET": ["MAGGIE", "PEGGY"], "REBECCA": ["BECKY", "BEX"], "SAMANTHA": ["SAM"], "VICTORIA": ["VICKY"],
    "JENNIFER": ["JENNY", "JEN"], "DEBORAH": ["DEBBIE"], "SUSAN": ["SUE"], "ALEKSANDRA": ["ALEXANDRA", "OLA"],
    "AYESHA": ["AISHA"], "AISHA": ["AYESHA"], "ZOE": ["ZOË"], "SIOBHAN": ["SHIVAUN"], "YUSUF": ["YOUSUF", "YOUSEF"],
    "HASSAN": ["HASAN"], "AHMED": ["AHMAD"], "SOPHIE": ["SOPHIA"], "NATALIE": ["NATALIA"], "PETER": ["PETE"],
}
SURNAMES = (
    "SMITH JONES WILLIAMS TAYLOR BROWN DAVIES EVANS WILSON THOMAS JOHNSON ROBERTS ROBINSON THOMPSON WRIGHT WALKER "
    "WHITE EDWARDS HUGHES GREEN HALL LEWIS HARRIS CLARKE PATEL JACKSON WOOD TURNER MARTIN COOPER HILL WARD MORRIS "
    "MOORE CLARK LEE KING BAKER HARRISON MORGAN ALLEN JAMES SCOTT PHILLIPS WATSON DAVIS PARKER PRICE BENNETT YOUNG "
    "GRIFFITHS MITCHELL KELLY COOK CARTER RICHARDSON BAILEY COLLINS BELL SHAW MURPHY MILLER COX RICHARDS KHAN "
    "MARSHALL ANDERSON SIMPSON ELLIS ADAMS SINGH BEGUM WILKINSON FOSTER CHAPMAN POWELL WEBB ROGERS GRAY MASON ALI "
    "HUNT HUSSAIN CAMPBELL MATTHEWS OWEN PALMER HOLMES MILLS BARNES KNIGHT LLOYD BUTLER RUSSELL BARKER FISHER "
    "STEVENS JENKINS MURRAY DIXON HARVEY GRAHAM PEARSON AHMED FLETCHER WALSH KAUR GIBSON HOWARD ANDREWS STEWART "
    "NOWAK KOWALSKI WISNIEWSKI OKAFOR OKONKWO ADEYEMI MENSAH OSEI OBRIEN OCONNOR MCDONALD MACDONALD SHARMA GUPTA "
    "CHOWDHURY RAHMAN ISLAM UDDIN MIAH AKHTAR IQBAL MAHMOOD NGUYEN CHEN WANG ZHANG SMITH-JONES TAYLOR-BROWN "
    "OSULLIVAN FITZGERALD DOHERTY MCCARTHY ABRAHAMS GOLDBERG COHEN ROSSI RUSSO FERREIRA SANTOS SILVA YILMAZ KAYA"
).split()
SYLLABLES = ("AB AL AN AR ASH BAR BEL BRO CAR CHE DAL DEN DOR EL FEN FIN GAR GOR HAL HAM HOL KEN KIN LAN LEY "
             "LIN MAR MER MOR NEL NOR OR PEN RAD RAN RID ROS SAL SEL SOM STAN TAL TON TOR VAL VER WAL WIN WOR").split()
ENDINGS = "TON LEY WORTH FIELD BY HAM SON MAN WELL FORD STEAD BURY COTT DALE SHAW LOCK RIDGE".split()
STREETS = ("HIGH CHURCH STATION MILL PARK VICTORIA GREEN MANOR KINGS QUEENS NEW SCHOOL ALBERT WINDSOR GROVE YORK "
           "ELM OAK ASH BEECH CEDAR WILLOW MAPLE CHESTNUT MEADOW ORCHARD BRIDGE CASTLE MARKET NORTH SOUTH WEST EAST "
           "SPRING FOREST HILLSIDE LAKE RIVER CANAL ABBEY PRIORY CHAPEL COLLEGE GEORGE JOHN WILLIAM VICARAGE").split()
STREET_TYPES = [("ROAD", "RD"), ("STREET", "ST"), ("AVENUE", "AVE"), ("LANE", "LN"), ("CLOSE", "CL"),
                ("DRIVE", "DR"), ("GARDENS", "GDNS"), ("WAY", "WAY"), ("CRESCENT", "CRES"), ("COURT", "CT")]
AREAS = ("B BS CF CV DE E EC L LE LS M N NE NG NW OL PR S SE SK SO ST SW W WF WS WV YO BD BB BL BN BR CB CM CR DA "
         "DN DY EN HA HD HP HU IG KT LU ME MK NN NR OX PE PL PO RG RM SL SN SS TN TS TW UB WA WD WN").split()
INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
NHS_W = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2])


def _zipf_choice(rng: np.random.Generator, items: list[str], size: int, a: float = 1.05) -> np.ndarray:
    w = 1.0 / np.arange(1, len(items) + 1) ** a
    return np.asarray(items, dtype=object)[rng.choice(len(items), size=size, p=w / w.sum())]


def _rare_surnames(rng: np.random.Generator, k: int) -> list[str]:
    s1 = rng.choice(SYLLABLES, size=k)
    s2 = rng.choice(SYLLABLES, size=k)
    e = rng.choice(ENDINGS, size=k)
    return sorted({f"{a}{b.lower()}{c.lower()}".upper() for a, b, c in zip(s1, s2, e)})


def _nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    filled = 0
    while filled < n:
        d = rng.integers(0, 10, size=(int((n - filled) * 1.15) + 10, 9))
        d[:, 0] = rng.integers(4, 10, size=len(d))
        check = 11 - (d @ NHS_W) % 11
        check[check == 11] = 0
        ok = check != 10
        d, check = d[ok], check[ok]
        take = min(len(d), n - filled)
        digits = np.concatenate([d[:take], check[:take, None]], axis=1)
        out[filled : filled + take] = ["".join(map(str, row)) for row in digits]
        filled += take
    return out


def _typo(rng: np.random.Generator, words: np.ndarray) -> np.ndarray:
    """One random edit (substitute, delete, insert or transpose) per word."""
    out = words.copy()
    kinds = rng.integers(0, 4, size=len(words))
    pos_u = rng.random(len(words))
    letters = rng.choice(list("ABCDEFGHIJKLMNOPRSTUVWY"), size=len(words))
    for i, w in enumerate(words):
        if not isinstance(w, str) or len(w) < 3:
            continue
        p = int(pos_u[i] * (len(w) - 1)) + 1  # keep the first letter (people rarely mistype it)
        k = kinds[i]
        if k == 0:
            out[i] = w[:p] + letters[i] + w[p + 1 :]
        elif k == 1:
            out[i] = w[:p] + w[p + 1 :]
        elif k == 2:
            out[i] = w[:p] + letters[i] + w[p:]
        elif p < len(w) - 1:
            out[i] = w[:p] + w[p + 1] + w[p] + w[p + 2 :]
    return out


def generate(n_mentions: int = 1_000_000, seed: int = 20240601) -> pd.DataFrame:
    """Synthetic mentions with truth in ``person_id`` (deterministic for a seed).

    >>> df = generate(2_000, seed=1)
    >>> len(df), df["person_id"].nunique() < len(df)
    (2000, True)
    """
    rng = np.random.default_rng(seed)
    n_persons = max(2, int(n_mentions / 2.5))
    # Households of 1-5 people share surname (mostly), address and postcode.
    hh_sizes = rng.choice([1, 2, 3, 4, 5], size=n_persons, p=[0.35, 0.3, 0.17, 0.12, 0.06])
    hh_of_person = np.repeat(np.arange(len(hh_sizes)), hh_sizes)[:n_persons]
    n_hh = int(hh_of_person.max()) + 1
    surname_pool = SURNAMES + _rare_surnames(rng, 40_000)
    # About a third of people carry one of the common surnames (Smith is ~1%, as in England);
    # the rest a long tail, as the real distribution has.
    hh_surname = np.where(rng.random(n_hh) < 0.35, _zipf_choice(rng, SURNAMES, n_hh, 0.7),
                          np.asarray(surname_pool, dtype=object)[rng.integers(0, len(surname_pool), n_hh)])
    area = rng.choice(AREAS, size=n_hh)
    district = rng.integers(1, 30, size=n_hh)
    sector = rng.integers(0, 10, size=n_hh)
    units = rng.choice(INWARD_LETTERS, size=(n_hh, 2))
    hh_postcode = np.array([f"{a}{d} {s}{u[0]}{u[1]}" for a, d, s, u in zip(area, district, sector, units)], dtype=object)
    street_idx = rng.integers(0, len(STREETS), size=n_hh)
    type_idx = rng.integers(0, len(STREET_TYPES), size=n_hh)
    number = rng.integers(1, 250, size=n_hh)
    hh_street = np.array([f"{STREETS[s]} {STREET_TYPES[t][0]}" for s, t in zip(street_idx, type_idx)], dtype=object)

    sex = np.where(rng.random(n_persons) < 0.5, "M", "F").astype(object)
    # Forenames flatter than Zipf: the commonest is ~3% of people, as in recent birth registrations.
    first = np.where(sex == "M", _zipf_choice(rng, MALE, n_persons, 0.6), _zipf_choice(rng, FEMALE, n_persons, 0.6))
    middle = np.where(rng.random(n_persons) < 0.4,
                      np.where(sex == "M", _zipf_choice(rng, MALE, n_persons, 0.6),
                               _zipf_choice(rng, FEMALE, n_persons, 0.6)),
                      None)
    surname = hh_surname[hh_of_person].copy()
    own = rng.random(n_persons) < 0.1  # some household members have their own surname
    surname[own] = np.asarray(surname_pool, dtype=object)[rng.integers(0, len(surname_pool), own.sum())]
    dob_days = rng.integers(-30 * 365, 53 * 365, size=n_persons)  # 1940 .. 2023
    # Decoys: twins (same DOB, different forename) and fathers and sons with the same name.
    first_in_hh = np.r_[True, hh_of_person[1:] != hh_of_person[:-1]]
    second = np.nonzero(~first_in_hh)[0]
    prev = second - 1
    decoy = rng.random(len(second))
    twins = second[decoy < 0.04]
    dob_days[twins] = dob_days[twins - 1]
    surname[twins] = surname[twins - 1]
    namesake = second[(decoy >= 0.04) & (decoy < 0.08)]
    first[namesake] = first[namesake - 1]
    sex[namesake] = sex[namesake - 1]
    surname[namesake] = surname[namesake - 1]
    gap = rng.integers(20 * 365, 40 * 365, size=len(namesake))
    dob_days[namesake - 1] = np.minimum(dob_days[namesake - 1], 53 * 365 - gap)  # the father is old enough
    dob_days[namesake] = dob_days[namesake - 1] + gap
    nhs = _nhs_numbers(rng, n_persons)
    _ = prev

    # Mentions: 1 + Poisson(1.5) per person, trimmed to n_mentions.
    per = 1 + rng.poisson(1.5, size=n_persons)
    person = np.repeat(np.arange(n_persons), per)[:n_mentions]
    if len(person) < n_mentions:
        person = np.r_[person, rng.integers(0, n_persons, n_mentions - len(person))]
    person = person[rng.permutation(len(person))]
    n = len(person)
    hh = hh_of_person[person]
    u = rng.random((n, 16))

    fn = first[person].copy()
    var_rows = np.nonzero(u[:, 0] < 0.06)[0]
    for i in var_rows:
        opts = VARIANTS.get(fn[i])
        if opts:
            fn[i] = opts[int(u[i, 1] * len(opts))]
    t = u[:, 2] < 0.05
    fn[t] = _typo(rng, fn[t])
    fn[u[:, 3] < 0.03] = None
    mn = middle[person].copy()
    mn[u[:, 4] < 0.3] = None
    sn = surname[person].copy()
    t = u[:, 5] < 0.05
    sn[t] = _typo(rng, sn[t])
    sn[u[:, 6] < 0.02] = None
    # Case and formatting as different agencies write it.
    lower = u[:, 7] < 0.3
    fn[lower & (fn != None)] = np.char.title(fn[lower & (fn != None)].astype(str)).astype(object)  # noqa: E711
    sn[lower & (sn != None)] = np.char.title(sn[lower & (sn != None)].astype(str)).astype(object)  # noqa: E711

    d = dob_days[person].copy()
    date = pd.to_datetime(d, unit="D", origin="unix")
    yy, mm, dd = date.year.to_numpy(), date.month.to_numpy(), date.day.to_numpy()
    swap = (u[:, 8] < 0.015) & (dd <= 12) & (mm != dd)
    mm2, dd2 = np.where(swap, dd, mm), np.where(swap, mm, dd)
    digit = (u[:, 8] >= 0.015) & (u[:, 8] < 0.03)
    dd2 = np.where(digit & (dd2 < 28), dd2 + 1, dd2)
    yy2 = np.where((u[:, 8] >= 0.03) & (u[:, 8] < 0.04), yy + 1, yy)
    placeholder = (u[:, 8] >= 0.04) & (u[:, 8] < 0.05)
    mm2, dd2 = np.where(placeholder, 1, mm2), np.where(placeholder, 1, dd2)
    fmt = u[:, 9]
    iso = np.char.add(np.char.add(np.char.add(np.char.zfill(yy2.astype(str), 4), "-"),
                                  np.char.add(np.char.zfill(mm2.astype(str), 2), "-")), np.char.zfill(dd2.astype(str), 2))
    uk = np.char.add(np.char.add(np.char.add(np.char.zfill(dd2.astype(str), 2), "/"),
                                 np.char.add(np.char.zfill(mm2.astype(str), 2), "/")), np.char.zfill(yy2.astype(str), 4))
    compact = np.char.replace(iso, "-", "")
    dob = np.where(fmt < 0.5, uk, np.where(fmt < 0.85, iso, compact)).astype(object)
    dob[u[:, 10] < 0.02] = None

    moved = u[:, 11] < 0.12
    hh_m = np.where(moved, rng.integers(0, n_hh, n), hh)
    pc = hh_postcode[hh_m].copy()
    t = (u[:, 12] < 0.03) & ~moved
    if t.any():  # a postcode typo: one inward letter changed
        letters = rng.choice(INWARD_LETTERS, size=t.sum())
        pc[t] = [p[:-1] + ltr for p, ltr in zip(pc[t], letters)]
    nospace = u[:, 13] < 0.3
    pc[nospace] = np.char.replace(pc[nospace].astype(str), " ", "").astype(object)
    pc[u[:, 12] > 0.95] = None
    abbr = u[:, 14] < 0.4
    street = hh_street[hh_m].copy()
    short = np.array([f"{STREETS[s]} {STREET_TYPES[t_][1]}" for s, t_ in zip(street_idx[hh_m[abbr]], type_idx[hh_m[abbr]])],
                     dtype=object)
    street[abbr] = short
    address = np.char.add(np.char.add(number[hh_m].astype(str), " "), street.astype(str)).astype(object)
    address[u[:, 14] > 0.93] = None

    nh = nhs[person].copy()
    nh[u[:, 15] < 0.4] = None
    t = (u[:, 15] >= 0.4) & (u[:, 15] < 0.406)  # mistyped: one digit changed, check now fails (mostly)
    if t.any():
        nh[t] = [s[:5] + str((int(s[5]) + 1) % 10) + s[6:] for s in nh[t]]
    sx = sex[person].copy()
    sx[u[:, 13] > 0.97] = None

    return pd.DataFrame({
        "record_id": [f"m{i:07d}" for i in range(n)],
        "first_name": fn, "middle_name": mn, "surname": sn, "dob": dob, "sex": sx,
        "postcode": pc, "address": address, "nhs_number": nh,
        "person_id": [f"p{x:07d}" for x in person],
    })


if __name__ == "__main__":  # pragma: no cover
    import sys
    import time

    t0 = time.perf_counter()
    df = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print(df.head(10).to_string())
    print(f"{len(df):,} mentions, {df['person_id'].nunique():,} persons in {time.perf_counter() - t0:.1f}s")
