"""The periodic jobs: key → the task the scheduler enqueues once per period, and its default period.
A `ScheduledJob` row per key (created by the scheduler when missing) holds the period and the
on/off switch that an operator edits in the admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.tasks import Task

from psdesk.ops.tasks import audit_anchor_check_task, board_stale_sweep_task, renders_reask_task
from psdesk.scheduling.tasks import forecast_recompute
from psdesk.sla.tasks import sla_sweep_task


@dataclass(frozen=True)
class Job:
    key: str
    task: Task[Any, Any]
    default_interval_seconds: int
    summary: str


JOBS: dict[str, Job] = {
    j.key: j
    for j in (
        Job("sla-sweep", sla_sweep_task, 300, "mark SLA timers at risk / breached and notify"),
        Job("stale-card-sweep", board_stale_sweep_task, 24 * 3600, "suggest Closed Lost for idle cards"),
        Job("forecast-refresh", forecast_recompute, 6 * 3600, "reconcile CRM demand and recompute the forecast"),
        Job("renders-reask", renders_reask_task, 300, "ask again for document renders whose task was lost"),
        Job("audit-anchor-check", audit_anchor_check_task, 24 * 3600, "verify the audit chain against its anchor"),
    )
}
