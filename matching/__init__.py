"""Person matching for MASH notifications: which mentions are the same person.

Public API (imported lazily, so ``import matching.identifiers`` stays light)::

    from matching import link_table, link_csv, LinkSettings, default_settings
    from matching import PersonIndex, link_new, apply_decisions

    result = link_table(df)                 # clusters, pairs, review queue, explanations
    print(result.explain("rec-1", "rec-2"))  # field-by-field waterfall
    index = result.to_index()
    index, assigned = link_new(index, new_mentions)  # stable ids, merges logged

See ``matching/api.py`` for the pipeline and ``matching/settings.py`` for every setting.
"""

from __future__ import annotations

_EXPORTS = {
    "link_table": "matching.api",
    "link_csv": "matching.api",
    "LinkResult": "matching.api",
    "LinkSettings": "matching.settings",
    "ComparisonSpec": "matching.settings",
    "LevelSpec": "matching.settings",
    "ConflictRules": "matching.settings",
    "default_settings": "matching.settings",
    "ModelParameters": "matching.model",
    "PersonIndex": "matching.incremental",
    "link_new": "matching.incremental",
    "apply_decisions": "matching.incremental",
    "blocking_recall": "matching.blocking",
    "explain_pairs": "matching.explain",
    "waterfall_text": "matching.explain",
    "prepare_records": "matching.prepare",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'matching' has no attribute {name!r}")
