from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from psdesk.integrations.chat.fake import FakeChat
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import adapter_override
from psdesk.notifications.delivery import _claim, _start, backoff_seconds, outbox_deliver_due, outbox_deliver_one
from psdesk.notifications.models import OutboxMessage, TargetBudget
from psdesk.notifications.services import outbox_enqueue, outbox_replay

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    with adapter_override("chat", FakeChat()) as fake:
        yield fake


def _msg(text: str = "hello", key: str | None = None) -> OutboxMessage:
    return outbox_enqueue(
        target="chat",
        operation="send",
        destination="#professional-services",
        payload={"channel": "#professional-services", "text": text},
        idempotency_key=key,
    )


def test_a_due_message_is_delivered_once_and_marked_sent(frozen_clock: Any, chat: FakeChat) -> None:
    m = _msg()
    assert outbox_deliver_due() == 1
    assert outbox_deliver_due() == 0
    m.refresh_from_db()
    assert (m.status, m.attempts, m.sent_at, m.last_error) == ("sent", 1, frozen_clock.at, "")
    assert m.external_id == "fake-1"
    assert chat.effects == [("send", {"channel": "#professional-services", "text": "hello", "blocks": None})]
    assert list(m.attempt_log.values_list("outcome", flat=True)) == ["sent"]


def test_a_target_that_is_down_is_retried_with_backoff_then_delivered_exactly_once(
    frozen_clock: Any, chat: FakeChat
) -> None:
    down = IntegrationError("Slack unreachable: Connection refused", permanent=False)
    chat.fail_next(down, down)
    m = _msg()
    assert outbox_deliver_one(message_id=m.pk).result == "retrying"
    m.refresh_from_db()
    assert m.status == "retrying" and m.attempts == 1
    assert m.last_error == "Slack unreachable: Connection refused"
    first_wait = (m.next_attempt_at - frozen_clock.at).total_seconds()
    assert 1.0 <= first_wait <= 2.0  # base 2 s x jitter in [0.5, 1]
    assert outbox_deliver_one(message_id=m.pk).result == "skipped"  # not due yet
    frozen_clock.advance(seconds=first_wait)
    assert outbox_deliver_one(message_id=m.pk).result == "retrying"
    m.refresh_from_db()
    second_wait = (m.next_attempt_at - frozen_clock.at).total_seconds()
    assert 2.0 <= second_wait <= 4.0
    frozen_clock.advance(seconds=second_wait)
    assert outbox_deliver_due() == 1
    m.refresh_from_db()
    assert (m.status, m.attempts) == ("sent", 3)
    assert len(chat.effects) == 1 and len(chat.calls) == 3
    assert list(m.attempt_log.values_list("outcome", flat=True)) == ["retrying", "retrying", "sent"]


def test_a_429_with_retry_after_waits_exactly_that_long_for_the_whole_target(frozen_clock: Any, chat: FakeChat) -> None:
    chat.fail_next(IntegrationError("Slack HTTP 429: ratelimited", permanent=False, retry_after=30))
    m1, m2 = _msg("one"), _msg("two")
    assert outbox_deliver_one(message_id=m1.pk).result == "retrying"
    m1.refresh_from_db()
    assert m1.next_attempt_at == frozen_clock.at + timedelta(seconds=30)
    assert outbox_deliver_one(message_id=m2.pk).result == "throttled"
    m2.refresh_from_db()
    assert m2.next_attempt_at == frozen_clock.at + timedelta(seconds=30) and m2.attempts == 0
    frozen_clock.advance(seconds=29)
    assert outbox_deliver_due() == 0
    frozen_clock.advance(seconds=1)
    assert outbox_deliver_due() == 2
    assert [d["text"] for _, d in chat.effects] == ["one", "two"]


def test_a_permanent_4xx_is_parked_with_its_reason_and_not_retried(frozen_clock: Any, chat: FakeChat) -> None:
    chat.fail_next(IntegrationError("Slack refused: channel_not_found", permanent=True))
    m = _msg()
    assert outbox_deliver_one(message_id=m.pk).result == "parked"
    frozen_clock.advance(days=1)
    assert outbox_deliver_due() == 0
    m.refresh_from_db()
    assert (m.status, m.last_error, m.attempts) == ("parked", "Slack refused: channel_not_found", 1)
    assert chat.effects == []


def test_attempts_exhausted_park_the_message(frozen_clock: Any, chat: FakeChat) -> None:
    m = _msg()
    TargetBudget.objects.filter(target="chat").delete()
    from psdesk.notifications.delivery import budget_for

    b = budget_for("chat")
    b.max_attempts = 2
    b.save()
    chat.fail_next(*[IntegrationError("HTTP 503: busy", permanent=False)] * 2)
    outbox_deliver_one(message_id=m.pk)
    frozen_clock.advance(hours=1)
    assert outbox_deliver_one(message_id=m.pk).result == "parked"
    m.refresh_from_db()
    assert m.last_error == "gave up after 2 attempts: HTTP 503: busy"


