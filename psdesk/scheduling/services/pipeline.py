"""Tentative demand kept in step with the CRM pipeline (stage 5+ opportunities)."""

from __future__ import annotations

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.types import Actor
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.scheduling.choices import PIPELINE_STAGES, DemandKind, QueueStatus
from psdesk.scheduling.models import QueueEntry
from psdesk.scheduling.services.notices import coordinators_notify


def pipeline_demand_reconcile(*, actor: Actor | None = None) -> dict[str, list[int]]:
    """Reconcile tentative demand with the CRM: a tentative entry whose opportunity is now Closed Won
    becomes committed (closed won now, behind every earlier close); one whose opportunity left stage 5+
    otherwise is removed; stage 5+ opportunities without an entry are listed as needing role-hours.
    Returns {"promoted", "removed", "needs_role_hours"} (ids).

    Side effects: audit rows `scheduling.promoted` / `scheduling.removed`, `project.queued` to
    ps-scheduling for each promotion. It does not recompute the forecast: the caller does when
    anything was promoted or removed (the worker runs the forecast right after it)."""
    promoted: list[int] = []
    removed: list[int] = []
    with transaction.atomic():
        for e in (
            QueueEntry.objects.select_for_update(of=("self",))
            .filter(kind=DemandKind.TENTATIVE)
            .exclude(status=QueueStatus.REMOVED)
            .select_related("opportunity")
        ):
            stage = e.opportunity.stage if e.opportunity else None
            if stage == OpportunityStage.CLOSED_WON:
                e.kind, e.closed_won_at, e.version = DemandKind.COMMITTED, clock.now(), e.version + 1
                e.save(update_fields=["kind", "closed_won_at", "version"])
                audit_record(
                    verb="scheduling.promoted", actor=actor, target=e, after={"closed_won_at": e.closed_won_at}
                )
                coordinators_notify(
                    event="project.queued", target=e, actor=actor, context={"kind": "committed", "title": e.title}
                )
                promoted.append(e.pk)
            elif stage not in PIPELINE_STAGES:
                e.status, e.version = QueueStatus.REMOVED, e.version + 1
                e.save(update_fields=["status", "version"])
                audit_record(verb="scheduling.removed", actor=actor, target=e, after={"stage": stage})
                removed.append(e.pk)
            elif e.opportunity is not None and e.expected_close != e.opportunity.close_date:
                e.expected_close = e.opportunity.close_date
                e.save(update_fields=["expected_close"])
        queued = set(QueueEntry.objects.exclude(opportunity=None).values_list("opportunity_id", flat=True))
        needs = list(
            Opportunity.objects.filter(stage__in=PIPELINE_STAGES).exclude(id__in=queued).values_list("id", flat=True)
        )
    return {"promoted": promoted, "removed": removed, "needs_role_hours": needs}
