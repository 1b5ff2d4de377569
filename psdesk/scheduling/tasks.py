"""Worker tasks on the "forecast" queue. They import downward: the services that request a
recompute import this module, never the other way round."""

from __future__ import annotations

from django.tasks import task

from psdesk.scheduling.services.forecast_runs import forecast_run
from psdesk.scheduling.services.pipeline import pipeline_demand_reconcile


@task(queue_name="forecast")
def forecast_recompute() -> int:
    """Reconcile tentative demand with the CRM, then recompute the whole forecast (samples, results,
    lead-time table); returns the run id."""
    pipeline_demand_reconcile()
    return forecast_run().pk
