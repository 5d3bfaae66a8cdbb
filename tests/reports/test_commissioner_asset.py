"""The commissioner report asset with run config, and the `mash report` command, on the sample world.

In a module of its own: DuckDB refuses, within one process, a second connection to a file
with a different configuration, and the other module keeps a read-only connection open.
"""

from __future__ import annotations

from datetime import date

import dagster as dg
from typer.testing import CliRunner

from analytics.commissioner.period import Period
from analytics.commissioner.report import output_path
from mash.cli import app
from pipelines.definitions import WRITER_POOL
from pipelines.reports import build_commissioner_report
from pipelines.resources import build_resources
from tests.reports.test_commissioner_report import SAMPLE_PERIOD, html_tables


def test_materialise_with_run_config_and_the_cli(sample_run):
    asset = build_commissioner_report(pool=WRITER_POOL)
    result = dg.materialize([asset], resources=build_resources(sample_run), instance=dg.DagsterInstance.ephemeral(),
                            run_config={"ops": {"reports__commissioner_report": {"config": {
                                "start": "2025-01-01", "end": "2025-12-31", "policy": "tre10"}}}})
    assert result.success
    path = output_path(sample_run.outputs, Period(date(2025, 1, 1), date(2025, 12, 31)), "tre10")
    page = path.read_text(encoding="utf-8")
    assert 'data-policy="tre10"' in page and "1 January 2025 to 31 December 2025" in page
    for table in html_tables(page).values():
        assert all(v == "c" or v.endswith("%") or int(v) >= 10 for v in table.to_numpy().ravel())

    out = CliRunner().invoke(app, ["report", "--home", str(sample_run.home), "--policy", "nhsd"])
    assert out.exit_code == 0, out.output
    nhsd = output_path(sample_run.outputs, SAMPLE_PERIOD, "nhsd")
    assert str(nhsd) in out.output and nhsd.exists()
    for table in html_tables(nhsd.read_text(encoding="utf-8")).values():
        assert all(v == "*" or v.endswith("%") or int(v) % 5 == 0 for v in table.to_numpy().ravel())
    bad = CliRunner().invoke(app, ["report", "--home", str(sample_run.home), "--policy", "ons"])
    assert bad.exit_code == 2 and "unknown policy" in bad.output
