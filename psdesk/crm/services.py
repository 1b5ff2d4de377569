"""CRM writes: accounts, MSAs, opportunities and their stage moves (through `opportunity_transition`)."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

from django.db import transaction

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.audit.services import audit_record
from psdesk.audit.transitions import AfterHook, Applied, transition_apply, transition_apply_to_state
from psdesk.core import clock
from psdesk.core.errors import BadRequest, Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.core.money import CURRENCIES
from psdesk.core.types import Actor
from psdesk.core.workflow import Move
from psdesk.crm.choices import (
    TERMINAL_STAGES,
    EmConfidence,
    ForecastCategory,
    OpportunityStage,
    RecordType,
    Segment,
)
from psdesk.crm.models import Account, Msa, Opportunity, Territory
from psdesk.crm.workflow import CRM_WORKFLOW
from psdesk.notifications.services import outbox_enqueue

# Effects run inside the transaction after a stage move (projects at stage 5, queue at Closed Won);
# apps above crm register here from their AppConfig.ready().
AFTER_STAGE_HOOKS: list[AfterHook] = []


def register_after_stage_move(hook: AfterHook) -> None:
    if hook not in AFTER_STAGE_HOOKS:
        AFTER_STAGE_HOOKS.append(hook)


def opportunity_name_suggest(*, account: Account, on: datetime.date | None = None) -> str:
    """Naming convention for PS opportunities: `<Company>- Professional Services <MM/YY>`."""
    day = on or clock.today()
    return f"{account.name}- Professional Services {day:%m/%y}"


def account_create(
    *,
    actor: Actor,
    name: str,
    segment: str = Segment.MM_EAST,
    territory: Territory | None = None,
    country: str = "US",
    subdivision: str = "",
    timezone: str = "America/New_York",
    us_public_sector: bool = False,
    owner: Any = None,
) -> Account:
    """Create an account (audited). Raises ValidationFailed for an empty name, unknown segment or
    timezone, or PermissionDenied when a non-PubSec member flags it US Public Sector."""
    name = name.strip()
    if not name:
        raise ValidationFailed("Account name is required.", details={"field": "name"})
    if segment not in Segment.values:
        raise ValidationFailed(f"Unknown segment '{segment}'.", details={"field": "segment"})
    if len(country) != 2 or not country.isalpha():
        raise ValidationFailed("country must be an ISO 3166-1 alpha-2 code.", details={"field": "country"})
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"Unknown timezone '{timezone}'.", details={"field": "timezone"}) from None
    if us_public_sector and not user_is_pubsec(actor):
        raise PermissionDenied("Only US Public Sector members may create PubSec accounts.")
    with transaction.atomic():
        acc = Account.objects.create(
            name=name[:200],
            segment=segment,
            territory=territory,
            country=country.upper(),
            subdivision=subdivision[:10],
            timezone=timezone,
            us_public_sector=us_public_sector,
            owner=owner or actor,
        )
        audit_record(verb="crm.account_created", actor=actor, target=acc, after={"name": acc.name})
    return acc


def msa_add(
    *, account: Account, actor: Actor, reference: str, effective_from: datetime.date, effective_to: datetime.date | None
) -> Msa:
    """Record an MSA on file for the account (audited). Raises ValidationFailed when it ends before it starts."""
    if not reference.strip():
        raise ValidationFailed("MSA reference is required.", details={"field": "reference"})
    if effective_to is not None and effective_to < effective_from:
        raise ValidationFailed("An MSA cannot end before it starts.", details={"field": "effective_to"})
    with transaction.atomic():
        msa = Msa.objects.create(
            account=account, reference=reference.strip()[:100], effective_from=effective_from, effective_to=effective_to
        )
        audit_record(
            verb="crm.msa_added",
            actor=actor,
            target=account,
            after={"msa": msa.reference, "effective_from": effective_from, "effective_to": effective_to},
        )
    return msa


def opportunity_po_refusal(*, opportunity: Opportunity, actor: Actor) -> str | None:
    """Why `actor` may not record the PO of `opportunity`, or None: Deal Desk and sales managers
    (`crm.manage_opportunity`) for any opportunity, its owner (`crm.change_opportunity`) for their own;
    a closed opportunity's PO no longer changes."""
    if not (
        actor.has_perm("crm.manage_opportunity")
        or (actor.has_perm("crm.change_opportunity") and opportunity.owner_id == actor.pk)
    ):
        return "Only Deal Desk or the opportunity's owner may record its PO."
    if opportunity.stage in TERMINAL_STAGES:
        return f"The opportunity is {opportunity.get_stage_display()}: its PO no longer changes."
    return None


