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
# # Linkage quality
#
# **Question.** How much can the person links behind every other analysis be trusted? Partners
# share no common identifier, so the hub links records by name, date of birth, address and whatever
# identifiers each partner holds, with an unsupervised Fellegi-Sunter model. Every repeat, every
# family network and every alert rests on those links.
#
# **Data.** The research extract only: `link_runs`, `link_pairs` (every pair of records judged the
# same person, with its total match weight), `link_comparisons` (each field's comparison level,
# m and u probabilities and weight, never the values compared), `review_pairs` (the clerical review
# queue and decisions), `persons` (cluster sizes) and `alerts`.
#
# **Method.** A pair's match weight is the prior weight (log2 odds that two random records are the
# same person) plus, for each field, log2(m/u) of the level the two values fell in, plus a
# term-frequency adjustment (agreeing on a rare surname counts for more). The probability is
# 2^w / (1 + 2^w); pairs at or above the run's threshold link, and linked pairs join into clusters
# (persons). Pairs near the threshold, or scored as links despite a conflict (two different valid
# NHS numbers, twins), go to people for review.
#
# **Caveats.** The extract has no ground truth, so precision and recall cannot be measured here;
# the synthetic world's truth is used for that by `mash evaluate`. The m and u values are the
# model's own estimates. Pairs the blocking rules never compared are invisible.

# %%
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio

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
runs = pd.read_parquet(EXTRACT / "link_runs.parquet")
pairs = pd.read_parquet(EXTRACT / "link_pairs.parquet")
fields = pd.read_parquet(EXTRACT / "link_comparisons.parquet")
review = pd.read_parquet(EXTRACT / "review_pairs.parquet")
persons = pd.read_parquet(EXTRACT / "persons.parquet")
alerts = pd.read_parquet(EXTRACT / "alerts.parquet")
run = runs.iloc[-1]
print(f"Extract {EXTRACT}, key id {manifest['key_id']}; latest linkage run {run['run_date']} with settings "
      f"{run['settings_version']}: {run['mentions']:,} mentions -> {run['persons']:,} persons, "
      f"{run['candidate_pairs']:,} pairs compared, {run['linked_pairs']:,} linked, "
      f"{run['review_pairs']:,} for review, threshold p >= {run['threshold']}")
assert len(pairs) == run["linked_pairs"] and len(review) >= run["review_pairs"]
assert pairs["settings_version"].eq(run["settings_version"]).all()

# %% [markdown]
# ## Sanity check: every match weight is the sum of its parts
#
# The explanation of a link is complete only if the listed field weights add up to the total.

# %%
parts = fields.groupby("pair_pid")[["weight", "tf_adjustment"]].sum()
check = pairs.set_index("pair_pid").join(parts, how="left")
gap = (check["match_weight"] - (check["prior_weight"] + check["weight"] + check["tf_adjustment"])).abs()
assert gap.max() < 1e-6, f"a pair's weights do not add up (worst gap {gap.max()})"
prob = 2 ** check["match_weight"] / (1 + 2 ** check["match_weight"])
assert np.allclose(prob, check["probability"], atol=1e-6)
print(f"all {len(check):,} linked pairs: prior + field weights + tf adjustments = match weight; "
      "probability = 2^w / (1 + 2^w)")

# %% [markdown]
# ## Match weights: linked pairs and the review queue
#
# A healthy linkage shows a clear gap between the bulk of links (high weights, often an identifier
# agreeing) and the doubtful pairs near the threshold.

# %%
threshold_weight = math.log2(run["threshold"] / (1 - run["threshold"]))
weights = pd.concat([
    pairs.assign(group="linked")[["match_weight", "group"]],
    review.dropna(subset=["match_weight"]).assign(group="review queue")[["match_weight", "group"]],
])
fig = px.histogram(weights, x="match_weight", color="group", barmode="overlay", nbins=80, opacity=0.7,
                   title="Match weight of linked pairs and of pairs in the review queue")
fig.add_vline(x=threshold_weight, line_dash="dash", annotation_text=f"threshold p={run['threshold']}")
fig.show()
weights.groupby("group")["match_weight"].describe().round(2)

