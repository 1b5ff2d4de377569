"""Query-count baselines (tests/query_counts.json) of the ChatOps list, measured at two data sizes with
one baseline: the Slack-link page (your linked Slack accounts) stays flat in N."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.chatops.choices import LinkedVia
from psdesk.chatops.models import SlackUserLink
from psdesk.core.testing.query_counts import SIZES, FlatBaselines

pytestmark = pytest.mark.django_db


def test_slack_links_page_is_flat(people: Any) -> None:
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.erin)
    for n in SIZES:
        for i in range(SlackUserLink.objects.count(), n):
            SlackUserLink.objects.create(
                team_id=f"T{i:02}", slack_user_id=f"U{i:04}", user=people.erin, linked_via=LinkedVia.values[0]
            )
        counts.at(n)
        counts.measure("chatops.slack_link", web.get, "/chatops/slack/link/")
    counts.check()
