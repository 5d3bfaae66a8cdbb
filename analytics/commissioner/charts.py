"""Plotly charts drawn only from published (disclosure-controlled) tables.

Every function takes :class:`~analytics.commissioner.protect.Published` tables and reads
their *published* numbers (:meth:`Published.value`): a hidden count is left out of the
chart (and said so under it, or marked with the policy's symbol where a bar would be), never
drawn from the true count. Labels are HTML-escaped,
because plotly reads a little HTML in text.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.commissioner.protect import TOTAL, Published

PALETTE = ["#1f4e79", "#2e86c1", "#76b7e5", "#e67e22", "#c0392b", "#7d3c98", "#27ae60", "#95a5a6", "#d4ac0d",
           "#5d6d7e", "#a93226", "#117864", "#b9770e", "#6c3483", "#1a5276", "#7b7d7d", "#cb4335", "#229954"]
RAG_COLOURS = {"red": "#c0392b", "amber": "#d68910", "green": "#1e8449", "blue": "#2471a3"}
NATIONAL_RE_REFERRAL = 22  # per cent, England, Children in Need statistics (stable for a decade)


def _e(label: object) -> str:
    return html.escape(str(label), quote=False)


def _layout(fig: go.Figure, title: str, height: int = 420, **kw) -> go.Figure:
    fig.update_layout(title={"text": _e(title), "x": 0, "font": {"size": 15}}, height=height,
                      margin={"l": 60, "r": 20, "t": 50, "b": 60}, template="plotly_white",
                      legend={"font": {"size": 11}}, **kw)
    return fig


def rate(num: int | None, den: int | None) -> float | None:
    """Per cent from two published numbers; None when either is hidden or the base is 0.

    >>> rate(22, 92), rate(None, 92), rate(3, 0)
    (23.9, None, None)
    """
    if num is None or den is None or den == 0:
        return None
    return round(100 * num / den, 1)


def _mark_hidden(fig: go.Figure, labels: list[str], values: list, symbol: str, horizontal: bool = False,
                 **where) -> None:
    """Put the policy's symbol where a bar is missing because a count behind it is hidden."""
    gone = [label for label, v in zip(labels, values) if v is None]
    if not gone:
        return
    xy = {"y": gone, "x": [0] * len(gone)} if horizontal else {"x": gone, "y": [0] * len(gone)}
    fig.add_scatter(**xy, mode="text", text=[_e(symbol)] * len(gone), textposition="middle right" if horizontal
                    else "top center", textfont={"color": "#a04000", "size": 13}, showlegend=False,
                    hovertemplate="hidden by disclosure control<extra></extra>", **where)


def stacked_by_column(t: Published, title: str, x_title: str, horizontal: bool = False) -> go.Figure:
    """Stacked bars: one bar per column of ``t`` (e.g. month), one colour per row (e.g. agency).

    >>> stacked_by_column(tables["agency_month"], "Notifications", "month")  # doctest: +SKIP
    """
    fig = go.Figure()
    cols = list(t.counts.columns)
    for i, row in enumerate(t.counts.index):
        ys = [t.value(row, c) for c in cols]
        fig.add_bar(x=[_e(c) for c in cols], y=ys, name=_e(row), marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate=f"{_e(row)}<br>%{{x}}: %{{y}}<extra></extra>")
    fig.add_scatter(x=[_e(c) for c in cols], y=[t.value(TOTAL, c) for c in cols], mode="markers", name="Total",
                    marker={"symbol": "line-ew-open", "size": 18, "color": "#000"},
                    hovertemplate="Total %{x}: %{y}<extra></extra>")
    return _layout(fig, title, barmode="stack", xaxis_title=_e(x_title), yaxis_title="count")


def heatmap(t: Published, title: str) -> go.Figure:
    """Rows x columns as a heatmap of published counts; hidden cells blank, labelled with the symbol.

    >>> heatmap(tables["concern_quarter"], "Notifications by concern")  # doctest: +SKIP
    """
    rows, cols = list(t.counts.index), list(t.counts.columns)
    z = [[t.value(r, c) for c in cols] for r in rows]
    text = [[_e(t.shown.at[r, c]) for c in cols] for r in rows]
    fig = go.Figure(go.Heatmap(z=z, x=[_e(c) for c in cols], y=[_e(r) for r in rows], text=text,
                               texttemplate="%{text}", colorscale="Blues", hoverongaps=False,
                               hovertemplate="%{y}, %{x}: %{text}<extra></extra>", colorbar={"title": "count"}))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(360, 28 * len(rows) + 120))


