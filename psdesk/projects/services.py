"""Delivery project writes: creation from the opportunity, status moves, the set-up checklist,
customer contacts and the Welcome to PS email with its SLA."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied, transition_apply
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.core.types import Actor
from psdesk.core.workflow import Move, MoveContext
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement
from psdesk.estimates.selectors import agreed_version, version_lines
from psdesk.notifications.services import notify, outbox_enqueue
from psdesk.projects.choices import ChecklistKey, ContactRole, ProjectKind, ProjectStatus
from psdesk.projects.models import (
    ChecklistItem,
    ContactRequest,
    Project,
    ProjectContact,
    ProjectTask,
    WelcomeEmail,
)
from psdesk.projects.selectors import email_is_valid, policy_get, project_name_for, welcome_render
from psdesk.projects.workflow import PROJECT_WORKFLOW
from psdesk.sla import services as sla

P = ProjectStatus
STAGE_5_PLUS = (OpportunityStage.NEGOTIATING, OpportunityStage.AWAITING_SIGNATURE)


# ---------------------------------------------------------------- creation from the opportunity


UNNAMED = "Unnamed resource"
PLAN_FOLLOWS = (P.PROSPECT, P.IN_SET_UP)  # the tasks and budget follow a newer agreed estimate until set-up ends


@dataclass
class _Plan:
    budget: Decimal
    currency: str
    kind: str
    rate_card: str
    tasks: list[tuple[str, str, Decimal]]
    engagement: Any
    contacts: list[dict[str, str]]
    version_number: int | None = None


def _engagement_of(opp: Opportunity) -> Engagement | None:
    """The opportunity's engagement: the newest one not closed lost, else the newest."""
    engagements = Engagement.objects.filter(opportunity=opp).order_by("-created_at", "-id")
    return engagements.exclude(state=EngagementStatus.CLOSED_LOST).first() or engagements.first()


def _plan_for(opp: Opportunity, engagement: Engagement | None) -> _Plan:
    """Budget, tasks and contacts from the customer-agreed estimate version (custom work; never from
    an unagreed draft), else the opportunity's amount and no tasks."""
    version = agreed_version(engagement) if engagement is not None else None
    intake = getattr(engagement, "scheduling_intake", None) if engagement is not None else None
    contacts = list(intake.contacts) if intake is not None else []
    if version is not None:
        lines = version_lines(version)
        education = bool(lines) and all("education" in (ln.service_type or "") for ln in lines)
        return _Plan(
            budget=version.price,
            currency=version.currency,
            kind=ProjectKind.TRAINING if education else ProjectKind.CONSULTING,
            rate_card="Fixed fee at list rate" if version.pricing_model == "fixed_fee" else "T&M role rates",
            tasks=[(ln.activity, ln.role, ln.hours) for ln in lines],
            engagement=engagement,
            contacts=contacts,
            version_number=version.number,
        )
    return _Plan(
        budget=opp.amount,
        currency=opp.currency,
        kind=ProjectKind.CONSULTING,
        rate_card="Standard SKU prices" if engagement is None else "",
        tasks=[],
        engagement=engagement,
        contacts=contacts,
    )


_CONTACT_ROLES = {"technical": ContactRole.TECHNICAL_POC, "admin": ContactRole.ADMINISTRATOR}


