"""Writes of the scheduling app (a package: consultants, queue, pipeline, staffing, imports, forecast runs);
every service is re-exported here, so callers write `services.queue_enter(...)`. Reads live in
`psdesk.scheduling.selectors`, role-hours input in `psdesk.scheduling.role_hours`."""

from __future__ import annotations

from psdesk.scheduling.services.consultants import (
    CostRateIn,
    consultant_create,
    consultant_deactivate,
    consultant_update,
    time_off_decide,
    time_off_request,
)
from psdesk.scheduling.services.forecast_runs import KEEP_RUNS, MIN_SAMPLES, forecast_run
from psdesk.scheduling.services.imports import CSV_COLUMNS, consultants_import, queue_import
from psdesk.scheduling.services.notices import coordinators_notify
from psdesk.scheduling.services.pipeline import pipeline_demand_reconcile
from psdesk.scheduling.services.queue import (
    queue_after_stage_move,
    queue_demand_change,
    queue_demand_follow,
    queue_enter,
    queue_entry_after_create,
    queue_entry_start_commit,
)
from psdesk.scheduling.services.recompute import forecast_recompute_request, forecast_run_enqueue
from psdesk.scheduling.services.staffing import allocation_create, time_off_add

__all__ = [
    "CSV_COLUMNS",
    "KEEP_RUNS",
    "MIN_SAMPLES",
    "CostRateIn",
    "allocation_create",
    "consultant_create",
    "consultant_deactivate",
    "consultant_update",
    "consultants_import",
    "coordinators_notify",
    "forecast_recompute_request",
    "forecast_run",
    "forecast_run_enqueue",
    "pipeline_demand_reconcile",
    "queue_after_stage_move",
    "queue_demand_change",
    "queue_demand_follow",
    "queue_enter",
    "queue_entry_after_create",
    "queue_entry_start_commit",
    "queue_import",
    "time_off_add",
    "time_off_decide",
    "time_off_request",
]
