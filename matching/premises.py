"""Do the data bear out the decoy rules' premises? Checked on every run, without labels.

The twins and DOB conflict rules (see :mod:`matching.clustering`) split records that the
Fellegi-Sunter score links, on one premise each:

* **twins**: a person's forename is written as one name, give or take a slip, a nickname or a
  spelling variant; so two records with one surname and date of birth but two different
  forenames are two people (twins);
* **dob_far**: a person's date of birth is written right, give or take a slip (a day or a
  year out, a digit, two digits swapped, day and month swapped); so two dates of the same name
  that differ in the year and in day or month are two people (father and son, namesakes).

Both hold in partners' records about real people, which is why the MASH defaults have the rules on.
They fail in data whose errors replace a whole value with another plausible one: FEBRL's
generator, for one, gives a duplicate another forename or another date of birth from its lookup
tables, so there a "twin-like" pair is as likely a duplicate as twins, and on these data the rules
would split true duplicates and nothing else.

A premise can be tested on the run's own **identifier-anchored pairs**: candidate pairs that agree
exactly on an identifier (a valid NHS, UPN, PNC or NI number, or la_id / other_id). Such a pair is
the same person (twins, and father and son, do not share an identifier), so the share of anchored
pairs that a rule's condition would call two people is the share of true duplicates it would wrongly
split. Among anchored pairs with the same date of birth and surname, how many have "two different
forenames"? Among anchored pairs with one name, how many have "dates of birth far apart"?

A rule is switched off for the run only when the data prove it wrong: the lower end of a one-sided
95% Wilson interval of that share is above ``ConflictRules.premise_max_share`` (default 1%, i.e. the
rule would split more than one true duplicate in a hundred of the kind it looks at). With few or no
anchored pairs nothing is proven and the rule stays on. The decision and its figures are written
into the run's settings (``ConflictRules.premises``), so every explanation's settings version says
which rules were in force and why. On the synthetic MASH worlds the shares are 0-0.1%; on FEBRL 3 /
4 they are 4-14% (see ``bench/linkage/RESULTS.md``).
"""

from __future__ import annotations

import math

import numpy as np

from matching.clustering import dob_far_apart, one_forename, twin_like
from matching.comparisons import ComparedPairs, FeatureArrays
from matching.settings import LinkSettings

IDENTIFIER_FIELDS = ("nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id")
Z95 = 1.6449  # one-sided 95%


def wilson_lower(k: int, n: int, z: float = Z95) -> float:
    """Lower end of the Wilson score interval for k successes in n trials.

    >>> round(wilson_lower(10, 100), 4), wilson_lower(0, 0)
    (0.0607, 0.0)
    """
    if n == 0:
        return 0.0
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - half) / (1 + z * z / n))


def anchored_pairs(settings: LinkSettings, compared: ComparedPairs) -> np.ndarray:
    """Mask of candidate pairs at the 'exact' level of an identifier comparison."""
    out = np.zeros(len(compared.gamma), dtype=bool)
    for j, spec in enumerate(settings.comparisons):
        if spec.column not in IDENTIFIER_FIELDS:
            continue
        exact = [i for i, lv in enumerate(spec.levels) if lv.kind == "exact" and lv.column in (None, spec.column)]
        if exact:
            out |= np.isin(compared.gamma[:, j], exact)
    return out


def _level(settings: LinkSettings, compared: ComparedPairs, name: str, kinds: set[str]) -> np.ndarray | None:
    for j, spec in enumerate(settings.comparisons):
        if spec.name == name:
            idx = [i for i, lv in enumerate(spec.levels) if lv.kind in kinds]
            return np.isin(compared.gamma[:, j], idx)
    return None


def check_premises(settings: LinkSettings, fa: FeatureArrays, row_l: np.ndarray, row_r: np.ndarray,
                   compared: ComparedPairs, memo: dict | None = None) -> tuple[LinkSettings, dict]:
    """Test the twins and DOB rules' premises on the identifier-anchored candidate pairs.

    Returns the settings to use (a rule the data disprove switched off, with the reason in
    ``conflicts.premises``) and a report ``{rule: {"anchored": n, "split": k, "share": k / n,
    "lower_95": ..., "kept": bool}}``. Settings with ``check_premises`` off come back unchanged.
    """
    rules = settings.conflicts
    report: dict = {}
    if not rules.check_premises or len(row_l) == 0:
        return settings, report
    anchor = anchored_pairs(settings, compared)
    cols = fa.features.columns
    if not anchor.any() or not {"first_name", "surname", "dob_days"} <= set(cols):
        return settings, report
    a, b = row_l[anchor], row_r[anchor]
    sur = fa.codes("surname")
    same_surname = (sur[a] >= 0) & (sur[a] == sur[b])
    updates: dict = {}
    notes = dict(rules.premises)
    if rules.twins:
        dob_exact = _level(settings, compared, "dob", {"exact"})
        ctx = same_surname & (dob_exact[anchor] if dob_exact is not None else False)
        n = int(ctx.sum())
        k = int(twin_like(fa, a[ctx], b[ctx], memo, rules.twins_forename_max_similarity).sum()) if n else 0
        report["twins"] = _verdict(k, n, rules.premise_max_share)
        if not report["twins"]["kept"]:
            updates["twins"] = False
            notes["twins"] = _note("twins", report["twins"], "two different forenames")
    if rules.dob_years_apart is not None:
        ctx = same_surname & one_forename(fa, a, b, memo, rules.twins_forename_max_similarity)
        n = int(ctx.sum())
        k = int(dob_far_apart(fa, a[ctx], b[ctx], rules.dob_years_apart).sum()) if n else 0
        report["dob_far"] = _verdict(k, n, rules.premise_max_share)
        if not report["dob_far"]["kept"]:
            updates["dob_years_apart"] = None
            notes["dob_far"] = _note("dob_far", report["dob_far"], "dates of birth far apart")
    if not updates:
        return settings, report
    new_rules = rules.model_copy(update={**updates, "premises": notes})
    return settings.model_copy(update={"conflicts": new_rules}), report


def _verdict(k: int, n: int, max_share: float) -> dict:
    lower = wilson_lower(k, n)
    return {"anchored": n, "split": k, "share": k / n if n else 0.0, "lower_95": lower, "kept": lower <= max_share}


def _note(rule: str, v: dict, what: str) -> str:
    return (f"switched off for this data: {v['split']:,} of {v['anchored']:,} identifier-anchored pairs "
            f"({v['share']:.1%}, at least {v['lower_95']:.1%}) have {what}, so the rule would split true "
            f"duplicates")
