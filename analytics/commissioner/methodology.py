"""The report's words: methodology, base rates and the limits of rule-based flags.

Every number here comes from published (disclosure-controlled) tables; every label is escaped.
"""

from __future__ import annotations

import html

from analytics.commissioner import figures as fig
from analytics.commissioner.charts import NATIONAL_RE_REFERRAL, rate
from analytics.commissioner.protect import TOTAL

SOURCES = ("Children in Need census (Department for Education): referrals and re-referrals within 12 months, "
           "England; the re-referral rate has been about 22% for a decade and varies widely between councils.")


def esc(v: object) -> str:
    """HTML-escaped text.

    >>> esc("<b>")
    '&lt;b&gt;'
    """
    return html.escape(str(v), quote=True)


def num(v: int | float | None, symbol: str) -> str:
    """A published number for text: hidden ones as the policy's symbol.

    >>> num(1234, "c"), num(None, "c"), num(12.5, "c")
    ('1,234', 'c', '12.5')
    """
    if v is None:
        return esc(symbol)
    return f"{v:,}" if isinstance(v, int) else f"{v:,.1f}".rstrip("0").rstrip(".")


def pct(v: float | None) -> str:
    """A published rate for text.

    >>> pct(23.9), pct(None)[:13]
    ('24%', 'not published')
    """
    return "not published (a count it rests on is hidden)" if v is None else f"{v:.0f}%"


def timescales(data) -> str:
    """The RAG profile and working hours in force, as a sentence.

    >>> timescales(report_data(con))  # doctest: +SKIP
    'Profile <b>surrey</b>: red 4 working hours, ...'
    """
    prof = data.rag.profile
    parts = [f"{esc(r)} {num(int(h) if float(h).is_integer() else h, '')} working hours"
             for r, h in data.rag.timescales[prof].items()]
    cal = data.rag.calendar
    days = ", ".join(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d] for d in sorted(cal.days))
    return (f"Profile <b>{esc(prof)}</b>: {', '.join(parts)}; blue has no MASH response timescale. "
            f"Working hours are {days} {cal.start.strftime('%H:%M')}-{cal.end.strftime('%H:%M')} "
            f"({esc(cal.tz)}), without the {len(cal.holidays)} bank holidays listed in rag.toml.")


def base_rates(data, head: dict) -> str:
    """Plain statements of how common each thing is, so a flag can be read against its base rate.

    >>> base_rates(data, headline(data))  # doctest: +SKIP
    """
    s = data.policy.symbol
    t = data.tables
    kids, alerted = head["children"], head["children_alerted"]
    rep = t["repeats"]
    within_year = [rep.value(b, TOTAL) for b in fig.REPEAT_BANDS[:3]]
    repeat_year = None if None in within_year else sum(within_year)
    al = t["alerts"]
    reviewed = None if al.value(TOTAL, fig.NOT_REVIEWED) is None or head["alerts"] is None else \
        head["alerts"] - al.value(TOTAL, fig.NOT_REVIEWED)
    wrong = [al.value(TOTAL, o) for o in ("false_positive", "wrong_link") if o in al.counts.columns]
    wrong_n = None if None in wrong else sum(wrong)
    per_rule = []
    for r in al.counts.index:
        n = al.value(r, TOTAL)
        per_1000 = f", {num(round(1000 * n / kids, 1), s)} per 1,000 children notified" if n and kids else ""
        per_rule.append(f"<li><b>{esc(r)}</b>: {num(n, s)} alerts{per_1000}</li>")
    return (
        "<ul>"
        f"<li>{num(kids, s)} children were notified in the period; {num(alerted, s)} of them "
        f"({pct(rate(alerted, kids))}) were the subject of an alert or a child in a family an alert is about.</li>"
        f"<li>{num(repeat_year, s)} children ({pct(rate(repeat_year, kids))}) were notified again within a year of "
        "an earlier notification. Repeats are common, so a repeat on its own says little; the rules ask for "
        "more (several agencies, low-level concerns adding up, rising risk).</li>"
        f"<li>{num(head['re_referrals'], s)} of {num(head['referrals'], s)} referrals "
        f"({pct(rate(head['re_referrals'], head['referrals']))}) were re-referrals within 12 months; "
        f"England: about {NATIONAL_RE_REFERRAL}%.</li>"
        f"<li>{num(head['alerts'], s)} alerts were raised for analysts in the period; {num(reviewed, s)} have a "
        f"recorded review, of which {num(wrong_n, s)} were marked a false positive or a wrong person link.</li>"
        "</ul><p>Alerts by rule:</p><ul>" + "".join(per_rule) + "</ul>"
    )


