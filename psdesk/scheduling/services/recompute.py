"""Asking the worker to recompute the forecast after commit (coalesced)."""

from __future__ import annotations

from django.db import transaction
from django_tasks_db.models import DBTaskResult

from psdesk.audit.services import audit_record
from psdesk.core.types import Actor
from psdesk.scheduling import tasks


def forecast_recompute_request() -> None:
    """Recompute the forecast after commit on the "forecast" queue. One pending recompute is
    enough: a burst of queue entries (an import, a busy quarter end) coalesces into one run."""
    transaction.on_commit(_enqueue_unless_pending)


def _enqueue_unless_pending() -> None:
    try:
        pending = DBTaskResult.objects.filter(
            task_path=f"{tasks.forecast_recompute.module_path}", status="READY", queue_name="forecast"
        ).exists()
    except Exception:  # another backend (immediate/dummy in some settings): nothing to coalesce with
        pending = False
    if not pending:
        tasks.forecast_recompute.enqueue()


def forecast_run_enqueue(*, actor: Actor) -> str:
    """A forecast run asked for by a person (API): the id of the run request waiting on the
    "forecast" queue — an existing one when a run is already waiting, else a new one. Audited as
    `scheduling.forecast_run_requested`."""
    with transaction.atomic():
        pending = (
            DBTaskResult.objects.filter(
                task_path=f"{tasks.forecast_recompute.module_path}", status="READY", queue_name="forecast"
            )
            .order_by("enqueued_at")
            .values_list("id", flat=True)
            .first()
        )
        task_id = str(pending) if pending is not None else str(tasks.forecast_recompute.enqueue().id)
        audit_record(verb="scheduling.forecast_run_requested", actor=actor, after={"request": task_id})
    return task_id