def opportunity_po_record(
    *, opportunity_id: int, actor: Actor, po_number: str, no_po_required: bool, expected_version: int | None = None
) -> Opportunity:
    """Record the opportunity's PO number, or that no PO is required (exactly one of the two, or
    neither to clear it) — Closed Won of custom work needs one. Audited `crm.po_recorded` with old
    and new values; compare-and-set on `version`; pushed to the external CRM when linked.
    Raises NotFound (not visible), PermissionDenied, Conflict (stale), ValidationFailed."""
    po_number = (po_number or "").strip()
    if len(po_number) > 64:
        raise ValidationFailed("PO number: at most 64 characters.", details={"field": "po_number"})
    if po_number and no_po_required:
        raise ValidationFailed(
            'PO number: enter a PO number or tick "no PO required", not both.', details={"field": "po_number"}
        )
    with transaction.atomic():
        opp = (
            Opportunity.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("account")
            .filter(pk=opportunity_id)
            .first()
        )
        if opp is None:
            raise NotFound(f"opportunity {opportunity_id} not found")
        refusal = opportunity_po_refusal(opportunity=opp, actor=actor)
        if refusal is not None:
            if opp.stage in TERMINAL_STAGES:
                raise ValidationFailed(refusal, details={"field": "po_number"})
            raise PermissionDenied(refusal)
        if expected_version is not None and expected_version != opp.version:
            raise Conflict("This opportunity changed since you loaded it; reload and try again.", code="stale")
        before = {"po_number": opp.po_number, "no_po_required": opp.no_po_required}
        after = {"po_number": po_number, "no_po_required": bool(no_po_required)}
        if before == after:
            return opp
        opp.po_number, opp.no_po_required = po_number, bool(no_po_required)
        opp.version += 1
        opp.save(update_fields=["po_number", "no_po_required", "version"])
        audit_record(verb="crm.po_recorded", actor=actor, target=opp, before=before, after=after)
        ps_fields_push(opportunity=opp)
    return opp


def _check_money(value: Decimal, field: str) -> Decimal:
    if value < 0:
        raise ValidationFailed(f"{field} must not be negative.", details={"field": field})
    if value >= Decimal("1e12"):
        raise ValidationFailed(f"{field} is too large.", details={"field": field})
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationFailed(f"{field}: at most 2 decimal places.", details={"field": field})
    return value


