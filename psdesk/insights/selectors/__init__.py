"""Reads of the insights app (a package: dashboard figures, search, audit history); every name is
re-exported here, so callers write `selectors.figure_get(...)`."""

from __future__ import annotations

from psdesk.insights.selectors.dashboard import CHARTS, Figure, Series, dashboard_figures, figure_get, policy_get
from psdesk.insights.selectors.history import (
    HISTORY_KINDS,
    AuditFilters,
    HistoryEntry,
    audit_search,
    audit_verify_status,
    history_for,
)
from psdesk.insights.selectors.search import SEARCH_GROUPS, SearchGroup, SearchHit, search

__all__ = [
    "CHARTS",
    "HISTORY_KINDS",
    "SEARCH_GROUPS",
    "AuditFilters",
    "Figure",
    "HistoryEntry",
    "SearchGroup",
    "SearchHit",
    "Series",
    "audit_search",
    "audit_verify_status",
    "dashboard_figures",
    "figure_get",
    "history_for",
    "policy_get",
    "search",
]
