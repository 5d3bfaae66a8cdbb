"""The commissioner report: front-door figures for a period, disclosure-controlled, in one HTML file.

>>> from analytics.commissioner import build_report  # doctest: +SKIP
>>> build_report(con, "var/outputs", policy="dfe").path  # doctest: +SKIP

Modules: ``period`` (which dates), ``figures`` (count cubes from the warehouse), ``protect``
(disclosure control across all tables), ``charts`` and ``render`` (the page), ``methodology``
(the words), ``report`` (putting it together). Only aggregates leave ``figures``; only
published (protected) counts reach ``charts`` and ``render``.
"""

from analytics.commissioner.period import Period, default_period, resolve_period
from analytics.commissioner.report import build_report, headline, output_path, report_data

__all__ = ["Period", "build_report", "default_period", "headline", "output_path", "report_data", "resolve_period"]
