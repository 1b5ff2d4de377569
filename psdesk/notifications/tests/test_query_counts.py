"""Query-count baselines (tests/query_counts.json) of the notification and outbox lists, measured at
two data sizes with one baseline each: the inbox, the outbox page and their API lists stay flat in N."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.engagements.models import Engagement
from psdesk.notifications.choices import OutboxStatus
from psdesk.notifications.models import Notification, OutboxAttempt, OutboxMessage

pytestmark = pytest.mark.django_db


def test_notification_and_outbox_lists_are_flat(people: Any, api: Any, engagement: Any) -> None:
    counts = FlatBaselines(__file__)
    ct = ContentType.objects.get_for_model(Engagement)
    erin_web, oscar_web = Client(), Client()
    erin_web.force_login(people.erin)
    oscar_web.force_login(people.oscar)
    erin, oscar = api("erin"), api("oscar")
    for n in SIZES:
        for i in range(Notification.objects.filter(recipient=people.erin).count(), n):
            Notification.objects.create(
                recipient=people.erin,
                event="engagement.moved",
                title=f"Note {i}",
                url=f"/engagements/{engagement.pk}/",
                target_type=ct,
                target_id=str(engagement.pk),
            )
        for i in range(OutboxMessage.objects.filter(target="gitlab").count(), n):
            m = OutboxMessage.objects.create(
                target="gitlab",
                operation="issue_upsert",
                event="engagement.moved",
                payload={"title": f"Issue {i}"},
                idempotency_key=f"qc-{i}",
                status=OutboxStatus.RETRYING if i % 2 else OutboxStatus.SENT,
                source_type=ct,
                source_id=str(engagement.pk),
                attempts=1,
                sent_at=None if i % 2 else clock.now(),
            )
            OutboxAttempt.objects.create(message=m, outcome="error", error="503")
        counts.at(n)
        counts.measure("notifications.inbox", erin_web.get, "/notifications/", f"Note {n - 1}")
        counts.measure("api.notifications", erin.get, "/api/v1/notifications", f"Note {n - 1}")
        counts.measure("notifications.outbox", oscar_web.get, "/notifications/outbox/")
        counts.measure("api.outbox.messages", oscar.get, "/api/v1/outbox/messages")
        assert oscar.get("/api/v1/outbox/messages", target="gitlab").json()["count"] == n
        why = {"model": "engagements.engagement", "id": str(engagement.pk)}
        counts.measure("api.outbox.why", oscar.get, "/api/v1/outbox/why", **why)
        assert len([m for m in oscar.get("/api/v1/outbox/why", **why).json() if m["target"] == "gitlab"]) == n
    counts.check()