LIMITS = """
<ul>
<li><b>A flag is a prompt to look, not a prediction.</b> Each rule is a fixed pattern a practitioner can
check by hand (for example 3 or more notifications from 2 or more agencies in 90 days, none at threshold).
There is no risk score. A person decides what happens next.</li>
<li><b>Most flagged children are not at greater risk than others notified, and many at risk are never
flagged.</b> Until reviews are recorded, how often a flag is right (precision) and how many children at risk
no rule catches (recall) are not known for this hub. Read the counts against the base rates above.</li>
<li><b>Rules see only what partners send.</b> A child who is never notified cannot be flagged; a child
notified more often (an agency that notifies more, an area with more police call-outs) is more likely to be.
Differences in alert rates between groups below mostly reflect who is notified and how, not differences in
risk. They are shown so that such differences are visible and can be questioned.</li>
<li><b>Flags rest on record linkage.</b> Two people recorded as one can create a false repeat; one person
recorded as two can hide a real one. Every alert names the weakest person link it rests on.</li>
<li><b>Thresholds are configuration</b> (rules.toml). Changing them changes every count in the alerts
sections; compare periods only under the same rules.</li>
</ul>
"""


def methodology(data) -> str:
    """The methodology section: period, definitions, disclosure control, sources.

    >>> "Definitions" in methodology(report_data(con))  # doctest: +SKIP
    True
    """
    p = data.period
    partial = p.partial_months()
    eth = ("is recorded in the warehouse but not yet included in this report" if data.ethnicity_held else
           "is <b>not held</b>: none of the partner feeds sends it, so alert rates by ethnicity cannot be shown. "
           "Recording it (Children in Need census categories) is the first step to checking bias by ethnicity")
    return f"""
<h3>Period and data</h3>
<p>{esc(p.label)}{' (months only partly inside the period: ' + esc(', '.join(partial)) + ')' if partial else ''}.
The figures come from the hub's warehouse: every partner's notifications, with people linked across agencies
by the matching engine. A notification a partner sent twice (the same reference in two deliveries) is counted
once.</p>
<h3>Definitions</h3>
<ul>
<li><b>Notification (contact)</b>: one concern sent to the hub by a partner, counted by the partner agency
that sent it.</li>
<li><b>Child</b>: anyone under 18 on the day of the notification (age from the date of birth, else a
stated age; with neither, the subject of a children-only feed or a child present at an incident).</li>
<li><b>Front-door contact and conversion</b>: a contact record with a front-door decision. Its
<i>source</i> is who made the contact, as recorded by children's social care. Referral means a decision of
section 17 assessment or section 47 strategy discussion.</li>
<li><b>Re-referral within 12 months</b> (Children in Need definition): a referral of a child who had a
referral in the 365 days before it, looking back before the period where the data allow.</li>
<li><b>Repeat contact within 30, 90 or 365 days</b>: a child notified in the period who had been notified on
an earlier day no more than that many days before. Children are counted once, in the band of their
shortest gap. <b>Multi-agency</b>: notified by 2 or more different agencies in the period.</li>
<li><b>Timeliness</b>: time from contact to front-door decision in working hours, against the RAG
timescale. Contact records give the day a contact arrived but not the time, so the clock is started at
both ends of that day: <i>within the timescale</i> even from the start of the day; <i>outside</i> even from
the end of the day; otherwise it depends on the arrival time. {timescales(data)}</li>
<li><b>Alert</b>: a queued alert (rules.toml) whose most recent evidence falls in the period; its outcome is
the latest recorded review. A child is <i>alerted</i> if an alert is about them or about a family or
household they are a child in.</li>
<li><b>Age band</b>: age at the child's first notification in the period. <b>Area</b>: postcode district of
the child's most recent resolved address in the period. <b>Sex</b>: as most often recorded.
<b>Ethnicity</b> {eth}. <b>Rates per 10,000 children</b> need population estimates by area and age,
which the warehouse does not hold; rates here are among children notified.</li>
</ul>
<h3>Disclosure control</h3>
<p>Every count in this report, in tables, charts and text, has been through the {esc(data.policy.name)}
policy stated at the top, before it reached the page. Charts are drawn from the published counts only: a
hidden count is left out of a chart, and a rate is shown only when both its counts are published (rates are
calculated from the published counts). Because the report publishes several tables about the same
people, the tables are also checked together{' (a count shown in two tables is hidden in both or neither, and no hidden count can be worked out from all the published figures at once)' if data.policy.secondary else ''}.
{'Under this convention hidden counts are protected by rounding, not by further suppression: in rare tables a reader can narrow a hidden count down to one value.' if not data.policy.secondary else ''}</p>
<h3>Sources</h3><p>{esc(SOURCES)}</p>
"""
