"""Name normalisation shared by the address and person tables."""

from __future__ import annotations

# Surname as one comparable token: upper case, accents and punctuation removed. Taken from the surname
# field, else from a one-field name ("SMITH, Jo" or "Jo Smith"); a name with a remark in brackets
# ("Jo (not sure of surname)") gives none.
SURNAME_SQL = """
regexp_replace(upper(strip_accents(
    CASE
        WHEN surname IS NOT NULL AND trim(surname) <> '' THEN surname
        WHEN full_name IS NULL OR full_name LIKE '%(%' THEN NULL
        WHEN full_name LIKE '%,%' THEN split_part(full_name, ',', 1)
        WHEN regexp_matches(trim(full_name), '\\s') THEN regexp_extract(trim(full_name), '(\\S+)$', 1)
        ELSE NULL
    END)), '[^A-Z]', '', 'g')
"""