def opportunity_create(
    *,
    actor: Actor,
    account: Account,
    record_type: str = RecordType.PS_ONLY,
    name: str = "",
    parent: Opportunity | None = None,
    owner: Any = None,
    close_date: datetime.date | None = None,
    amount: Decimal = Decimal("0.00"),
    currency: str = "USD",
    forecast_category: str = ForecastCategory.PIPELINE,
    account_team: list[Any] | None = None,
    engagement_manager: Any = None,
    stage: str = OpportunityStage.PENDING_ACCEPTANCE,
) -> Opportunity:
    """Create an opportunity (audited). A PS-only opportunity needs a parent license opportunity of
    the same account; its name defaults to the naming convention. The stage starts at an open stage.
    Raises ValidationFailed (nothing written)."""
    if record_type not in RecordType.values:
        raise ValidationFailed(f"Unknown record type '{record_type}'.", details={"field": "record_type"})
    if record_type == RecordType.PS_ONLY:
        if parent is None:
            raise ValidationFailed(
                "A Professional Services Only opportunity needs its parent license opportunity.",
                details={"field": "parent_id"},
            )
        if parent.record_type != RecordType.LICENSE:
            raise ValidationFailed("The parent must be a license opportunity.", details={"field": "parent_id"})
        if parent.account_id != account.pk:
            raise ValidationFailed("The parent opportunity belongs to another account.", details={"field": "parent_id"})
    elif parent is not None:
        raise ValidationFailed("A license opportunity has no parent.", details={"field": "parent_id"})
    if stage not in CRM_WORKFLOW.states or stage in (
        OpportunityStage.CLOSED_WON,
        OpportunityStage.CLOSED_LOST,
        OpportunityStage.UNQUALIFIED,
        OpportunityStage.DUPLICATE,
    ):
        raise ValidationFailed("A new opportunity starts at an open stage.", details={"field": "stage"})
    if forecast_category not in ForecastCategory.values:
        raise ValidationFailed(
            f"Unknown forecast category '{forecast_category}'.", details={"field": "forecast_category"}
        )
    if currency not in CURRENCIES:
        raise ValidationFailed(f"Unknown currency '{currency}'.", details={"field": "currency"})
    _check_money(amount, "amount")
    name = name.strip() or (
        opportunity_name_suggest(account=account) if record_type == RecordType.PS_ONLY else f"{account.name} - License"
    )
    with transaction.atomic():
        opp = Opportunity.objects.create(
            name=name[:255],
            account=account,
            record_type=record_type,
            parent=parent,
            owner=owner or actor,
            stage=stage,
            close_date=close_date,
            amount=amount,
            currency=currency,
            forecast_category=forecast_category,
            engagement_manager=engagement_manager,
            stage_changed_at=clock.now(),
        )
        if account_team:
            opp.account_team.set(account_team)
        audit_record(
            verb="crm.opportunity_created",
            actor=actor,
            target=opp,
            after={
                "name": opp.name,
                "record_type": record_type,
                "stage": stage,
                "parent": parent.pk if parent else None,
            },
        )
    return opp


EDITABLE_FIELDS = {"name", "close_date", "amount", "forecast_category", "owner"}
PS_FIELDS = {
    "engagement_manager",
    "em_confidence",
    "em_confidence_rationale",
    "ps_value",
    "education_value",
    "po_number",
    "no_po_required",
}


def opportunity_update(
    *, opportunity_id: int, actor: Actor, changes: dict[str, Any], expected_version: int | None = None
) -> Opportunity:
    """Edit fields of an opportunity (not its stage: that is `opportunity_transition`). General fields
    need `crm.change_opportunity`; the PS section needs `crm.edit_ps_fields` or change. Audited with
    before/after; a stale `expected_version` is a Conflict; a closed opportunity is read-only.
    Raises BadRequest, PermissionDenied, NotFound, Conflict, ValidationFailed."""
    unknown = set(changes) - EDITABLE_FIELDS - PS_FIELDS
    if unknown:
        raise BadRequest(f"Cannot edit {', '.join(sorted(unknown))} here.", details={"fields": sorted(unknown)})
    general = set(changes) & EDITABLE_FIELDS
    if general and not actor.has_perm("crm.change_opportunity"):
        raise PermissionDenied("Your role may not edit opportunities.")
    if set(changes) & PS_FIELDS and not (
        actor.has_perm("crm.edit_ps_fields") or actor.has_perm("crm.change_opportunity")
    ):
        raise PermissionDenied("Your role may not edit the PS section.")
    if "em_confidence" in changes and changes["em_confidence"] not in EmConfidence.values:
        raise ValidationFailed("Unknown EM confidence.", details={"field": "em_confidence"})
    if "forecast_category" in changes and changes["forecast_category"] not in ForecastCategory.values:
        raise ValidationFailed("Unknown forecast category.", details={"field": "forecast_category"})
    for f in ("amount", "ps_value", "education_value"):
        if f in changes:
            _check_money(Decimal(changes[f]), f)
    if "name" in changes and not str(changes["name"]).strip():
        raise ValidationFailed("name must not be empty.", details={"field": "name"})
    with transaction.atomic():
        opp = Opportunity.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=opportunity_id).first()
        if opp is None:
            raise NotFound(f"opportunity {opportunity_id} not found")
        if expected_version is not None and expected_version != opp.version:
            raise Conflict("This opportunity changed since you loaded it; reload and try again.", code="stale")
        if opp.stage in TERMINAL_STAGES:
            raise ValidationFailed("A closed opportunity cannot be edited.")
        before = {k: _plain(getattr(opp, k)) for k in changes}
        for k, v in changes.items():
            setattr(opp, k, v)
        opp.version += 1
        opp.save()
        audit_record(
            verb="crm.opportunity_updated",
            actor=actor,
            target=opp,
            before=before,
            after={k: _plain(getattr(opp, k)) for k in changes},
        )
        if set(changes) & PS_FIELDS:
            ps_fields_push(opportunity=opp)
    return opp


