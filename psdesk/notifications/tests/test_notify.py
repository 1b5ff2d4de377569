from __future__ import annotations

from typing import Any

import pytest

from psdesk.notifications.events import EVENTS, PUBSEC_CHANNEL
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.notifications.services import notify, preference_set

pytestmark = pytest.mark.django_db


def test_unknown_event_is_refused_loudly_and_writes_nothing(engagement: Any, people: Any) -> None:
    before = (Notification.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(ValueError, match="Unknown notification event"):
        notify(event="engagement.creatd", target=engagement, actor=people.sam)
    assert (Notification.objects.count(), OutboxMessage.objects.count()) == before


def test_estimate_ready_reaches_em_and_account_owner_in_app_email_and_ps_channel(engagement: Any, people: Any) -> None:
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    notify(event="estimate.ready_for_review", target=engagement, actor=people.tara, recipients=[people.rory])
    got = sorted(Notification.objects.values_list("recipient__username", flat=True))
    assert got == ["alice", "erin", "rory"]
    n = Notification.objects.get(recipient=people.erin)
    assert n.title == "[PS Desk] Estimate ready for review: Acme Corp - Scope Issue and Write SOW"
    assert n.body.startswith("Estimate ready for review: Acme Corp - Scope Issue and Write SOW (by Tara Thompson).")
    emails = sorted(OutboxMessage.objects.filter(target="email").values_list("destination", flat=True))
    assert emails == ["alice@psdesk.example", "erin@psdesk.example", "rory@psdesk.example"]
    chat = OutboxMessage.objects.get(target="chat")
    assert chat.destination == "#professional-services"
    assert chat.status == "queued" and chat.pubsec is False
    assert "Acme Corp" in chat.payload["text"]


def test_the_actor_is_not_notified_of_their_own_move_unless_named(engagement: Any, people: Any) -> None:
    Notification.objects.all().delete()
    notify(event="board.moved", target=engagement, actor=people.erin, context={"source": "Open", "state": "X"})
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]
    assert not OutboxMessage.objects.filter(event="board.moved").exists()


def test_a_preference_switches_email_off_for_one_event(engagement: Any, people: Any) -> None:
    OutboxMessage.objects.all().delete()
    preference_set(user=people.erin, channel="email", enabled=False, event="sow.released")
    notify(event="sow.released", target=engagement, actor=people.sam)
    assert sorted(OutboxMessage.objects.filter(target="email").values_list("destination", flat=True)) == [
        "alice@psdesk.example"
    ]
    notify(event="sow.signed", target=engagement, actor=people.sam)
    assert OutboxMessage.objects.filter(target="email", event="sow.signed").count() == 2


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_about_a_pubsec_engagement_stays_with_pubsec_members(
    event: str, pubsec_engagement: Any, people: Any
) -> None:
    """The sweep: no public channel, no non-member, for every registered event type."""
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    everyone = [p for p in people.values()]
    notify(
        event=event,
        target=pubsec_engagement,
        actor=people.sam,
        recipients=everyone,
        context={"amount": "USD 1,000,000"},
    )
    assert set(Notification.objects.values_list("recipient__username", flat=True)) <= {"pat"}
    for msg in OutboxMessage.objects.all():
        assert msg.pubsec is True
        if msg.target == "chat":
            assert msg.destination == PUBSEC_CHANNEL
        else:
            assert msg.destination == "pat@psdesk.example"
    for msg in OutboxMessage.objects.exclude(destination__in=[PUBSEC_CHANNEL, "pat@psdesk.example"]):
        raise AssertionError(f"leaked to {msg.destination}")


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_renders_for_a_plain_engagement(event: str, engagement: Any, people: Any) -> None:
    notify(event=event, target=engagement, actor=people.sam, context={"source": "a", "state": "b"})
    assert "Department of Secrets" not in "".join(str(m.payload) for m in OutboxMessage.objects.all())
