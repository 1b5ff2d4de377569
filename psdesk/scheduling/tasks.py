"""Worker tasks on the "forecast" queue."""

from __future__ import annotations

from django.tasks import task


@task(queue_name="forecast")
def forecast_recompute() -> int:
    """Recompute the whole forecast (samples, results, lead-time table); returns the run id."""
    from psdesk.scheduling.services import demand_from_pipeline, forecast_run

    demand_from_pipeline()
    return forecast_run().pk