def opportunity_value_follow(
    *,
    opportunity_id: int,
    actor: Actor | str | None,
    source: str,
    ps_value: Decimal,
    education_value: Decimal,
    po_number: str = "",
) -> Opportunity | None:
    """The opportunity's value follows the paperwork the customer agreed to (the agreed estimate
    version) or signed (the primary order form): PS value and education value as given, amount
    their sum, the PO number when one is given. Called by the estimates and quotes apps in their
    own transaction; a closed opportunity keeps its values (returns None). Side effects: audited
    `crm.opportunity_value_followed` with before/after and `source` as the reason; the PS fields
    pushed to an external CRM through the outbox. Raises ValidationFailed on a negative value."""
    for name, value in (("ps_value", ps_value), ("education_value", education_value)):
        _check_money(value, name)
    with transaction.atomic():
        opp = Opportunity.objects.select_for_update(of=("self",)).filter(pk=opportunity_id).first()
        if opp is None or opp.stage in TERMINAL_STAGES:
            return None
        after: dict[str, Any] = {
            "ps_value": ps_value,
            "education_value": education_value,
            "amount": ps_value + education_value,
        }
        if po_number:
            after["po_number"] = po_number
        before = {k: getattr(opp, k) for k in after}
        for k, v in after.items():
            setattr(opp, k, v)
        opp.version += 1
        opp.save(update_fields=[*after, "version"])
        audit_record(
            verb="crm.opportunity_value_followed", actor=actor, target=opp, before=before, after=after, reason=source
        )
        ps_fields_push(opportunity=opp)
        return opp


# PS fields as the external CRM names them (Salesforce custom fields).
CRM_FIELD_NAMES = {
    "engagement_manager": "Engagement_Manager__c",
    "em_confidence": "EM_Confidence__c",
    "em_confidence_rationale": "EM_Confidence_Rationale__c",
    "ps_value": "Professional_Services_Value__c",
    "education_value": "Education_Services_Value__c",
    "po_number": "PO_Number__c",
}


def ps_fields_push(*, opportunity: Opportunity) -> None:
    """Queue the opportunity's PS fields for the external CRM (after commit, from the outbox), when
    the opportunity is linked to one. The built-in CRM needs nothing pushed."""
    opp = opportunity
    if not opp.crm_external_id:
        return
    em = opp.engagement_manager
    values = {
        "engagement_manager": em.email if em is not None else "",
        "em_confidence": opp.em_confidence,
        "em_confidence_rationale": opp.em_confidence_rationale,
        "ps_value": str(opp.ps_value),
        "education_value": str(opp.education_value),
        "po_number": opp.po_number,
    }
    outbox_enqueue(
        target="crm",
        operation="update_ps_fields",
        destination=opp.crm_external_id,
        event="opportunity.ps_fields",
        payload={"opportunity_id": opp.crm_external_id, "fields": {CRM_FIELD_NAMES[k]: v for k, v in values.items()}},
        source=opp,
        pubsec=opp.account.us_public_sector,
        idempotency_key=f"crm:opportunity:{opp.pk}:v{opp.version}",
    )


