"""What analysts read: the alert queue, and one page per alert with the information product, a
chronology and a family-network picture.

* ``alert_queue.csv`` / ``alert_queue.html`` - queue alerts ordered by rule
  priority (1 first), then most recent evidence. No score: every row says which
  rule fired, with its numbers, and how sure the person links are. The CSV is
  formula-injection safe (:func:`mash.export.write_csv_safe`); the HTML escapes
  every value taken from the data.
* ``alerts/<alert_id>.html`` - the information product (what each agency holds,
  under the owning agency's name), a chronology (plotly, one row per agency,
  hover shows the notification) and the family network (strong edges solid, weak
  edges dotted).
* ``plotly.min.js`` - written once next to the pages so they work offline.
"""

from __future__ import annotations

import html
from pathlib import Path

import duckdb
import networkx as nx
import pandas as pd
import plotly.io as pio
import plotly.offline

from mash.export import write_csv_safe
from mash.governance.decisions import latest_shares

RAG_COLOUR = {"red": "#c0392b", "amber": "#d68910", "green": "#1e8449", "blue": "#2471a3"}
SEV_SIZE = {"low": 9, "medium": 12, "high": 15, "critical": 18}
PLOTLY_JS = "plotly.min.js"

CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em}th,td{border:1px solid #ccc;padding:4px 7px;
vertical-align:top;font-size:.88em}th{background:#f2f2f2;text-align:left}
.rag{color:#fff;padding:1px 6px;border-radius:3px;font-weight:600}
.note{background:#fbf6e3;border:1px solid #e6d9a5;padding:.6em .9em;font-size:.9em}
h2{margin-top:1.4em}.agency{margin-top:1em;border-left:4px solid #777;padding-left:.7em}
"""


def esc(value: object) -> str:
    """HTML-escape any value for a page (``None`` and NaN become empty).

    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    return html.escape(str(value), quote=True)


def _rag_badge(rag: str) -> str:
    return f'<span class="rag" style="background:{RAG_COLOUR.get(rag, "#777")}">{esc(rag)}</span>'


def _page(title: str, body: str, js_path: str | None = None) -> str:
    script = f'<script src="{esc(js_path)}"></script>' if js_path else ""
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(title)}</title>"
            f"<style>{CSS}</style>{script}</head><body>{body}</body></html>")


def queue_frame(con: duckdb.DuckDBPyConnection, include_all: bool = False) -> pd.DataFrame:
    """The alert queue as a table: rule priority first, then most recent evidence; never a score.

    >>> queue_frame(con).columns[:4].tolist()  # doctest: +SKIP
    ['priority', 'rule', 'rag', 'due_by']
    """
    where = "" if include_all else "WHERE a.in_queue"
    return con.execute(f"""
        WITH rv AS (
            SELECT alert_id, outcome, reviewer, reviewed_at FROM alert_reviews
            QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY reviewed_at DESC, outcome) = 1
        )
        SELECT a.priority, a.rule, r.rag, r.due_by, a.subject_type, a.subject_label, a.window_start, a.window_end,
               a.n_evidence, a.n_agencies, a.agencies, a.max_severity, a.explanation, a.thresholds,
               round(a.link_confidence, 3) AS link_confidence, r.lead_agency,
               coalesce(rv.outcome, 'not reviewed') AS review, rv.reviewer, rv.reviewed_at,
               a.first_raised_at, a.alert_id, a.subject_id
        FROM alerts a LEFT JOIN alert_rag r USING (alert_id) LEFT JOIN rv USING (alert_id)
        {where}
        ORDER BY a.priority, a.window_end DESC, a.rule, a.alert_id
    """).df()


def write_queue(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict[str, Path]:
    """Write ``alert_queue.csv`` (formula-safe) and ``alert_queue.html`` (escaped); returns their paths.

    >>> write_queue(con, Path("var/outputs/analytics"))["queue_csv"].name  # doctest: +SKIP
    'alert_queue.csv'
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    q = queue_frame(con)
    csv_path = write_csv_safe(q, out_dir / "alert_queue.csv")
    counts = q.groupby(["priority", "rule"]).size().reset_index(name="alerts")
    rows = []
    for r in q.itertuples(index=False):
        link = f'alerts/{esc(r.alert_id)}.html'
        rows.append(
            f"<tr><td>{esc(r.priority)}</td><td>{esc(r.rule)}</td><td>{_rag_badge(r.rag)}</td>"
            f"<td>{esc(r.due_by)}</td><td><a href=\"{link}\">{esc(r.subject_label)}</a></td>"
            f"<td>{esc(r.window_start)} to {esc(r.window_end)}</td><td>{esc(r.n_evidence)}</td>"
            f"<td>{esc(r.agencies)}</td><td>{esc(r.explanation)}</td><td>{esc(r.link_confidence)}</td>"
            f"<td>{esc(r.lead_agency)}</td><td>{esc(r.review)}</td></tr>")
    summary = "".join(f"<tr><td>{esc(c.priority)}</td><td>{esc(c.rule)}</td><td>{esc(c.alerts)}</td></tr>"
                      for c in counts.itertuples(index=False))
    body = (
        "<h1>MASH alert queue</h1>"
        "<p class=\"note\">Each alert is a rule a person can check, with the notifications it rests on. "
        "It is a prompt to look, not a prediction of harm: many children who meet a rule are already "
        "safe and known, and an alert whose <b>link confidence</b> is well below 1 may rest on two "
        "different people recorded as one. Ordered by rule priority (1 first), then most recent "
        "evidence.</p>"
        f"<table><tr><th>priority</th><th>rule</th><th>alerts</th></tr>{summary}</table>"
        "<table><tr><th>priority</th><th>rule</th><th>RAG</th><th>due by</th><th>subject</th><th>window</th>"
        "<th>notifications</th><th>agencies</th><th>why</th><th>link confidence</th><th>lead agency</th>"
        f"<th>review</th></tr>{''.join(rows)}</table>")
    html_path = out_dir / "alert_queue.html"
    html_path.write_text(_page("MASH alert queue", body), encoding="utf-8")
    return {"queue_csv": csv_path, "queue_html": html_path}


class PageData:
    """Everything the alert pages need, read in a few set-based queries (not three per page).

    >>> data = PageData(con, ["AL-1a2b3c4d5e6f7a8b"])  # doctest: +SKIP
    >>> html = render_alert_page(data, "AL-1a2b3c4d5e6f7a8b", "../plotly.min.js")  # doctest: +SKIP
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, alert_ids: list[str]):
        con.register("_page_ids", pd.DataFrame({"alert_id": alert_ids}))
        try:
            self.alerts = con.execute("""
                SELECT a.*, r.rag, r.rag_reason, r.due_by, r.timescale_working_hours, r.profile, r.lead_agency,
                       r.lead_reason
                FROM alerts a JOIN _page_ids USING (alert_id) LEFT JOIN alert_rag r USING (alert_id)
            """).df().set_index("alert_id", drop=False)
            self.members = con.execute("""
                SELECT m.alert_id, m.relation, m.name, m.person_id, m.dob, m.is_child
                FROM alert_members m JOIN _page_ids USING (alert_id) ORDER BY m.alert_id, m.relation, m.person_id
            """).df()
            # every notification naming someone in the alert, evidence flagged: chronology + information product
            self.notes = con.execute("""
                SELECT m.alert_id, e.notification_id, e.owner_agency, e.event_date, e.source_ref, e.concern_type,
                       e.severity, e.decision, e.rag, e.dash_risk, e.attendance_pct, e.consent, e.free_text,
                       string_agg(DISTINCT coalesce(m.name, m.person_id) || ' (' || lm.role || ')', '; '
                                  ORDER BY coalesce(m.name, m.person_id) || ' (' || lm.role || ')') AS people,
                       coalesce(max(ae.evidence_role), '') AS evidence_role
                FROM alert_members m JOIN _page_ids USING (alert_id)
                JOIN linked_mentions lm ON lm.person_id = m.person_id
                JOIN notification_events e ON e.notification_id = lm.notification_id
                LEFT JOIN alert_evidence ae ON ae.alert_id = m.alert_id AND ae.notification_id = e.notification_id
                GROUP BY ALL ORDER BY m.alert_id, e.owner_agency, e.event_date, e.notification_id
            """).df()
            self.edges = con.execute("""
                WITH p AS (SELECT DISTINCT m.person_id FROM alert_members m JOIN _page_ids USING (alert_id))
                SELECT person_a, person_b, list(edge_type ORDER BY edge_type) AS types,
                       bool_or(strength = 'strong') AS strong
                FROM family_edges
                WHERE person_a IN (SELECT person_id FROM p) OR person_b IN (SELECT person_id FROM p)
                GROUP BY person_a, person_b
            """).df()
            self.profiles = con.execute("""
                SELECT person_id, display_name, dob FROM person_profiles
            """).df().set_index("person_id")
            shares = latest_shares(con)
            self.shares = shares[shares["alert_id"].isin(alert_ids) & shares["decision"].eq("share")]
        finally:
            con.unregister("_page_ids")
        self.members_by = dict(tuple(self.members.groupby("alert_id")))
        self.notes_by = dict(tuple(self.notes.groupby("alert_id")))
        ea = self.edges.rename(columns={"person_a": "p", "person_b": "q"})
        eb = self.edges.rename(columns={"person_b": "p", "person_a": "q"})
        self.edges_by_person = dict(tuple(pd.concat([ea, eb], ignore_index=True).groupby("p")))


def _figure_html(data: list[dict], layout: dict, div_id: str) -> str:
    # plain dicts without validation: the traces are built here, and validation costs ~50 ms a figure
    return pio.to_html({"data": data, "layout": layout}, include_plotlyjs=False, full_html=False, validate=False,
                       div_id=div_id)


def _chronology(notes: pd.DataFrame, alert_id: str) -> str:
    """Every notification naming a member of the alert, one row per agency; evidence in red, supporting
    evidence in orange."""
    data = []
    styles = (("", "other notifications", "#95a5a6"), ("supporting", "supporting evidence", "#e59866"),
              ("trigger", "evidence for this alert", "#c0392b"))
    for role, name, colour in styles:
        g = notes[notes["evidence_role"] == role]
        if g.empty:
            continue
        hover = [
            f"<b>{esc(a)}</b> {esc(pd.Timestamp(d).date())}<br>{esc(c)} ({esc(s)})<br>ref {esc(ref)}"
            + (f"<br>decision {esc(dec)}" if isinstance(dec, str) else "")
            + f"<br>{esc(p)}<br>{esc(t[:160] if isinstance(t, str) else '')}"
            for a, d, c, s, ref, dec, p, t in zip(g["owner_agency"], g["event_date"], g["concern_type"], g["severity"],
                                                  g["source_ref"], g["decision"], g["people"], g["free_text"])]
        data.append({
            "type": "scatter", "mode": "markers", "name": name,
            "x": [pd.Timestamp(d).strftime("%Y-%m-%d") for d in g["event_date"]],
            # plotly reads tags in axis labels too: an agency name is escaped like every other value
            "y": [esc(a) for a in g["owner_agency"]],
            "marker": {"size": [SEV_SIZE.get(s, 9) for s in g["severity"]], "color": colour,
                       "line": {"width": 1, "color": "#333"}},
            "text": hover, "hovertemplate": "%{text}<extra></extra>"})
    layout = {"title": {"text": "Chronology (one row per agency; marker size = severity)"},
              "height": 260 + 28 * int(notes["owner_agency"].nunique()),
              "margin": {"l": 170, "r": 20, "t": 50, "b": 40},
              "yaxis": {"categoryorder": "category ascending"}, "xaxis": {"type": "date"}}
    return _figure_html(data, layout, f"chrono-{alert_id}")


def _network(pd_: PageData, alert_id: str) -> str:
    """Alert members and their direct family-graph edges (strong solid, weak dotted)."""
    mem = pd_.members_by.get(alert_id, pd_.members.iloc[0:0])
    ids = mem["person_id"].tolist()
    g = nx.Graph()
    g.add_nodes_from(ids)
    for pid in ids:
        e = pd_.edges_by_person.get(pid)
        if e is None:
            continue
        for q, types, strong in zip(e["q"], e["types"], e["strong"]):
            if g.number_of_nodes() < 80 or q in g:
                g.add_edge(pid, q, types=", ".join(types), strong=bool(strong))
    pos = nx.spring_layout(g, seed=7) if len(g) else {}
    data = []
    for strong, dash, colour in ((True, "solid", "#34495e"), (False, "dot", "#aab7b8")):
        xs, ys, mx, my, mt = [], [], [], [], []
        for a, b, d in g.edges(data=True):
            if d["strong"] != strong:
                continue
            xs += [float(pos[a][0]), float(pos[b][0]), None]
            ys += [float(pos[a][1]), float(pos[b][1]), None]
            mx.append(float(pos[a][0] + pos[b][0]) / 2)
            my.append(float(pos[a][1] + pos[b][1]) / 2)
            mt.append(esc(d["types"]))
        data.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "hoverinfo": "skip",
                     "line": {"dash": dash, "color": colour, "width": 2},
                     "name": "strong link" if strong else "weak link"})
        data.append({"type": "scatter", "mode": "markers", "x": mx, "y": my, "text": mt, "showlegend": False,
                     "marker": {"size": 5, "color": colour}, "hovertemplate": "%{text}<extra></extra>"})
    rel = dict(zip(mem["person_id"], mem["relation"]))
    child = dict(zip(mem["person_id"], mem["is_child"]))
    nodes = list(g.nodes)
    prof = pd_.profiles
    names = [prof.at[n, "display_name"] if n in prof.index and isinstance(prof.at[n, "display_name"], str) else n
             for n in nodes]
    hover = [f"{esc(nm)}<br>{esc(n)}<br>{esc(rel.get(n, 'linked, not in this alert'))}"
             + (f"<br>born {esc(pd.Timestamp(prof.at[n, 'dob']).date())}"
                if n in prof.index and pd.notna(prof.at[n, "dob"]) else "")
             for n, nm in zip(nodes, names)]
    data.append({
        "type": "scatter", "mode": "markers+text", "name": "people (blue = child, purple = adult in alert)",
        "x": [float(pos[n][0]) for n in nodes], "y": [float(pos[n][1]) for n in nodes],
        "text": [esc(nm) for nm in names], "textposition": "top center", "hovertext": hover, "hoverinfo": "text",
        "marker": {"size": [20 if n in rel else 11 for n in nodes], "line": {"width": 1, "color": "#333"},
                   "color": ["#2980b9" if child.get(n) else ("#8e44ad" if n in rel else "#bdc3c7") for n in nodes]}})
    layout = {"title": {"text": f"Family network ({len(ids)} in the alert, {len(nodes) - len(ids)} linked outside it)"},
              "height": 460, "xaxis": {"visible": False}, "yaxis": {"visible": False},
              "margin": {"l": 20, "r": 20, "t": 50, "b": 20}}
    return _figure_html(data, layout, f"net-{alert_id}")