def test_replay_requeues_a_parked_message_and_it_is_delivered(frozen_clock: Any, chat: FakeChat, people: Any) -> None:
    from psdesk.audit.models import AuditEvent

    chat.fail_next(IntegrationError("Slack refused: not_in_channel", permanent=True))
    m = _msg()
    outbox_deliver_one(message_id=m.pk)
    outbox_replay(message_id=m.pk, actor=people.oscar)
    m.refresh_from_db()
    assert (m.status, m.attempts) == ("queued", 0)
    ev = AuditEvent.objects.filter(verb="notifications.outbox_replayed").get()
    assert ev.actor == people.oscar and ev.before == {"status": "parked", "last_error": "Slack refused: not_in_channel"}
    assert outbox_deliver_due() == 1
    assert len(chat.effects) == 1


def test_replaying_a_sent_message_is_refused_and_changes_nothing(
    frozen_clock: Any, chat: FakeChat, people: Any
) -> None:
    from psdesk.audit.models import AuditEvent
    from psdesk.core.errors import Conflict

    m = _msg()
    outbox_deliver_due()
    with pytest.raises(Conflict):
        outbox_replay(message_id=m.pk, actor=people.oscar)
    m.refresh_from_db()
    assert m.status == "sent"
    assert not AuditEvent.objects.filter(verb="notifications.outbox_replayed").exists()


def test_a_worker_killed_mid_call_is_taken_over_when_its_short_lease_runs_out(
    frozen_clock: Any, chat: FakeChat
) -> None:
    m = _msg("only once")
    claimed, state = _claim(m.pk)  # worker A claims ...
    assert state == "claimed" and claimed is not None
    assert _start(claimed, 10)
    chat.send(channel="#professional-services", text="only once", idempotency_key=m.idempotency_key)
    # ... the target got it, and worker A dies before recording "sent".
    assert outbox_deliver_due() == 0  # lease still held: nobody else touches it
    frozen_clock.advance(seconds=10.001)  # the chat budget's lease_seconds
    assert outbox_deliver_due() == 1  # lease expired: worker B redelivers with the same key
    m.refresh_from_db()
    assert (m.status, m.attempts) == ("sent", 2)
    assert list(m.attempt_log.values_list("outcome", flat=True)) == ["abandoned", "sent"]
    assert len(chat.calls) == 2 and len(chat.effects) == 1


class _Killed(BaseException):
    """What a SIGKILL looks like from inside the batch: nothing after it runs."""


def test_each_success_is_recorded_as_soon_as_the_target_accepts_it(frozen_clock: Any) -> None:
    class DiesOnSecond(FakeChat):
        def send(self, **kw: Any) -> Any:
            if len(self.calls) == 1:
                self.calls.append(("send", kw))
                raise _Killed
            return super().send(**kw)

    chat = DiesOnSecond()
    first, second, third = _msg("1"), _msg("2"), _msg("3")
    wakes: list[Any] = []
    with adapter_override("chat", chat), pytest.raises(_Killed):
        outbox_deliver_due(wake=lambda *, at: wakes.append(at))
    rows = {m.pk: (m.status, m.attempts) for m in OutboxMessage.objects.all()}
    assert rows == {first.pk: ("sent", 1), second.pk: ("delivering", 1), third.pk: ("delivering", 0)}
    assert wakes == [frozen_clock.at + timedelta(seconds=10)]  # a sweep when the lease runs out
    frozen_clock.advance(seconds=11)
    with adapter_override("chat", FakeChat()) as after:
        assert outbox_deliver_due() == 2
    assert [d["text"] for _, d in after.effects] == ["2", "3"]  # the first is not sent again


def test_a_429_pauses_the_target_and_costs_no_attempt_so_a_throttled_message_is_never_parked(
    frozen_clock: Any, chat: FakeChat
) -> None:
    TargetBudget.objects.update_or_create(target="chat", defaults={"max_attempts": 2})
    throttled = IntegrationError("Slack HTTP 429: ratelimited", permanent=False, retry_after=3, throttled=True)
    chat.fail_next(*[throttled] * 10)
    m, other = _msg("one"), _msg("two")
    for _ in range(10):
        assert outbox_deliver_one(message_id=m.pk).result == "throttled"
        assert outbox_deliver_one(message_id=other.pk).result == "throttled"  # the whole target waits
        frozen_clock.advance(seconds=3)
    m.refresh_from_db()
    assert (m.status, m.attempts, m.throttled) == ("queued", 0, 10)
    assert m.next_attempt_at == frozen_clock.at
    assert outbox_deliver_due() == 2
    m.refresh_from_db()
    assert (m.status, m.attempts) == ("sent", 1)
    assert list(m.attempt_log.values_list("outcome", flat=True)) == ["throttled"] * 10 + ["sent"]


def test_a_429_without_retry_after_pauses_the_target_for_the_budgets_throttle_pause(
    frozen_clock: Any, chat: FakeChat
) -> None:
    TargetBudget.objects.update_or_create(target="chat", defaults={"throttle_pause_seconds": 7})
    chat.fail_next(IntegrationError("Slack HTTP 429: ratelimited", permanent=False, throttled=True))
    m = _msg()
    assert outbox_deliver_one(message_id=m.pk).result == "throttled"
    assert TargetBudget.objects.get(target="chat").paused_until == frozen_clock.at + timedelta(seconds=7)
    m.refresh_from_db()
    assert m.next_attempt_at == frozen_clock.at + timedelta(seconds=7)


