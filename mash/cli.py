"""`mash`: the command line for analysts and developers.

Every command that touches identifiable data says so in its help.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mash.settings import SAMPLE_WORLD, Paths

app = typer.Typer(help="mash-analytics: ingest MASH partner notifications, link people, flag repeat concerns.",
                  no_args_is_help=True, add_completion=False)
bench_app = typer.Typer(help="Benchmarks (figures go in BENCHMARKS.md).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
# Piped output (CI, logs) gets a fixed width so that tables are not squeezed to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 140)

HomeOpt = Annotated[Optional[Path], typer.Option("--home", help="Output folder (default $MASH_HOME or ./var).")]


@app.callback()
def _who(
    role: Annotated[Optional[str], typer.Option(help="Your role: analyst, commissioner, researcher or "
                                                     "administrator (default $MASH_ROLE).")] = None,
    purpose: Annotated[Optional[str], typer.Option(help="Why you are doing this; recorded in the audit log "
                                                        "(default $MASH_PURPOSE).")] = None,
    user: Annotated[Optional[str], typer.Option(help="Who you are (default $MASH_USER or your login).")] = None,
    agency: Annotated[Optional[str], typer.Option(help="Your agency (default $MASH_AGENCY or MASH).")] = None,
) -> None:
    """Every command is checked against your role and recorded in the audit log with its purpose."""
    import os

    # Through the environment, so that Dagster's step processes act for the same person.
    for name, value in (("MASH_ROLE", role), ("MASH_PURPOSE", purpose), ("MASH_USER", user),
                        ("MASH_AGENCY", agency)):
        if value:
            os.environ[name] = value


def _gate(paths: Paths, capability: str, **what) -> "Actor":
    """Check the caller's role for ``capability`` and audit it; a refusal ends the command with its reason."""
    from mash.governance.access import AccessDenied, check

    try:
        return check(paths, capability, what={k: str(v) for k, v in what.items() if v is not None})
    except AccessDenied as exc:
        console.print(f"[red]Refused:[/] {exc}. The attempt is recorded in the audit log.")
        raise typer.Exit(3) from None


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


_SHORT = {"files_loaded": "files ok", "files_quarantined": "quarant.", "files_duplicate": "dup.",
          "files_superseded": "supers.", "rows_in": "rows in", "rows_loaded": "loaded",
          "rows_rejected": "rejected", "notifications": "notif.", "mentions": "mentions"}


