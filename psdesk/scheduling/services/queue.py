"""The delivery queue: entering a project with its role-hours, the effects of a new entry, committing
a start date, and the CRM hook that turns stage moves into queue demand."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import transition_apply
from psdesk.core import clock
from psdesk.core.errors import ValidationFailed
from psdesk.core.types import Actor
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement
from psdesk.projects.selectors import project_name_for
from psdesk.scheduling.choices import PIPELINE_STAGES, ConsultantRole, DemandKind, QueueStatus, ServiceType
from psdesk.scheduling.models import DemandLine, QueueEntry
from psdesk.scheduling.role_hours import LineIn, regions_validate, role_hours_validate
from psdesk.scheduling.selectors.forecast_runs import policy_get
from psdesk.scheduling.selectors.queue import EngagementDemand, engagement_demand_get
from psdesk.scheduling.services.notices import coordinators_notify
from psdesk.scheduling.services.pipeline import pipeline_demand_reconcile
from psdesk.scheduling.services.recompute import forecast_recompute_request
from psdesk.scheduling.workflow import QUEUE_WORKFLOW


def _entry_validate(
    *,
    account: Account | None,
    opportunity: Opportunity | None,
    kind: str,
    closed_won_at: datetime | None,
    service_type: str,
    desired_start: date | None,
    desired_end: date | None,
) -> Account:
    """The account the entry is for, once the entry's own fields hold together."""
    if opportunity is not None:
        account = account or opportunity.account
    if account is None:
        raise ValidationFailed("Name the engagement, opportunity or account the project is for.")
    if kind not in DemandKind.values:
        raise ValidationFailed(f"Unknown kind '{kind}'.")
    if kind == DemandKind.COMMITTED and closed_won_at is None:
        raise ValidationFailed("A committed project needs its closed-won time.", details={"field": "closed_won_at"})
    if kind == DemandKind.TENTATIVE and (opportunity is None or opportunity.stage not in PIPELINE_STAGES):
        raise ValidationFailed("Tentative demand comes only from a stage 5+ opportunity.")
    if service_type not in ServiceType.values:
        raise ValidationFailed(f"Unknown service type '{service_type}'.")
    if desired_start and desired_end and desired_end < desired_start:
        raise ValidationFailed("The desired start window ends before it starts.")
    return account


def queue_enter(
    *,
    role_hours: Sequence[LineIn] | None,
    actor: Actor | None = None,
    engagement: Engagement | None = None,
    opportunity: Opportunity | None = None,
    account: Account | None = None,
    closed_won_at: datetime | None = None,
    kind: str = DemandKind.COMMITTED,
    title: str = "",
    service_type: str = ServiceType.OTHER,
    desired_start: date | None = None,
    desired_end: date | None = None,
    regions: Iterable[str] = (),
    requires_clearance: bool | None = None,
    delivery_mode: str = "remote",
) -> QueueEntry:
    """Put a project in the delivery queue with its role-hours: given here, or (when `role_hours`
    is None and an engagement is named) taken from the customer-agreed estimate version.
    Committed entries need `closed_won_at`; tentative
    ones need a stage 5+ opportunity. PubSec accounts require cleared consultants unless told.
    Side effects: audit row `scheduling.queued`, `project.queued` to ps-scheduling, forecast
    recomputed after commit. Raises ValidationFailed (no role-hours, unknown skill/role/region ...)."""
    if engagement is not None:
        opportunity = opportunity or engagement.opportunity
        account = account or engagement.account
        # what the caller leaves open comes from the agreed estimate and the scheduling intake
        derived = engagement_demand_get(engagement=engagement)
        desired_start = desired_start or derived.desired_start
        desired_end = desired_end or derived.desired_end
        requires_clearance = derived.requires_clearance if requires_clearance is None else requires_clearance
        service_type = derived.service_type if service_type == ServiceType.OTHER else service_type
        if role_hours is None:
            role_hours = derived.lines
            if not derived.lines:
                raise ValidationFailed(
                    "The forecast needs role-hours: the engagement has no customer-agreed estimate, "
                    "so give hours by role.",
                    code="no_role_hours",
                )
    account = _entry_validate(
        account=account,
        opportunity=opportunity,
        kind=kind,
        closed_won_at=closed_won_at,
        service_type=service_type,
        desired_start=desired_start,
        desired_end=desired_end,
    )
    lines = role_hours_validate(lines=role_hours or [], policy=policy_get())
    region_text = regions_validate(regions=regions)
    with transaction.atomic():
        entry = QueueEntry.objects.create(
            title=title or _title_for(account=account, opportunity=opportunity, engagement=engagement),
            account=account,
            opportunity=opportunity,
            engagement=engagement,
            kind=kind,
            service_type=service_type,
            closed_won_at=closed_won_at if kind == DemandKind.COMMITTED else None,
            expected_close=opportunity.close_date if opportunity else None,
            desired_start=desired_start,
            desired_end=desired_end,
            requires_clearance=account.us_public_sector if requires_clearance is None else requires_clearance,
            regions=region_text,
            delivery_mode=delivery_mode,
        )
        DemandLine.objects.bulk_create(_demand_lines(entry, lines))
        queue_entry_after_create(entry=entry, actor=actor)
    return entry


