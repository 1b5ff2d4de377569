"""Writes on engagements other than state moves (those go through psdesk.board.services)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.crm.choices import TERMINAL_STAGES, RecordType
from psdesk.crm.models import Account, Opportunity
from psdesk.crm.services import opportunity_create, opportunity_name_suggest
from psdesk.crm.workflow import owner_or_team_or_manager_refusal
from psdesk.engagements.choices import CLOSED_STATES, DeliveryMode, PricingModel
from psdesk.engagements.models import CustomerEpic, Engagement, EngagementLabel, SchedulingIntake, label_scope
from psdesk.notifications.services import notify
from psdesk.sla.services import sla_event

SCOPING_TITLE_SUFFIX = " - Scope Issue and Write SOW"
EN_DASH = "\u2013"  # between the account and the rest of a project or split opportunity name


def engagement_title_for(account: Account) -> str:
    return f"{account.name}{SCOPING_TITLE_SUFFIX}"


def engagement_title_short(*, title: str, account_name: str) -> str:
    """The engagement's title without the scoping suffix (" - Scope Issue and Write SOW") and without
    a leading account name: what a project or an opportunity adds after `<Account> EN_DASH `. Empty when
    the title says nothing beyond the account."""
    short = " ".join(title.replace(SCOPING_TITLE_SUFFIX.strip(), " ").split())
    name = account_name.strip()
    if name and short.lower().startswith(name.lower()):
        short = short[len(name) :]
    return short.strip(f" -{EN_DASH}:").strip()


@transaction.atomic
def engagement_create(
    *,
    account: Account,
    actor: Actor,
    title: str = "",
    opportunity: Opportunity | None = None,
    em: Any = None,
    description: str = "",
    epic: CustomerEpic | None = None,
) -> Engagement:
    """Create an engagement in `open` (audited; notifies "engagement.created"). The caller has
    checked the actor may see `account`. `epic` must belong to `account`."""
    if opportunity is not None and opportunity.account_id != account.pk:
        raise ValidationFailed("The opportunity belongs to another account.", details={"field": "opportunity"})
    if epic is not None and epic.account_id != account.pk:
        raise ValidationFailed("The epic belongs to another account.", details={"field": "epic"})
    now = clock.now()
    eng = Engagement.objects.create(
        title=(title.strip() or engagement_title_for(account))[:255],
        account=account,
        epic=epic,
        opportunity=opportunity,
        em=em,
        description=description,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        state_changed_at=now,
        last_activity_at=now,
    )
    audit_record(
        verb="engagements.created",
        actor=actor,
        target=eng,
        after={"title": eng.title, "account": account.pk, "em": getattr(em, "pk", None), "state": eng.state},
    )
    notify(event="engagement.created", target=eng, actor=actor, account=account)
    sla_event(event="engagements.created", target=eng, at=now)  # starts "first EM touch"
    return eng


def _engagement_save_audited(
    eng: Engagement,
    *,
    field: str,
    actor: Actor,
    verb: str,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str = "",
) -> None:
    """Save one changed field of a locked engagement with a version bump and its audit row."""
    eng.version += 1
    eng.last_activity_at = clock.now()
    eng.save(update_fields=[field, "version", "last_activity_at"])
    audit_record(verb=verb, actor=actor, target=eng, before=before, after=after, reason=reason)


@transaction.atomic
def engagement_assign_em(
    *, engagement_id: int, em: Any, actor: Actor, expected_version: int | None = None
) -> Engagement:
    """Assign the engagement manager (audited, optimistic concurrency)."""
    eng = Engagement.objects.select_for_update(of=("self",)).get(pk=engagement_id)
    if expected_version is not None and eng.version != expected_version:
        raise Conflict("This engagement changed since you loaded it; reload and try again.", code="stale")
    before = eng.em_id
    eng.em = em
    _engagement_save_audited(
        eng,
        field="em",
        actor=actor,
        verb="engagements.em_assigned",
        before={"em": before},
        after={"em": getattr(em, "pk", None)},
    )
    return eng


@transaction.atomic
def engagement_label_set(*, engagement: Engagement, label: str, actor: Actor, reason: str = "") -> EngagementLabel:
    """Put `label` on the engagement; a scoped label replaces the other label of its scope (audited).
    Idempotent: setting a label already present changes nothing and records nothing."""
    label = label.strip()
    if not label or len(label) > 100:
        raise ValidationFailed("A label needs 1 to 100 characters.", details={"field": "label"})
    scope = label_scope(label)
    existing = EngagementLabel.objects.filter(engagement=engagement, name=label).first()
    if existing is not None:
        return existing
    replaced = None
    if scope:
        old = EngagementLabel.objects.filter(engagement=engagement, scope=scope).first()
        if old is not None:
            replaced = old.name
            old.delete()
    created = EngagementLabel.objects.create(engagement=engagement, name=label, scope=scope, created_at=clock.now())
    Engagement.objects.filter(pk=engagement.pk).update(last_activity_at=clock.now())
    audit_record(
        verb="engagements.label_set",
        actor=actor,
        target=engagement,
        before={"label": replaced},
        after={"label": label},
        reason=reason,
    )
    return created


@transaction.atomic
def engagement_label_remove(*, engagement: Engagement, label: str, actor: Actor, reason: str = "") -> bool:
    """Remove `label` (audited). Returns False when it was not there (nothing recorded)."""
    deleted, _ = EngagementLabel.objects.filter(engagement=engagement, name=label).delete()
    if deleted:
        audit_record(
            verb="engagements.label_removed", actor=actor, target=engagement, before={"label": label}, reason=reason
        )
    return bool(deleted)


@transaction.atomic
def customer_epic_ensure(*, account: Account, actor: Actor) -> CustomerEpic:
    """The account's engagement group (epic), created (audited) on first use."""
    epic = CustomerEpic.objects.select_for_update(of=("self",)).filter(account=account).first()
    if epic is not None:
        return epic
    epic = CustomerEpic.objects.create(account=account, title=account.name[:255], created_at=clock.now())
    audit_record(verb="engagements.epic_created", actor=actor, target=epic, after={"account": account.pk})
    return epic


