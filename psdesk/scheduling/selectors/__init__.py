"""Reads of the scheduling app (a package: queue, staffing, forecast runs); every name is
re-exported here, so callers write `selectors.queue_list(...)`."""

from __future__ import annotations

from psdesk.scheduling.selectors.forecast_runs import (
    DEFAULT_PROBABILITIES,
    ForecastInputs,
    HypotheticalForecast,
    forecast_demand_from_lines,
    forecast_inputs_get,
    heatmap,
    hypothetical_forecast_get,
    latest_run_get,
    latest_run_or_none,
    lead_time_table,
    policy_get,
    register_actual_hours,
    run_samples_forget,
    run_samples_get,
    stage_probabilities_get,
    timeline,
)
from psdesk.scheduling.selectors.queue import (
    EngagementDemand,
    QueueRow,
    engagement_demand_get,
    entry_get,
    queue_list,
    queue_position,
)
from psdesk.scheduling.selectors.staffing import Candidate, allocation_conflicts_list, candidates_rank

__all__ = [
    "DEFAULT_PROBABILITIES",
    "Candidate",
    "EngagementDemand",
    "ForecastInputs",
    "HypotheticalForecast",
    "QueueRow",
    "allocation_conflicts_list",
    "candidates_rank",
    "engagement_demand_get",
    "entry_get",
    "forecast_demand_from_lines",
    "forecast_inputs_get",
    "heatmap",
    "hypothetical_forecast_get",
    "latest_run_get",
    "latest_run_or_none",
    "lead_time_table",
    "policy_get",
    "queue_list",
    "queue_position",
    "register_actual_hours",
    "run_samples_forget",
    "run_samples_get",
    "stage_probabilities_get",
    "timeline",
]
