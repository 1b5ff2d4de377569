"""Writes on engagements other than state moves (those go through psdesk.board.services)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import ValidationFailed
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement, EngagementLabel, label_scope
from psdesk.notifications.services import notify


def engagement_title_for(account: Account) -> str:
    return f"{account.name} - Scope Issue and Write SOW"


@transaction.atomic
def engagement_create(
    *,
    account: Account,
    actor: Any,
    title: str = "",
    opportunity: Opportunity | None = None,
    em: Any = None,
    description: str = "",
) -> Engagement:
    """Create an engagement in `open` (audited). The caller has checked the actor may see `account`."""
    if opportunity is not None and opportunity.account_id != account.pk:
        raise ValidationFailed("The opportunity belongs to another account.", details={"field": "opportunity"})
    now = clock.now()
    eng = Engagement.objects.create(
        title=(title.strip() or engagement_title_for(account))[:255],
        account=account,
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
    return eng


@transaction.atomic
def engagement_assign_em(*, engagement_id: int, em: Any, actor: Any, expected_version: int | None = None) -> Engagement:
    """Assign the engagement manager (audited, optimistic concurrency)."""
    from psdesk.core.errors import Conflict

    eng = Engagement.objects.select_for_update().get(pk=engagement_id)
    if expected_version is not None and eng.version != expected_version:
        raise Conflict("This engagement changed since you loaded it; reload and try again.", code="stale")
    before = eng.em_id
    eng.em = em
    eng.version += 1
    eng.last_activity_at = clock.now()
    eng.save(update_fields=["em", "version", "last_activity_at"])
    audit_record(
        verb="engagements.em_assigned",
        actor=actor,
        target=eng,
        before={"em": before},
        after={"em": getattr(em, "pk", None)},
    )
    return eng


@transaction.atomic
def engagement_label_set(*, engagement: Engagement, label: str, actor: Any, reason: str = "") -> EngagementLabel:
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
def engagement_label_remove(*, engagement: Engagement, label: str, actor: Any, reason: str = "") -> bool:
    """Remove `label` (audited). Returns False when it was not there (nothing recorded)."""
    deleted, _ = EngagementLabel.objects.filter(engagement=engagement, name=label).delete()
    if deleted:
        audit_record(
            verb="engagements.label_removed", actor=actor, target=engagement, before={"label": label}, reason=reason
        )
    return bool(deleted)
