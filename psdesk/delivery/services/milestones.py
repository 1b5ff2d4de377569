"""Milestones: created from the executed SOW, marked complete by the project manager (completion
notice to the customer's signer with a signed, single-use link), accepted by the customer through
that link or passively when the acceptance period (an SLA timer on the customer's calendar) runs
out, or sent back with a non-conformity. Acceptance bills the milestone's fee exactly once."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import AfterHook, Applied, transition_apply
from psdesk.core import clock
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Account
from psdesk.delivery.choices import AcceptanceKind, MilestoneSource, MilestoneStatus
from psdesk.delivery.links import acceptance_link_path
from psdesk.delivery.models import AcceptanceLink, Milestone, MilestoneActivity, NonConformity
from psdesk.delivery.selectors import acceptance_link_resolve, policy_get
from psdesk.delivery.services.billing import billable_event_create
from psdesk.delivery.workflow import MILESTONE_WORKFLOW
from psdesk.notifications.emails import email_render
from psdesk.notifications.links import site_url
from psdesk.notifications.services import notify, outbox_enqueue
from psdesk.projects.models import Project, ProjectContact
from psdesk.sla import services as sla
from psdesk.sla.models import Calendar, SlaTimer
from psdesk.sows.choices import SowStatus
from psdesk.sows.models import Sow
from psdesk.sows.selectors import customer_signer_get
from psdesk.sows.selectors import policy_get as sow_policy_get

M = MilestoneStatus


# --- creation from the executed SOW --------------------------------------------------------------


def milestones_create_from_sow(*, project: Project, actor: Actor | str | None = None) -> list[Milestone]:
    """The project's milestones from its engagement's executed SOW: one per SOW milestone, with its
    activities (role from the estimate line), hours and fee.

    Idempotent: a project that has SOW milestones keeps them. Returns [] when the project has no
    executed SOW (standard-SKU orders). Side effects: the rows, audited `delivery.milestones_created`."""
    with transaction.atomic():
        locked = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
        if Milestone.objects.filter(project=locked, source=MilestoneSource.SOW).exists():
            return list(Milestone.objects.filter(project=locked).order_by("position"))
        sow = (
            Sow.objects.select_related("current__estimate_version")
            .filter(engagement_id=locked.engagement_id, status=SowStatus.EXECUTED)
            .first()
            if locked.engagement_id
            else None
        )
        if sow is None or sow.current is None:
            return []
        version = sow.current
        lines = list(version.estimate_version.lines.order_by("position"))
        created: list[Milestone] = []
        for n, ms in enumerate(version.content.get("milestones", []), start=1):
            m = Milestone.objects.create(
                project=locked,
                position=n,
                name=str(ms["name"])[:200],
                source=MilestoneSource.SOW,
                sow_version=version,
                hours=Decimal(str(ms["hours"])),
                fee=Decimal(str(ms["amount"])),
                currency=version.currency,
            )
            MilestoneActivity.objects.bulk_create(
                MilestoneActivity(
                    milestone=m,
                    position=i,
                    activity=str(a["activity"])[:200],
                    description=str(a.get("description", "")),
                    role=lines[idx].role if idx < len(lines) else "",
                    hours=Decimal(str(a["hours"])),
                    fee=Decimal(str(a["amount"])),
                )
                for i, (idx, a) in enumerate(zip(ms.get("lines", []), ms["activities"], strict=False), start=1)
            )
            created.append(m)
        audit_record(
            verb="delivery.milestones_created",
            actor=actor,
            target=locked,
            after={
                "sow_version": f"{sow.number} v{version.number}",
                "milestones": [{"name": m.name, "hours": m.hours, "fee": m.fee} for m in created],
            },
        )
        return created


def on_stage_move(applied: Applied, ctx: MoveContext) -> None:
    """CRM after-stage hook: at Closed Won (after the project is booked) the project takes its
    milestones from the executed SOW."""
    if applied.target != OpportunityStage.CLOSED_WON:
        return
    project = Project.objects.filter(opportunity=applied.obj).first()
    if project is not None:
        milestones_create_from_sow(project=project, actor=ctx.actor)


# --- the move service ----------------------------------------------------------------------------


def milestone_transition(
    *,
    milestone_id: int,
    action: str,
    actor: Actor | None,
    reason: str = "",
    expected_version: int | None = None,
    system: bool = False,
    before_save: Callable[[Any, Any, str, str], dict[str, Any]] | None = None,
    after: Iterable[AfterHook] = (),
) -> Applied:
    """Apply one `MILESTONE_WORKFLOW` move. `system=True` (the customer's link, the sweep) sees every
    milestone and may make system-only moves. Audited `delivery.<action>`. Raises BadRequest,
    NotFound, Conflict (stale `expected_version`), PermissionDenied, TransitionNotAllowed."""
    qs = Milestone.objects.all() if system else Milestone.objects.visible_to(actor)
    return transition_apply(
        workflow=MILESTONE_WORKFLOW,
        queryset=qs.select_related("project", "project__account", "project__engagement__em"),
        pk=milestone_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        system=system,
        before_save=before_save,
        after=after,
    )


# --- helpers -------------------------------------------------------------------------------------


def customer_calendar(account: Account) -> Calendar:
    """The customer's business calendar: public holidays of the account's country/subdivision in its
    timezone (one calendar per country/subdivision/timezone, created on first use)."""
    key = "-".join(p for p in ("customer", account.country, account.subdivision) if p).lower()
    tz_key = f"{key}-{account.timezone.replace('/', '-')}".lower()[:50]
    cal = Calendar.objects.filter(key=tz_key).first()
    if cal is not None:
        return cal
    return sla.calendar_create(
        key=tz_key,
        name=f"Customer calendar {account.country}{'-' + account.subdivision if account.subdivision else ''}"
        f" ({account.timezone})",
        country=account.country,
        subdivision=account.subdivision,
        timezone=account.timezone,
    )


def signer_for(project: Project) -> tuple[str, str]:
    """(name, email) of the customer's signer: the SOW's signer from the scheduling intake, else the
    project's first customer contact; ("", "") when none is known."""
    sow = Sow.objects.select_related("engagement").filter(engagement_id=project.engagement_id).first()
    if sow is not None:
        name, email = customer_signer_get(sow=sow)
        if email:
            return name, email.strip().lower()
    contact = ProjectContact.objects.filter(project=project).order_by("id").first()
    return (contact.name, contact.email) if contact is not None else ("", "")


def _ps_ops() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name="ps_ops_manager").order_by("id"))


