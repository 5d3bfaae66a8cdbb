# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Repeat notifications and re-referral
#
# **Questions.** How many notifications reach the hub each month, from which agencies? How often is
# a child notified again within 30, 90 and 365 days, and by a different agency? What share of
# referrals to children's social care are re-referrals within 12 months?
#
# **Data.** The pseudonymised research extract only (`notifications`, `person_notifications`,
# `alerts`); its folder comes from `MASH_EXTRACT_DIR` (default `var/outputs/researcher/extract`).
# People are pseudonyms; dates of events are exact, dates of birth are not in the extract.
#
# **Definitions.**
#
# * A *contact* is a notification naming a child (anyone under 18 on the day, in any role). A child
#   named twice in one notification counts once.
# * A *repeat contact within N days* is a contact about the same child on a later day, at most N days
#   after the previous one (the front-door measures "repeat contacts at 30, 90 and 365 days").
# * A *referral* is a notification with the front-door decision `referral_s17` or `strategy_s47`,
#   about a child (or whose subject is the child); a *re-referral* is a referral within 365 days of
#   the same child's previous referral (the Children in Need definition; about 22% nationally).
#
# **Caveats.**
#
# * Everything rests on record linkage. A false merge invents repeats; a missed link hides them.
#   `02_linkage_quality` shows how strong the links are.
# * The data start on a given day, so a child's first contact or referral *in the data* may not be
#   their first: measures looking back 12 months are only complete for events at least 12 months
#   after the start. The re-referral rate below is shown both ways.
# * The sample is synthetic. Its rates describe the generator, not any council.
# * Figures here are not disclosure-controlled: apply `mash.governance.disclosure` (or your
#   environment's rules) before publishing any table.

# %%
import json
import os
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.io as pio

pio.renderers.default = "plotly_mimetype+notebook"  # JupyterLab renders the first; an HTML export the second


def find_extract() -> Path:
    """MASH_EXTRACT_DIR, else the demo's extract seen from the repository or from notebooks/."""
    if os.environ.get("MASH_EXTRACT_DIR"):
        return Path(os.environ["MASH_EXTRACT_DIR"])
    for candidate in (Path("var/outputs/researcher/extract"), Path("../var/outputs/researcher/extract")):
        if (candidate / "manifest.json").exists():
            return candidate
    raise FileNotFoundError("no research extract: run `make demo` or set MASH_EXTRACT_DIR")


EXTRACT = find_extract()
manifest = json.loads((EXTRACT / "manifest.json").read_text())
print(f"Extract {EXTRACT} (version {manifest['extract_version']}, key id {manifest['key_id']}, "
      f"created {manifest['created_at']}, warehouse last loaded {manifest['source']['last_ingest_at']})")

notes = pd.read_parquet(EXTRACT / "notifications.parquet")
named = pd.read_parquet(EXTRACT / "person_notifications.parquet")
alerts = pd.read_parquet(EXTRACT / "alerts.parquet")
for frame, name in ((notes, "notifications"), (named, "person_notifications"), (alerts, "alerts")):
    assert len(frame) == manifest["tables"][name]["rows"], f"{name} does not match the manifest"
notes["event_date"] = pd.to_datetime(notes["event_date"])
# every mention points at a notification in the extract
assert named["notification_pid"].isin(notes["notification_pid"]).all()
start, end = notes["event_date"].min(), notes["event_date"].max()
print(f"{len(notes):,} notifications from {start:%d %b %Y} to {end:%d %b %Y}; "
      f"{named['person_pid'].nunique():,} people named")

# %% [markdown]
# ## Notifications per month, by agency
#
# The first and last months may be part-months.

# %%
monthly = (notes.assign(month=notes["event_date"].dt.to_period("M").dt.to_timestamp())
           .groupby(["month", "agency"]).size().rename("notifications").reset_index())
fig = px.bar(monthly, x="month", y="notifications", color="agency",
             title="Notifications per month, by agency")
fig.show()
by_agency = notes["agency"].value_counts().rename("notifications").to_frame()
by_agency["share"] = (by_agency["notifications"] / len(notes)).round(3)
by_agency

# %% [markdown]
# ## Repeat contacts about a child
#
# One row per child and contact; the gap is the days since the same child's previous contact
# (contacts on the same day are one occasion, so they do not count as repeats of each other).

# %%
contacts = (named[named["is_child"]]
            .merge(notes[["notification_pid", "event_date", "agency", "decision"]], on="notification_pid")
            .drop_duplicates(["person_pid", "notification_pid"])
            .sort_values(["person_pid", "event_date"]))