def _title_for(*, account: Account, opportunity: Opportunity | None, engagement: Engagement | None) -> str:
    """The entry's title: the project's name (account, en dash, engagement), else the account's."""
    if opportunity is not None:
        return project_name_for(opportunity=opportunity, engagement=engagement)
    return engagement.title if engagement is not None else account.name


def queue_demand_follow(*, engagement: Engagement, actor: Actor | str | None = None) -> QueueEntry | None:
    """A customer-agreed estimate version: the engagement's queue entry takes its role-hours and
    service type (a stage 5+ or Closed Won opportunity without an entry gets one, tentative or
    committed). Registered with `estimates.services.register_after_agreement` (runs in the
    agreement's transaction). Side effects: the entry's demand lines, audited
    `scheduling.demand_followed` with before/after lines, forecast recomputed after commit.
    Returns the entry, or None when the engagement is not queued and its opportunity is not at
    stage 5+."""
    derived = engagement_demand_get(engagement=engagement)
    if not derived.lines:
        return None
    opp = engagement.opportunity
    with transaction.atomic():
        entry = (
            QueueEntry.objects.select_for_update(of=("self",))
            .filter(engagement=engagement)
            .exclude(status=QueueStatus.REMOVED)
            .first()
        )
        if entry is None and opp is not None:
            won = opp.stage == OpportunityStage.CLOSED_WON
            if not won and opp.stage not in PIPELINE_STAGES:
                return None
            if QueueEntry.objects.filter(opportunity=opp).exclude(status=QueueStatus.REMOVED).exists():
                return None  # the opportunity's demand is queued under another engagement or by hand
            # the customer who agreed is no user: the entry is queued by the system (the agreement names them)
            user = None if isinstance(actor, str) else actor
            return _queue_from_engagement(eng=engagement, opp=opp, won=won, derived=derived, actor=user)
        if entry is None:
            return None
        lines = role_hours_validate(lines=derived.lines, policy=policy_get())
        before = [{"role": ln.role, "hours": ln.hours} for ln in entry.lines.all()]
        entry.lines.all().delete()
        DemandLine.objects.bulk_create(_demand_lines(entry, lines))
        entry.service_type, entry.version = derived.service_type, entry.version + 1
        entry.save(update_fields=["service_type", "version"])
        audit_record(
            verb="scheduling.demand_followed",
            actor=actor,
            target=entry,
            before={"lines": before},
            after={
                "lines": [{"role": ln.role, "hours": Decimal(str(ln.hours))} for ln in lines],
                "service_type": entry.service_type,
                "estimate_version": derived.version_number,
            },
        )
        forecast_recompute_request()
        return entry


def _demand_lines(entry: QueueEntry, lines: Sequence[LineIn]) -> list[DemandLine]:
    return [
        DemandLine(
            entry=entry,
            role=ln.role,
            hours=Decimal(str(ln.hours)),
            weekly_hours=Decimal(str(ln.weekly_hours)),
            skills=ln.skills,
        )
        for ln in lines
    ]


def queue_entry_after_create(*, entry: QueueEntry, actor: Actor | None = None) -> None:
    """Side effects of a new queue entry (also for entries saved in admin): audit row
    `scheduling.queued`, `project.queued` to ps-scheduling, forecast recomputed after commit."""
    lines = [
        {"role": ln.role, "hours": ln.hours, "weekly_hours": ln.weekly_hours, "skills": ln.skills}
        for ln in entry.lines.all()
    ]
    with transaction.atomic():
        audit_record(
            verb="scheduling.queued",
            actor=actor,
            target=entry,
            after={"kind": entry.kind, "closed_won_at": entry.closed_won_at, "lines": lines},
        )
        coordinators_notify(
            event="project.queued", target=entry, actor=actor, context={"kind": entry.kind, "title": entry.title}
        )
        forecast_recompute_request()


def queue_entry_start_commit(
    *,
    entry_id: int,
    start: date | None,
    confirm: bool,
    actor: Actor,
    queryset: Any = None,
    expected_version: int | None = None,
) -> QueueEntry:
    """Commit a queue entry's start date: only for a Closed Won opportunity, by ps-scheduling, with
    explicit confirmation (the guards of QUEUE_WORKFLOW). Audited; refusal raises
    TransitionNotAllowed, a stale `expected_version` Conflict."""
    qs = queryset if queryset is not None else QueueEntry.objects.all()

    def before_save(obj: Any, move: Any, source: str, target: str) -> dict[str, Any]:
        return {"committed_start": start, "committed_by_id": getattr(actor, "pk", None)}

    applied = transition_apply(
        workflow=QUEUE_WORKFLOW,
        queryset=qs,  # no select_related: FOR UPDATE may not reach the nullable side of an outer join
        pk=entry_id,
        action="commit_start",
        actor=actor,
        expected_version=expected_version,
        data={"confirm": confirm, "start": start},
        before_save=before_save,
    )
    entry: QueueEntry = applied.obj
    entry.refresh_from_db()
    return entry