def _counts_table(df, title: str) -> Table:
    df = df.rename(columns=_SHORT)
    table = Table(title=title)
    for col in df.columns:
        table.add_column(str(col), justify="right" if df[col].dtype.kind in "iuf" else "left")
    for row in df.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    return table


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write landing/<partner>/ files and truth/ into.")],
    notifications: Annotated[int, typer.Option(help="How many notifications to generate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 7,
    months: Annotated[int, typer.Option(help="Months of activity to simulate.")] = 18,
) -> None:
    """Generate a synthetic MASH world (synthetic people only) with ground truth."""
    from mash.synth import generate_world

    with _progress() as progress:
        task = progress.add_task("generating", total=100)

        def report(stage: str, fraction: float) -> None:
            progress.update(task, description=stage, completed=int(fraction * 100))

        summary = generate_world(out, n_notifications=notifications, seed=seed, months=months, progress=report)
        progress.update(task, completed=100)
    console.print(f"Wrote the world to [bold]{out}[/] ({summary})")


def _ingest(paths: Paths, partners: list[str] | None) -> None:
    from mash.ingest import ingest_partners, landing_files, load_configs, partner_summary, reconciliation_problems
    from mash.warehouse import connect

    configs = load_configs(paths.partners)
    chosen = [configs[p] for p in (partners or sorted(configs))]
    total = sum(len(landing_files(c, paths.landing)) for c in chosen)
    con = connect(paths.warehouse)
    with _progress() as progress:
        task = progress.add_task("ingesting", total=total)

        def done(r) -> None:
            progress.update(task, description=f"ingesting {r.partner}")
            progress.advance(task)

        ingest_partners(con, chosen, paths.landing, paths.raw_store, on_file=done)
    console.print(_counts_table(partner_summary(con), "Per-partner counts"))
    bad = reconciliation_problems(con)
    if bad.empty:
        console.print("[green]Reconciled:[/] rows in = rows loaded + rows rejected for every delivery.")
    else:
        console.print(f"[red]{len(bad)} deliveries do not reconcile[/]")
        raise typer.Exit(1)
    con.close()


@app.command()
def ingest(
    home: HomeOpt = None,
    partner: Annotated[Optional[list[str]], typer.Option(help="Only these partners (repeatable).")] = None,
) -> None:
    """Load every file in $MASH_HOME/landing/<partner>/ into the warehouse (identifiable data).

    Purpose: MASH screening. Re-running is safe: files already loaded are skipped.
    """
    paths = Paths.from_env(home)
    _gate(paths, "write_identifiable", command="ingest", partners=",".join(partner or []) or "all")
    _ingest(paths, partner)


def run_pipeline(paths: Paths, job_name: str = "mash_daily") -> bool:
    """Run a Dagster job in-process on the local instance; returns success."""
    import os

    os.environ["MASH_HOME"] = str(paths.home)
    from dagster import DagsterInstance

    from pipelines.definitions import build_definitions
    from pipelines.instance import ensure_dagster_home

    ensure_dagster_home(paths)
    defs = build_definitions(paths)
    job = defs.resolve_job_def(job_name)
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}})
    return result.success


@app.command()
def run(home: HomeOpt = None) -> None:
    """Run the whole pipeline (Dagster job mash_daily) on the local instance (identifiable data).

    Purpose: the scheduled MASH run, on demand.
    """
    paths = Paths.from_env(home)
    _gate(paths, "write_identifiable", command="run", job="mash_daily")
    t0 = time.perf_counter()
    ok = run_pipeline(paths)
    _print_outputs(paths, time.perf_counter() - t0)
    if not ok:
        console.print("[red]The run failed; see the log above or `make ui`.[/]")
        raise typer.Exit(1)


def _print_outputs(paths: Paths, seconds: float) -> None:
    from mash.ingest import partner_summary, reconciliation_problems
    from mash.warehouse import connect

    con = connect(paths.warehouse, read_only=True)
    console.print(_counts_table(partner_summary(con), "Per-partner counts"))
    bad = reconciliation_problems(con)
    console.print("[green]Reconciled:[/] rows in = rows loaded + rows rejected for every delivery."
                  if bad.empty else f"[red]{len(bad)} deliveries do not reconcile[/]")
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "link_runs" in tables:
        run = con.execute("SELECT mentions, persons, linked_pairs, review_pairs, settings_version FROM link_runs "
                          "ORDER BY run_at DESC LIMIT 1").fetchall()
        if run:
            m, p, linked, review, version = run[0]
            console.print(f"Linkage: {m:,} person mentions -> {p:,} persons ({linked:,} same-person pairs, "
                          f"{review:,} pairs in the review queue; settings {version})")
    con.close()
    console.print(f"Finished in {seconds:.1f} s.")
    console.print(f"Warehouse:   [bold]{paths.warehouse}[/]")
    console.print(f"Raw store:   {paths.raw_store}")
    console.print(f"Outputs:     {paths.outputs}")
    # One line per output file, except the per-alert pages, which are counted (there can be hundreds), the
    # researcher extract, summed up on one line below, and the commissioner reports, each on a labelled line.
    reports = sorted((paths.outputs / "commissioner").glob("commissioner_report_*.html"))
    for p in sorted(paths.outputs.rglob("*")) if paths.outputs.exists() else []:
        if (p.is_file() and p.parent.name != "alerts" and p.relative_to(paths.outputs).parts[0] != "researcher"
                and p not in reports):
            console.print(f"  - {p}")
    for r in reports:
        console.print(f"Commissioner report (aggregates only, disclosure-controlled): [bold]{r}[/]", soft_wrap=True)
    pages = paths.outputs / "analytics" / "alerts"
    if pages.is_dir():
        console.print(f"  - {pages}/ ({len(list(pages.glob('*.html')))} alert pages: information product, "
                      f"chronology and family network for each alert)")
    _print_extract(paths)
    console.print(f"Dagster runs: {paths.home / 'dagster'} (browse with `make ui`)")
    from mash.governance.audit import AuditLog

    check = AuditLog(paths.audit_log).verify()
    console.print(f"Audit log:   {paths.audit_log} ({check.entries:,} entries, "
                  + ("[green]hash chain verified[/])" if check.ok else f"[red]FAILED: {check.problem}[/])"))