days = contacts.groupby("person_pid")["event_date"].diff().dt.days
contacts["gap_days"] = days
contacts["previous_agency"] = contacts.groupby("person_pid")["agency"].shift()
print(f"{len(contacts):,} contacts about {contacts['person_pid'].nunique():,} children")

windows = (30, 90, 365)
rows = []
for w in windows:
    repeat = contacts["gap_days"].between(1, w)
    other_agency = repeat & (contacts["agency"] != contacts["previous_agency"])
    rows.append({"within_days": w, "repeat_contacts": int(repeat.sum()),
                 "share_of_contacts": round(repeat.mean(), 3),
                 "children_with_a_repeat": contacts.loc[repeat, "person_pid"].nunique(),
                 "repeat_from_another_agency": round(other_agency.sum() / max(repeat.sum(), 1), 3)})
repeats = pd.DataFrame(rows)
repeats

# %% [markdown]
# The hub's rule engine raises the same measures as alerts (`repeat_contact_30d`, `_90d`,
# `_365d`: a child contacted again on a later day within the window). Computing them here from
# the extract, independently, must find the same children: a check that the extract and the
# alerts describe one and the same linkage.

# %%
for w in windows:
    mine = set(contacts.loc[contacts["gap_days"].between(1, w), "person_pid"])
    engine = set(alerts.loc[alerts["rule"] == f"repeat_contact_{w}d", "subject_pid"])
    assert mine == engine, f"{w} days: {len(mine ^ engine)} children differ between notebook and alerts"
print("repeat-contact children agree with the alerts for", ", ".join(f"{w} days" for w in windows))

# %%
gaps = contacts.dropna(subset=["gap_days"])
gaps = gaps[gaps["gap_days"] >= 1]
fig = px.histogram(gaps, x="gap_days", nbins=73, title="Days between a child's consecutive contacts",
                   labels={"gap_days": "days since the previous contact"})
for w in windows:
    fig.add_vline(x=w, line_dash="dot", annotation_text=f"{w} d")
fig.show()

# %% [markdown]
# ### Which agencies follow which
#
# For repeat contacts within 90 days: the agency of the previous contact (rows) and of the repeat
# (columns). Off the diagonal, another agency saw the same child: the pattern a hub exists to
# notice.

# %%
r90 = contacts[contacts["gap_days"].between(1, 90)]
follow = pd.crosstab(r90["previous_agency"], r90["agency"])
fig = px.imshow(follow, text_auto=True, aspect="auto", color_continuous_scale="Blues",
                title="Repeat contacts within 90 days: previous agency (rows) to next agency (columns)")
fig.show()

# %% [markdown]
# ## Re-referral within 12 months

# %%
referrals = (named[(named["role"] == "subject") | named["is_child"]]
             .merge(notes[["notification_pid", "event_date", "decision"]], on="notification_pid"))
referrals = (referrals[referrals["decision"].isin(["referral_s17", "strategy_s47"])]
             .drop_duplicates(["person_pid", "notification_pid"])
             .sort_values(["person_pid", "event_date"]))
referrals["gap_days"] = referrals.groupby("person_pid")["event_date"].diff().dt.days
referrals["re_referral"] = referrals["gap_days"] <= 365
complete = referrals["event_date"] >= start + pd.Timedelta(days=365)  # a full year of history behind it
summary = pd.DataFrame([
    {"referrals": "all in the data", "n": len(referrals), "re_referrals": int(referrals["re_referral"].sum())},
    {"referrals": "with 12 months of history", "n": int(complete.sum()),
     "re_referrals": int(referrals.loc[complete, "re_referral"].sum())},
])
summary["rate"] = (summary["re_referrals"] / summary["n"]).round(3)
print("National re-referral rate (England, 2023/24): about 0.22")
summary

# %% [markdown]
# Cross-check with the rule engine: the children with at least one re-referral are the subjects of
# the `re_referral_12m` alerts.

# %%
mine = set(referrals.loc[referrals["re_referral"], "person_pid"])
engine = set(alerts.loc[alerts["rule"] == "re_referral_12m", "subject_pid"])
assert mine == engine, f"{len(mine ^ engine)} children differ between notebook and alerts"
print(f"{len(mine)} children re-referred within 12 months; the alerts agree")

# %%
fig = px.histogram(referrals.dropna(subset=["gap_days"]), x="gap_days", nbins=30,
                   title="Days from a child's previous referral to the next",
                   labels={"gap_days": "days since the previous referral"})
fig.add_vline(x=365, line_dash="dot", annotation_text="12 months")
fig.show()