def _audience(project: Project) -> list[Any]:
    """The EM, the project's coordinator and PS Ops (PubSec routing drops non-members)."""
    em = project.engagement.em if project.engagement is not None else None
    return [u for u in (em, project.coordinator, *_ps_ops()) if u is not None]


def _local(at: datetime, tz: str) -> str:
    """`at` as the customer reads it: their timezone, named."""
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return f"{at.astimezone(zone):%A %d %B %Y, %H:%M} ({zone.key})"


def _timer_stop(milestone: Milestone, at: datetime) -> None:
    sla.timer_stop(policy_key=policy_get().acceptance_policy_key, target=milestone, stopped_at=at)


def _notify(event: str, milestone: Milestone, actor: Actor | None, context: dict[str, Any]) -> None:
    project = milestone.project
    notify(
        event=event,
        target=milestone,
        actor=actor,
        recipients=_audience(project),
        account=project.account,
        owners=False,
        context={"project": project.name, "milestone": str(milestone), **context},
    )


# --- completion ----------------------------------------------------------------------------------


def milestone_complete(
    *, milestone_id: int, actor: Actor, note: str = "", expected_version: int | None = None
) -> Milestone:
    """The project manager marks a milestone complete: the completion notice goes to the customer's
    signer with a signed link (expiring after the policy's days, single-use) to accept or report a
    non-conformity, and the acceptance period starts (the SLA policy's business days on the
    customer's calendar; when it runs out the sweep accepts passively).

    Side effects: the `complete` move (audited), `completed_at/by`, an AcceptanceLink (earlier links
    of the milestone are revoked), the email through the outbox, the SLA timer, notifies
    `milestone.completed` to the EM, the coordinator and PS Ops. Raises NotFound, PermissionDenied,
    TransitionNotAllowed (not in progress, project not Active), ValidationFailed (no customer signer
    known), Conflict (stale version)."""
    with transaction.atomic():
        row = Milestone.objects.visible_to(actor).select_related("project").filter(pk=milestone_id).first()
        if row is None:
            raise NotFound(f"milestone {milestone_id} not found")
        signer_name, signer_email = signer_for(row.project)
        try:
            validate_email(signer_email)
        except ValidationError:
            raise ValidationFailed(
                "No customer signer is known for this project: add a customer contact first.",
                details={"field": "signer"},
            ) from None
        now = clock.now()
        policy = policy_get()

        def stamp(obj: Any, move: Any, source: str, target: str) -> dict[str, Any]:
            return {
                "completed_at": now,
                "completed_by_id": actor.pk,
                "completion_note": note[:5000],
                "notice_to": signer_email,
            }

        def notice(applied: Applied, ctx: MoveContext) -> None:
            m: Milestone = applied.obj
            project = m.project
            AcceptanceLink.objects.filter(milestone=m, used_at__isnull=True, revoked_at__isnull=True).update(
                revoked_at=now
            )
            link = AcceptanceLink.objects.create(
                milestone=m,
                nonce=secrets.token_hex(16),
                sent_to=signer_email,
                created_at=now,
                expires_at=now + timedelta(days=policy.acceptance_link_days),
            )
            timer = sla.timer_start(
                policy_key=policy.acceptance_policy_key,
                target=m,
                started_at=now,
                calendar=customer_calendar(project.account),
            )
            vendor = sow_policy_get().vendor_name
            em = project.engagement.em if project.engagement is not None else None
            rendered = email_render(
                name="milestone_completed",
                subject=f"Milestone complete: {m.name} ({project.name}) — please review",
                context={
                    "brand": vendor,
                    "vendor": vendor,
                    "signer_name": signer_name,
                    "project": project.name,
                    "milestone": m,
                    "activities": list(m.activities.all()),
                    "note": note,
                    "link": site_url(acceptance_link_path(link.pk, link.nonce)),
                    "accept_by": _local(timer.due_at, project.account.timezone) if timer is not None else "",
                    "business_days": timer.policy.duration.normalize() if timer is not None else None,
                    "em_name": (em.get_full_name() or em.get_username()) if em is not None else "",
                },
            )
            msg = outbox_enqueue(
                target="email",
                operation="send",
                destination=signer_email,
                event="milestone.completion_notice",
                payload={
                    "to": [signer_email],
                    "cc": [em.email] if em is not None and em.email else [],
                    **rendered.payload(),
                },
                source=m,
                pubsec=project.account.us_public_sector,
                idempotency_key=f"milestone:{m.pk}:notice:{link.pk}",
            )
            audit_record(
                verb="delivery.completion_notice_sent",
                actor=actor,
                target=m,
                after={
                    "to": signer_email,
                    "outbox": msg.pk,
                    "link_expires_at": link.expires_at,
                    "accept_by": timer.due_at if timer is not None else None,
                },
            )
            _notify("milestone.completed", m, actor, {"signer": signer_email})

        applied = milestone_transition(
            milestone_id=milestone_id,
            action="complete",
            actor=actor,
            reason=note,
            expected_version=expected_version,
            before_save=stamp,
            after=[notice],
        )
        milestone: Milestone = applied.obj
        return milestone


