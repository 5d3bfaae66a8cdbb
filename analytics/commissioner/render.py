"""One self-contained HTML page: plotly.js inlined once, every table and chart from published counts.

The page opens offline in any browser. ``<body data-charts="N">`` says how many charts it
holds (the browser test checks that all of them rendered). Every label and value is escaped.
"""

from __future__ import annotations

from datetime import date

import plotly.io as pio
import plotly.offline

from analytics.commissioner import charts as ch
from analytics.commissioner import figures as fig
from analytics.commissioner.methodology import LIMITS, base_rates, esc, methodology, num, pct
from analytics.commissioner.protect import TOTAL, Published
from analytics.commissioner.report import ReportData, headline
from mash.governance.disclosure import describe

CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1.2em 1.5em 3em;background:#fff}
h1{margin:.2em 0 .1em;font-size:1.7em}h2{margin-top:2em;border-bottom:2px solid #1f4e79;padding-bottom:.2em}
.sub{color:#555;margin:0 0 1em}
.policy{background:#fdf2e9;border:1px solid #e59866;padding:.7em 1em;margin:1em 0}
.cards{display:flex;flex-wrap:wrap;gap:.7em;margin:1em 0}
.card{flex:1 1 150px;border:1px solid #d6dbdf;border-radius:4px;padding:.6em .8em;background:#f8f9f9}
.card .n{font-size:1.6em;font-weight:600;color:#1f4e79}.card .l{font-size:.85em;color:#444}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.85em}
th,td{border:1px solid #ccd1d1;padding:3px 7px}th{background:#eaf2f8;text-align:left;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}td.sup{text-align:center;color:#a04000;background:#fdf2e9}
tr.total td,tr.total th,td.total{font-weight:600;background:#f4f6f6}
figure.chart{margin:.5em 0 1.5em}figcaption{font-size:.82em;color:#555}
.note{background:#f4f6f7;border-left:4px solid #5d6d7e;padding:.5em .9em;font-size:.92em}
"""


class Page:
    """Collects sections and charts in order."""

    def __init__(self, data: ReportData):
        self.data = data
        self.parts: list[str] = []
        self.charts = 0

    def add(self, text: str) -> None:
        self.parts.append(text)

    def chart(self, figure, hidden: int = 0, kind: str = "counts") -> None:
        """Add a chart; ``kind`` says whether it plots published counts or rates made from them."""
        self.charts += 1
        div = pio.to_html(figure, full_html=False, include_plotlyjs=False, div_id=f"chart-{self.charts}",
                          config={"displaylogo": False, "responsive": True})
        note = (f"{hidden} count{'s' if hidden != 1 else ''} hidden by disclosure control "
                f"({esc(self.data.policy.symbol)} in the table) {'is' if hidden == 1 else 'are'} left out of this chart."
                if hidden else "")
        self.add(f'<figure class="chart" data-chart="{self.charts}" data-kind="{kind}">{div}'
                 f'<figcaption>{note}</figcaption></figure>')

    def table(self, t: Published, caption: str, rates: list[tuple[str, str]] = ()) -> None:
        """``t`` as published; ``rates`` adds per-cent columns (label, numerator column) over the row total."""
        sym = self.data.policy.symbol
        cols = list(t.shown.columns)
        head = "".join(f"<th>{esc(c)}</th>" for c in [t.spec.rows.replace("_", " "), *cols]) + \
            "".join(f"<th>{esc(label)}</th>" for label, _ in rates)
        body = []
        for r in t.shown.index:
            cells = []
            for c in cols:
                v = t.shown.at[r, c]
                cls = "sup" if v == sym else "n"
                cls += " total" if c == TOTAL else ""
                title = ' title="hidden by disclosure control"' if v == sym else ""
                cells.append(f'<td class="{cls}"{title}>{esc(v)}</td>')
            for _, col in rates:
                denominator = t.value(r, TOTAL) if TOTAL in cols else None
                cells.append(f'<td class="n">{esc(_rate_text(ch.rate(t.value(r, col), denominator), sym))}</td>')
            body.append(f'<tr{" class=total" if r == TOTAL else ""}><th>{esc(r)}</th>{"".join(cells)}</tr>')
        self.add(f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
                 f"<tbody>{''.join(body)}</tbody></table>")

    def html(self) -> str:
        data = self.data
        title = f"MASH front door: commissioner report, {data.period.label}"
        js = plotly.offline.get_plotlyjs()
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<meta name="policy" content="{esc(data.policy.name)}"><title>{esc(title)}</title>'
                f'<style>{CSS}</style><script type="text/javascript">{js}</script></head>'
                f'<body data-charts="{self.charts}" data-policy="{esc(data.policy.name)}"><main>'
                + "".join(self.parts) + "</main></body></html>")


def _rate_text(v: float | None, symbol: str) -> str:
    return symbol if v is None else f"{v:.0f}%"


def render(data: ReportData) -> tuple[str, int]:
    """The page and how many charts it holds.

    >>> page, n = render(report_data(con))  # doctest: +SKIP
    """
    t, s = data.tables, data.policy.symbol
    head = headline(data)
    page = Page(data)
    hidden_total = sum(p.hidden_count() for p in t.values())
    page.add(f"<h1>MASH front door: commissioner report</h1>"
             f"<p class='sub'>{esc(data.period.label)} &middot; built {date.today().isoformat()} &middot; "
             f"aggregate figures only</p>"
             f"<div class='policy' id='policy'><b>Disclosure policy in force: {esc(data.policy.name)}</b>"
             f"{' (' + esc(data.policy.audience) + ')' if data.policy.audience else ''}. "
             f"{esc(describe(data.policy))} {hidden_total} counts in this report's tables are hidden.</div>")
    cards = [(head["notifications"], "notifications"), (head["children"], "children notified"),
             (head["contacts"], "front-door contacts"), (head["referrals"], "referrals"),
             (_rate_text(ch.rate(head["re_referrals"], head["referrals"]), s),
              f"of referrals were re-referrals within 12 months (England {ch.NATIONAL_RE_REFERRAL}%)"),
             (head["alerts"], "alerts raised"),
             (_rate_text(ch.rate(head["children_alerted"], head["children"]), s), "of children notified were alerted")]
    page.add("<div class='cards'>" + "".join(
        f"<div class='card'><div class='n'>{esc(v if isinstance(v, str) else num(v, s))}</div>"
        f"<div class='l'>{esc(label)}</div></div>" for v, label in cards) + "</div>")

    page.add("<h2 id='contacts'>1. Notifications by source agency and concern type</h2>")
    am = t["agency_month"]
    page.chart(ch.stacked_by_column(am, "Notifications by source agency and month", "month"), am.hidden_count())
    page.table(am, "Notifications by source agency and month")
    cq = t["concern_quarter"]
    page.chart(ch.heatmap(cq, "Notifications by concern type and quarter"), cq.hidden_count())
    page.table(cq, "Notifications by concern type and quarter")

    page.add("<h2 id='conversion'>2. Front-door decisions by source of contact</h2>"
             "<p>What contacts to children's social care led to, by who made the contact.</p>")
    cv = t["conversion"]
    page.chart(ch.conversion(cv, "Decisions as a share of each source's contacts"), cv.hidden_count(), "rates")
    page.table(cv, "Front-door contacts by source and decision",
               rates=[("% referral", "Referral"), ("% early help", "Early help"),
                      ("% no further action", "No further action")])
    page.table(t["decisions"], "Front-door decisions, with referrals split by re-referral")

    page.add("<h2 id='repeats'>3. Repeats</h2>")
    rp = t["repeats"]
    bands = [rp.value(b, TOTAL) for b in fig.REPEAT_BANDS[:3]]
    kids = rp.value(TOTAL, TOTAL)
    cumulative = []
    for k, label in enumerate(("within 30 days", "within 90 days", "within 365 days")):
        part = bands[: k + 1]
        cumulative.append((label, ch.rate(None if None in part else sum(part), kids)))
    cumulative.append(("from 2+ agencies", ch.rate(rp.value(TOTAL, fig.MULTI[0]), kids)))
    page.chart(ch.repeats((head["re_referrals"], head["referrals"]), cumulative,
                          "Re-referrals against England, and children notified again", s), 0, "rates")
    page.add(f"<p>{num(head['re_referrals'], s)} of {num(head['referrals'], s)} referrals in the period "
             f"({pct(ch.rate(head['re_referrals'], head['referrals']))}) came within 12 months of a previous referral "
             f"of the same child; the national figure is about {ch.NATIONAL_RE_REFERRAL}%. "
             + " ".join(f"{pct(v)} of children notified were notified again {esc(k)}." if k.startswith("within")
                        else f"{pct(v)} were notified by 2 or more agencies." for k, v in cumulative) + "</p>")
    page.table(rp, "Children notified, by shortest gap to an earlier notification and number of agencies")

    page.add("<h2 id='timeliness'>4. Timeliness of front-door decisions</h2>")
    tm = t["timeliness"]
    page.chart(ch.timeliness(tm, "Decisions against the RAG timescale (working hours)"), tm.hidden_count())
    page.table(tm, "Front-door contacts by RAG and timeliness", rates=[("% within", fig.ON_TIME)])

    page.add("<h2 id='alerts'>5. Alerts by rule and review outcome</h2>")
    al = t["alerts"]
    page.chart(ch.counts_by_row(al, "Alerts by rule and latest review outcome"), al.hidden_count())
    page.table(al, "Queued alerts by rule and latest review outcome")
    page.add("<ul>" + "".join(f"<li><b>{esc(r.name)}</b>: {esc(r.description)}</li>"
                              for r in data.rules.rules if r.in_queue) + "</ul>")

    page.add("<h2 id='groups'>6. Children notified and alerted, by group</h2>"
             "<p>Alert rate = children alerted / children notified in the group. A higher rate in a group is a "
             "question to ask (about who is notified, how, and about the rules), not evidence of higher risk.</p>")
    groups = [("Age band", t["age"]), ("Sex", t["sex"]), ("Area (postcode district)", t["district"])]
    page.chart(ch.alert_rates(groups, "Alert rate by group (% of children notified)"),
               sum(g.hidden_count() for _, g in groups), "rates")
    for name, g in groups:
        page.table(g, f"Children notified and alerted by {name.lower()}", rates=[("% alerted", "Alerted")])
    page.add(f"<p class='note'>Ethnicity: {'held but not yet reported' if data.ethnicity_held else 'not held'} "
             "(see Methodology).</p>")

    page.add("<h2 id='base-rates'>7. Base rates and the limits of rule-based flags</h2>")
    page.add(base_rates(data, head))
    page.add(LIMITS)
    page.add("<h2 id='methodology'>8. Methodology</h2>" + methodology(data))
    return page.html(), page.charts
