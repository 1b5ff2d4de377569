from __future__ import annotations

from typing import Any

import pytest

from psdesk.integrations.chat.fake import FakeChat
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import adapter_override
from psdesk.notifications.delivery import outbox_deliver_one
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_my_notifications_come_with_the_unread_count_and_can_be_marked_read(
    api: Any, engagement: Any, people: Any
) -> None:
    notify(event="sow.released", target=engagement, actor=people.sam)
    r = api("erin").get("/api/v1/notifications")
    assert r.status_code == 200
    body = r.json()
    assert body["unread"] == 2 and body["count"] == 2
    assert [i["event"] for i in body["items"]] == ["sow.released", "engagement.created"]
    first = body["items"][0]["id"]
    r = api("erin").post("/api/v1/notifications/read", {"ids": [first]})
    assert r.json() == {"changed": 1, "unread": 1}
    assert api("erin").get("/api/v1/notifications", unread_only="true").json()["count"] == 1
    assert api("erin").post("/api/v1/notifications/read").json() == {"changed": 1, "unread": 0}


def test_nobody_reads_or_marks_another_users_notifications(api: Any, engagement: Any, people: Any) -> None:
    theirs = Notification.objects.filter(recipient=people.erin).values_list("id", flat=True).first()
    assert theirs is not None
    assert api("olga").get("/api/v1/notifications").json()["count"] == 0
    assert api("olga").post("/api/v1/notifications/read", {"ids": [theirs]}).json()["changed"] == 0
    assert Notification.objects.get(pk=theirs).read_at is None


def test_read_with_a_list_body_is_refused(api: Any, people: Any) -> None:
    assert api("erin").post("/api/v1/notifications/read", [None, None]).status_code == 400


def test_an_unknown_outbox_status_filter_is_422(api: Any, people: Any) -> None:
    assert api("oscar").get("/api/v1/outbox/messages", status="lost").status_code == 422


def test_pagination_is_bounded(api: Any, people: Any) -> None:
    assert api("erin").get("/api/v1/notifications", limit=201).status_code == 422
    assert api("oscar").get("/api/v1/outbox/messages", limit=0).status_code == 422


def test_preferences_are_set_per_event_and_channel(api: Any, people: Any) -> None:
    r = api("erin").put(
        "/api/v1/notifications/preferences", {"event": "board.moved", "channel": "in_app", "enabled": False}
    )
    assert r.status_code == 200
    assert api("erin").get("/api/v1/notifications/preferences").json() == [
        {"event": "board.moved", "channel": "in_app", "enabled": False}
    ]
    bad = api("erin").put("/api/v1/notifications/preferences", {"event": "nope", "channel": "in_app", "enabled": False})
    assert bad.status_code == 422 and bad.json()["message"].startswith("event: String should match pattern")
    bad = api("erin").put("/api/v1/notifications/preferences", {"channel": "pager", "enabled": True})
    assert bad.status_code == 422


@pytest.mark.parametrize(("user", "status"), [("oscar", 200), ("leo", 200), ("erin", 403), ("olga", 403), ("pat", 403)])
def test_outbox_status_is_for_ps_ops_and_leadership(api: Any, user: str, status: int) -> None:
    assert api(user).get("/api/v1/outbox/status").status_code == status


def test_outbox_status_counts_per_target(frozen_clock: Any, api: Any, engagement: Any) -> None:
    chat = FakeChat()
    chat.fail_next(IntegrationError("Slack refused: channel_not_found", permanent=True))
    msg = OutboxMessage.objects.get(target="chat")
    with adapter_override("chat", chat):
        outbox_deliver_one(message_id=msg.pk)
    rows = {r["target"]: r for r in api("oscar").get("/api/v1/outbox/status").json()}
    assert rows["chat"]["parked"] == 1 and rows["chat"]["queued"] == 0
    assert rows["chat"]["last_error"] == "Slack refused: channel_not_found"
    assert rows["chat"]["budget_capacity"] == 20 and rows["chat"]["budget_tokens"] == 19
    assert rows["email"]["queued"] == 2


def test_ops_replays_a_parked_message_and_a_viewer_may_not(frozen_clock: Any, api: Any, engagement: Any) -> None:
    chat = FakeChat()
    chat.fail_next(IntegrationError("Slack refused: not_in_channel", permanent=True))
    msg = OutboxMessage.objects.get(target="chat")
    with adapter_override("chat", chat):
        outbox_deliver_one(message_id=msg.pk)
    url = f"/api/v1/outbox/messages/{msg.pk}/replay"
    assert api("leo").post(url).status_code == 403
    msg.refresh_from_db()
    assert msg.status == "parked"
    r = api("oscar").post(url)
    assert r.status_code == 200 and r.json()["status"] == "queued"
    assert r.json()["why"].startswith("Queued")
    assert api("oscar").post(url).status_code == 409


def test_why_didnt_this_sync_lists_the_records_messages_with_reasons(
    frozen_clock: Any, api: Any, engagement: Any
) -> None:
    chat = FakeChat()
    chat.fail_next(IntegrationError("Slack unreachable: Connection refused", permanent=False))
    msg = OutboxMessage.objects.get(target="chat")
    with adapter_override("chat", chat):
        outbox_deliver_one(message_id=msg.pk)
    r = api("oscar").get("/api/v1/outbox/why", model="engagements.engagement", id=str(engagement.pk))
    assert r.status_code == 200
    chat_row = next(m for m in r.json() if m["target"] == "chat")
    assert chat_row["why"].startswith("Attempt 1 failed: Slack unreachable: Connection refused. Next attempt at ")
    detail = api("oscar").get(f"/api/v1/outbox/messages/{msg.pk}").json()
    assert detail["attempt_log"][0]["outcome"] == "retrying"
    assert api("oscar").get("/api/v1/outbox/why", model="nope.nothing", id="1").status_code == 404


def test_pubsec_outbox_rows_are_invisible_to_non_members(api: Any, pubsec_engagement: Any, people: Any) -> None:
    people.oscar.groups.add(*people.pat.groups.filter(name="us_public_sector"))
    msg = OutboxMessage.objects.get(target="chat", pubsec=True)
    people.oscar.groups.remove(*people.pat.groups.filter(name="us_public_sector"))
    from django.contrib.auth.models import Permission

    people.pat.user_permissions.add(Permission.objects.get(codename="view_outbox"))
    assert api("oscar").get(f"/api/v1/outbox/messages/{msg.pk}").status_code == 404
    assert msg.pk not in [m["id"] for m in api("oscar").get("/api/v1/outbox/messages").json()["items"]]
    assert api("pat").get(f"/api/v1/outbox/messages/{msg.pk}").status_code == 200
