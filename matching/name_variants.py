"""Nicknames and spelling variants of forenames, across cultures.

Two sources:

* the ``nicknames`` package (English nicknames: Bill/William, Peggy/Margaret);
* a small curated list below of transliteration and spelling variants that a
  nickname list does not hold (Mohammed/Muhammad/Mohamed, Aleksandra/Alexandra,
  Siobhan/Shivaun, Zoe/Zoey ...). Add to it when review finds a missed variant:
  the list is data, and every entry is visible evidence in an explanation.

Two views are offered:

* :func:`name_group` gives ONE canonical "name group" key per name, for blocking
  and for an equality level. A nickname with several possible full names (Bill:
  William or Robert?) keeps the full name with most nicknames, a documented
  simplification;
* :func:`are_name_variants` is the exact pairwise relation (shared group, or one
  is a listed nickname of the other), used by the comparison level.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# Each line is one group; the first spelling is the canonical key.
CURATED_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("MOHAMMED", "MUHAMMAD", "MOHAMED", "MOHAMMAD", "MUHAMMED", "MOHAMAD", "MUHAMED", "MOHAMMOD",
     "MAHOMED", "MOHD", "MD", "MOHAMMEED", "MUHAMAD", "MEHMET", "MAHAMED"),
    ("AHMED", "AHMAD", "AHMET", "AHMEED"),
    ("HUSSAIN", "HUSSEIN", "HUSAIN", "HOSSAIN", "HOSSEIN", "HUSEYIN"),
    ("HASSAN", "HASAN", "HASSEN"),
    ("ABDULLAH", "ABDALLAH", "ABDULA", "ABDULLA"),
    ("IBRAHIM", "IBRAHEEM", "EBRAHIM", "IBRAHIEM"),
    ("YUSUF", "YOUSUF", "YOUSEF", "YOUSSEF", "YUSSUF", "YOUSOUF"),
    ("OMAR", "UMAR", "OMER"),
    ("MUSTAFA", "MUSTAPHA", "MOSTAFA", "MUSTAFAH"),
    ("KHALID", "KHALED", "KHALEED"),
    ("TARIQ", "TAREK", "TARIK", "TAREQ"),
    ("AISHA", "AYESHA", "AYSHA", "AISHAH", "AYISHA", "AISCHA"),
    ("FATIMA", "FATIMAH", "FATMA", "FATEMA"),
    ("MARYAM", "MARIAM", "MERYEM", "MARYAM"),
    ("LEILA", "LAYLA", "LEILAH", "LAILA", "LEYLA", "LAYLAH"),
    ("YASMIN", "YASMINE", "YASMEEN", "JASMINE", "JASMIN"),
    ("ZAINAB", "ZAYNAB", "ZEINAB"),
    ("ALEKSANDRA", "ALEXANDRA", "OLEKSANDRA", "ALEXANDRIA"),
    ("ALEXANDER", "ALEKSANDER", "ALEKSANDR", "OLEKSANDR", "ALEXANDRE", "ALESSANDRO", "ALEJANDRO",
     "ALEXANDRU"),
    ("SIOBHAN", "SHIVAUN", "SHEVAUN", "CHEVONNE", "SHIVONNE", "SIOBAN", "SHIVON"),
    ("NIAMH", "NEVE", "NEAVE", "NIEVE", "NEEVE"),
    ("ROISIN", "ROSHEEN", "ROSHEAN"),
    ("OISIN", "OSHEEN", "OSHIN"),
    ("SIAN", "SHAN", "SHARN"),
    ("RHYS", "REECE", "REES", "REESE", "RHYSE"),
    ("AOIFE", "EEFA", "EFA"),
    ("CAOIMHE", "KEEVA", "KEVA"),
    ("SINEAD", "SHINEAD", "SHANNADE"),
    ("SEAN", "SHAUN", "SHAWN", "SHAUNE"),
    ("EOIN", "OWEN", "EWAN", "EUAN"),
    ("ZOE", "ZOEY", "ZOIE", "ZOEE"),
    ("CHLOE", "CLOE", "KLOE"),
    ("SOPHIE", "SOPHIA", "SOFIA", "SOFIYA", "SOPHY"),
    ("ISABEL", "ISABELLE", "ISOBEL", "YSABEL", "ISABELLA", "IZABELA", "IZABELLA"),
    ("CATHERINE", "KATHERINE", "KATHRYN", "CATHRYN", "KATHARINE", "CATHARINE", "KATARZYNA",
     "KATERINA", "CATRIONA", "KATRINA", "KASIA"),
    ("ELIZABETH", "ELISABETH", "ELZBIETA", "ELISABETTA", "ELIZABET"),
    ("STEPHEN", "STEVEN", "STEFAN", "STEPHAN", "STEFFAN"),
    ("PHILIP", "PHILLIP", "FILIP", "PHILLIPE", "PHILIPPE"),
    ("JOHN", "JON", "JAN", "JOHANN", "JOHANNES", "GIOVANNI", "JUAN", "IOAN", "IAN"),
    ("JACOB", "JAKUB", "JAKOB", "YAKOV", "KUBA"),
    ("CHRISTOPHER", "KRZYSZTOF", "KRISTOF", "CHRISTOPH", "KRISTOFER"),
    ("PETER", "PIOTR", "PETR", "PIETRO", "PEDRO", "PIERRE", "PETRU"),
    ("MICHAEL", "MIKHAIL", "MYKHAILO", "MICHAL", "MIHAI", "MIGUEL", "MICHEL", "MICHELE"),
    ("THOMAS", "TOMASZ", "TOMAS", "TOMMASO", "TOMEK"),
    ("MATTHEW", "MATEUSZ", "MATTEO", "MATHIEU", "MATEO", "MATTHIAS"),
    ("NATALIE", "NATALIA", "NATALYA", "NATHALIE", "NATALIJA"),
    ("EUGENE", "EVGENY", "YEVGENY", "YEVHEN", "EVGENI"),
    ("SERGEI", "SERGEY", "SERHIY", "SERGIY", "SERGIU"),
    ("DMITRI", "DMITRY", "DMYTRO", "DIMITRI", "DIMITRIS"),
    ("ANNA", "ANA", "ANNE", "ANN", "HANNA"),
    ("MARIA", "MARIYA", "MARIJA", "MARYA"),
    ("JOSEPH", "JOSEF", "JOZEF", "GIUSEPPE", "JOSE", "PEPE"),
    ("OLIVER", "OLIWER", "OLIVIER"),
    # everyday diminutives in other languages (Polish, Spanish) that an English nickname list lacks
    ("AGNES", "AGNIESZKA", "AGA", "INES", "INEZ"),
    ("MARGARET", "MALGORZATA", "GOSIA"),
    ("FRANCISCO", "PACO", "FRANCESC"),
    ("DOLORES", "LOLA"),
    ("IGNACIO", "NACHO"),
    ("JAYDEN", "JAYDON", "JADEN", "JAIDEN"),
    ("AIDEN", "AIDAN", "AYDEN"),
    ("KAYDEN", "CAIDEN", "KADEN"),
    ("HAYLEY", "HALEY", "HAILEY"),
    ("CALLUM", "CALUM"),
    ("GURPREET", "GURPRIT"),
    ("MANPREET", "MANPRIT"),
    ("KULDEEP", "KULDIP"),
    ("SANDEEP", "SANDIP"),
    ("PRADEEP", "PRADIP"),
    ("DEEPAK", "DIPAK"),
    ("MOHINDER", "MOHINDAR", "MAHINDER"),
    ("OLUWASEUN", "SEUN"),
    ("OLUWATOBI", "TOBI"),
    ("CHIDINMA", "DINMA"),
)


# Group keys for common British nicknames where "most nicknames" picks badly.
# Only the single key is affected: the pairwise relation still knows Sam/Samantha.
KEY_OVERRIDES: dict[str, str] = {
    "BILL": "WILLIAM", "BILLY": "WILLIAM", "WILLIE": "WILLIAM", "WILLY": "WILLIAM",
    "TOM": "THOMAS", "TOMMY": "THOMAS", "THOM": "THOMAS",
    "CHRIS": "CHRISTOPHER", "ALEX": "ALEXANDER", "SAM": "SAMUEL", "SAMMY": "SAMUEL",
    "JACK": "JOHN", "JOHNNY": "JOHN", "HARRY": "HENRY", "ELLA": "ELLA", "ELLIE": "ELEANOR",
}


@lru_cache(maxsize=1)
def _nickname_tables() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(canonical -> nicknames, nickname -> canonicals), upper case, from the package."""
    from nicknames import NickNamer  # imported lazily: reading its CSV costs ~50 ms

    nn = NickNamer()
    nick_of: dict[str, set[str]] = {}
    canon_of: dict[str, set[str]] = {}
    for canonical, nicks in nn.nickname_lookup.items():
        c = canonical.upper()
        for n in nicks:
            nick_of.setdefault(c, set()).add(n.upper())
            canon_of.setdefault(n.upper(), set()).add(c)
    return nick_of, canon_of


