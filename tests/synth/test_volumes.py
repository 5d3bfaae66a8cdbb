"""Partner shares, concern mix, re-referral rate and skew are calibrated to the PRIMER."""

from __future__ import annotations

import pandas as pd
import pytest

from mash.synth import generate_world
from mash.synth.partners import PARTNER_SHARES


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    out = tmp_path_factory.mktemp("big")
    s = generate_world(out, n_notifications=20_000, seed=3, months=18)
    n = pd.read_csv(out / "truth" / "notifications.csv", dtype=str, keep_default_na=False)
    return s, n[n["duplicate_of"] == ""]


def test_partner_shares(big):
    s, n = big
    assert len(n) == 20_000
    shares = n["partner"].value_counts(normalize=True)
    for partner, target in PARTNER_SHARES.items():
        assert abs(shares[partner] - target) < 0.01, (partner, shares[partner], target)
    assert s.notifications_per_partner == n["partner"].value_counts().to_dict()


def test_domestic_abuse_and_parental_mental_health_most_common(big):
    _, n = big
    top = n["concern"].value_counts()
    assert top.index[0] == "domestic_abuse"
    assert "parental_mental_health" in top.index[:3]


def test_re_referral_rate_near_national(big):
    s, n = big
    assert 0.17 <= s.re_referral_rate <= 0.27
    assert set(n.loc[n["partner"] == "csc", "decision"]) <= {"NFA", "Early Help", "Referral", "Strategy", "Info Only"}


def test_contacts_skewed_to_a_minority(big, tmp_path_factory):
    s, _ = big
    m = pd.read_csv(s.out_dir / "truth" / "mentions.csv", dtype=str, keep_default_na=False)
    p = pd.read_csv(s.out_dir / "truth" / "persons.csv", dtype=str, keep_default_na=False)
    m = m[~m["notification_id"].str.endswith("-D")]
    kids = set(p.loc[p["is_child"] == "1", "person_id"])
    per_child = m[m["person_id"].isin(kids)].groupby("person_id")["notification_id"].nunique()
    assert (per_child == 1).mean() > 0.4  # most children are notified once ...
    assert per_child.quantile(0.99) >= 6  # ... and a few very often


def test_low_severity_dominates(big):
    _, n = big
    assert n["severity"].value_counts(normalize=True)["low"] > 0.4
