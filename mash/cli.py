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
    from mash.ingest import ingest_partner, landing_files, load_configs, partner_summary, reconciliation_problems
    from mash.warehouse import connect

    configs = load_configs(paths.partners)
    chosen = [configs[p] for p in (partners or sorted(configs))]
    total = sum(len(landing_files(c, paths.landing)) for c in chosen)
    con = connect(paths.warehouse)
    with _progress() as progress:
        task = progress.add_task("ingesting", total=total)
        for cfg in chosen:
            progress.update(task, description=f"ingesting {cfg.partner}")
            ingest_partner(con, cfg, paths.landing, paths.raw_store, on_file=lambda r: progress.advance(task))
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
    _ingest(Paths.from_env(home), partner)


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
    # One line per output file, except the per-alert pages, which are counted (there can be hundreds).
    for p in sorted(paths.outputs.rglob("*")) if paths.outputs.exists() else []:
        if p.is_file() and p.parent.name != "alerts":
            console.print(f"  - {p}")
    reports = sorted((paths.outputs / "commissioner").glob("commissioner_report_*.html"))
    for r in reports:
        console.print(f"Commissioner report (aggregates only, disclosure-controlled): [bold]{r}[/]", soft_wrap=True)
    pages = paths.outputs / "analytics" / "alerts"
    if pages.is_dir():
        console.print(f"  - {pages}/ ({len(list(pages.glob('*.html')))} alert pages: information product, "
                      f"chronology and family network for each alert)")
    console.print(f"Dagster runs: {paths.home / 'dagster'} (browse with `make ui`)")


@app.command()
def demo(home: HomeOpt = None) -> None:
    """Copy the committed synthetic sample into the landing folders and run the whole pipeline."""
    paths = Paths.from_env(home)
    src = SAMPLE_WORLD / "landing"
    if not src.is_dir():
        console.print(f"[red]No sample at {src}; run `mash generate --out {SAMPLE_WORLD}` first.[/]")
        raise typer.Exit(1)
    paths.landing.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, paths.landing, dirs_exist_ok=True)
    console.print(f"Sample deliveries copied from {src} to {paths.landing}")
    run(home=paths.home)


@app.command()
def ui(home: HomeOpt = None, port: int = 3000) -> None:
    """Start the Dagster UI on 127.0.0.1 (Ctrl-C stops it and every process it started)."""
    import os
    import subprocess

    paths = Paths.from_env(home)
    os.environ["MASH_HOME"] = str(paths.home)
    from pipelines.instance import ensure_dagster_home

    ensure_dagster_home(paths)
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

    t0 = time.perf_counter()
    result = link_csv(input, out, settings_path=settings, threshold=threshold)
    persons = result.clusters["person_id"].nunique()
    console.print(f"{len(result.clusters):,} records -> {persons:,} persons "
                  f"({result.n_candidate_pairs:,} candidate pairs, threshold {result.threshold:.2f}) "
                  f"in {time.perf_counter() - t0:.1f} s")
    console.print(f"Wrote {out} (+ .settings.json, .model.json); {len(result.review_queue):,} pairs for review")


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
    con = connect(paths.warehouse, read_only=True)
    try:
        result = build_report(con, paths.outputs, start, end, policy)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    finally:
        con.close()
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
    using the person ids the pipeline's own linkage produced.
    """
    import pandas as pd

    from analytics.evaluate import evaluate as score, write_evaluation
    from mash.warehouse import connect

    paths = Paths.from_env(home)
    con = connect(paths.warehouse)
    result = score(con, truth)
    out = paths.outputs / "evaluation"
    write_evaluation(result, out)
    con.close()
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(result["by_pattern"].to_string(index=False))
    console.print(f"Alerts resting on a wrongly merged decoy: {result['decoy_alerts']}")
    console.print(f"Written to {out}")


@bench_app.command("ingest")
def bench_ingest(
    notifications: Annotated[int, typer.Option(help="World size.")] = 1_000_000,
    workdir: Annotated[Path, typer.Option(help="Scratch folder (kept between runs to reuse the world).")] = Path("bench_out/ingest"),
    seed: int = 11,
) -> None:
    """Ingest throughput (rows/s) and peak memory at NOTIFICATIONS synthetic notifications."""
    from mash.bench_ingest import run_ingest_bench

    result = run_ingest_bench(workdir, notifications, seed, log=console.print)
    console.print(result)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