def _information_product(notes: pd.DataFrame, shares: pd.DataFrame) -> str:
    """The items shared under a recorded decision, each under its owning agency's name."""
    if shares.empty:
        return ("<p class=\"note\"><b>Nothing shared yet.</b> An agency's item enters the information product "
                "only under a recorded decision to share it (<code>mash consent</code>, then <code>mash share</code>)."
                "</p>")
    shared = notes.merge(shares, on=["alert_id", "notification_id"], how="inner")
    parts = []
    for agency, g in shared.groupby("owner_agency_x", sort=True):
        rows = "".join(
            f"<tr><td>{esc(r.event_date)}</td><td>{esc(r.concern_type)}</td><td>{esc(r.severity)}</td>"
            f"<td>{esc(r.people)}</td><td>{esc(r.shared_with)}</td><td>{esc(r.lawful_basis)}</td>"
            f"<td>{esc(r.rationale)}</td><td>{esc(r.decided_by)} {esc(r.decided_at)}</td></tr>"
            for r in g.itertuples(index=False))
        parts.append(
            f"<div class=\"agency\"><h3>Owner: {esc(agency)}</h3><table><tr><th>date</th><th>concern</th>"
            f"<th>severity</th><th>people named</th><th>shared with</th><th>lawful basis</th><th>rationale</th>"
            f"<th>decided by</th></tr>{rows}</table></div>")
    return "".join(parts)