def _plain(v: Any) -> Any:
    return getattr(v, "pk", v)


def _before_save(opp: Any, move: Move, source: str, target: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"stage_changed_at": clock.now()}
    if target == OpportunityStage.CLOSED_WON:
        extra["forecast_category"] = ForecastCategory.CLOSED
    elif target in (OpportunityStage.CLOSED_LOST, OpportunityStage.UNQUALIFIED, OpportunityStage.DUPLICATE):
        extra["forecast_category"] = ForecastCategory.OMITTED
    return extra


def opportunity_transition(
    *,
    opportunity_id: int,
    action: str,
    actor: Actor | None,
    reason: str = "",
    expected_version: int | None = None,
    system: bool = False,
    data: dict[str, Any] | None = None,
) -> Applied:
    """Move an opportunity's stage (see crm/workflow.py for the rules). Row lock, guard, audit row
    (verb `crm_opportunity.<action>`, reason) and the after-move hooks in one transaction.
    Raises BadRequest (unknown action), NotFound (absent or PubSec for a non-member), Conflict
    (stale version) or TransitionNotAllowed (with the human reason)."""
    qs = Opportunity.objects.all() if system else Opportunity.objects.visible_to(actor)
    return transition_apply(
        workflow=CRM_WORKFLOW,
        queryset=qs.select_related("account"),
        pk=opportunity_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        data=data,
        system=system,
        before_save=_before_save,
        after=list(AFTER_STAGE_HOOKS),
    )


def opportunity_move_to_stage(
    *, opportunity_id: int, stage: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Applied:
    """Find the move from the current stage to `stage` and apply it."""
    return transition_apply_to_state(
        workflow=CRM_WORKFLOW,
        queryset=Opportunity.objects.visible_to(actor),
        pk=opportunity_id,
        target=stage,
        target_noun="stage",
        apply=lambda action: opportunity_transition(
            opportunity_id=opportunity_id, action=action, actor=actor, reason=reason, expected_version=expected_version
        ),
    )


def opportunity_stage_from_crm(data: dict[str, Any]) -> dict[str, Any]:
    """Inbound CRM webhook `opportunity.stage_changed`: move the built-in opportunity
    `opportunity_id` (our id) to `stage` (value or label) as the system, through
    `opportunity_transition` (row lock, guards, audit, hooks). Same stage: no change.
    Raises BadRequest (unknown stage), NotFound (no such opportunity) or TransitionNotAllowed."""
    by_label = {label: key for key, label in CRM_WORKFLOW.states.items()}
    stage = data["stage"] if data["stage"] in CRM_WORKFLOW.states else by_label.get(data["stage"], "")
    if not stage:
        raise BadRequest(f"Unknown stage {data['stage']!r}.", code="malformed", details={"field": "stage"})
    ref = data["opportunity_id"]
    opp = Opportunity.objects.filter(pk=int(ref)).only("stage").first() if ref.isdigit() else None
    if opp is None:
        raise NotFound(f"opportunity {ref} not found")
    if opp.stage == stage:
        return {"opportunity": opp.pk, "stage": stage, "changed": False}
    move = CRM_WORKFLOW.move_between(opp, stage)
    opportunity_transition(
        opportunity_id=opp.pk, action=move.action, actor=None, system=True, reason=f"CRM webhook {data['id']}"
    )
    return {"opportunity": opp.pk, "stage": stage, "changed": True}
