"""Demo: the Slack policy row, and each persona linked to a Slack member id (U0<NAME>), so that a
Slack workspace pointed at the demo answers them (docs/howto/slack.md)."""

from __future__ import annotations

from psdesk.chatops.models import SlackUserLink
from psdesk.chatops.selectors import slack_policy_get
from psdesk.core.demo import DemoContext

DEMO_TEAM = "T0PSDESKDEMO"


def load(ctx: DemoContext) -> None:
    slack_policy_get()
    for username, user in ctx.objects.get("users", {}).items():
        SlackUserLink.objects.get_or_create(
            team_id=DEMO_TEAM, slack_user_id=f"U0{username.upper()}", defaults={"user": user, "linked_via": "profile"}
        )


def generate(ctx: DemoContext, progress: object = None) -> None:
    load(ctx)