INTAKE_FIELDS: tuple[str, ...] = (
    "contacts",
    "skills_needed",
    "start_window_from",
    "start_window_to",
    "delivery_mode",
    "timezone",
    "security_requirements",
    "us_citizenship_required",
    "clearance_required",
    "pricing_model",
    "partner_staffing_allowed",
    "sow_po_number",
    "customer_readiness",
    "em_checklist",
)


# How people see each intake field (forms and error messages name the field by its label).
INTAKE_LABELS: dict[str, str] = {
    "contacts": "Customer contacts",
    "skills_needed": "Skills needed",
    "start_window_from": "Desired start from",
    "start_window_to": "Desired start to",
    "delivery_mode": "Delivery mode",
    "timezone": "Timezone",
    "security_requirements": "Security / access requirements",
    "us_citizenship_required": "US citizenship required",
    "clearance_required": "Clearance",
    "pricing_model": "Pricing model",
    "partner_staffing_allowed": "Partner staffing allowed",
    "sow_po_number": "SOW PO number",
    "customer_readiness": "Customer readiness",
    "em_checklist": "EM checklist",
}


class _IntakeFieldError(Exception):
    """A field's value is refused; `intake_clean` turns it into ValidationFailed naming the field."""


def _clean_contacts(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > 50:
        raise _IntakeFieldError("must be a list of contacts")
    contacts = []
    for c in value:
        if not isinstance(c, dict) or not str(c.get("name", "")).strip():
            raise _IntakeFieldError("each contact needs a name")
        contacts.append({k: str(c.get(k, "") or "")[:200] for k in ("role", "name", "email", "phone")})
    return contacts


def _clean_skills(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [s for s in (p.strip() for p in value.split(",")) if s]
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value) or len(value) > 50:
        raise _IntakeFieldError("must be a list of skill names")
    return [s.strip()[:100] for s in value if s.strip()]


def _clean_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _IntakeFieldError(f"expects a date (YYYY-MM-DD), got '{str(value)[:40]}'") from None


def _clean_choice(choices: list[str]) -> Any:
    def clean(value: Any) -> Any:
        if value not in choices:
            raise _IntakeFieldError(f"must be one of {', '.join(choices)}, got '{str(value)[:40]}'")
        return value

    return clean


def _clean_timezone(value: Any) -> str:
    tz = str(value or "").strip()
    if tz:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _IntakeFieldError(f"unknown timezone '{tz[:64]}'") from None
    return tz


def _clean_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _IntakeFieldError("expects true or false")
    return value


def _clean_optional_bool(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise _IntakeFieldError("expects true, false or null")
    return value


def _clean_checklist(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(i, dict) and str(i.get("item", "")).strip() for i in value):
        raise _IntakeFieldError("must be a list of {item, done}")
    return [{"item": str(i["item"])[:200], "done": bool(i.get("done", False))} for i in value]


def _clean_text(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise _IntakeFieldError("expects text")
    return (value or "").strip()[:5000]


_INTAKE_CLEANERS: dict[str, Any] = {
    "contacts": _clean_contacts,
    "skills_needed": _clean_skills,
    "start_window_from": _clean_date,
    "start_window_to": _clean_date,
    "delivery_mode": _clean_choice(DeliveryMode.values),
    "pricing_model": _clean_choice(PricingModel.values),
    "timezone": _clean_timezone,
    "us_citizenship_required": _clean_bool,
    "partner_staffing_allowed": _clean_optional_bool,
    "em_checklist": _clean_checklist,
}


def intake_clean(data: dict[str, Any]) -> dict[str, Any]:
    """Validate scheduling-intake input (API, form, calculator) and return model values.
    Raises ValidationFailed naming the field."""
    unknown = sorted(set(data) - set(INTAKE_FIELDS))
    if unknown:
        raise ValidationFailed(f"Unknown intake field(s): {', '.join(unknown)}.", details={"field": unknown[0]})

    def fail(field: str, message: str) -> ValidationFailed:
        return ValidationFailed(f"{INTAKE_LABELS[field]}: {message}", details={"field": f"intake.{field}"})

    out: dict[str, Any] = {}
    for key, value in data.items():
        try:
            out[key] = _INTAKE_CLEANERS.get(key, _clean_text)(value)
        except _IntakeFieldError as exc:
            raise fail(key, str(exc)) from None
    start, end = out.get("start_window_from"), out.get("start_window_to")
    if start and end and end < start:
        raise fail("start_window_to", "the start window ends before it begins")
    return out


@transaction.atomic
def scheduling_intake_update(
    *, engagement: Engagement, data: dict[str, Any], actor: Actor, expected_version: int | None = None
) -> SchedulingIntake:
    """Change fields of the engagement's scheduling intake (audited with old and new values,
    compare-and-set on `version`; creates the record if missing). Raises ValidationFailed or
    Conflict (stale)."""
    values = intake_clean(data)
    intake, _ = SchedulingIntake.objects.select_for_update(of=("self",)).get_or_create(engagement=engagement)
    if expected_version is not None and intake.version != expected_version:
        raise Conflict(
            "The scheduling intake changed since you loaded it; reload and try again.",
            code="stale",
            details={"expected_version": expected_version, "current_version": intake.version},
        )
    start = values.get("start_window_from", intake.start_window_from)
    end = values.get("start_window_to", intake.start_window_to)
    if start and end and end < start:
        raise ValidationFailed(
            f"{INTAKE_LABELS['start_window_to']}: the start window ends before it begins",
            details={"field": "intake.start_window_to"},
        )
    before = {k: getattr(intake, k) for k in values if getattr(intake, k) != values[k]}
    after = {k: values[k] for k in before}
    if not before:
        return intake
    for k, v in after.items():
        setattr(intake, k, v)
    intake.version += 1
    intake.updated_at = clock.now()
    intake.save()
    audit_record(verb="engagements.intake_updated", actor=actor, target=engagement, before=before, after=after)
    return intake


def opportunity_link_refusal(*, engagement: Engagement, opportunity: Opportunity | None) -> str | None:
    """Why `engagement` may not move onto `opportunity` (None: unlink), or None when it may."""
    if engagement.state in CLOSED_STATES:
        return f"The engagement is {engagement.get_state_display()}: its opportunity no longer changes."
    if opportunity is None:
        return None
    if opportunity.account_id != engagement.account_id:
        return f"{opportunity.name} belongs to {opportunity.account}, not to {engagement.account}."
    if opportunity.stage in TERMINAL_STAGES:
        return f"{opportunity.name} is {opportunity.get_stage_display()}; choose an open opportunity."
    return None


@transaction.atomic
def engagement_opportunity_link(
    *, engagement_id: int, opportunity_id: int | None, actor: Actor, expected_version: int | None = None
) -> Engagement:
    """Link the engagement to an opportunity of its own account (or unlink it with None), audited
    as `engagements.opportunity_linked` with the old and new opportunity. Needs
    `engagements.link_opportunity`. A closed engagement keeps its link; the new opportunity must
    be open. Compare-and-set on the engagement's `version`. Linking to the current opportunity
    changes nothing and records nothing.
    Raises PermissionDenied, NotFound (engagement or opportunity not visible), Conflict (stale),
    ValidationFailed (closed engagement, closed opportunity, another account's opportunity)."""
    if not actor.has_perm("engagements.link_opportunity"):
        raise PermissionDenied("Your role may not change which opportunity an engagement belongs to.")
    eng = (
        Engagement.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("account", "opportunity")
        .filter(pk=engagement_id)
        .first()
    )
    if eng is None:
        raise NotFound(f"engagement {engagement_id} not found")
    if expected_version is not None and eng.version != expected_version:
        raise Conflict("This engagement changed since you loaded it; reload and try again.", code="stale")
    opportunity = None
    if opportunity_id is not None:
        opportunity = Opportunity.objects.visible_to(actor).filter(pk=opportunity_id).first()
        if opportunity is None:
            raise NotFound(f"opportunity {opportunity_id} not found")
    if eng.opportunity_id == opportunity_id:
        return eng
    refusal = opportunity_link_refusal(engagement=eng, opportunity=opportunity)
    if refusal is not None:
        raise ValidationFailed(refusal, details={"field": "opportunity_id"})
    before = eng.opportunity_id
    eng.opportunity = opportunity
    _engagement_save_audited(
        eng,
        field="opportunity",
        actor=actor,
        verb="engagements.opportunity_linked",
        before={"opportunity": before},
        after={"opportunity": opportunity_id, "name": opportunity.name if opportunity else ""},
    )
    return eng


def engagement_own_opportunity_create(*, engagement_id: int, actor: Actor, reason: str = "") -> Opportunity:
    """Move an open engagement off a shared opportunity onto a new PS-only opportunity of its own
    (same account, owner, account team, close date and parent licence opportunity), so the old
    opportunity can close won without it — or the engagement later closes won with its own SOW.

    Needs `crm.add_opportunity` and the right to move the current opportunity (its owner, account
    team or a manager). Side effects: the new opportunity (audited `crm.opportunity_created`), the
    engagement's `opportunity` and `version`, audited `engagements.opportunity_linked` with
    before/after (the same record as any re-link).
    Raises PermissionDenied, NotFound (absent or PubSec for a non-member), TransitionNotAllowed (the
    engagement is closed, has no opportunity, or the opportunity is closed or not the actor's)."""
    permission_require(actor, "crm.add_opportunity")
    with transaction.atomic():
        eng = Engagement.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=engagement_id).first()
        if eng is None:
            raise NotFound(f"engagement {engagement_id} not found")
        old = Opportunity.objects.select_related("account", "parent").filter(pk=eng.opportunity_id).first()
        if eng.state in CLOSED_STATES:
            raise TransitionNotAllowed(f"{eng.title} is {eng.get_state_display()}; only an open engagement moves.")
        if old is None:
            raise TransitionNotAllowed(f"{eng.title} is on no opportunity; link it to one instead.")
        if old.stage in TERMINAL_STAGES:
            raise TransitionNotAllowed(f"{old.name} is {old.get_stage_display()}; its engagements stay with it.")
        refusal = owner_or_team_or_manager_refusal(old, MoveContext(actor=actor))
        if refusal:
            raise TransitionNotAllowed(refusal)
        parent = old if old.record_type == RecordType.LICENSE else old.parent
        short = engagement_title_short(title=eng.title, account_name=eng.account.name) or f"engagement {eng.pk}"
        new = opportunity_create(
            actor=actor,
            account=eng.account,
            record_type=RecordType.PS_ONLY,
            name=f"{opportunity_name_suggest(account=eng.account)} {EN_DASH} {short}",
            parent=parent,
            owner=old.owner,
            close_date=old.close_date,
            currency=old.currency,
            account_team=list(old.account_team.all()),
            engagement_manager=eng.em or old.engagement_manager,
        )
        eng.opportunity = new
        _engagement_save_audited(
            eng,
            field="opportunity",
            actor=actor,
            verb="engagements.opportunity_linked",
            before={"opportunity": old.pk},
            after={"opportunity": new.pk, "name": new.name},
            reason=reason.strip() or f"moved to its own opportunity off {old.name}",
        )
        return new
