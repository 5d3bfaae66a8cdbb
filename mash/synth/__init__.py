"""Synthetic MASH world: households over time, partner deliveries in their own formats, ground truth.

>>> from mash.synth import generate_world  # doctest: +SKIP
>>> generate_world(Path("data_samples/world"))  # doctest: +SKIP
"""

from mash.synth.noise import NoiseRates
from mash.synth.world import WorldSummary, generate_world

__all__ = ["NoiseRates", "WorldSummary", "generate_world"]