@lru_cache(maxsize=1)
def _curated_key() -> dict[str, str]:
    key: dict[str, str] = {}
    for group in CURATED_VARIANTS:
        for name in group:
            key.setdefault(name, group[0])
    return key


@lru_cache(maxsize=200_000)
def name_group(name: str) -> str:
    """Canonical name-group key for a standardised forename ("" stays "").

    >>> name_group("MUHAMMAD"), name_group("BILL"), name_group("ZOE")
    ('MOHAMMED', 'WILLIAM', 'ZOE')
    """
    if not name:
        return ""
    curated = _curated_key()
    if name in curated:
        return curated[name]
    if name in KEY_OVERRIDES:
        return curated.get(KEY_OVERRIDES[name], KEY_OVERRIDES[name])
    nick_of, canon_of = _nickname_tables()
    # One step only: a name or one of its listed full names, whichever has the
    # most nicknames (the most "central" name: William over Willis for Bill).
    # The name itself wins ties, then alphabetical order, so the key is
    # deterministic. Walking further up the nickname graph chains unrelated
    # names together (William -> Willis), so it is not done.
    candidates = {name} | canon_of.get(name, set())
    best = min(candidates, key=lambda c: (-len(nick_of.get(c, ())), c != name, c))
    return curated.get(best, best)