def project_create(*, opportunity: Opportunity, actor: Actor | None = None) -> Project:
    """Create the delivery project of an opportunity as Prospect.

    Idempotent: returns the existing project. Budget, tasks and contacts come from the agreed estimate
    when there is one; the checklist starts with every item open; the first active scheduler is the
    coordinator. Side effects: audited `projects.created`; the PSA gets the project through the outbox.
    Raises nothing of its own."""
    with transaction.atomic():
        existing = Project.objects.filter(opportunity=opportunity).first()
        if existing is not None:
            return existing
        policy = policy_get()
        engagement = _engagement_of(opportunity)
        plan = _plan_for(opportunity, engagement)
        coordinator = User.objects.filter(groups__name="ps-scheduling", is_active=True).order_by("id").first()
        project = Project.objects.create(
            name=project_name_for(opportunity=opportunity, engagement=engagement),
            account=opportunity.account,
            opportunity=opportunity,
            engagement=plan.engagement,
            kind=plan.kind,
            coordinator=coordinator,
            budget=plan.budget,
            currency=plan.currency,
            target_margin=policy.target_margin,
            rate_card=plan.rate_card,
        )
        ProjectTask.objects.bulk_create(
            ProjectTask(project=project, position=i, name=name[:200], role=role, hours=hours)
            for i, (name, role, hours) in enumerate(plan.tasks, start=1)
        )
        ChecklistItem.objects.bulk_create(ChecklistItem(project=project, key=k) for k in ChecklistKey.values)
        for c in plan.contacts:
            email = str(c.get("email", "")).strip()
            if email and email_is_valid(email):
                ProjectContact.objects.get_or_create(
                    project=project,
                    email=email.lower(),
                    defaults={
                        "name": str(c.get("name", ""))[:150] or email,
                        "role": _CONTACT_ROLES.get(str(c.get("role", "")), ContactRole.STAKEHOLDER),
                    },
                )
        audit_record(
            verb="projects.created",
            actor=actor,
            target=project,
            after={
                "status": project.status,
                "budget": project.budget,
                "kind": project.kind,
                "estimate_version": plan.version_number,
            },
        )
        outbox_enqueue(
            target="psa",
            operation="project_create",
            destination=_psa_ref(project),
            event="project.created",
            payload={"ref": _psa_ref(project), "name": project.name, "account": project.account.name},
            source=project,
            pubsec=project.account.us_public_sector,
            idempotency_key=_psa_ref(project),
        )
        return project


def _psa_ref(project: Project) -> str:
    """Our reference for the project in the PSA (Kantata stores it as the workspace's external
    reference, and finds the workspace by it for status changes)."""
    return f"psdesk:project:{project.pk}"


def project_book(*, opportunity: Opportunity, actor: Actor | None = None) -> Project:
    """Closed Won: the project (created now if the opportunity skipped stage 5, as standard SKU
    orders do) moves to In Set Up.

    Only a Prospect project is booked (a booked one is returned unchanged). Side effects: the `book`
    move (audited, mirrored to the PSA), `booked_at` set, the welcome-email SLA timer started at the
    booking time, notifies `opportunity.closed_won`."""
    with transaction.atomic():
        project = project_create(opportunity=opportunity, actor=actor)
        if project.status != P.PROSPECT:
            return project
        now = clock.now()
        project_transition(project_id=project.pk, action="book", actor=actor, system=True)
        Project.objects.filter(pk=project.pk).update(booked_at=now)
        project.refresh_from_db()
        sla.timer_start(
            policy_key=policy_get().welcome_policy_key, target=project, started_at=now, calendar=project.calendar
        )
        notify(
            event="opportunity.closed_won",
            target=project,
            actor=actor,
            account=project.account,
            context={"amount": f"{project.currency} {project.budget:,.2f}"},
        )
        return project


def on_stage_move(applied: Applied, ctx: MoveContext) -> None:
    """CRM after-stage hook: stage 5+ creates the Prospect project; Closed Won books it; Closed Lost
    cancels an open one."""
    opp = applied.obj
    if applied.target in STAGE_5_PLUS:
        project_create(opportunity=opp, actor=ctx.actor)
    elif applied.target == OpportunityStage.CLOSED_WON:
        project_book(opportunity=opp, actor=ctx.actor)
    elif applied.target == OpportunityStage.CLOSED_LOST:
        project = Project.objects.filter(opportunity=opp).first()
        if project is not None and project.status in PROJECT_WORKFLOW.move("cancel").sources:
            project_transition(
                project_id=project.pk, action="cancel", actor=ctx.actor, reason="Opportunity closed lost", system=True
            )


