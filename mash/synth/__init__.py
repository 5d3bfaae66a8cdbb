"""Synthetic MASH world: households over time, partner deliveries in their own formats, ground truth.

``generate_world(out_dir, n_notifications=3000, seed=7, months=18)`` writes

* ``landing/<partner>/...`` - one file per partner per month (schools: per half-term), each in the
  partner's own layout, encoding and delimiter, as described by ``data_samples/partners/<partner>.toml``;
* ``truth/`` - ``persons``, ``households`` (spells), ``addresses``, ``relationships``, ``notifications``,
  ``mentions`` (which true person each delivered record is), ``patterns``, ``decoys`` and ``world.json``.

Lineage in ``truth/mentions.csv`` follows the ingestion rule: ``row_number`` is the 1-based data row
(a multi-line CSV record counts once, a JSONL row is its line, an xlsx row counts from the row after
the header); ``member_position`` is 0 for the row's own person and 1..k for the k-th person in a
household-member list. Household subject ids in ``patterns.csv`` (``H0000123``) are the prefix of
the ``household_id`` spells (``H0000123-0``, ``H0000123-1`` ... one per address).

``patterns.csv`` claims only what the delivered records show. A planted request that did not resolve is
left out; family patterns (``family_moves``, ``sibling_spread``) count only the addresses the records
place people at on the day (not a blank, stale, street-only or ambiguous line) and only family members
the records tie together (named in one notification, or placed at one address within a year). Incidental
instances (``planted = 0``) are listed for every pattern type but ``escalation``.

Everything is synthetic: names come from curated lists, addresses use the non-existent postcode
area ``MH``, identifiers are minted with valid check characters but are random.

>>> from pathlib import Path; import tempfile
>>> s = generate_world(Path(tempfile.mkdtemp()), n_notifications=300, seed=1, months=4)
>>> s.notifications_per_partner["police"]
90
"""

from mash.synth.noise import NoiseRates
from mash.synth.world import WorldSummary, generate_world

__all__ = ["NoiseRates", "WorldSummary", "generate_world"]