def _pipeline_reconcile_and_recompute(actor: Actor | None) -> None:
    changes = pipeline_demand_reconcile(actor=actor)
    if changes["promoted"] or changes["removed"]:
        forecast_recompute_request()


def queue_after_stage_move(applied: Any, ctx: Any) -> None:
    """The CRM after-stage hook (registered in apps.py; runs in the stage move's transaction, called
    positionally by crm): stage 5+ adds tentative demand when an agreed estimate gives role-hours;
    Closed Won promotes it (or queues the project) and recomputes the forecast; Closed Lost removes
    it. Missing role-hours never block the CRM move: the opportunity is then listed by
    `pipeline_demand_reconcile` as needing role-hours."""
    opp = applied.obj
    entry = QueueEntry.objects.filter(opportunity=opp).exclude(status=QueueStatus.REMOVED).first()
    if applied.target == OpportunityStage.CLOSED_WON and entry is not None and entry.kind == DemandKind.TENTATIVE:
        _pipeline_reconcile_and_recompute(ctx.actor)
        return
    if applied.target not in (*PIPELINE_STAGES, OpportunityStage.CLOSED_WON):
        if entry is not None and entry.kind == DemandKind.TENTATIVE:
            _pipeline_reconcile_and_recompute(ctx.actor)
        return
    if entry is not None:
        return
    eng = opp.engagements.select_related("account").exclude(state=EngagementStatus.CLOSED_LOST).order_by("-id").first()
    if eng is None:
        return
    derived = engagement_demand_get(engagement=eng)
    if not derived.lines:
        return
    _queue_from_engagement(
        eng=eng, opp=opp, won=applied.target == OpportunityStage.CLOSED_WON, derived=derived, actor=ctx.actor
    )


def _queue_from_engagement(
    *, eng: Engagement, opp: Opportunity, won: bool, derived: EngagementDemand, actor: Actor | None
) -> QueueEntry | None:
    """Queue an engagement's agreed demand: committed when the opportunity closed won, else tentative."""
    try:
        with transaction.atomic():
            return queue_enter(
                role_hours=derived.lines,
                actor=actor,
                engagement=eng,
                opportunity=opp,
                kind=DemandKind.COMMITTED if won else DemandKind.TENTATIVE,
                closed_won_at=clock.now() if won else None,
                service_type=derived.service_type,
                desired_start=derived.desired_start,
                desired_end=derived.desired_end,
                requires_clearance=derived.requires_clearance,
                delivery_mode=derived.delivery_mode,
            )
    except ValidationFailed:
        return None  # bad derived data must not block the sale; the coordinator enters it by hand


def queue_demand_change(
    *, engagement: Engagement, role_hours: dict[str, Decimal], source: str, actor: Actor | str | None = None
) -> QueueEntry | None:
    """An executed change order: the engagement's queue entry's remaining demand moves by
    `role_hours` (role → hours delta; the EM's hours count under the policy's `em_hours_role`).
    A role without a line gets one at the policy's weekly hours; a line that drops to 0 h or less
    is removed. Side effects: the lines, audited `scheduling.demand_changed` (before/after, `source`),
    forecast recomputed after commit. Returns the entry, or None when the engagement is not queued."""
    policy = policy_get()
    with transaction.atomic():
        entry = (
            QueueEntry.objects.select_for_update(of=("self",))
            .filter(engagement=engagement)
            .exclude(status=QueueStatus.REMOVED)
            .first()
        )
        if entry is None:
            return None
        lines = list(entry.lines.all())
        before = [{"role": ln.role, "hours": ln.hours} for ln in lines]
        for raw_role, delta in role_hours.items():
            role = policy.em_hours_role if raw_role == "EM" else raw_role
            if role not in ConsultantRole.values or not delta:
                continue
            line = next((ln for ln in lines if ln.role == role), None)
            if line is None:
                if delta > 0:
                    lines.append(
                        DemandLine.objects.create(
                            entry=entry, role=role, hours=delta, weekly_hours=policy.weekly_hours_for(role)
                        )
                    )
                continue
            line.hours += delta
            if line.hours <= 0:
                line.delete()
                lines.remove(line)
            else:
                line.save(update_fields=["hours"])
        QueueEntry.objects.filter(pk=entry.pk).update(version=entry.version + 1)
        audit_record(
            verb="scheduling.demand_changed",
            actor=actor,
            target=entry,
            before={"lines": before},
            after={"lines": [{"role": ln.role, "hours": ln.hours} for ln in lines]},
            reason=source,
        )
        forecast_recompute_request()
        return entry