def conversion(t: Published, title: str) -> go.Figure:
    """Per source, the share of contacts ending in each decision (from published counts).

    >>> conversion(tables["conversion"], "Decisions by source")  # doctest: +SKIP
    """
    fig = go.Figure()
    rows = list(t.counts.index)
    for i, col in enumerate(t.counts.columns):
        xs = [rate(t.value(r, col), t.value(r, TOTAL)) for r in rows]
        fig.add_bar(y=[_e(r) for r in rows], x=xs, name=_e(col), orientation="h",
                    marker_color=PALETTE[i % len(PALETTE)], hovertemplate=f"%{{y}}: %{{x}}% {_e(col)}<extra></extra>")
    row_hidden = [None if any(t.value(r, c) is None for c in t.counts.columns) else 1 for r in rows]
    _mark_hidden(fig, [_e(r) for r in rows], row_hidden, t.policy.symbol, horizontal=True)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(380, 34 * len(rows) + 140), barmode="group",
                   xaxis_title="% of the source's contacts")


def repeats(re_ref: tuple[int | None, int | None], cumulative: list[tuple[str, float | None]],
            title: str, symbol: str = "c") -> go.Figure:
    """Re-referral rate against the national figure, and repeat-contact rates (all per cent).

    >>> repeats((22, 92), [("within 30 days", 21.4)], "Repeats")  # doctest: +SKIP
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.35, 0.65],
                        subplot_titles=("Re-referrals within 12 months", "Children notified again"))
    fig.add_bar(x=["This hub", "England"], y=[rate(*re_ref), NATIONAL_RE_REFERRAL], row=1, col=1,
                marker_color=["#1f4e79", "#95a5a6"], hovertemplate="%{x}: %{y}%<extra></extra>", showlegend=False)
    fig.add_bar(x=[_e(k) for k, _ in cumulative], y=[v for _, v in cumulative], row=1, col=2,
                marker_color="#2e86c1", hovertemplate="%{x}: %{y}%<extra></extra>", showlegend=False)
    _mark_hidden(fig, ["This hub"], [rate(*re_ref)], symbol, row=1, col=1)
    _mark_hidden(fig, [_e(k) for k, _ in cumulative], [v for _, v in cumulative], symbol, row=1, col=2)
    fig.update_yaxes(title_text="%", row=1, col=1)
    return _layout(fig, title)


def timeliness(t: Published, title: str) -> go.Figure:
    """Per RAG, decisions by timeliness category (published counts).

    >>> timeliness(tables["timeliness"], "Timeliness")  # doctest: +SKIP
    """
    fig = go.Figure()
    rows = [r for r in t.counts.index if r in RAG_COLOURS]
    colours = ["#1e8449", "#d4ac0d", "#c0392b", "#95a5a6", "#5d6d7e"]
    for i, col in enumerate(t.counts.columns):
        fig.add_bar(x=[_e(r) for r in rows], y=[t.value(r, col) for r in rows], name=_e(col),
                    marker_color=colours[i % len(colours)], hovertemplate=f"%{{x}}: %{{y}} {_e(col)}<extra></extra>")
    return _layout(fig, title, barmode="stack", xaxis_title="front-door RAG", yaxis_title="contacts")


def alert_rates(groups: list[tuple[str, Published]], title: str) -> go.Figure:
    """Alerted children as a % of children notified, per group, one panel per breakdown.

    >>> alert_rates([("Sex", tables["sex"])], "Alert rate by group")  # doctest: +SKIP
    """
    fig = make_subplots(rows=1, cols=len(groups), subplot_titles=[_e(n) for n, _ in groups], shared_yaxes=True,
                        column_widths=[max(len(t.counts.index), 2) for _, t in groups])
    for k, (name, t) in enumerate(groups, start=1):
        rows = list(t.counts.index)
        ys = [rate(t.value(r, "Alerted"), t.value(r, TOTAL)) for r in rows]
        fig.add_bar(x=[_e(r) for r in rows], y=ys, row=1, col=k, marker_color=PALETTE[k], showlegend=False,
                    hovertemplate="%{x}: %{y}% alerted<extra></extra>")
        _mark_hidden(fig, [_e(r) for r in rows], ys, t.policy.symbol, row=1, col=k)
    fig.update_yaxes(title_text="% of children notified", row=1, col=1)
    return _layout(fig, title)


def counts_by_row(t: Published, title: str, colour_by: dict[str, str] | None = None) -> go.Figure:
    """Stacked bars per row of ``t`` (e.g. rule), one colour per column (e.g. review outcome).

    >>> counts_by_row(tables["alerts"], "Alerts by rule")  # doctest: +SKIP
    """
    fig = go.Figure()
    rows = list(t.counts.index)
    for i, c in enumerate(t.counts.columns):
        ys = [t.value(r, c) for r in rows]
        if not any(ys):  # an outcome nobody has recorded would only clutter the legend
            continue
        fig.add_bar(x=[_e(r) for r in rows], y=ys, name=_e(c),
                    marker_color=(colour_by or {}).get(c, PALETTE[i % len(PALETTE)]),
                    hovertemplate=f"%{{x}}: %{{y}} {_e(c)}<extra></extra>")
    return _layout(fig, title, barmode="stack", yaxis_title="alerts", showlegend=True)
