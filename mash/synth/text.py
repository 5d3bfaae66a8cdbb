"""Free-text fields from templates (summaries, narratives, the public's own words).

Templates only: no text here comes from a real case.
"""

from __future__ import annotations

import numpy as np

_SUMMARY = {
    "domestic_abuse": ["Verbal argument reported by neighbour, both parties spoken to.",
                       "Female reports being pushed during argument; children in the address at the time.",
                       "Ex-partner attended address in breach of agreement, shouting at the door.",
                       "Call from address, sounds of shouting, line went dead. Officers attended."],
    "parental_mental_health": ["Parent in crisis, expressed thoughts of self-harm. Children present.",
                               "Mental health concern for parent, GP informed, children with grandparent.",
                               "Parent found distressed and disorientated, ambulance called."],
    "neglect": ["Home conditions poor, little food in the house, children unkempt.",
                "Young children found unsupervised at the address late evening.",
                "Persistent missed appointments and concerns about hygiene."],
    "missing_from_home": ["Child reported missing overnight, located next morning at a friend's address.",
                          "Missing from placement, returned by police after 6 hours."],
    "physical_abuse": ["Child has unexplained bruising, account inconsistent.", "Child disclosed being hit by adult."],
    "sexual_abuse": ["Disclosure made to a trusted adult; strategy discussion requested."],
    "child_exploitation": ["Child found with older males in a car, unexplained new phone and cash.",
                           "Concerns about county lines involvement; child found out of area."],
    "antisocial_behaviour": ["Group of youths causing damage, child identified.", "Noise and ASB complaints."],
    "offending": ["Arrested for shoplifting with older peers.", "Possession of a bladed article."],
    "substance_misuse": ["Parent under the influence while caring for children.", "Drug paraphernalia in reach of children."],
    "adult_at_risk": ["Adult appears to be financially exploited by associates.", "Self-neglect, unable to manage tenancy."],
    "school_attendance": ["Attendance has dropped sharply this half term.", "Frequent unexplained absences on Mondays."],
    "behaviour_wellbeing": ["Change in behaviour, withdrawn and tearful in class.", "Low mood, reports not sleeping."],
    "self_harm": ["Presented with superficial cuts to forearm.", "Disclosed self-harm to a friend."],
    "emotional_abuse": ["Child describes being shouted at and belittled at home."],
    "housing_conditions": ["Damp and mould throughout, children sharing one bedroom.", "Severe disrepair reported."],
    "homelessness": ["Family served with section 21 notice, nowhere to go.", "Sofa-surfing with children."],
    "other": ["General concern raised, details unclear.", "Concern about the family's wellbeing."],
}
_PUBLIC = {
    "neglect": ["The kids are always out on the street really late, even the little one.",
                "They never seem to have proper coats and the youngest looks hungry all the time.",
                "I've seen the baby left in the pram outside for ages."],
    "domestic_abuse": ["I hear shouting and banging through the wall most nights.",
                       "He was screaming at her on the doorstep and the children were crying.",
                       "She had a black eye last week and said she \"walked into a door\"."],
    "physical_abuse": ["The boy had bruises on his arms, he said he fell over, but it happens a lot.",
                       "I saw the dad grab him really hard by the arm in the park."],
    "emotional_abuse": ["The mum calls him names, useless, stupid, all the time, in front of everyone."],
    "sexual_abuse": ["She said something to my daughter that really worried me, about a man at the house."],
    "parental_mental_health": ["The mum doesn't seem well at all, she talks to herself and cries.",
                               "Dad hasn't left the house in weeks, the kids are doing everything."],
    "substance_misuse": ["There are people coming and going all hours, and it smells of weed.",
                         "Mum is drunk on the school run, most days."],
    "other": ["I'm not sure if this is anything, but I'm worried about them.",
              "Something isn't right in that house."],
}
_CLOSERS = ["Please can someone check on them.", "I don't want them to know it was me.",
            "I've been worried for a while, sorry if this is nothing.", "Thanks."]


def summaries(rng: np.random.Generator, concern: np.ndarray) -> np.ndarray:
    """One professional sentence per notification, by concern."""
    out = np.empty(len(concern), dtype=object)
    for c in np.unique(concern):
        m = concern == c
        opts = np.array(_SUMMARY.get(c, _SUMMARY["other"]), dtype=object)
        out[m] = opts[rng.integers(0, len(opts), size=int(m.sum()))]
    return out


def public_descriptions(rng: np.random.Generator, concern: np.ndarray) -> np.ndarray:
    """Multi-line text as a member of the public types it (quotes, commas, blank lines)."""
    n = len(concern)
    first = np.empty(n, dtype=object)
    second = np.empty(n, dtype=object)
    for c in np.unique(concern):
        m = concern == c
        opts = np.array(_PUBLIC.get(c, _PUBLIC["other"]), dtype=object)
        first[m] = opts[rng.integers(0, len(opts), size=int(m.sum()))]
        second[m] = opts[rng.integers(0, len(opts), size=int(m.sum()))]
    closer = np.array(_CLOSERS, dtype=object)[rng.integers(0, len(_CLOSERS), size=n)]
    r = rng.random(n)
    two = np.where(second != first, first + "\n" + second, first)
    return np.where(r < 0.25, first, np.where(r < 0.7, two + "\n" + closer, first + "\n\n" + closer))
