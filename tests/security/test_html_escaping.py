"""HTML outputs escape all data: the alert queue, the alert pages (information product, chronology and
family network figures) and the Markdown Dagster shows for ingest problems.

The hostile world (``tests/security/world.py``) puts ``<script>``, ``"><img onerror>``,
``</script><script>``, ``</textarea>`` and friends into names, free text, references, identifiers,
partner agency names and file names, runs the real pipeline code, then every ``.html`` output is
parsed: only the tags and attributes the code writes may appear, inline scripts may not contain
``</`` or ``<!--``, and every string inside the plotly figures is entity-escaped text.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import markdown_it
import pandas as pd
import pytest

from analytics.outputs import esc
from mash.export import markdown_text
from mash.ingest import DeliveryResult
from pipelines.ingest import code_block, contracts_markdown, quarantined_markdown, reconcile_markdown
from tests.security.hostile import HTML
from tests.security.world import AGENCY, CLOSE, IMG, SCRIPT, TEXTAREA

# the elements and attributes analytics/outputs.py writes; anything else came from the data
TAGS = {"html", "head", "meta", "title", "style", "script", "body", "h1", "h2", "h3", "p", "a", "b", "table", "tr",
        "th", "td", "span", "div", "code"}
ATTRS = {"lang", "charset", "src", "href", "class", "style", "id"}
PLOTLY_TAGS = {"b", "br", "extra"}  # the pseudo-HTML the code itself puts in hover texts


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    def handle_comment(self, data):
        self.tags.append(("<!--", [("comment", data)]))


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    c.close()
    return c


def injected(c: _Collector) -> list[str]:
    """Elements, attributes and script content that the code does not write."""
    bad = []
    for tag, attrs in c.tags:
        if tag not in TAGS:
            bad.append(f"element <{tag}>")
        for name, value in attrs:
            if name not in ATTRS or name.startswith("on"):
                bad.append(f"attribute {name}={value!r} on <{tag}>")
            if name == "href" and not re.fullmatch(r"(alerts/AL-[0-9a-f]+|\.\./alert_queue)\.html", value or ""):
                bad.append(f"link {value!r}")
            if name == "src" and value != "../plotly.min.js":
                bad.append(f"script source {value!r}")
            if name == "style" and not re.fullmatch(r"background:#[0-9a-f]{6}|height:(100%|[0-9]+px); width:100%;", value or ""):
                bad.append(f"style {value!r}")
    for script in c.scripts:
        low = script.lower()
        if "</" in script or "<!--" in low or "<script" in low:
            bad.append(f"markup inside an inline script: {script[:80]!r}")
    return bad


def figures(c: _Collector) -> list[tuple[list, dict]]:
    """(data, layout) of every plotly figure in the page's inline scripts."""
    out = []
    dec = json.JSONDecoder()
    for script in c.scripts:
        at = script.find("Plotly.newPlot(")
        if at < 0:
            continue
        i = script.index(",", at) + 1  # after the div id
        data, j = dec.raw_decode(script, len(script[:i]) + len(script[i:]) - len(script[i:].lstrip()))
        j = script.index(",", j) + 1
        layout, _ = dec.raw_decode(script, j + len(script[j:]) - len(script[j:].lstrip()))
        out.append((data, layout))
    return out


def strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return []


def unescaped_markup(text: str) -> list[str]:
    """Tags in a plotly string other than the bare <b>, <br> and <extra> the code writes."""
    return [m.group(0) for m in re.finditer(r"<\s*(/?)\s*([a-zA-Z][\w-]*)([^>]*)>", text)
            if m.group(2).lower() not in PLOTLY_TAGS or m.group(3).strip()]


@pytest.fixture(scope="module")
def pages(hostile_world):
    files = sorted(hostile_world.out.rglob("*.html"))
    return {p.relative_to(hostile_world.out).as_posix(): parse(p.read_text(encoding="utf-8")) for p in files}


def test_every_html_output_is_free_of_injected_markup(pages):
    assert "analytics/alert_queue.html" in pages and len(pages) >= 3  # the queue and one page per alert
    problems = {name: injected(c) for name, c in pages.items()}
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}


def test_alert_pages_carry_only_the_plotly_scripts(pages):
    for name, c in pages.items():
        srcs = [dict(a).get("src") for t, a in c.tags if t == "script"]
        if name.startswith("analytics/alerts/"):
            assert srcs.count("../plotly.min.js") == 1 and srcs.count(None) == 2, (name, srcs)
            assert len(figures(c)) == 2  # chronology and family network
        else:
            assert srcs == [], (name, srcs)


def test_plotly_figures_hold_only_escaped_text(pages):
    """Hover texts, marker labels and axis categories are shown by plotly as pseudo-HTML: data must be escaped."""
    seen = []
    for name, c in pages.items():
        for data, layout in figures(c):
            for text in strings(data) + strings(layout):
                seen.append(text)
                assert not unescaped_markup(text), (name, text)
    blob = "\n".join(seen)
    assert esc(SCRIPT) in blob and esc(CLOSE) in blob  # the attacks did reach the figures, as text
    assert esc(AGENCY["tschools"]) in blob  # axis categories (agency names) too


def test_attacks_are_shown_as_text(pages):
    """Not vacuous: each payload is on the pages, visible as the characters the partner sent."""
    queue = "".join(pages["analytics/alert_queue.html"].text)
    assert SCRIPT in queue and IMG in queue
    alert_text = "".join(t for name, c in pages.items() if name.startswith("analytics/alerts/") for t in c.text)
    for payload in (SCRIPT, IMG, CLOSE, TEXTAREA, AGENCY["thealth"]):
        assert payload in alert_text, payload


# --- Markdown that Dagster renders ------------------------------------------------------------------


def _render(md: str) -> _Collector:
    # CommonMark with raw HTML allowed: the most permissive renderer, so escaping is what makes it safe
    return parse(markdown_it.MarkdownIt("commonmark", {"html": True}).render(md))


MD_TAGS = {"ul", "li", "p", "strong", "pre", "code"}


@pytest.mark.parametrize("payload", HTML + [CLOSE, "x\n```\n<img src=x onerror=alert(1)>\n```", "[a](javascript:1)"])
def test_dagster_markdown_shows_data_as_text(payload):
    results = [DeliveryResult("p", payload + ".csv", "p-1", "quarantined", reason=f"column {payload!r} missing")]
    bad = pd.DataFrame({"file_name": [payload], "rows_in": [1]})
    for md in (quarantined_markdown(results), reconcile_markdown(bad), contracts_markdown({payload: payload}),
               code_block(payload), markdown_text(payload)):
        c = _render(md)
        assert {t for t, _ in c.tags} <= MD_TAGS, (payload, md, c.tags)
        assert not any(attrs for _, attrs in c.tags), (payload, md)
        assert payload.split("\n")[0][:20] in "".join(c.text).replace("\n", " ") or "\n" in payload
