from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from psdesk.integrations.chat.fake import FakeChat
from psdesk.integrations.email.fake import FakeMailer
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import adapter_override
from psdesk.notifications.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_inbox_page_shows_unread_notifications(engagement: Any, people: Any) -> None:
    page = _client(people.erin).get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 unread" in html and "New engagement: Acme Corp - Scope Issue and Write SOW" in html
    _client(people.erin).post("/notifications/read")
    assert Notification.objects.filter(recipient=people.erin, read_at__isnull=True).count() == 0


def test_the_outbox_page_is_for_ops_and_explains_each_message(engagement: Any, people: Any) -> None:
    assert _client(people.erin).get("/notifications/outbox/").status_code == 403
    page = _client(people.oscar).get("/notifications/outbox/")
    assert page.status_code == 200
    assert (
        'data-target="chat"' in page.content.decode()
        and "Queued; the worker delivers it shortly" in page.content.decode()
    )
    msg = OutboxMessage.objects.get(target="chat")
    assert _client(people.oscar).get(f"/notifications/outbox/{msg.pk}/").status_code == 200


def test_the_outbox_detail_of_a_pubsec_message_is_404_for_non_members(pubsec_engagement: Any, people: Any) -> None:
    msg = OutboxMessage.objects.get(target="chat", pubsec=True)
    assert _client(people.oscar).get(f"/notifications/outbox/{msg.pk}/").status_code == 404
    assert "Department of Secrets" not in _client(people.oscar).get("/notifications/outbox/").content.decode()


def test_outbox_deliver_and_status_commands(frozen_clock: Any, engagement: Any) -> None:
    out = StringIO()
    with adapter_override("chat", FakeChat()), adapter_override("email", FakeMailer()):
        call_command("outbox", "deliver", stdout=out)
    assert out.getvalue().strip() == "sent 3"
    out = StringIO()
    call_command("outbox", "status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[1].split()[:5] == ["chat", "0", "0", "1", "0"]


def test_outbox_replay_and_why_commands(frozen_clock: Any, engagement: Any, people: Any) -> None:
    chat = FakeChat()
    chat.fail_next(IntegrationError("Slack refused: is_archived", permanent=True))
    with adapter_override("chat", chat), adapter_override("email", FakeMailer()):
        call_command("outbox", "deliver", stdout=StringIO())
    msg = OutboxMessage.objects.get(target="chat")
    out = StringIO()
    call_command("outbox", "why", "engagements.engagement", str(engagement.pk), stdout=out)
    assert (
        f"#{msg.pk} chat.send → #professional-services [parked] Parked after 1 attempt(s): Slack refused: is_archived"
        in out.getvalue()
    )
    out = StringIO()
    call_command("outbox", "replay", str(msg.pk), "--as", "oscar", stdout=out)
    assert out.getvalue().strip() == f"#{msg.pk} queued again"
    with pytest.raises(CommandError):
        call_command("outbox", "replay", "999999", "--as", "oscar")


def test_notify_test_chat_sends_through_the_configured_adapter(frozen_clock: Any) -> None:
    chat = FakeChat()
    out = StringIO()
    with adapter_override("chat", chat):
        call_command("notify", "test", "chat", "--to", "#ps-desk-test", stdout=out)
    assert "→ #ps-desk-test: sent." in out.getvalue()
    assert chat.effects[0][1]["channel"] == "#ps-desk-test"


def test_notify_test_email_failure_exits_non_zero(frozen_clock: Any) -> None:
    mail = FakeMailer()
    mail.fail_next(IntegrationError("SMTP unreachable: Connection refused", permanent=False))
    with adapter_override("email", mail), pytest.raises(CommandError, match="SMTP unreachable"):
        call_command("notify", "test", "email", "--to", "ops@example.com", stdout=StringIO())


def test_notify_test_in_app(people: Any) -> None:
    call_command("notify", "test", "in_app", "--to", "erin", stdout=StringIO())
    assert Notification.objects.get(recipient=people.erin, event="notify.test").title == (
        "[PS Desk] Test notification:"
    )


def test_outbox_inflight_lists_what_is_being_delivered_and_whose_lease_ran_out(frozen_clock: Any) -> None:
    from psdesk.notifications.delivery import _claim, _start
    from psdesk.notifications.services import outbox_enqueue

    out = StringIO()
    call_command("outbox", "inflight", stdout=out)
    assert out.getvalue().strip() == "Nothing is being delivered."
    m = outbox_enqueue(target="chat", operation="send", payload={"channel": "#ps", "text": "x"})
    claimed, _ = _claim(m.pk)
    assert claimed is not None and _start(claimed, 10)
    frozen_clock.advance(seconds=4)
    out = StringIO()
    call_command("outbox", "inflight", stdout=out)
    assert out.getvalue().strip() == f"#{m.pk} chat.send call 4.0 s, lease 6.0 s left, attempts 1, 429s 0"
    frozen_clock.advance(seconds=7)
    out = StringIO()
    call_command("outbox", "inflight", stdout=out)
    assert "lease ran out: the next sweep takes it over" in out.getvalue()
