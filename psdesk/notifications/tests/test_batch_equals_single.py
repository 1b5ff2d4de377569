"""A batch (`notify_many`, the SLA sweep's path) writes byte for byte what `notify()` writes for
each of its targets: the in-app title, body and link, every email's subject, text and HTML part,
and the chat message; and the batch's links (one reverse() per model) equal `link_for`."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from psdesk.crm.choices import RecordType
from psdesk.crm.models import Opportunity
from psdesk.notifications.links import Links, link_for
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.notifications.services import Notice, notify, notify_many

pytestmark = pytest.mark.django_db


def _written() -> list[tuple[Any, ...]]:
    """What was written, in a comparable order (ids, keys and times aside), then cleared."""
    rows: list[tuple[Any, ...]] = [
        ("in_app", n.recipient_id, n.event, n.title, n.body, n.url, n.target_type_id, n.target_id)
        for n in Notification.objects.order_by("target_id", "recipient_id")
    ]
    rows += [
        ("outbox", m.target, m.destination, m.event, m.payload, m.pubsec, m.source_type_id, m.source_id)
        for m in OutboxMessage.objects.order_by("source_id", "target", "destination")
    ]
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    return rows


@override_settings(PSDESK_SITE_URL="https://ps.example.com/desk/")
def test_a_batch_writes_exactly_what_notify_writes_for_each_target(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    targets = [
        make_engagement(make_account("Northwind <&> Co", owner=people.sam), em="erin"),
        make_engagement(make_account("Department of Secrets", owner=people.pat, pubsec=True), em="pat"),
        make_engagement(make_account("Acme Corp", owner=people.alice), em="erin"),
    ]
    contexts = [{"policy": f"Policy {i}", "detail": f"due <{i}> & soon"} for i in range(len(targets))]
    _written()
    for event in ("sla.breached", "sla.at_risk"):
        for target, context in zip(targets, contexts, strict=True):
            notify(event=event, target=target, context=context)
        single = _written()
        notify_many(event=event, notices=[Notice(target=t, context=c) for t, c in zip(targets, contexts, strict=True)])
        batch = _written()
        assert len(batch) > 2 * len(targets)  # emails, in-app rows and chat messages were all written
        assert batch == single


@override_settings(PSDESK_SITE_URL="https://ps.example.com")
def test_batch_links_equal_link_for_on_every_kind_of_target(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    acc = make_account("Acme Corp", owner=people.alice)
    opp = Opportunity.objects.create(name="Acme PS", account=acc, owner=people.alice, record_type=RecordType.LICENSE)
    engagements = [make_engagement(acc, em="erin"), make_engagement(make_account("Other", owner=people.sam))]
    links = Links()
    for target in [*engagements, acc, opp, people.erin, *engagements]:
        assert links.of(target) == link_for(target)
    assert links.of(engagements[0]) == f"https://ps.example.com/engagements/{engagements[0].pk}/"
