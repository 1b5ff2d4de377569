"""A batch (`notify_many`, the SLA sweep's path) writes byte for byte what `notify()` writes for
each of its targets: the in-app title, body and link, every email's subject, text and HTML part,
and the chat message; and the batch's links (one reverse() per model) equal `link_for`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse

from psdesk.branding.models import VendorProfile
from psdesk.crm.choices import RecordType
from psdesk.crm.models import Opportunity
from psdesk.notifications.emails import EmailRenderer, email_render
from psdesk.notifications.links import Links, link_for, site_url
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


def _rendered_alone(name: str, subject: str, context: dict[str, Any], base: dict[str, Any]) -> tuple[str, str]:
    """Both parts as a fresh render through the template backend (a new Context per part) gives."""
    ctx = {**base, **context, "subject": subject}
    text = get_template(f"notifications/email/{name}.txt").render(ctx)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", get_template(f"notifications/email/{name}.html").render(ctx)


def test_one_renderer_gives_every_email_what_a_fresh_render_gives_and_nothing_leaks_between_them() -> None:
    profile = VendorProfile(legal_name="Vendor <Legal> GmbH", brand_name="Vendor", brand_colour="#112233")
    base = {
        "brand": "Vendor",
        "vendor": "Vendor <Legal> GmbH",
        "brand_colour": "#112233",
        "vendor_footer": "Vendor <Legal> GmbH",
        "preferences_url": site_url(reverse("notifications:preferences")),
    }
    emails = [
        ("notification", "SLA breached: A & B", {"label": "SLA breached", "body": "x <y>\nhttp://h/1/", "url": ""}),
        (
            "notification",
            "Second",
            {"label": "L", "body": "b", "html_body": "see https://www.example.org/a.", "url": "http://h/2/"},
        ),
        ("notification", "Own brand", {"label": "L", "body": "b", "brand": "Overridden", "link_label": "Go"}),
        ("notification", "Third", {"label": "L", "body": "plain"}),  # no url, no link_label: nothing left over
    ]
    renderer = EmailRenderer(name="notification", profile=profile)
    for name, subject, context in emails:
        got = renderer.render(subject=subject, context=context)
        assert (got.text, got.html) == _rendered_alone(name, subject, context, base)
        assert got == email_render(name=name, subject=subject, context=context, profile=profile)