@pytest.mark.django_db(transaction=True)
def test_a_call_slower_than_the_lease_keeps_its_lease_so_no_other_worker_takes_the_message(
    frozen_clock: Any,
) -> None:
    TargetBudget.objects.update_or_create(target="chat", defaults={"lease_seconds": 1.5})
    m = _msg("slow")
    seen: dict[str, Any] = {}

    class Slow(FakeChat):
        def send(self, **kw: Any) -> Any:
            first_lease = OutboxMessage.objects.get(pk=m.pk).lease_until
            assert first_lease is not None
            frozen_clock.advance(seconds=5)  # the call outlives the lease it started with ...
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # ... and the side thread renews it meanwhile
                lease = OutboxMessage.objects.get(pk=m.pk).lease_until
                if lease is not None and lease > frozen_clock.at:
                    break
                time.sleep(0.05)
            renewed = OutboxMessage.objects.get(pk=m.pk).lease_until
            seen["renewed"] = renewed is not None and renewed > first_lease
            seen["second worker"] = _claim(m.pk)[1]
            return super().send(**kw)

    with adapter_override("chat", Slow()) as chat:
        assert outbox_deliver_due() == 1
    assert seen == {"renewed": True, "second worker": "skipped"}
    assert len(chat.calls) == 1
    m.refresh_from_db()
    assert (m.status, m.attempts) == ("sent", 1)


def test_the_token_bucket_holds_back_messages_beyond_the_budget(
    frozen_clock: Any, chat: FakeChat, settings: Any
) -> None:
    settings.PSDESK_OUTBOX_BUDGETS = {"chat": {"capacity": 2, "refill_per_second": 0.5}}
    ms = [_msg(str(i)) for i in range(3)]
    assert outbox_deliver_due() == 2
    third = OutboxMessage.objects.get(pk=ms[2].pk)
    assert third.status == "queued" and third.next_attempt_at == frozen_clock.at + timedelta(seconds=2)
    assert TargetBudget.objects.get(target="chat").tokens == 0
    frozen_clock.advance(seconds=2)
    assert outbox_deliver_due() == 1


def test_enqueue_with_the_same_idempotency_key_is_a_no_op() -> None:
    a = _msg(key="crm:opp-1:v1")
    b = _msg(key="crm:opp-1:v1")
    assert a.pk == b.pk and OutboxMessage.objects.count() == 1


def test_backoff_grows_exponentially_and_is_capped() -> None:
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (10, 60)]:
        d = backoff_seconds(attempt, base=2, cap=60)
        assert ceiling / 2 <= d <= ceiling


def test_an_unknown_operation_is_parked_not_called(frozen_clock: Any, chat: FakeChat) -> None:
    m = outbox_enqueue(target="chat", operation="delete_everything", payload={})
    assert outbox_deliver_one(message_id=m.pk).result == "parked"
    m.refresh_from_db()
    assert m.last_error == "Unknown operation chat.delete_everything"
    assert chat.calls == []


def test_the_targets_id_is_kept_for_later_updates(frozen_clock: Any, engagement: Any) -> None:
    from psdesk.integrations.work_tracking.fake import FakeWorkTracking
    from psdesk.notifications.selectors import outbox_external_id

    assert outbox_external_id(source=engagement, target="work_tracking", operation="issue_upsert") == ""
    outbox_enqueue(
        target="work_tracking",
        operation="issue_upsert",
        source=engagement,
        payload={"ref": "eng", "title": "t", "description": "d", "labels": ["proposal::Open"]},
    )
    with adapter_override("work_tracking", FakeWorkTracking()):
        outbox_deliver_due()
    assert outbox_external_id(source=engagement, target="work_tracking", operation="issue_upsert") == "fake-1"


def test_work_tracking_messages_about_one_record_are_delivered_in_order(frozen_clock: Any, engagement: Any) -> None:
    from psdesk.integrations.work_tracking.fake import FakeWorkTracking

    def upsert(label: str) -> OutboxMessage:
        return outbox_enqueue(
            target="work_tracking",
            operation="issue_upsert",
            source=engagement,
            payload={"ref": "e", "title": "t", "description": "d", "labels": [label]},
        )

    first, second = upsert("proposal::Open"), upsert("proposal::SOW_WIP")
    wt = FakeWorkTracking()
    wt.fail_next(IntegrationError("GitLab unreachable", permanent=False))
    with adapter_override("work_tracking", wt):
        outbox_deliver_due(message_ids=[first.pk, second.pk], limit=0)  # first fails; second waits behind it
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status, second.attempts) == ("retrying", "queued", 0)
        frozen_clock.advance(seconds=2)
        from psdesk.notifications.delivery import outbox_drain

        outbox_drain()
    assert [d["labels"] for _, d in wt.effects] == [["proposal::Open"], ["proposal::SOW_WIP"]]