# %% [markdown]
# ## What the links rest on, field by field
#
# Share of linked pairs at each comparison level, and the weight that level carries. `missing`
# weighs nothing; an exact identifier match weighs most. Links resting on names and date of birth
# alone (no identifier, no address) are the ones most worth checking.

# %%
levels = (fields.groupby(["comparison", "level", "label"])
          .agg(pairs=("pair_pid", "size"), m=("m", "first"), u=("u", "first"), weight=("weight", "median"))
          .reset_index())
levels["share"] = (levels["pairs"] / len(pairs)).round(4)
fig = px.bar(levels, x="comparison", y="share", color="label", hover_data=["m", "u", "weight"],
             title="Comparison levels among linked pairs")
fig.show()
levels.round({"m": 4, "u": 5, "weight": 2})

# %%
ids = ["nhs_number", "upn", "pnc", "ni_number", "la_id", "other_id"]
per_pair = fields.pivot_table(index="pair_pid", columns="comparison", values="label", aggfunc="first")
has_id = per_pair[[c for c in ids if c in per_pair]].apply(lambda col: col.eq("exact")).any(axis=1)
location = per_pair["location"].fillna("missing") if "location" in per_pair else "missing"
has_place = ~pd.Series(location, index=per_pair.index).isin(["missing", "different"])
basis = np.select([has_id, has_place], ["an identifier agrees", "no identifier; address or postcode agrees"],
                  "name and date of birth only")
print(pd.Series(basis).value_counts().rename("linked pairs").to_string())

# %% [markdown]
# ## Clusters (persons)
#
# Most people are seen once or a few times. Very large clusters deserve a look: one busy person,
# or several people merged (a parent and child with one name, a shared placeholder DOB).

# %%
sizes = persons["cluster_size"].value_counts().sort_index().rename("persons").reset_index()
fig = px.bar(sizes, x="cluster_size", y="persons", log_y=True, title="Persons by number of linked records")
fig.show()
print(f"{(persons['cluster_size'] == 1).mean():.0%} of persons are a single record; "
      f"largest cluster {persons['cluster_size'].max()} records")
persons.nlargest(5, "cluster_size")[["person_pid", "cluster_size", "n_notifications", "n_agencies",
                                     "min_link_probability"]]

# %%
cross = pd.crosstab(pairs["agency_l"], pairs["agency_r"])
cross = cross.add(cross.T, fill_value=0)  # a pair is unordered
fig = px.imshow(cross, text_auto=True, aspect="auto", color_continuous_scale="Greens",
                title="Linked pairs by the two records' agencies (the cross-agency links a hub needs)")
fig.show()

# %% [markdown]
# ## Weak links under alerts
#
# Each alert carries the weakest person link it rests on. An alert on a link below 0.95 may be
# two people merged, and says so on its page.

# %%
alerts["link_band"] = pd.cut(alerts["link_confidence"], [0, 0.9, 0.95, 0.99, 0.999, 1.0],
                             labels=["< 0.90", "0.90-0.95", "0.95-0.99", "0.99-0.999", ">= 0.999"],
                             include_lowest=True)
weak = alerts.pivot_table(index="rule", columns="link_band", values="alert_pid", aggfunc="count",
                          observed=False).fillna(0).astype(int)
weak

# %% [markdown]
# ## Clerical review
#
# Why pairs were queued, what conflicts they carry, and what reviewers decided. A `pending` pair
# that is `linked_now` was linked by the model and still awaits a person; one that is not linked
# keeps its two records apart until someone decides.

# %%
print(review["outcome"].value_counts().rename("pairs").to_string())
queue = review.groupby(["queue_reason", "linked_now"]).size().rename("pairs").reset_index()
fig = px.bar(queue, x="queue_reason", y="pairs", color="linked_now", barmode="group",
             title="Review queue: reason queued and whether the pair is linked now")
fig.show()
review["conflicts"].fillna("(none)").str.split(",").explode().value_counts().rename("pairs")

# %%
fig = go.Figure()
fig.add_histogram(x=review["probability"].dropna(), nbinsx=40, name="review queue")
fig.add_vline(x=run["threshold"], line_dash="dash", annotation_text="threshold")
fig.update_layout(title="Match probability of queued pairs", xaxis_title="probability", yaxis_title="pairs")
fig.show()
