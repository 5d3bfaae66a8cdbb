"""A fictional local authority's addresses: streets, house numbers, flats, postcodes.

The postcode area ``MH`` does not exist in the UK, so no synthetic address is
anyone's real address.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mash.synth.names import INWARD_LETTERS, LOCALITIES, POSTCODE_AREA, STREET_KINDS, STREET_STEMS, TOWN

PER_STREET = 28  # addresses per street; about 12 share a postcode, as on a real street


def make_addresses(rng: np.random.Generator, n: int, kinds: np.ndarray) -> pd.DataFrame:
    """Address table with ``n`` rows; ``kinds[i]`` is house/flat/hmo/childrens_home/hostel.

    Columns: address_id, flat, number, street, locality, town, postcode, line1, kind.

    >>> a = make_addresses(np.random.default_rng(0), 3, np.array(["house", "flat", "hostel"]))
    >>> a.loc[1, "line1"].startswith("Flat "), bool(a["postcode"].str.startswith("MH").all())
    (True, True)
    """
    n_streets = n // PER_STREET + 1
    combos = len(STREET_STEMS) * len(STREET_KINDS) * len(LOCALITIES)
    if n_streets > combos:
        raise ValueError(f"{n} addresses need more street names than the vocabulary offers")
    pick = rng.choice(combos, size=n_streets, replace=False)
    stem = np.array(STREET_STEMS, dtype=object)[pick % len(STREET_STEMS)]
    skind = np.array(STREET_KINDS, dtype=object)[(pick // len(STREET_STEMS)) % len(STREET_KINDS)]
    loc = np.array(LOCALITIES, dtype=object)[pick // (len(STREET_STEMS) * len(STREET_KINDS))]
    street_name = stem + " " + skind

    street = np.arange(n) // PER_STREET
    pos = np.arange(n) % PER_STREET
    # Odd/even sides and gaps: numbers are not just 1..28.
    number = pos * 2 + 1 + (street % 3) * 2 + (pos // 10)
    block = street * 3 + pos // 12  # which postcode on the street
    n_blocks = int(block.max()) + 1
    n_districts = max(6, n_blocks // (10 * 300) + 1)
    # every district/sector/unit combination, in a random order, one per block
    cap = n_districts * 10 * len(INWARD_LETTERS) ** 2
    codes = rng.choice(cap, size=n_blocks, replace=False)
    district = codes // (10 * len(INWARD_LETTERS) ** 2) + 1
    sector = (codes // len(INWARD_LETTERS) ** 2) % 10
    u1 = np.array(list(INWARD_LETTERS), dtype=object)[(codes // len(INWARD_LETTERS)) % len(INWARD_LETTERS)]
    u2 = np.array(list(INWARD_LETTERS), dtype=object)[codes % len(INWARD_LETTERS)]
    block_pc = np.array([f"{POSTCODE_AREA}{d} {s}{a}{b}" for d, s, a, b in zip(district, sector, u1, u2)],
                        dtype=object)
    postcode = block_pc[block]

    is_flat = np.isin(kinds, ["flat"])
    flat_no = rng.integers(1, 7, size=n)
    letter = rng.random(n) < 0.04  # "14a": a converted house
    num_txt = number.astype(str).astype(object)
    num_txt = np.where(letter & ~is_flat, num_txt + "a", num_txt)
    flat = np.where(is_flat, "Flat " + flat_no.astype(str).astype(object), "")
    streets = street_name[street]
    line1 = np.where(is_flat, flat + ", " + num_txt + " " + streets, num_txt + " " + streets)
    # Institutions get a building name, as they do in records.
    inst = np.isin(kinds, ["childrens_home", "hostel"])
    if inst.any():
        label = np.where(kinds == "childrens_home", "Children's Home", "House")
        bname = stem[street] + " " + label
        line1 = np.where(inst, bname + ", " + num_txt + " " + streets, line1)
    return pd.DataFrame({
        "address_id": np.arange(n),
        "flat": flat,
        "number": num_txt,
        "street": streets,
        "locality": loc[street],
        "town": TOWN,
        "postcode": postcode,
        "line1": line1,
        "kind": kinds,
    })