def _hub_holdings(notes: pd.DataFrame, shares: pd.DataFrame) -> str:
    """What each agency holds about the alert's people, under the owning agency's name (hub only)."""
    shared = set(zip(shares["alert_id"], shares["notification_id"]))
    parts = []
    for agency, g in notes.groupby("owner_agency", sort=True):
        rows = "".join(
            f"<tr><td>{ {'trigger': 'evidence', 'supporting': 'supporting'}.get(r.evidence_role, '')}</td>"
            f"<td>{esc(r.event_date)}</td><td>{esc(r.source_ref)}</td>"
            f"<td>{esc(r.concern_type)}</td><td>{esc(r.severity)}</td>"
            f"<td>{esc(' '.join(str(x) for x in (r.decision, r.rag, r.dash_risk) if isinstance(x, str)))}"
            f"{esc(f' attendance {r.attendance_pct}%' if pd.notna(r.attendance_pct) else '')}</td>"
            f"<td>{esc(r.people)}</td><td>{esc(r.consent)}</td><td>{esc(r.free_text)}</td>"
            f"<td>{'shared' if (r.alert_id, r.notification_id) in shared else 'not shared'}</td></tr>"
            for r in g.itertuples(index=False))
        parts.append(
            f"<div class=\"agency\"><h3>Held by {esc(agency)}</h3><table><tr><th></th><th>date</th><th>ref</th>"
            f"<th>concern</th><th>severity</th><th>decision / RAG / DASH</th><th>people named</th>"
            f"<th>consent</th><th>summary</th><th>share decision</th></tr>{rows}</table></div>")
    return "".join(parts)


