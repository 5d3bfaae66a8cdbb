"""The commissioner report in a real headless browser (Debian's chromium, driven by playwright).

It must open from a file with no network, log no console error, and draw every chart it declares;
the charts that plot counts must hold published counts only. `make test` installs chromium
when it is missing. Without chromium this test skips locally, with the reason, and fails in CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analytics.commissioner.report import output_path
from tests.reports.test_commissioner_report import SAMPLE_PERIOD

CANDIDATES = [os.environ.get("MASH_CHROMIUM", ""), "/usr/bin/chromium", shutil.which("chromium") or "",
              shutil.which("chromium-browser") or ""]

# Every number the count charts plot (bar heights, heatmap cells), read back from plotly's own data.
PLOTTED_COUNTS = """
() => Array.from(document.querySelectorAll('figure.chart[data-kind="counts"] .js-plotly-plot'))
  .flatMap(div => div.data.flatMap(t => [].concat(t.type === 'heatmap' ? t.z.flat() : t.y)))
  .filter(v => v !== null && v !== undefined)
"""
RENDERED = """
() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(div => div.querySelector('svg.main-svg') && div.querySelector('g.trace, g.hm'))
  .length
"""


def chromium() -> str:
    found = next((c for c in CANDIDATES if c and Path(c).exists()), None)
    if found:
        return found
    reason = "chromium is not installed (make test installs Debian's chromium package; or set MASH_CHROMIUM)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def test_report_loads_offline_without_errors_and_every_chart_renders(sample_run, tmp_path):
    executable = chromium()
    from playwright.sync_api import sync_playwright

    report = output_path(sample_run.outputs, SAMPLE_PERIOD, "dfe")
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page.goto(report.as_uri(), wait_until="load")
            declared = int(page.get_attribute("body", "data-charts"))
            page.wait_for_function(f"() => ({RENDERED})() >= {declared}", timeout=30_000)
            rendered = page.evaluate(RENDERED)
            containers = page.locator("figure.chart").count()
            plotted = page.evaluate(PLOTTED_COUNTS)
            policy = page.locator("#policy").inner_text()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == []  # everything is inlined: the report works offline
    assert declared >= 7 and rendered == containers == declared
    assert plotted and all(v == 0 or v >= 6 for v in plotted)  # dfe: no count from 1 to 5 drawn
    assert "Disclosure policy in force: dfe" in policy
    assert (tmp_path / "report.png").stat().st_size > 50_000
