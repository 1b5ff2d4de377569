"""CRM reads. Every read goes through `.visible_to(user)`: PubSec records are 404 for non-members."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from psdesk.audit.models import AuditEvent
from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.crm.choices import OPEN_STAGES
from psdesk.crm.models import Account, Msa, Opportunity
from psdesk.crm.querysets import AccountQuerySet, OpportunityQuerySet
from psdesk.crm.workflow import CRM_WORKFLOW


def account_list(*, user: Actor, q: str = "", segment: str = "") -> AccountQuerySet:
    qs: AccountQuerySet = Account.objects.visible_to(user).select_related("territory", "owner")
    if q:
        qs = qs.filter(name__icontains=q)
    if segment:
        qs = qs.filter(segment=segment)
    return qs


def account_get(*, user: Actor, account_id: int) -> Account:
    acc = Account.objects.visible_to(user).select_related("territory", "owner").filter(pk=account_id).first()
    if acc is None:
        raise NotFound(f"account {account_id} not found")
    return acc


def msa_in_force_get(*, account: Account, on: datetime.date | None = None) -> Msa | None:
    """The MSA usable on `on` (default today) for the account; None when none is in force."""
    return account.msa_on(on or clock.today())


@dataclass
class OpportunityFilters:
    q: str = ""
    stage: str = ""
    record_type: str = ""
    account_id: int | None = None
    owner_id: int | None = None
    mine: bool = False
    open_only: bool = False


def opportunity_list(*, user: Actor, filters: OpportunityFilters | None = None) -> OpportunityQuerySet:
    f = filters or OpportunityFilters()
    qs: OpportunityQuerySet = Opportunity.objects.visible_to(user).select_related("account", "owner", "parent")
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(account__name__icontains=f.q))
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.record_type:
        qs = qs.filter(record_type=f.record_type)
    if f.account_id:
        qs = qs.filter(account_id=f.account_id)
    if f.owner_id:
        qs = qs.filter(owner_id=f.owner_id)
    if f.mine:
        qs = qs.filter(Q(owner=user) | Q(account_team=user) | Q(engagement_manager=user)).distinct()
    if f.open_only:
        qs = qs.filter(stage__in=OPEN_STAGES)
    return qs


def opportunity_get(*, user: Actor, opportunity_id: int) -> Opportunity:
    opp = (
        Opportunity.objects.visible_to(user)
        .select_related("account", "owner", "parent", "engagement_manager")
        .filter(pk=opportunity_id)
        .first()
    )
    if opp is None:
        raise NotFound(f"opportunity {opportunity_id} not found")
    return opp


@dataclass
class StageChange:
    at: datetime.datetime
    actor: str
    source: str
    target: str
    reason: str
    verb: str


def opportunity_stage_history(*, opportunity: Opportunity) -> list[StageChange]:
    """Stage moves of one opportunity, oldest first, read from its audit rows."""
    states = CRM_WORKFLOW.states
    rows = AuditEvent.objects.for_target(opportunity).filter(verb__startswith=f"{CRM_WORKFLOW.name}.").order_by("seq")
    return [
        StageChange(
            at=ev.occurred_at,
            actor=ev.actor_label,
            source=states.get(str(ev.before.get("stage", "")), str(ev.before.get("stage", ""))),
            target=states.get(str(ev.after.get("stage", "")), str(ev.after.get("stage", ""))),
            reason=ev.reason,
            verb=ev.verb,
        )
        for ev in rows
    ]


@dataclass
class MoveOption:
    action: str
    label: str
    target: str
    needs_reason: bool
    refusal: str | None


def opportunity_moves(opp: Opportunity, user: Actor) -> list[MoveOption]:
    """The moves from the opportunity's stage, each with the reason it is refused now (or None)."""
    ctx = MoveContext(actor=user, reason="(preview)")
    result = []
    for m in CRM_WORKFLOW.actions_from(opp.stage):
        refusal = CRM_WORKFLOW.refusal(opp, m.action, ctx)
        result.append(MoveOption(m.action, m.label, m.target or "", m.needs_reason, refusal))
    return result