def render_alert_page(pd_: PageData, alert_id: str, js_path: str) -> str:
    """One alert's page as HTML: rule and thresholds, RAG and lead, people, chronology, network and the
    information product (see :class:`PageData` for an example)."""
    a = pd_.alerts.loc[alert_id]
    mem = pd_.members_by.get(alert_id, pd_.members.iloc[0:0])
    notes = pd_.notes_by.get(alert_id, pd_.notes.iloc[0:0])
    shares = pd_.shares[pd_.shares["alert_id"] == alert_id]
    mrows = "".join(f"<tr><td>{esc(r.relation)}</td><td>{esc(r.name)}</td><td>{esc(r.person_id)}</td>"
                    f"<td>{esc(r.dob)}</td><td>{'child' if r.is_child else 'adult'}</td></tr>"
                    for r in mem.itertuples(index=False))
    body = (
        f"<p><a href=\"../alert_queue.html\">&larr; alert queue</a></p>"
        f"<h1>{esc(a['subject_label'])}</h1>"
        f"<p>{_rag_badge(a['rag'])} due by <b>{esc(a['due_by'])}</b> ({esc(a['timescale_working_hours'])} working "
        f"hours, profile {esc(a['profile'])}; {esc(a['rag_reason'])})</p>"
        f"<table><tr><th>rule</th><td>{esc(a['rule'])} (priority {esc(a['priority'])})</td></tr>"
        f"<tr><th>what it looks for</th><td>{esc(a['description'])}</td></tr>"
        f"<tr><th>why this alert</th><td>{esc(a['explanation'])}</td></tr>"
        f"<tr><th>thresholds</th><td><code>{esc(a['thresholds'])}</code></td></tr>"
        f"<tr><th>window</th><td>{esc(a['window_start'])} to {esc(a['window_end'])}</td></tr>"
        f"<tr><th>link confidence</th><td>{esc(round(float(a['link_confidence']), 3))} (the weakest person link "
        f"behind this alert)</td></tr>"
        f"<tr><th>recommended lead agency</th><td>{esc(a['lead_agency'])} ({esc(a['lead_reason'])})</td></tr>"
        f"<tr><th>alert id</th><td>{esc(alert_id)}</td></tr></table>"
        f"<h2>People</h2><table><tr><th>relation</th><th>name</th><th>person id</th><th>born</th><th></th></tr>"
        f"{mrows}</table>"
        f"<h2>Chronology</h2>{_chronology(notes, alert_id)}"
        f"<h2>Family network</h2>{_network(pd_, alert_id)}"
        f"<h2>Information product</h2><p class=\"note\">For the recommended lead agency: only items an analyst "
        f"has decided to share, each with its owner, recipient, lawful basis and rationale.</p>"
        f"{_information_product(notes, shares)}"
        f"<h2>Held in the hub</h2><p class=\"note\">Hub only. Each agency's information stays its own until a "
        f"decision to share it is recorded.</p>{_hub_holdings(notes, shares)}")
    return _page(f"Alert {alert_id}", body, js_path)


