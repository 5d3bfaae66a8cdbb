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
# # Family networks and multi-agency pathways
#
# **Questions.** How big are the families the hub sees, how are they linked, and how often do they
# move? Which agency meets a child first, which agencies follow, and how long until a referral to
# children's social care?
#
# **Data.** The research extract only: `family_networks`, `family_edges`, `households`,
# `household_spells`, `persons`, `notifications`, `person_notifications` and `alerts`.
#
# **Definitions.**
#
# * The *family-link graph* joins two people when records name them together (a child and a carer
#   in one notification, a housing application's member list), place them at one address, or when a
#   rule infers a parent-child or sibling link (age gap plus shared surname or address). Edges are
#   strong or weak; an ex-partner named as a suspect is a weak link, not family.
# * A *family network* is a sibling group, with the adults holding a strong link to one of the
#   children (carers, other household adults). Walking stops at those adults, so one adult's
#   other relationships do not merge unrelated families.
# * A *household* is an address entity (all agencies' spellings of one address), known to the
#   extract only by a pseudonym and its postcode sector. Shared houses and institutions are flagged
#   and do not create family links.
# * A *pathway* is the sequence of agencies that notified the hub about a child, in date order,
#   with consecutive notifications from the same agency collapsed into one step.
#
# **Caveats.** Family links are inferred from administrative records and linkage, not from what
# families say; an inferred parent may be a step-parent or an older sibling. Moves are counted from
# the addresses agencies recorded, so a family that no agency notified after a move looks settled.
# Synthetic data.

# %%
import json
import os
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio

from mash.governance.disclosure import apply_policy  # small-number suppression for anything published

pio.renderers.default = "plotly_mimetype+notebook"


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
load = lambda name: pd.read_parquet(EXTRACT / f"{name}.parquet")  # noqa: E731
networks, edges, households, spells = load("family_networks"), load("family_edges"), load("households"), \
    load("household_spells")
persons, notes, named, alerts = load("persons"), load("notifications"), load("person_notifications"), \
    load("alerts")
notes["event_date"] = pd.to_datetime(notes["event_date"])
print(f"Extract {EXTRACT}, key id {manifest['key_id']}: {networks['network_pid'].nunique():,} family networks, "
      f"{len(edges):,} family edges, {len(households):,} households")
# sanity: the tables join up
assert networks["person_pid"].isin(persons["person_pid"]).all()
assert set(edges["person_a_pid"]).union(edges["person_b_pid"]) <= set(persons["person_pid"])
assert spells["household_pid"].isin(households["household_pid"]).all()
assert (networks.groupby("network_pid")["relation"].apply(lambda r: (r == "child").any())).all(), \
    "every family network is built around at least one child"

# %% [markdown]
# ## The family-link graph

# %%
kinds = edges.groupby(["edge_type", "strength", "inferred"]).size().rename("edges").reset_index()
fig = px.bar(kinds.sort_values("edges"), x="edges", y="edge_type", color="strength", orientation="h",
             pattern_shape="inferred", title="Family edges by type (hatched: inferred by a rule)")
fig.show()
parent = edges[edges["edge_type"] == "parent_child"]
assert parent["direction"].notna().all(), "every inferred parent-child edge says which way round it is"

# %% [markdown]
# ## Family networks

# %%
composition = (networks.pivot_table(index="network_pid", columns="relation", values="person_pid",
                                    aggfunc="count", fill_value=0)
               .reindex(columns=["child", "carer", "household_adult"], fill_value=0))
composition["members"] = composition.sum(axis=1)
fig = px.histogram(composition, x="members", color=composition["child"].clip(upper=4).astype(str),
                   title="Family networks by size (colour: children, 4 = 4 or more)",
                   labels={"color": "children"})
fig.show()
composition.describe().round(2)

# %% [markdown]
# ### How often families move
#
# The distinct households recorded for a network's children over the period, and the postcode
# districts they span. Several addresses in a short time is one of the hub's concern patterns
# (the `family_moves` rule).

# %%
children = networks[networks["relation"] == "child"][["network_pid", "person_pid"]]
homes = (children.merge(spells, on="person_pid")
         .merge(households[["household_pid", "kind", "postcode_district"]], on="household_pid"))
homes = homes[homes["kind"] == "household"]  # a refuge, hostel or children's home is not a family home
moves = homes.groupby("network_pid").agg(households=("household_pid", "nunique"),
                                         districts=("postcode_district", "nunique"))
