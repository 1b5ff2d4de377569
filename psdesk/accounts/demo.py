"""Demo users: one per persona, with the demo password."""

from __future__ import annotations

from psdesk.accounts.models import IdpGroupRole
from psdesk.accounts.personas import PERSONAS
from psdesk.accounts.roles import Role
from psdesk.accounts.services import persona_ensure
from psdesk.core.demo import DemoContext

# Example single sign-on mappings (docs/howto/sso.md); used only when OIDC_RP_CLIENT_ID is set.
IDP_GROUPS = (
    ("ps-leadership", Role.PS_LEADERSHIP),
    ("deal-desk", Role.DEAL_DESK),
    ("ps-engagement-managers", Role.ENGAGEMENT_MANAGER),
    ("ps-scheduling", Role.PROJECT_COORDINATOR),
    ("ps-ops", Role.PS_OPS_MANAGER),
    ("sales", Role.ACCOUNT_EXECUTIVE),
    ("everyone", Role.TEAM_MEMBER),
    ("us-pubsec-cleared", Role.US_PUBLIC_SECTOR),
)


def load(ctx: DemoContext) -> None:
    users = {p.username: persona_ensure(p, password=ctx.password) for p in PERSONAS}
    ctx.objects["users"] = users
    for group, role in IDP_GROUPS:
        IdpGroupRole.objects.get_or_create(idp_group=group, role=role, defaults={"note": "demo example"})


def generate(ctx: DemoContext, progress: object = None) -> None:
    users = {p.username: persona_ensure(p, password=ctx.password) for p in PERSONAS}
    ctx.objects["users"] = users
