"""Demo scoping: the questionnaires, a territory with two EMs (load balancing), and two Services
Calculator requests (a combined implementation + migration, and a US PubSec one)."""

from __future__ import annotations

from typing import Any

from psdesk.core.demo import DemoContext
from psdesk.scoping.models import TerritoryEngagementManager
from psdesk.scoping.questionnaires import questionnaires_ensure
from psdesk.scoping.services import scoping_request_submit

ACME_ANSWERS: dict[str, dict[str, Any]] = {
    "implementation": {"license_tier": "Premium", "users": 3250, "geo": "yes", "hosting": "AWS", "integrations": 3},
    "scm_migration": {
        "source_scm": "Bitbucket Server",
        "destination": "GitLab.com SaaS",
        "source_version": "13.4",
        "destination_version": "14.1",
        "users": 1000,
        "repositories": 1234,
        "large_repos": 3,
    },
}


def load(ctx: DemoContext) -> None:
    questionnaires_ensure()
    users: dict[str, Any] = ctx.objects["users"]
    accounts = {a.name: a for a in ctx.objects["accounts"]}
    territories = ctx.objects.get("territories") or {}
    west = territories.get("West") if isinstance(territories, dict) else None
    if west is not None:
        for em in ("emil", "erin"):
            TerritoryEngagementManager.objects.get_or_create(territory=west, engagement_manager=users[em])
    created = []
    ps_opps = {o.account_id: o for o in ctx.objects.get("ps_opportunities") or []}
    acme = accounts.get("Acme Corp")
    if acme is not None:
        created.append(
            scoping_request_submit(
                requester=users["sam"],
                account_id=acme.pk,
                opportunity_id=getattr(ps_opps.get(acme.pk), "pk", None),
                service_types=["implementation", "scm_migration"],
                answers=ACME_ANSWERS,
                intake={"pricing_model": "fixed_fee", "skills_needed": ["Geo", "Congregate"]},
            ).engagement
        )
    agency = next((a for a in accounts.values() if a.us_public_sector), None)
    if agency is not None:
        created.append(
            scoping_request_submit(
                requester=users["pat"],
                account_id=agency.pk,
                opportunity_id=getattr(ps_opps.get(agency.pk), "pk", None),
                service_types=["readiness_assessment"],
                answers={"readiness_assessment": {"deployment_location": "On-prem", "test_environment": "no"}},
                us_public_sector=True,
                intake={"us_citizenship_required": True, "clearance_required": "Secret"},
            ).engagement
        )
    ctx.objects["scoping_engagements"] = created
    ctx.say(f"scoping: {len(created)} Services Calculator requests")