def _demo_key_if_unset() -> None:
    """The demo encrypts its warehouse too: with a generated demo key unless one is configured."""
    import os

    from mash.warehouse import KEY_ENV, KEY_FILE_ENV, use_demo_key

    if os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV):
        console.print("Warehouse encrypted with the configured key.")
        return
    key = use_demo_key()
    console.print(f"Warehouse encrypted with a generated [bold]demo key[/] at {key} (synthetic data only; "
                  "for real data create a key with `mash new-key --out PATH` and set MASH_WAREHOUSE_KEY_FILE).")


def _print_extract(paths: Paths) -> None:
    """Where the researcher extract is, with its key id and size, or why there is none."""
    import json

    from mash.research.extract import MANIFEST, extract_dir
    from mash.research.keys import KEY_FILE_ENV

    out = extract_dir(paths.outputs)
    if not (out / MANIFEST).is_file():
        console.print(f"Researcher extract: not written (set {KEY_FILE_ENV} to a project key file)")
        return
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    rows = sum(t["rows"] for t in manifest["tables"].values())
    console.print(f"Researcher extract (pseudonymised, key id {manifest['key_id']}, {manifest['key_kind']} key): "
                  f"[bold]{out}[/] ({len(manifest['tables'])} Parquet tables, {rows:,} rows, data_dictionary.md)")


@app.command()
def demo(home: HomeOpt = None) -> None:
    """Copy the committed synthetic sample into the landing folders and run the whole pipeline."""
    import os

    paths = Paths.from_env(home)
    # The demo acts as an analyst on synthetic data unless told otherwise; it is audited like any run.
    os.environ.setdefault("MASH_ROLE", "analyst")
    os.environ.setdefault("MASH_PURPOSE", "demo on synthetic data")
    _demo_key_if_unset()
    src = SAMPLE_WORLD / "landing"
    if not src.is_dir():
        console.print(f"[red]No sample at {src}; run `mash generate --out {SAMPLE_WORLD}` first.[/]")
        raise typer.Exit(1)
    paths.landing.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, paths.landing, dirs_exist_ok=True)
    console.print(f"Sample deliveries copied from {src} to {paths.landing}")
    _use_demo_key_if_unset()
    run(home=paths.home)


def _use_demo_key_if_unset() -> None:
    """For the synthetic demo only: without a project key, use (and if need be create) the demo key."""
    import os

    from mash.research.keys import KEY_FILE_ENV, ensure_demo_key, research_key

    if os.environ.get(KEY_FILE_ENV):
        console.print(f"Research extract key: {KEY_FILE_ENV} (key id {research_key().key_id})")
        return
    path, created = ensure_demo_key()
    os.environ[KEY_FILE_ENV] = str(path)
    console.print(f"Research extract key: {KEY_FILE_ENV} is not set, so the demo uses the demo key {path} "
                  f"({'created now' if created else 'already there'}, key id {research_key().key_id}; outside the "
                  f"repository, owner-only). For real data set {KEY_FILE_ENV} to a key made for the project.")