fig = px.histogram(moves, x="households", title="Family homes recorded per family network")
fig.show()
moved = moves[moves["households"] >= 3].index
flagged = set(alerts.loc[(alerts["rule"] == "family_moves") & (alerts["subject_kind"] == "family_network"),
                         "subject_pid"])
print(f"{len(moved)} networks with 3 or more homes recorded for their children; "
      f"{len(flagged & set(moved))} of them have a family_moves alert "
      f"(the rule also counts carers' homes and needs the moves within 730 days)")

# %% [markdown]
# ## Multi-agency pathways
#
# For each child, the agencies that notified the hub in date order. The Sankey shows the first three
# steps; the table, how long from a child's first contact to their first referral to children's
# social care, by the agency that came first.

# %%
contacts = (named[named["is_child"]]
            .merge(notes[["notification_pid", "event_date", "agency", "decision"]], on="notification_pid")
            .drop_duplicates(["person_pid", "notification_pid"])
            .sort_values(["person_pid", "event_date", "agency"]))
steps = contacts[contacts["agency"] != contacts.groupby("person_pid")["agency"].shift()]
steps = steps.assign(step=steps.groupby("person_pid").cumcount() + 1)
first3 = steps[steps["step"] <= 3].pivot(index="person_pid", columns="step", values="agency")
links = []
for a, b in ((1, 2), (2, 3)):
    if b in first3:
        pair = first3[[a, b]].dropna().value_counts().rename("children").reset_index()
        pair["source"], pair["target"] = pair[a] + f" ({a})", pair[b] + f" ({b})"
        links.append(pair[["source", "target", "children"]])
links = pd.concat(links)
labels = sorted(set(links["source"]).union(links["target"]))
index = {name: i for i, name in enumerate(labels)}
fig = go.Figure(go.Sankey(node={"label": labels, "pad": 12},
                          link={"source": links["source"].map(index), "target": links["target"].map(index),
                                "value": links["children"]}))
fig.update_layout(title="Children's first three agencies (step number in brackets)")
fig.show()
print(f"{first3.shape[0]:,} children; {first3[2].notna().mean():.0%} reached a second agency, "
      f"{first3[3].notna().mean() if 3 in first3 else 0:.0%} a third")

# %%
first = contacts.groupby("person_pid").agg(first_date=("event_date", "min"))
first["first_agency"] = contacts.groupby("person_pid")["agency"].first()
referral = contacts[contacts["decision"].isin(["referral_s17", "strategy_s47"])]
first["first_referral"] = referral.groupby("person_pid")["event_date"].min()
first["days_to_referral"] = (first["first_referral"] - first["first_date"]).dt.days
to_referral = first.groupby("first_agency").agg(
    children=("first_date", "size"), referred=("first_referral", "count"),
    median_days_to_referral=("days_to_referral", "median"))
to_referral["referred_share"] = (to_referral["referred"] / to_referral["children"]).round(3)
assert (first["days_to_referral"].dropna() >= 0).all()
to_referral.sort_values("children", ascending=False)

# %% [markdown]
# ## Families the rules flagged
#
# Alerts about a family network directly, or about one of its members.

# %%
member_alerts = alerts[alerts["subject_kind"] == "person"].merge(
    networks[["network_pid", "person_pid"]], left_on="subject_pid", right_on="person_pid")
network_alerts = alerts[alerts["subject_kind"] == "family_network"].assign(network_pid=lambda a: a["subject_pid"])
per_network = pd.concat([member_alerts[["network_pid", "rule"]], network_alerts[["network_pid", "rule"]]])
queued = per_network[per_network["rule"].isin(alerts.loc[alerts["in_queue"], "rule"].unique())]
print(f"{queued['network_pid'].nunique():,} of {networks['network_pid'].nunique():,} family networks have an "
      "alert in the analysts' queue")
queued.groupby("rule")["network_pid"].nunique().rename("networks").sort_values(ascending=False)

# %% [markdown]
# ## A table ready to publish
#
# Children by the agency of their first contact and their age then, with the Department for
# Education's convention applied: counts of 1 to 5 shown as `c`, and further cells hidden where a
# hidden count could otherwise be worked back from the totals.

# %%
age_first = contacts.groupby("person_pid").first()  # contacts are in date order
table = pd.crosstab(age_first["agency"], age_first["age_band"])
table = table[[c for c in ["unborn", "under 1", "1-4", "5-9", "10-15", "16-17", "unknown"] if c in table]]
published = apply_policy(table, "dfe")
assert (published.isin(["c"]).sum().sum() > 0) == bool(((table > 0) & (table <= 5)).any().any())
published
