"""The firewall for Dagster: every asset and check that touches identifiable data passes the gate.

The pipeline acts as ``$MASH_USER`` (default ``mash-pipeline``, the service account) in
``$MASH_ROLE`` (default ``analyst``: MASH analysts run the scheduled jobs). A service started
in another role is refused at the first asset, and the refusal is in the audit log.
"""

import os
from collections.abc import Iterable
from pathlib import Path

from mash.governance.access import Actor, check, record

PIPELINE_USER = "mash-pipeline"


def pipeline_actor(purpose: str) -> Actor:
    """The actor a pipeline step acts as, stating the step's own purpose."""
    return Actor.from_env(role=os.environ.get("MASH_ROLE") or "analyst", purpose=purpose,
                          who=os.environ.get("MASH_USER") or PIPELINE_USER)


def _op_context(context):
    # an asset check's context wraps the op context rather than being one
    return getattr(context, "op_execution_context", context)


def _run_id(context) -> str:
    return _op_context(context).run_id


def _step(context) -> str:
    return _op_context(context).op.name


def gate(context, paths, capability: str, purpose: str, **what) -> Actor:
    """Authorise and audit this step's access (raises ``AccessDenied`` and fails the step if refused)."""
    actor = pipeline_actor(purpose)
    check(paths, capability, actor, {"dagster_run": _run_id(context), "step": _step(context), **what})
    return actor


def exported(context, paths, actor: Actor, files: Iterable[Path | str], audience: str) -> None:
    """Record the files a step wrote for an audience (an export, in audit terms)."""
    record(paths, actor, "export", {"dagster_run": _run_id(context), "step": _step(context), "audience": audience,
                                    "files": sorted(str(f) for f in files)})


def purpose_metadata(purpose: str, identifiable: bool) -> dict:
    """Asset metadata stating what a step reads and why (shown in the Dagster UI)."""
    return {"purpose": purpose, "reads_identifiable_data": identifiable}

