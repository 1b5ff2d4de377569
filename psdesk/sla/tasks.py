"""Background work of the SLA app (the worker runs the sweep periodically on the "sla" queue)."""

from __future__ import annotations

from django.tasks import task

from psdesk.sla.services import sla_sweep


@task(queue_name="sla")
def sla_sweep_task() -> dict[str, int]:
    """Idempotent: marks at-risk and breached timers and notifies once per change."""
    result = sla_sweep()
    return {"at_risk": result.at_risk, "breached": result.breached, "notified": result.notified}
