"""The SLA sweep's notifications, routed for real: who hears about a swept timer (owners,
preferences, PubSec), what they receive (in-app text, the email over real SMTP after the worker
delivers it, the chat message), in a number of queries that does not grow with the timers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from psdesk.core.testing.query_counts import SIZES, assert_expected_query_count
from psdesk.notifications.events import PUBSEC_CHANNEL
from psdesk.notifications.links import link_for
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.notifications.services import preference_set
from psdesk.notifications.tasks import outbox_deliver_task
from psdesk.sla.services import sla_sweep, timer_start
from psdesk.sla.tests.test_sla import FRI_16

pytestmark = pytest.mark.django_db

TITLE = "[PS Desk] SLA breached: {} - Scope Issue and Write SOW"


@pytest.fixture
def overdue(people: Any, make_account: Any, make_engagement: Any) -> Any:
    """overdue(name, owner=..., em=..., pubsec=...) → an engagement whose `sow_draft` timer is past due."""

    def make(name: str, *, owner: Any = None, em: str = "erin", pubsec: bool = False) -> Any:
        eng = make_engagement(make_account(name, owner=owner or people.sam, pubsec=pubsec), em=em)
        timer_start(policy_key="sow_draft", target=eng, started_at=FRI_16 - timedelta(days=30))
        return eng

    return make


def _fresh() -> None:
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()


def test_the_sweep_query_count_does_not_grow_with_the_timers_pubsec_ones_included(
    people: Any, overdue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """3 and 15 swept timers (every fifth on a PubSec account) cost the same queries, held to the
    `sla.sweep_notify` baseline, the commit-time stamp and the worker wake-up after commit included."""

    def sweep(n: int) -> int:
        for i in range(n):
            pubsec = i % 5 == 4
            overdue(f"Acct {n}-{i}", owner=people.pat if pubsec else people.sam, em="pat" if pubsec else "erin")
        _fresh()
        with (
            django_capture_on_commit_callbacks(execute=True),
            assert_expected_query_count("sla.sweep_notify") as ctx,
        ):
            result = sla_sweep(now=FRI_16)
        assert (result.breached, result.notified) == (n, n)
        return len(ctx.captured_queries)

    few, many = (sweep(n) for n in SIZES)
    assert few == many  # also when refreshing the baseline
    public, pubsec = SIZES[1] - SIZES[1] // 5, SIZES[1] // 5
    assert Notification.objects.count() == public * 2 + pubsec  # erin + sam each, pat once on the PubSec ones
    assert OutboxMessage.objects.filter(committed_at__isnull=True).count() == 0  # stamped after commit


def test_each_swept_timer_is_announced_with_its_real_text_once(people: Any, overdue: Any) -> None:
    eng = overdue("Northwind")
    _fresh()
    assert sla_sweep(now=FRI_16).notified == 1
    erin = Notification.objects.get(recipient=people.erin)
    assert erin.title == TITLE.format("Northwind")
    assert erin.body.startswith(f"SLA breached: {eng}.")
    assert erin.url == link_for(eng) and erin.url.startswith("http")
    email = OutboxMessage.objects.get(target="email", destination=people.erin.email)
    assert email.payload["to"] == [people.erin.email] and email.payload["subject"] == TITLE.format("Northwind")
    assert erin.url in email.payload["body"] and erin.url in email.payload["html"]
    chat = OutboxMessage.objects.get(target="chat")
    assert chat.destination == "#ps-engagement-mgrs" and "Northwind" in chat.payload["text"]
    assert len({m.idempotency_key for m in OutboxMessage.objects.all()}) == 3  # one message each
    assert sla_sweep(now=FRI_16).notified == 0  # again: nothing new
    assert Notification.objects.count() == 2 and OutboxMessage.objects.count() == 3


def test_preferences_switch_channels_off_per_person_in_the_sweep(people: Any, overdue: Any) -> None:
    overdue("Northwind")
    preference_set(user=people.erin, channel="email", enabled=False, event="sla.breached")
    preference_set(user=people.sam, channel="in_app", enabled=False)  # every event
    _fresh()
    sla_sweep(now=FRI_16)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["erin"]
    assert list(OutboxMessage.objects.filter(target="email").values_list("destination", flat=True)) == [
        people.sam.email
    ]


def test_a_swept_pubsec_timer_reaches_only_pubsec_members_and_the_private_channel(people: Any, overdue: Any) -> None:
    overdue("Department of Secrets", owner=people.alice, em="pat", pubsec=True)  # alice is no member
    overdue("Acme Corp")
    _fresh()
    assert sla_sweep(now=FRI_16).notified == 2
    chats = {m.destination: m for m in OutboxMessage.objects.filter(target="chat")}
    assert "Department of Secrets" in chats[PUBSEC_CHANNEL].payload["text"] and chats[PUBSEC_CHANNEL].pubsec
    assert "Department of Secrets" not in chats["#ps-engagement-mgrs"].payload["text"]
    pubsec_rows = Notification.objects.filter(title__contains="Department of Secrets")
    assert list(pubsec_rows.values_list("recipient__username", flat=True)) == ["pat"]
    assert list(OutboxMessage.objects.filter(pubsec=True, target="email").values_list("destination", flat=True)) == [
        people.pat.email
    ]
    assert not [m for m in OutboxMessage.objects.filter(pubsec=False) if "Secrets" in str(m.payload)]
    assert not Notification.objects.filter(recipient=people.alice).exists()


def test_a_swept_timers_email_reaches_the_smtp_server_through_the_woken_worker(
    people: Any, overdue: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    inbox, port = smtp_server
    overdue("Northwind")
    _fresh()
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=FRI_16)
    woken = DBTaskResult.objects.filter(task_path=outbox_deliver_task.module_path, status="READY")
    assert woken.count() == 1  # one wake-up for the whole sweep
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers):
        outbox_deliver_task.call(**woken.get().args_kwargs["kwargs"])  # what the worker runs
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    got = {tuple(env.rcpt_tos): env.content.decode() for env in inbox.messages}
    assert set(got) == {(people.erin.email,), (people.sam.email,)}
    mail = got[(people.erin.email,)]
    assert "Subject: [PS Desk] SLA breached: Northwind - Scope Issue and Write SOW" in mail
    assert "multipart/alternative" in mail and "text/html" in mail