def project_plan_follow(*, engagement: Engagement, actor: Actor | str | None = None) -> Project | None:
    """A newer customer-agreed estimate version: the engagement's project (while Prospect or In Set
    Up) takes its tasks, budget, kind and rate card. A task of the same name and role keeps its
    assignee. Registered with `estimates.services.register_after_agreement` (runs in the
    agreement's transaction). Side effects: audited `projects.plan_followed` (before/after hours,
    budget and version). Returns the project, or None when there is none or set-up is over."""
    with transaction.atomic():
        project = (
            Project.objects.select_for_update(of=("self",))
            .select_related("opportunity", "opportunity__account")
            .filter(opportunity_id=engagement.opportunity_id)
            .first()
            if engagement.opportunity_id
            else None
        )
        if project is None or project.status not in PLAN_FOLLOWS:
            return None
        plan = _plan_for(project.opportunity, engagement)
        if plan.version_number is None:
            return None
        old = list(project.tasks.all())
        assignees = {(t.name, t.role): t.assignee_label for t in old}
        before = {"hours": sum((t.hours for t in old), Decimal("0")), "budget": project.budget}
        project.tasks.all().delete()
        ProjectTask.objects.bulk_create(
            ProjectTask(
                project=project,
                position=i,
                name=name[:200],
                role=role,
                hours=hours,
                assignee_label=assignees.get((name[:200], role), UNNAMED),
            )
            for i, (name, role, hours) in enumerate(plan.tasks, start=1)
        )
        Project.objects.filter(pk=project.pk).update(
            engagement=engagement,
            budget=plan.budget,
            currency=plan.currency,
            kind=plan.kind,
            rate_card=plan.rate_card,
            version=project.version + 1,
        )
        project.refresh_from_db()
        audit_record(
            verb="projects.plan_followed",
            actor=actor,
            target=project,
            before=before,
            after={
                "hours": sum((h for _, _, h in plan.tasks), Decimal("0")),
                "budget": plan.budget,
                "estimate_version": plan.version_number,
            },
        )
        return project


def project_tasks_assign(
    *, opportunity_id: int, roles: set[str], assignee: str, actor: Actor | None = None
) -> list[ProjectTask]:
    """Booking a consultant: the opportunity's project tasks of `roles` still on "Unnamed resource"
    are assigned to `assignee` (tasks already assigned keep theirs). Side effects: audited
    `projects.tasks_assigned` when any task changed. Returns the tasks assigned."""
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).filter(opportunity_id=opportunity_id).first()
        if project is None:
            return []
        tasks = list(project.tasks.filter(role__in=roles, assignee_label=UNNAMED))
        if not tasks:
            return []
        ProjectTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee_label=assignee[:100])
        audit_record(
            verb="projects.tasks_assigned",
            actor=actor,
            target=project,
            after={"assignee": assignee, "tasks": [t.name for t in tasks]},
        )
        for t in tasks:
            t.assignee_label = assignee[:100]
        return tasks


# ---------------------------------------------------------------- status moves


def _before_save(project: Any, move: Move, source: str, target: str) -> dict[str, Any]:
    if target in (P.ON_HOLD, P.BACKLOG):
        return {"status_before_pause": source}
    if source in (P.ON_HOLD, P.BACKLOG):
        return {"status_before_pause": ""}
    return {}


def _after_move(applied: Applied, ctx: MoveContext) -> None:
    project = applied.obj
    # Mirror the status in the PSA (after commit, in order per project, from the outbox).
    outbox_enqueue(
        target="psa",
        operation="project_status_set",
        destination=_psa_ref(project),
        event="project.status_changed",
        payload={"project_id": _psa_ref(project), "status": applied.target},
        source=project,
        pubsec=project.account.us_public_sector,
        idempotency_key=f"{_psa_ref(project)}:v{project.version}",
    )
    if applied.target in (P.ON_HOLD, P.BACKLOG):
        sla.timer_pause(target=project, at=clock.now())
    elif applied.source in (P.ON_HOLD, P.BACKLOG) and applied.target != P.CANCELLED:
        sla.timer_resume(target=project, at=clock.now())
    elif applied.target == P.CANCELLED:
        sla.timers_cancel(target=project, at=clock.now())


def project_transition(
    *,
    project_id: int,
    action: str,
    actor: Actor | None,
    reason: str = "",
    expected_version: int | None = None,
    system: bool = False,
) -> Applied:
    """Apply one `PROJECT_WORKFLOW` move to a project's status.

    `system=True` (CRM hooks) sees every project and may use system-only moves. Side effects: audited
    `projects.<action>`; the PSA mirrors the status through the outbox; the welcome SLA timer pauses on
    On Hold/Backlog, resumes after, and is cancelled with the project. Raises BadRequest, NotFound,
    Conflict (stale `expected_version`), TransitionNotAllowed (guard or permission)."""
    qs = Project.objects.all() if system else Project.objects.visible_to(actor)
    return transition_apply(
        workflow=PROJECT_WORKFLOW,
        queryset=qs.prefetch_related("checklist"),
        pk=project_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        system=system,
        before_save=_before_save,
        after=[_after_move],
    )


# ---------------------------------------------------------------- checklist and contacts


def _locked(project_id: int, actor: Actor) -> Project:
    project = Project.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"project {project_id} not found")
    return project


