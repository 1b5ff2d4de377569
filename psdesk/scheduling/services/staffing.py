"""Staffing: time off and allocations of consultants to queued projects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, ValidationFailed
from psdesk.core.types import Actor
from psdesk.projects.services import project_tasks_assign
from psdesk.scheduling.choices import AllocationKind, TimeOffStatus
from psdesk.scheduling.models import Allocation, Consultant, QueueEntry, TimeOff
from psdesk.scheduling.selectors.forecast_runs import policy_get
from psdesk.scheduling.selectors.staffing import allocation_conflicts_list
from psdesk.scheduling.services.recompute import forecast_recompute_request


def time_off_add(
    *, consultant: Consultant, starts_on: date, ends_on: date, reason: str = "", actor: Actor | None = None
) -> TimeOff:
    """Record time off entered by a coordinator, approved at once (audited as
    `scheduling.time_off_added`; the next forecast leaves it out of capacity). A consultant's own
    request goes through `time_off_request` instead. Raises ValidationFailed when it ends before it
    starts."""
    if ends_on < starts_on:
        raise ValidationFailed(
            "Time off cannot end before it starts.", code="time_off_order", details={"field": "ends_on"}
        )
    with transaction.atomic():
        t = TimeOff.objects.create(
            consultant=consultant,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            status=TimeOffStatus.APPROVED,
            requested_by=actor,
            decided_by=actor,
            decided_at=clock.now(),
        )
        audit_record(
            verb="scheduling.time_off_added",
            actor=actor,
            target=consultant,
            after={"starts_on": starts_on, "ends_on": ends_on, "reason": reason},
        )
        forecast_recompute_request()
    return t


def _allocation_validate(
    *, entry: QueueEntry, consultant: Consultant, kind: str, starts_on: date, ends_on: date, weekly_hours: Decimal
) -> None:
    if kind not in AllocationKind.values:
        raise ValidationFailed(f"Unknown allocation kind '{kind}'.")
    if ends_on < starts_on:
        raise ValidationFailed("The allocation ends before it starts.")
    if weekly_hours <= 0:
        raise ValidationFailed("Weekly hours must be above zero.")
    if entry.requires_clearance and not consultant.pubsec_eligible:
        raise ValidationFailed(f"{consultant.name} is not cleared (US citizen with clearance) for this project.")
    if entry.region_list and consultant.region not in entry.region_list:
        raise ValidationFailed(f"{consultant.name} is in {consultant.region}; the project needs {entry.regions}.")


def allocation_create(
    *,
    entry: QueueEntry,
    consultant: Consultant,
    kind: str,
    starts_on: date,
    ends_on: date,
    weekly_hours: Decimal,
    actor: Actor,
    override_reason: str = "",
) -> Allocation:
    """Staff a consultant on a queued project. Hard constraints (clearance for PubSec, region) are
    never overridable (ValidationFailed); conflicts (time off, over-allocation) need
    `override_reason` (Conflict otherwise). Audited as `scheduling.allocated`; hard allocations
    reduce capacity in the next forecast (recomputed after commit) and name the consultant on the
    project's unassigned tasks of their role (`projects.tasks_assigned`)."""
    _allocation_validate(
        entry=entry, consultant=consultant, kind=kind, starts_on=starts_on, ends_on=ends_on, weekly_hours=weekly_hours
    )
    with transaction.atomic():
        Consultant.objects.select_for_update(of=("self",)).get(pk=consultant.pk)
        conflicts = allocation_conflicts_list(
            consultant=consultant, starts_on=starts_on, ends_on=ends_on, weekly_hours=weekly_hours
        )
        if conflicts and not override_reason.strip():
            raise Conflict(
                "This allocation conflicts: " + "; ".join(conflicts) + ". Give a reason to override.",
                code="allocation_conflict",
                details={"conflicts": conflicts},
            )
        a = Allocation.objects.create(
            entry=entry,
            consultant=consultant,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            weekly_hours=weekly_hours,
            override_reason=override_reason.strip() if conflicts else "",
            created_by=actor,
        )
        audit_record(
            verb="scheduling.allocated",
            actor=actor,
            target=entry,
            after={
                "consultant": consultant.pk,
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "weekly_hours": weekly_hours,
                "conflicts": conflicts,
            },
            reason=a.override_reason,
        )
        if kind == AllocationKind.HARD:
            _project_tasks_assign(entry=entry, consultant=consultant, actor=actor)
            forecast_recompute_request()
    return a


def _project_tasks_assign(*, entry: QueueEntry, consultant: Consultant, actor: Actor) -> None:
    """Booking (a hard allocation) names the consultant on the project's unassigned tasks of their
    role — and on the Engagement Manager's tasks when the policy queues those under that role."""
    if entry.opportunity_id is None:
        return
    roles = {consultant.role}
    if policy_get().em_hours_role == consultant.role:
        roles.add("EM")
    project_tasks_assign(opportunity_id=entry.opportunity_id, roles=roles, assignee=consultant.name, actor=actor)