# --- acceptance ----------------------------------------------------------------------------------


def _accepted_effects(kind: str, by: str, at: datetime) -> Callable[[Applied, MoveContext], None]:
    def effects(applied: Applied, ctx: MoveContext) -> None:
        m: Milestone = applied.obj
        _timer_stop(m, at)
        event = billable_event_create(milestone=m, acceptance=kind, actor=by)
        audit_record(
            verb="delivery.milestone_accepted",
            actor=by,
            target=m,
            after={"acceptance": kind, "billable_event": event.ref, "fee": m.fee, "currency": m.currency},
        )
        _notify(
            "milestone.accepted",
            m,
            None,
            {"acceptance": AcceptanceKind(kind).label, "by": by, "amount": f"{m.currency} {m.fee:,.2f}"},
        )

    return effects


def _customer_label(name: str, email: str) -> str:
    return f"{name} <{email}>" if email else name


def _link_use(link: AcceptanceLink, at: datetime) -> None:
    """Spend the single-use link (compare-and-set); a second use of the same link is refused."""
    if AcceptanceLink.objects.filter(pk=link.pk, used_at__isnull=True, revoked_at__isnull=True).update(used_at=at) != 1:
        raise NotFound("This link is not valid.")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ValidationFailed("Give your name (at most 200 characters).", details={"field": "name"})
    return name


