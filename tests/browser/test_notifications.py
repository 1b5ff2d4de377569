"""Notifications journey: an EM reads their notifications; PS Ops finds a parked message, reads why,
and replays it."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.integrations.chat.fake import FakeChat
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import adapter_override
from psdesk.notifications.delivery import outbox_deliver_one
from psdesk.notifications.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_em_sees_the_unread_count_and_marks_everything_read(
    page: Any, live_server: Any, login: Any, make_engagement: Any
) -> None:
    make_engagement(title="Acme Corp - Scope Issue and Write SOW")
    login(page, "erin")
    page.goto(f"{live_server.url}/notifications/")
    assert page.locator("h1 .count").inner_text() == "1 unread"
    assert page.locator("li.unread strong").inner_text() == (
        "[PS Desk] New engagement: Acme Corp - Scope Issue and Write SOW"
    )
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert page.locator("h1 .count").inner_text() == "0 unread"


def test_ps_ops_reads_why_a_message_is_parked_and_replays_it(
    page: Any, live_server: Any, login: Any, make_engagement: Any
) -> None:
    make_engagement()
    msg = OutboxMessage.objects.get(target="chat")
    chat = FakeChat()
    chat.fail_next(IntegrationError("Slack refused: channel_not_found", permanent=True))
    with adapter_override("chat", chat):
        outbox_deliver_one(message_id=msg.pk)
    login(page, "oscar")
    page.goto(f"{live_server.url}/notifications/outbox/")
    row = page.locator('tr[data-target="chat"]')
    assert row.locator("td").nth(4).inner_text() == "1"  # parked
    page.get_by_role("link", name=str(msg.pk), exact=True).click()
    assert page.locator(".why").inner_text() == (
        "Why: Parked after 1 attempt(s): Slack refused: channel_not_found. Fix the cause, then replay it."
    )
    page.get_by_role("button", name="Replay now").click()
    page.locator(".why").filter(has_text="Queued").wait_for()
    msg.refresh_from_db()
    assert (msg.status, msg.attempts) == ("queued", 0)