@app.command()
def ui(home: HomeOpt = None, port: int = 3000) -> None:
    """Start the Dagster UI on 127.0.0.1 (Ctrl-C stops it and every process it started)."""
    import os
    import subprocess

    paths = Paths.from_env(home)
    os.environ["MASH_HOME"] = str(paths.home)
    _demo_key_if_unset()
    _gate(paths, "write_identifiable", command="ui")
    from pipelines.instance import ensure_dagster_home

    ensure_dagster_home(paths)
    _use_demo_key_if_unset()
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)]
    console.print(f"Dagster UI on http://127.0.0.1:{port} (Ctrl-C to stop)")
    # Its own session, so that Ctrl-C reaches only us and we shut dagster down in order:
    # `dagster dev` does not always exit on SIGINT (dagster-io/dagster#18728), so escalate.
    proc = subprocess.Popen(cmd, start_new_session=True)
    try:
        proc.wait()
    except KeyboardInterrupt:
        console.print("Stopping the Dagster UI ...")
        stop_process_group(proc)
        console.print("Stopped.")
    raise typer.Exit(0)


def stop_process_group(proc, grace: float = 15.0) -> None:
    """SIGINT, then SIGTERM, then SIGKILL to ``proc``'s whole process group until it is gone."""
    import os
    import signal
    import subprocess

    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            # the leader is gone; children may linger, so keep escalating on the group
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                os.killpg(proc.pid, 0)
                time.sleep(0.2)
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