def are_name_variants(a: str, b: str) -> bool:
    """True when two standardised forenames are the same name in another form.

    >>> are_name_variants("BILL", "WILLIAM"), are_name_variants("MOHAMED", "MUHAMMAD")
    (True, True)
    >>> are_name_variants("JOHN", "JANE")
    False
    """
    if not a or not b:
        return False
    if a == b or name_group(a) == name_group(b):
        return True
    nick_of, canon_of = _nickname_tables()
    related_a = nick_of.get(a, set()) | canon_of.get(a, set())
    return b in related_a


def related_names(name: str) -> set[str]:
    """Every name that :func:`are_name_variants` could relate to ``name`` (without itself).

    >>> "WILLIAM" in related_names("BILL")
    True
    """
    nick_of, canon_of = _nickname_tables()
    out = set(nick_of.get(name, set())) | set(canon_of.get(name, set()))
    group = name_group(name)
    for g in CURATED_VARIANTS:
        if g[0] == group:
            out.update(g)
    out.add(group)
    out.discard(name)
    return out


def variant_pair_keys(vocabulary: np.ndarray | list[str]) -> np.ndarray:
    """Sorted int64 keys ``i * V + j`` of vocabulary positions that are name variants.

    Lets a comparison test millions of pairs with one ``np.isin`` instead of a
    Python call per pair.

    >>> keys = variant_pair_keys(["BILL", "WILLIAM", "JANE"])
    >>> bool(np.isin(0 * 3 + 1, keys)), bool(np.isin(0 * 3 + 2, keys))
    (True, False)
    """
    vocab = [str(v) for v in vocabulary]
    v = len(vocab)
    pos = {name: i for i, name in enumerate(vocab)}
    groups: dict[str, list[int]] = {}
    keys: list[int] = []
    for i, name in enumerate(vocab):
        if not name:
            continue
        groups.setdefault(name_group(name), []).append(i)
        for other in related_names(name):
            j = pos.get(other)
            if j is not None and j != i:
                keys.append(i * v + j)
                keys.append(j * v + i)
    for members in groups.values():
        if len(members) > 1:
            m = np.asarray(members, dtype=np.int64)
            grid = (m[:, None] * v + m[None, :]).ravel()
            keys.extend(grid.tolist())
    return np.unique(np.asarray(keys, dtype=np.int64))
