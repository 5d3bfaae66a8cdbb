"""mash-analytics: addresses, households, family graph, explainable rules, RAG and analyst outputs.

Start with :func:`run_all`; each step is also usable on its own (see the modules).
No scores: every alert is a readable rule with its evidence and link confidence.
"""

from analytics.rag import add_working_hours, load_rag
from analytics.rule_config import load_rules
from analytics.rules import review_alert
from analytics.run import run_all
from analytics.truth import truth_mention_person

__all__ = ["add_working_hours", "load_rag", "load_rules", "review_alert", "run_all", "truth_mention_person"]