def checklist_set(*, project_id: int, key: str, done: bool, actor: Actor, note: str = "") -> ChecklistItem:
    """Tick or untick one set-up checklist item while the project is Prospect or In Set Up.

    Side effects: the item's done/by/at fields, audited `projects.checklist_set` with before/after.
    Raises ValidationFailed (unknown key), NotFound, Conflict (the checklist is closed)."""
    if key not in ChecklistKey.values:
        raise ValidationFailed(f"Unknown checklist item '{key}'.", details={"field": "key"})
    with transaction.atomic():
        project = _locked(project_id, actor)
        if project.status not in (P.PROSPECT, P.IN_SET_UP):
            raise Conflict(f"The set-up checklist is closed once the project is {project.get_status_display()}.")
        item = ChecklistItem.objects.get(project=project, key=key)
        before = item.done
        item.done, item.note = done, note[:500]
        item.done_by, item.done_at = (actor, clock.now()) if done else (None, None)
        item.save()
        audit_record(
            verb="projects.checklist_set",
            actor=actor,
            target=project,
            before={key: before},
            after={key: done},
            reason=note,
        )
        return item


def contact_add(*, project_id: int, name: str, email: str, role: str, actor: Actor) -> ProjectContact:
    """Add a customer contact (one per email address) and resolve any open contact request.

    Side effects: audited `projects.contact_added`. Raises ValidationFailed (bad email, role or name),
    NotFound, Conflict (the email is already a contact)."""
    email = email.strip().lower()
    if not email_is_valid(email):
        raise ValidationFailed(f"'{email}' is not a valid email address.", details={"field": "email"})
    if role not in ContactRole.values:
        raise ValidationFailed(f"Unknown contact role '{role}'.", details={"field": "role"})
    if not name.strip():
        raise ValidationFailed("A contact needs a name.", details={"field": "name"})
    with transaction.atomic():
        project = _locked(project_id, actor)
        if ProjectContact.objects.filter(project=project, email=email).exists():
            raise Conflict(f"{email} is already a contact of this project.")
        contact = ProjectContact.objects.create(project=project, name=name.strip()[:150], email=email, role=role)
        ContactRequest.objects.filter(project=project, resolved_at__isnull=True).update(resolved_at=clock.now())
        audit_record(verb="projects.contact_added", actor=actor, target=project, after={"email": email, "role": role})
        return contact


def contacts_request(*, project_id: int, actor: Actor) -> ContactRequest:
    """Ask the account team for the missing customer contacts; the request stays open until a contact
    is added.

    Idempotent while a request is open (returns it). Side effects: notifies the account team and the
    opportunity owner `project.contacts_requested`, audited `projects.contacts_requested`. Raises
    NotFound."""
    with transaction.atomic():
        project = _locked(project_id, actor)
        open_request = ContactRequest.objects.filter(project=project, resolved_at__isnull=True).first()
        if open_request is not None:
            return open_request
        req = ContactRequest.objects.create(project=project, requested_by=actor)
        team = list(project.opportunity.account_team.all()) if hasattr(project.opportunity, "account_team") else []
        if project.opportunity.owner is not None:
            team.append(project.opportunity.owner)
        notify(
            event="project.contacts_requested",
            target=project,
            actor=actor,
            recipients=team,
            account=project.account,
        )
        audit_record(verb="projects.contacts_requested", actor=actor, target=project)
        return req


# ---------------------------------------------------------------- the welcome email


