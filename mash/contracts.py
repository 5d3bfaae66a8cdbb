"""Data contracts (pandera) for the canonical tables.

Checked on every batch before it is written (a row breaking one is rejected with
the contract's reason, see :func:`row_failures`), in the blocking Dagster asset
checks, and in tests. They state what every later stage may rely on: ids
unique, lineage present, codes inside the canonical vocabularies.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from mash.ingest.config import CONCERN_TYPES, CONSENT, DECISIONS, RAG, ROLES, SEVERITIES

def _in(values, nullable: bool = False) -> pa.Column:
    return pa.Column(None, pa.Check.isin(sorted(values)), nullable=nullable)


NOTIFICATIONS = pa.DataFrameSchema(
    {
        "notification_id": pa.Column(None, unique=True),
        "partner": pa.Column(None),
        "owner_agency": pa.Column(None),
        "delivery_id": pa.Column(None),
        "file_name": pa.Column(None),
        "row_number": pa.Column(None, pa.Check.ge(1)),
        "event_date": pa.Column(nullable=False),
        "concern_code": pa.Column(None),
        "concern_type": _in(CONCERN_TYPES),
        "severity": _in(SEVERITIES),
        "severity_rank": pa.Column(None, pa.Check.isin(sorted(SEVERITIES.values()))),
        "decision": _in(DECISIONS, nullable=True),
        "rag": _in(RAG, nullable=True),
        "consent": _in(CONSENT),
        "attendance_pct": pa.Column(None, pa.Check.in_range(0, 100), nullable=True),
        "n_people": pa.Column(None, pa.Check.ge(1)),
    },
    name="notifications",
    strict=False,
)

PERSON_MENTIONS = pa.DataFrameSchema(
    {
        "mention_id": pa.Column(None, unique=True),
        "notification_id": pa.Column(None),
        "partner": pa.Column(None),
        "delivery_id": pa.Column(None),
        "file_name": pa.Column(None),
        "row_number": pa.Column(None, pa.Check.ge(1)),
        "member_position": pa.Column(None, pa.Check.ge(0)),
        "role": _in(ROLES),
        "sex": _in({"F", "M", "U"}),
    },
    checks=[
        pa.Check(lambda df: df[["first_name", "surname", "full_name", "nhs_number", "upn", "pnc",
                                "ni_number", "la_id", "other_id"]].notna().any(axis=1),
                 name="every mention has a name or an identifier"),
    ],
    name="person_mentions",
    strict=False,
)

DELIVERIES = pa.DataFrameSchema(
    {
        "delivery_id": pa.Column(None, unique=True),
        "partner": pa.Column(None),
        "file_name": pa.Column(None),
        "content_hash": pa.Column(None, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
        "status": _in({"loaded", "quarantined", "duplicate", "superseded"}),
        "rows_in": pa.Column(None, pa.Check.ge(0)),
        "rows_loaded": pa.Column(None, pa.Check.ge(0)),
        "rows_rejected": pa.Column(None, pa.Check.ge(0)),
    },
    checks=[
        pa.Check(lambda df: df["rows_in"] == df["rows_loaded"] + df["rows_rejected"],
                 name="rows in = rows loaded + rows rejected"),
    ],
    name="deliveries",
    strict=False,
)

REJECTS = pa.DataFrameSchema(
    {
        "reject_id": pa.Column(None, unique=True),
        "delivery_id": pa.Column(None),
        "partner": pa.Column(None),
        "file_name": pa.Column(None),
        "row_number": pa.Column(None, pa.Check.ge(0)),
        "reason": pa.Column(None, pa.Check.str_length(min_value=10)),
    },
    name="rejects",
    strict=False,
)

CONTRACTS: dict[str, pa.DataFrameSchema] = {
    "notifications": NOTIFICATIONS,
    "person_mentions": PERSON_MENTIONS,
    "deliveries": DELIVERIES,
    "rejects": REJECTS,
}


def validate(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate ``df`` against the contract of ``table``; raises with every failure listed.

    >>> validate("rejects", pd.DataFrame({"reject_id": ["a"], "delivery_id": ["d"], "partner": ["p"],
    ...     "file_name": ["f"], "row_number": [0], "reason": ["file is empty"]})).shape
    (1, 6)
    """
    return CONTRACTS[table].validate(df, lazy=True)


def row_failures(table: str, df: pd.DataFrame) -> dict[object, str]:
    """The rows of ``df`` that break the contract of ``table``: index label -> the first reason.

    Empty when the frame satisfies the contract. pandera decides (this is :func:`validate`); a
    failure that is not about particular rows (a missing column, say) is raised as it is.

    >>> df = pd.DataFrame({"reject_id": ["a", "b"], "delivery_id": "d", "partner": "p", "file_name": "f",
    ...                    "row_number": [0, -1], "reason": ["file is empty", "too short"]})
    >>> row_failures("rejects", df)
    {1: 'breaks the rejects contract: row_number -1 fails greater_than_or_equal_to(0)'}
    """
    try:
        validate(table, df)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        if cases.empty or cases["index"].isna().any():
            raise
        failures: dict[object, str] = {}
        for context, column, check, case, index in cases[
                ["schema_context", "column", "check", "failure_case", "index"]].itertuples(index=False):
            if context == "DataFrameSchema":  # a check on the whole row
                why = f"breaks the {table} contract: {check}"
            else:
                why = f"breaks the {table} contract: {column} {str(case)[:80]} fails {str(check)[:200]}"
            failures.setdefault(index, why)
        return failures
    return {}