def write_alert_page(con: duckdb.DuckDBPyConnection, alert_id: str, path: Path, js_path: str) -> Path:
    """Write one alert's page (see :func:`render_alert_page`); ``js_path`` is where the page finds plotly.js.

    >>> write_alert_page(con, "AL-...", Path("out/alerts/AL-....html"), "../plotly.min.js")  # doctest: +SKIP
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_alert_page(PageData(con, [alert_id]), alert_id, js_path), encoding="utf-8")
    return path


def write_outputs(con: duckdb.DuckDBPyConnection, out_dir: Path | str, max_pages: int | None = None) -> dict:
    """Write the queue, ``plotly.min.js``, ``repeat_contacts.csv`` and one page per queued alert.

    >>> write_outputs(con, Path("var/outputs/analytics"))["pages"]  # doctest: +SKIP
    116
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    js = out_dir / PLOTLY_JS
    if not js.exists():
        js.write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
    paths = write_queue(con, out_dir)
    ids = queue_frame(con)["alert_id"].tolist()
    if max_pages is not None:
        ids = ids[:max_pages]
    pages = out_dir / "alerts"
    pages.mkdir(exist_ok=True)
    keep = set(ids)
    for old in pages.glob("AL-*.html"):  # a page for an alert no longer raised would mislead
        if old.stem not in keep:
            old.unlink()
    data = PageData(con, ids)
    for alert_id in ids:
        (pages / f"{alert_id}.html").write_text(render_alert_page(data, alert_id, f"../{PLOTLY_JS}"),
                                                 encoding="utf-8")
    measures = write_csv_safe(repeat_contact_measures(con), out_dir / "repeat_contacts.csv")
    return {**paths, "repeat_contacts_csv": measures, "plotly_js": js, "pages_dir": pages, "pages": len(ids)}


def repeat_contact_measures(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Front-door measure: children contacted again within 30/90/365 days, as counts and shares.

    One row per ``repeat_contact`` rule: children with at least one repeat, children contacted, share.

    >>> repeat_contact_measures(con)[["rule", "share"]]  # doctest: +SKIP
    """
    return con.execute("""
        WITH kids AS (SELECT count(DISTINCT person_id) AS n FROM linked_mentions WHERE is_child)
        SELECT a.rule, a.window_days, count(DISTINCT a.subject_id) AS children_with_repeat,
               any_value(kids.n) AS children_contacted,
               round(count(DISTINCT a.subject_id) / any_value(kids.n), 4) AS share
        FROM alerts a, kids WHERE a.rule_kind = 'repeat_contact'
        GROUP BY a.rule, a.window_days ORDER BY a.window_days
    """).df()