@app.command()
def link(
    input: Annotated[Path, typer.Option("--input", help="CSV with record_id and any of first_name, middle_name, "
                                        "surname, dob, sex, postcode, address, nhs_number, upn, pnc, ni_number, "
                                        "la_id, other_id.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV: record_id, person_id, cluster_size.")],
    settings: Annotated[Optional[Path], typer.Option(help="Settings JSON (default: built for the columns present).")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Match probability to link at (default: the settings').")] = None,
) -> None:
    """Link the records of any person table into persons (identifiable data; purpose: record linkage).

    Writes OUT plus OUT.settings.json and OUT.model.json, so every link can be explained and repeated.
    """
    from matching.api import link_csv

    paths = Paths.from_env()
    actor = _gate(paths, "read_identifiable", command="link", input=input)
    t0 = time.perf_counter()
    result = link_csv(input, out, settings_path=settings, threshold=threshold)
    from mash.governance.access import record

    record(paths, actor, "export", {"files": [str(out)], "records": len(result.clusters)})
    persons = result.clusters["person_id"].nunique()
    console.print(f"{len(result.clusters):,} records -> {persons:,} persons "
                  f"({result.n_candidate_pairs:,} candidate pairs, threshold {result.threshold:.2f}) "
                  f"in {time.perf_counter() - t0:.1f} s")
    console.print(f"Wrote {out} (+ .settings.json, .model.json); {len(result.review_queue):,} pairs for review")


@app.command()
def extract(
    home: HomeOpt = None,
    out: Annotated[Optional[Path], typer.Option(help="Folder for the extract (default "
                                                "$MASH_HOME/outputs/researcher/extract). Replaced if it holds "
                                                "an earlier extract.")] = None,
    key_file: Annotated[Optional[Path], typer.Option(help="Project key file (default $MASH_RESEARCH_KEY_FILE).")] = None,
) -> None:
    """Write the pseudonymised research extract (reads identifiable data; writes none).

    Purpose: research and analysis. Parquet tables with keyed pseudonyms for every id, DOB to
    month, postcode to sector, no free text, plus data_dictionary.md and manifest.json.
    """
    from mash.research.extract import extract_dir, write_extract
    from mash.research.keys import NoResearchKey, research_key
    from mash.warehouse import connect

    paths = Paths.from_env(home)
    try:
        key = research_key(key_file)
    except NoResearchKey as e:
        console.print(f"[red]{e}[/]")
        raise typer.Exit(2)
    actor = _gate(paths, "read_identifiable", command="extract", key_id=key.key_id)
    target = out or extract_dir(paths.outputs)
    t0 = time.perf_counter()
    con = connect(paths.warehouse, read_only=True)
    try:
        manifest = write_extract(con, target, key)
    finally:
        con.close()
    from mash.governance.access import record

    record(paths, actor, "export", {"audience": "researcher", "folder": str(target), "key_id": key.key_id,
                                    "tables": sorted(manifest["tables"])})
    for name, t in manifest["tables"].items():
        console.print(f"  {name:<22}{t['rows']:>9,} rows")
    console.print(f"Wrote the research extract to [bold]{target}[/] (key id {key.key_id}, {key.kind} key) "
                  f"in {time.perf_counter() - t0:.1f} s")


@app.command()
def notebooks(
    home: HomeOpt = None,
    extract: Annotated[Optional[Path], typer.Option(help="Extract folder (default $MASH_EXTRACT_DIR or "
                                                    "$MASH_HOME/outputs/researcher/extract).")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Where to write the executed notebooks (default "
                                                "$MASH_HOME/outputs/researcher/notebooks).")] = None,
) -> None:
    """Run the researcher notebooks in notebooks/ on the research extract (pseudonymised data only)."""
    import os

    from mash.research.extract import MANIFEST, extract_dir
    from mash.research.notebooks import EXTRACT_ENV, notebook_paths, run_notebook

    paths = Paths.from_env(home)
    source = extract or Path(os.environ.get(EXTRACT_ENV) or extract_dir(paths.outputs))
    if not (source / MANIFEST).is_file():
        console.print(f"[red]No research extract at {source}; run `make demo` or `mash extract` first.[/]")
        raise typer.Exit(2)
    target = out or paths.outputs / "researcher" / "notebooks"
    for path in notebook_paths():
        _, seconds = run_notebook(path, source, out_dir=target)
        console.print(f"  {path.name:<40} {seconds:6.1f} s -> {target / (path.stem + '.ipynb')}")


@app.command("new-key")
def new_key_command(
    out: Annotated[Path, typer.Option(help="Key file to create, outside any git work tree (never overwritten).")],
) -> None:
    """Create a new key (hex, owner-only file) and print its key id, never the key.

    For a research project (MASH_RESEARCH_KEY_FILE) or the warehouse (MASH_WAREHOUSE_KEY_FILE).
    """
    from mash.governance.pseudonymise import key_fingerprint, new_key, save_key

    key = new_key()
    try:
        path = save_key(key, out)
    except (ValueError, FileExistsError) as e:  # inside a git work tree, or a key already there
        console.print(f"[red]{e}[/]")
        raise typer.Exit(2)
    console.print(f"Wrote a new key to {path} (key id {key_fingerprint(key)}). Use it with: "
                  f"export MASH_RESEARCH_KEY_FILE={path} (a research project) or MASH_WAREHOUSE_KEY_FILE={path}")


@app.command()
def report(
    home: HomeOpt = None,
    start: Annotated[Optional[str], typer.Option(help="First day, YYYY-MM-DD (default: the start of the last "
                                                      "12 complete months of data).")] = None,
    end: Annotated[Optional[str], typer.Option(help="Last day, YYYY-MM-DD (default: the end of the last "
                                                    "complete month of data).")] = None,
    policy: Annotated[str, typer.Option(help="Disclosure policy: dfe (counts 1-5 as c, secondary suppression), "
                                             "dfe_national (and totals rounded to 10), nhsd (1-7 as *, rounded "
                                             "to 5) or tre10 (below 10, zeros too).")] = "dfe",
) -> None:
    """Write the commissioner report for a period and print its path.

    Reads the warehouse (identifiable) read-only; writes aggregates only, every count
    disclosure-controlled, to $MASH_HOME/outputs/commissioner/. Purpose: commissioning and oversight.
    """
    from analytics.commissioner import build_report
    from mash.warehouse import connect

    paths = Paths.from_env(home)
    if not paths.warehouse.exists():
        console.print(f"[red]No warehouse at {paths.warehouse}; run `mash demo` or `mash run` first.[/]")
        raise typer.Exit(1)
    actor = _gate(paths, "read_identifiable", command="report", policy=policy)
    con = connect(paths.warehouse, read_only=True)
    try:
        result = build_report(con, paths.outputs, start, end, policy)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    finally:
        con.close()
    from mash.governance.access import record

    record(paths, actor, "export", {"audience": "commissioner", "files": [str(result.path)], "policy": policy})
    hidden = sum(t.hidden_count() for t in result.data.tables.values())
    console.print(f"Period {result.data.period.label}; policy {policy}; {result.charts} charts; "
                  f"{hidden} counts hidden by disclosure control.")
    print(result.path)


@app.command()
def evaluate(
    home: HomeOpt = None,
    truth: Annotated[Path, typer.Option(help="truth/ folder of the synthetic world that was ingested.")] =
        SAMPLE_WORLD / "truth",
) -> None:
    """Score the last run's alerts against a synthetic world's ground truth (synthetic data only).

    Precision and recall per planted pattern type, and alerts resting on wrongly merged decoys,
    using the person ids the pipeline's own linkage produced; and that linkage itself: pairwise
    and B-cubed F1, cross-agency recall and false merges of decoys.
    """
    import pandas as pd

    from analytics.evaluate import evaluate as score, write_evaluation
    from mash.warehouse import connect

    from mash.linking import truth_scores

    paths = Paths.from_env(home)
    _gate(paths, "read_identifiable", command="evaluate", truth=truth)
    con = connect(paths.warehouse)
    result = score(con, truth)
    linkage = truth_scores(con, truth)
    out = paths.outputs / "evaluation"
    write_evaluation(result, out)
    con.close()
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(result["by_pattern"].to_string(index=False))
    console.print(f"Alerts resting on a wrongly merged decoy: {result['decoy_alerts']}")
    pw, bc, ca = linkage["pairwise"], linkage["b_cubed"], linkage["cross_agency"]
    console.print(f"Person linkage: pairwise F1 {pw['f1']:.4f} (P {pw['precision']:.4f}, R {pw['recall']:.4f}); "
                  f"B-cubed F1 {bc['f1']:.4f}; cross-agency recall {ca['recall']:.4f} "
                  f"({ca['found']:,} of {ca['true']:,} pairs); decoy false merges "
                  f"{linkage['decoy_false_merges']} of {linkage['decoys']}")
    console.print(f"Written to {out}")


audit_app = typer.Typer(help="The audit log of every access, export and decision (administrator).",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(home: HomeOpt = None) -> None:
    """Check the hash chain of the audit log: any edit, insertion, reordering or deletion is reported."""
    from mash.governance.audit import AuditLog

    paths = Paths.from_env(home)
    _gate(paths, "audit", command="audit verify")
    result = AuditLog(paths.audit_log).verify()
    if result.ok:
        console.print(f"[green]Audit log verified:[/] {result.entries:,} entries, hash chain intact ({paths.audit_log})")
        return
    console.print(f"[red]Audit log FAILED verification[/] at entry {result.first_bad_seq}: {result.problem}")
    raise typer.Exit(1)


@audit_app.command("report")
def audit_report(
    home: HomeOpt = None,
    since: Annotated[Optional[str], typer.Option(help="From this date/time (ISO), Europe/London.")] = None,
) -> None:
    """Access volume by day, user, role and action, with out-of-purpose, out-of-hours and bulk access flagged.

    Writes outputs/administrator/audit_access_report.csv and audit_exceptions.csv (aggregates and ids only).
    """
    from mash.export import write_csv_safe
    from mash.governance.access import Policy
    from mash.governance.audit import AuditLog
    from mash.governance.audit_review import access_report, flagged_entries

    paths = Paths.from_env(home)
    _gate(paths, "audit", command="audit report")
    log = AuditLog(paths.audit_log)
    purposes = Policy.load(paths.governance).purposes
    entries = log.entries()
    report = access_report(entries, purposes, since=since)
    flagged = flagged_entries(entries, purposes, since=since)
    out = paths.outputs / "administrator"
    out.mkdir(parents=True, exist_ok=True)
    write_csv_safe(report, out / "audit_access_report.csv")
    write_csv_safe(flagged, out / "audit_exceptions.csv")
    console.print(_counts_table(report[["day", "who", "role", "action", "entries", "denied", "flags"]].tail(30),
                                "Access by day, user and action (latest 30 rows)"))
    n_oop = int(report["out_of_purpose"].sum()) if len(report) else 0
    n_denied = int(report["denied"].sum()) if len(report) else 0
    console.print(f"{len(entries):,} entries; {n_denied} refused; {n_oop} out of purpose; "
                  f"{len(flagged)} entries flagged for review")
    console.print(f"Written to {out}")


review_app = typer.Typer(help="Record an analyst's review decisions (audited).", no_args_is_help=True)
app.add_typer(review_app, name="review")


def _decision(paths: Paths, fn, *args) -> None:
    from mash.governance.access import AccessDenied, Actor
    from mash.warehouse import connect

    con = connect(paths.warehouse)
    try:
        fn(con, paths, Actor.from_env(), *args)
    except (ValueError, AccessDenied) as exc:
        console.print(f"[red]Not recorded:[/] {exc}")
        raise typer.Exit(2) from None
    finally:
        con.close()


@review_app.command("alert")
def review_alert_cmd(
    alert_id: str, outcome: Annotated[str, typer.Option(help="actioned, information_shared, already_known, "
                                                            "no_further_action, wrong_link, ...")],
    note: Annotated[str, typer.Option(help="Why.")] = "", home: HomeOpt = None,
) -> None:
    """Mark an alert as reviewed with an outcome (identifiable data; purpose: alert triage)."""
    from mash.governance.decisions import record_alert_review

    paths = Paths.from_env(home)
    _decision(paths, record_alert_review, alert_id, outcome, note)
    console.print(f"Review of {alert_id} recorded: {outcome}")


@review_app.command("link")
def review_link_cmd(
    mention_l: str, mention_r: str,
    decision: Annotated[str, typer.Option(help="must_link or cannot_link.")],
    reason: Annotated[str, typer.Option(help="The evidence for the decision.")], home: HomeOpt = None,
) -> None:
    """Must-link / cannot-link two person mentions; every later linkage run respects it."""
    from mash.governance.decisions import record_link_decision

    paths = Paths.from_env(home)
    _decision(paths, record_link_decision, mention_l, mention_r, decision, reason)
    console.print(f"{decision} {mention_l} / {mention_r} recorded; it applies from the next run.")


@app.command()
def consent(
    alert_id: str,
    given: Annotated[bool, typer.Option("--given/--override", help="Consent given, or an override.")] = True,
    rationale: Annotated[Optional[str], typer.Option(help="Why consent is overridden.")] = None,
    authorised_by: Annotated[Optional[str], typer.Option(help="Who authorised the override.")] = None,
    home: HomeOpt = None,
) -> None:
    """Record consent for the MASH check of an alert, or an override with its rationale and authoriser."""
    from mash.governance.decisions import record_consent

    paths = Paths.from_env(home)
    _decision(paths, record_consent, alert_id, "given" if given else "override", rationale, authorised_by)
    console.print(f"Consent for {alert_id} recorded: {'given' if given else 'override'}")


@app.command()
def share(
    alert_id: str, notification_id: str,
    with_agency: Annotated[str, typer.Option("--with", help="The agency it is shared with.")],
    basis: Annotated[str, typer.Option(help="Lawful basis, e.g. 'Children Act 1989 s47'.")],
    rationale: Annotated[str, typer.Option(help="Why this item, to this agency, now.")],
    withhold: Annotated[bool, typer.Option(help="Record a decision NOT to share.")] = False,
    home: HomeOpt = None,
) -> None:
    """Record a decision to share (or withhold) one agency's notification for an alert; refreshes its page."""
    from analytics.outputs import PLOTLY_JS, write_alert_page
    from mash.governance.decisions import record_share
    from mash.warehouse import connect

    paths = Paths.from_env(home)
    _decision(paths, record_share, alert_id, notification_id, with_agency, basis, rationale,
              "withhold" if withhold else "share")
    con = connect(paths.warehouse, read_only=True)
    page = write_alert_page(con, alert_id, paths.outputs / "analytics" / "alerts" / f"{alert_id}.html",
                            f"../{PLOTLY_JS}")
    con.close()
    console.print(f"{'Withheld' if withhold else 'Shared'} {notification_id} with {with_agency}; page {page}")


@app.command()
def purge(
    home: HomeOpt = None,
    dry_run: Annotated[bool, typer.Option(help="Only count what would be removed.")] = False,
) -> None:
    """Apply the retention policy (governance.toml) now: remove expired personal data everywhere (audited).

    The scheduled pipeline does this on every run; this command is for an administrator.
    """
    from mash.governance.access import AccessDenied, Actor
    from mash.governance.retention import purge as run_purge
    from mash.warehouse import connect

    paths = Paths.from_env(home)
    con = connect(paths.warehouse)
    try:
        counts = run_purge(con, paths, Actor.from_env(), dry_run=dry_run)
    except AccessDenied as exc:
        console.print(f"[red]Refused:[/] {exc}")
        raise typer.Exit(3) from None
    finally:
        con.close()
    console.print(("Would remove: " if dry_run else "Removed: ") + ", ".join(f"{k} {v}" for k, v in counts.items()))


@bench_app.command("ingest")
def bench_ingest(
    notifications: Annotated[int, typer.Option(help="World size.")] = 1_000_000,
    workdir: Annotated[Path, typer.Option(help="Scratch folder (kept between runs to reuse the world).")] = Path("bench_out/ingest"),
    seed: int = 11,
    workers: Annotated[Optional[int], typer.Option(help="Reading processes (default: as `mash ingest` "
                                                        "chooses; 0: read in the writing process).")] = None,
) -> None:
    """Ingest throughput (rows/s) and peak memory at NOTIFICATIONS synthetic notifications."""
    from mash.bench_ingest import run_ingest_bench

    result = run_ingest_bench(workdir, notifications, seed, log=console.print, workers=workers)
    console.print(result)


@bench_app.command("detect")
def bench_detect(
    notifications: Annotated[int, typer.Option(help="World size.")] = 1_000_000,
    workdir: Annotated[Path, typer.Option(help="Scratch folder (kept between runs to reuse the world and the "
                                                "ingested, linked warehouse).")] = Path("bench_out/detect"),
    seed: int = 11,
    world: Annotated[Path | None, typer.Option(help="An existing generated world to use instead.")] = None,
    fresh: Annotated[bool, typer.Option(help="Ingest and link again even if the warehouse is there.")] = False,
    max_pages: Annotated[int, typer.Option(help="Alert pages to write (the queue lists every alert).")] = 100,
    links: Annotated[str, typer.Option(help="Person links: 'matching' (the engine, as the pipeline runs it) or "
                                            "'truth' (the world's true person ids).")] = "matching",
) -> None:
    """Detection at NOTIFICATIONS synthetic notifications: graph build and every rule, per-stage seconds and
    peak memory (ingest and linkage are prepared first and timed separately)."""
    import json

    from mash.bench_detect import run_detect_bench

    result = run_detect_bench(workdir, notifications, seed, world=world, fresh=fresh, max_pages=max_pages,
                              links=links, log=console.print)
    print(json.dumps(result, indent=2, default=str))


def main() -> None:
    """The ``mash`` command: the Typer app, with a missing warehouse key told as a plain message.

    A newcomer without a key gets what to do (exit status 2), not a traceback.
    """
    from mash.warehouse import WarehouseKeyError

    try:
        app()
    except WarehouseKeyError as exc:
        console.print(f"[red]No warehouse key:[/] {exc}", soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
