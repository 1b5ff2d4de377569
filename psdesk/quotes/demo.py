"""Demo quotes: a signed order form on Wayne Enterprises' standard-services opportunity (ready to
close won) and a draft on Initech's, built through the services so each has its audit trail. Each sits
on a PS-only opportunity of its own: the demo's custom engagements keep theirs (an open custom
engagement closes won only with its executed SOW, never on a signed order form)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from psdesk.core import clock
from psdesk.core.demo import DemoContext
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.crm.services import opportunity_create
from psdesk.quotes.services import quote_create, quote_discount_set, quote_line_add, quote_transition


def _standard_services_opportunity(ps: Opportunity, actor: Any) -> Opportunity:
    """A PS-only opportunity for standard services beside the account's custom one (same parent)."""
    return opportunity_create(
        actor=actor,
        account=ps.account,
        name=f"{ps.name} - standard services",
        parent=ps.parent,
        owner=ps.owner,
        close_date=ps.close_date,
        account_team=list(ps.account_team.all()),
        stage=OpportunityStage.PROPOSAL,
    )


def load(ctx: DemoContext) -> None:
    users: dict[str, Any] = ctx.objects["users"]
    alice = users["alice"]
    by_account = {
        o.account.name: _standard_services_opportunity(o, alice)
        for o in ctx.objects["ps_opportunities"]
        if o.account.name in ("Wayne Enterprises", "Initech")
    }
    quotes = []
    wayne = by_account.get("Wayne Enterprises")
    if wayne is not None:
        q = quote_create(opportunity_id=wayne.pk, actor=alice)
        quote_line_add(quote_id=q.pk, actor=alice, sku_code="GL-BAS-R", attendees=14)
        quote_line_add(quote_id=q.pk, actor=alice, sku_code="GL-JIRA")
        quote_line_add(
            quote_id=q.pk,
            actor=alice,
            sku_code="GL-LDAP",
            unit_price="2000.00",
            price_override_reason="bundle with Jira",
        )
        quote_discount_set(quote_id=q.pk, actor=alice, discount_pct="5")
        quote_transition(quote_id=q.pk, action="send", actor=alice)
        quote_transition(
            quote_id=q.pk,
            action="mark_signed",
            actor=alice,
            signer_name="Bruce Wayne",
            signed_on=clock.today() - timedelta(days=1),
            po_number="WE-PO-1939",
        )
        quotes.append(q)
    initech = by_account.get("Initech")
    if initech is not None:
        q = quote_create(opportunity_id=initech.pk, actor=alice)
        quote_line_add(quote_id=q.pk, actor=alice, sku_code="GL-CICD", attendees=13, discount_pct="10")
        quote_line_add(quote_id=q.pk, actor=alice, sku_code="GL-RR-COM")
        quotes.append(q)
    ctx.objects["quotes"] = quotes