def welcome_send(*, project_id: int, actor: Actor, resend_reason: str = "") -> WelcomeEmail:
    """Send the Welcome to PS (or Education Services) email through the outbox, once.

    A second send is refused unless `resend_reason` is given. Stops the welcome SLA timer
    (met/breached is recorded on the timer with the send time). The outbox key is stable per send,
    so a retried delivery never produces a second email. Side effects: a WelcomeEmail row, the outbox
    message, `welcome_sent_at` on the first send, audited `projects.welcome_sent`/`welcome_resent`.
    Raises NotFound, PermissionDenied (not a coordinator), TransitionNotAllowed (not booked), Conflict
    (a resend without a reason), ValidationFailed (no or invalid contacts)."""
    with transaction.atomic():
        project = _locked(project_id, actor)
        if not actor.has_perm("projects.manage_project"):
            raise PermissionDenied("Only project coordinators send the welcome email.")
        if project.status not in (P.IN_SET_UP, P.OKAY_TO_START, P.ACTIVE):
            raise TransitionNotAllowed(
                f"The welcome email goes out after booking; this project is {project.get_status_display()}."
            )
        sent_before = project.welcome_emails.count()
        if sent_before and not resend_reason.strip():
            raise Conflict("The welcome email was already sent; give a reason to resend it.", code="already_sent")
        draft = welcome_render(project=project)
        now = clock.now()
        msg = outbox_enqueue(
            target="email",
            operation="send",
            destination=",".join(draft.to),
            event="project.welcome",
            payload={"to": draft.to, "cc": draft.cc, "subject": draft.subject, "body": draft.body, "html": draft.html},
            source=project,
            pubsec=project.account.us_public_sector,
            idempotency_key=f"welcome:{project.pk}:{sent_before + 1}",
        )
        email = WelcomeEmail.objects.create(
            project=project,
            sent_at=now,
            sent_by=actor,
            to=draft.to,
            cc=draft.cc,
            subject=draft.subject,
            body=draft.body,
            outbox_message_id=msg.pk,
            resend_reason=resend_reason.strip(),
        )
        if project.welcome_sent_at is None:
            Project.objects.filter(pk=project.pk).update(welcome_sent_at=now)
            sla.timer_stop(policy_key=policy_get().welcome_policy_key, target=project, stopped_at=now)
        audit_record(
            verb="projects.welcome_sent" if not sent_before else "projects.welcome_resent",
            actor=actor,
            target=project,
            after={"to": draft.to, "cc": draft.cc, "outbox": msg.pk},
            reason=resend_reason,
        )
        return email


def project_scope_change(
    *,
    project_id: int,
    budget_delta: Decimal,
    tasks: list[tuple[str, str, Decimal]],
    source: str,
    actor: Actor | str | None = None,
) -> Project:
    """An executed change order: the project's budget moves by `budget_delta` and each (name, role,
    hours delta) changes the hours of the task of that name and role (a new task on "Unnamed
    resource" for added work; a task never goes below 0 h).

    Side effects: the tasks and budget, `version` + 1, audited `projects.scope_changed` with
    before/after and `source` (e.g. the change order's code). Raises NotFound."""
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).filter(pk=project_id).first()
        if project is None:
            raise NotFound(f"project {project_id} not found")
        existing = {(t.name, t.role): t for t in project.tasks.all()}
        before = {"budget": project.budget, "hours": sum((t.hours for t in existing.values()), Decimal("0"))}
        position = max((t.position for t in existing.values()), default=0)
        for name, role, delta in tasks:
            task = existing.get((name[:200], role))
            if task is not None:
                task.hours = max(task.hours + delta, Decimal("0"))
                task.save(update_fields=["hours"])
            elif delta > 0:
                position += 1
                existing[(name[:200], role)] = ProjectTask.objects.create(
                    project=project, position=position, name=name[:200], role=role, hours=delta, assignee_label=UNNAMED
                )
        budget = project.budget + budget_delta
        Project.objects.filter(pk=project.pk).update(budget=budget, version=project.version + 1)
        project.refresh_from_db()
        audit_record(
            verb="projects.scope_changed",
            actor=actor,
            target=project,
            before=before,
            after={"budget": budget, "hours": sum((t.hours for t in project.tasks.all()), Decimal("0"))},
            reason=source,
        )
        return project


def project_tasks_open(
    *, project_id: int, tasks: list[tuple[str, str]], source: str, actor: Actor | str | None = None
) -> list[ProjectTask]:
    """Open the (name, role) tasks on a project with 0 h of budget where none exists (work at risk on
    a change order not executed yet: time can be logged, its budget comes with the execution).
    Returns the tasks, existing or new. Side effects: audited `projects.tasks_opened` when a task
    is created, with `source` (e.g. the change order's code). Raises NotFound."""
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).filter(pk=project_id).first()
        if project is None:
            raise NotFound(f"project {project_id} not found")
        existing = {(t.name, t.role): t for t in project.tasks.all()}
        position = max((t.position for t in existing.values()), default=0)
        out, created = [], []
        for name, role in tasks:
            task = existing.get((name[:200], role))
            if task is None:
                position += 1
                task = ProjectTask.objects.create(
                    project=project,
                    position=position,
                    name=name[:200],
                    role=role,
                    hours=Decimal("0"),
                    assignee_label=UNNAMED,
                )
                existing[(task.name, role)] = task
                created.append(task.name)
            out.append(task)
        if created:
            audit_record(
                verb="projects.tasks_opened", actor=actor, target=project, after={"tasks": created}, reason=source
            )
        return out
