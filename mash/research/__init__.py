"""Research: the pseudonymised extract researchers work from, its key, and the notebooks over it.

- :mod:`mash.research.keys` -- the per-project pseudonymisation key (``MASH_RESEARCH_KEY_FILE``,
  or a demo key outside the repository for the synthetic demo);
- :mod:`mash.research.extract` -- :func:`~mash.research.extract.write_extract`: Parquet tables, a
  data dictionary and a manifest, with every identifier that could join back to the warehouse
  replaced by a keyed pseudonym or dropped, and quasi-identifiers coarsened;
- :mod:`mash.research.notebooks` -- runs the researcher notebooks in ``notebooks/`` on an extract.
"""