def milestone_accept_by_link(*, token: str, name: str) -> Milestone:
    """The customer accepts a completed milestone through the emailed link (no login: the signed,
    single-use link is the credential).

    Side effects: the `accept` move (audited), `acceptance=explicit`, the link spent, the acceptance
    timer stopped (met), the billable event (once), audited `delivery.milestone_accepted` naming the
    customer, notifies `milestone.accepted`. Raises NotFound (forged, expired, used or revoked link,
    or the milestone is no longer awaiting acceptance), ValidationFailed (no name)."""
    name = _clean_name(name)
    with transaction.atomic():
        link = acceptance_link_resolve(token)
        now = clock.now()
        by = _customer_label(name, link.sent_to)
        if link.milestone.status != M.AWAITING_ACCEPTANCE:
            raise NotFound("This link is not valid.")
        _link_use(link, now)
        applied = milestone_transition(
            milestone_id=link.milestone_id,
            action="accept",
            actor=None,
            reason=f"accepted by {by} through the completion notice link",
            system=True,
            before_save=lambda *a: {"acceptance": AcceptanceKind.EXPLICIT, "accepted_at": now, "accepted_by": by},
            after=[_accepted_effects(AcceptanceKind.EXPLICIT, by, now)],
        )
        milestone: Milestone = applied.obj
        return milestone


def milestone_nonconformity_report(*, token: str, name: str, reason: str) -> NonConformity:
    """The customer reports a material non-conformity through the emailed link (reason required):
    the milestone goes back to In progress and the acceptance period stops; the project manager
    completes it again when fixed (a new notice, a new period).

    Side effects: the `report_nonconformity` move (audited with the reason), a NonConformity row, the
    link spent, the timer stopped, notifies `milestone.nonconformity`. Raises NotFound (link not
    valid), ValidationFailed (no name or reason)."""
    name = _clean_name(name)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Describe the non-conformity.", details={"field": "reason"})
    if len(reason) > 5000:
        raise ValidationFailed("The description is longer than 5,000 characters.", details={"field": "reason"})
    with transaction.atomic():
        link = acceptance_link_resolve(token)
        now = clock.now()
        by = _customer_label(name, link.sent_to)
        if link.milestone.status != M.AWAITING_ACCEPTANCE:
            raise NotFound("This link is not valid.")
        _link_use(link, now)
        rows: list[NonConformity] = []

        def record(applied: Applied, ctx: MoveContext) -> None:
            m: Milestone = applied.obj
            sla.timer_stop(policy_key=policy_get().acceptance_policy_key, target=m, stopped_at=now)
            rows.append(NonConformity.objects.create(milestone=m, reason=reason, reported_by=by, reported_at=now))
            audit_record(verb="delivery.nonconformity_reported", actor=by, target=m, after={"reason": reason})
            _notify("milestone.nonconformity", m, None, {"reason": reason, "by": by})

        milestone_transition(
            milestone_id=link.milestone_id,
            action="report_nonconformity",
            actor=None,
            reason=reason,
            system=True,
            before_save=lambda *a: {"completed_at": None},
            after=[record],
        )
        return rows[0]


def milestone_accept_passively(timer: SlaTimer, now: datetime) -> Milestone | None:
    """The SLA sweep's due handler for the acceptance policy: the customer neither accepted nor
    reported a non-conformity within the acceptance period, so the milestone is accepted.

    Idempotent under races: the milestone row is locked and its state checked; a milestone no longer
    awaiting acceptance only has its stray timer stopped. Side effects as for an explicit acceptance,
    with `acceptance=passive` and the open links revoked. Returns the milestone accepted, or None."""
    with transaction.atomic():
        m = Milestone.objects.select_for_update(of=("self",)).filter(pk=timer.target_id).first()
        if m is None:
            return None
        if m.status != M.AWAITING_ACCEPTANCE:
            _timer_stop(m, now)
            return None
        by = "PS Desk (passive acceptance)"
        due = timer.due_at
        AcceptanceLink.objects.filter(milestone=m, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
        applied = milestone_transition(
            milestone_id=m.pk,
            action="accept_passively",
            actor=None,
            reason=f"no acceptance or non-conformity from the customer by {due:%Y-%m-%d %H:%M %Z}",
            system=True,
            before_save=lambda *a: {"acceptance": AcceptanceKind.PASSIVE, "accepted_at": now, "accepted_by": by},
            after=[_accepted_effects(AcceptanceKind.PASSIVE, by, now)],
        )
        milestone: Milestone = applied.obj
        return milestone
