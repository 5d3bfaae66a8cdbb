"""Information governance: audit, pseudonymisation and disclosure control.

Three self-contained libraries that enforce section 6 of the domain primer:

- :mod:`mash.governance.audit` -- append-only, hash-chained log of every access
  to identifiable data, export, share decision, review decision and
  configuration change (with :mod:`mash.governance.audit_review` for the
  periodic access review);
- :mod:`mash.governance.pseudonymise` -- keyed (HMAC-SHA256) pseudonyms and
  coarsening of quasi-identifiers;
- :mod:`mash.governance.disclosure` -- small-number suppression and rounding
  of published tables, per audience (DfE, NHS Digital, TRE).
"""
