"""Outbox wake-ups: one per committed transaction, at most one per worker for a burst of commits,
none lost (a commit after a waiting task started wakes another), on the task backend the suite runs
on (the database by default; Redis in CI's second run, `PSDESK_TASKS=redis`). And the delivery
task's claim loop: a message committed while a task lingers is delivered by that task."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.tasks.signals import task_enqueued
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from psdesk.integrations.chat.fake import FakeChat
from psdesk.integrations.registry import adapter_override
from psdesk.notifications.delivery import outbox_drain
from psdesk.notifications.models import OutboxMessage
from psdesk.notifications.services import outbox_enqueue
from psdesk.notifications.tasks import outbox_deliver_task
from psdesk.notifications.wakeups import _redis_counter, worker_woken

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wakes(settings: Any) -> Iterator[list[list[int]]]:
    """The message ids of every delivery task enqueued during the test (whatever the backend)."""
    settings.PSDESK_OUTBOX_WORKERS = 2
    counter = _redis_counter(outbox_deliver_task)
    if counter is not None:
        counter[0].delete(counter[1])  # the counter of waiting wake-ups outlives a test in Redis
    seen: list[list[int]] = []

    def on_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
        if task_result.task.module_path == outbox_deliver_task.module_path:
            seen.append(list(task_result.kwargs["message_ids"]))

    task_enqueued.connect(on_enqueued)
    try:
        yield seen
    finally:
        task_enqueued.disconnect(on_enqueued)


def _msg(key: str) -> OutboxMessage:
    return outbox_enqueue(
        target="chat", operation="send", destination="#ps", payload={"channel": "#ps", "text": key}, idempotency_key=key
    )


def _start_one_waiting_task() -> None:
    """What a worker does when it takes a waiting delivery task, before the task reads the outbox."""
    if isinstance(outbox_deliver_task.get_backend(), DatabaseBackend):
        DBTaskResult.objects.filter(task_path=outbox_deliver_task.module_path, status="READY").first().claim("w1")  # type: ignore[union-attr]
    worker_woken(task=outbox_deliver_task)


def test_one_transaction_writing_many_messages_wakes_the_worker_once(wakes: list[list[int]]) -> None:
    with transaction.atomic():
        msgs = [_msg(f"tx:{i}") for i in range(5)]
    assert wakes == [[m.pk for m in msgs]]
    assert OutboxMessage.objects.filter(committed_at__isnull=True).count() == 0  # every row stamped


def test_a_burst_of_commits_enqueues_one_task_per_worker_and_a_later_commit_wakes_again(
    wakes: list[list[int]],
) -> None:
    first = [_msg(f"burst:{i}") for i in range(6)]  # six transactions, nobody has started a task yet
    assert wakes == [[first[0].pk], [first[1].pk]]  # PSDESK_OUTBOX_WORKERS = 2 wait; they drain all six
    _start_one_waiting_task()  # it may already have read the outbox: a commit after this must not rely on it
    later = _msg("after-start")
    assert wakes[-1] == [later.pk] and len(wakes) == 3
    _msg("still-two-waiting")
    assert len(wakes) == 3


def test_a_rolled_back_savepoint_does_not_take_the_transactions_wake_up_with_it(wakes: list[list[int]]) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                _msg("rolled-back")  # registers the transaction's wake-up inside the savepoint...
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        kept = _msg("kept")  # ...which Django drops with the savepoint: this row registers a new one
    assert wakes == [[kept.pk]]
    kept.refresh_from_db()
    assert kept.committed_at is not None
    assert not OutboxMessage.objects.filter(idempotency_key="rolled-back").exists()


def test_a_rolled_back_transaction_wakes_nobody(wakes: list[list[int]]) -> None:
    try:
        with transaction.atomic():
            _msg("never")
            raise RuntimeError("undo")
    except RuntimeError:
        pass
    assert wakes == []


def test_a_lingering_task_delivers_a_message_committed_while_it_polls(settings: Any) -> None:
    settings.PSDESK_OUTBOX_ENQUEUE_TASKS = False  # only the lingering loop below may deliver it
    settings.PSDESK_OUTBOX_POLL_MIN_SECONDS, settings.PSDESK_OUTBOX_POLL_MAX_SECONDS = 0.005, 0.05
    polling = threading.Event()

    def commit_later() -> None:
        polling.wait(30)
        try:
            _msg("while-lingering")
        finally:
            connection.close()

    writer = threading.Thread(target=commit_later)
    writer.start()
    with adapter_override("chat", FakeChat()) as chat:
        polling.set()  # nothing is due yet: the loop polls, backing off, for up to 5 idle seconds
        sent = outbox_drain(linger_seconds=5)
    writer.join()
    assert sent == 1
    assert [p["text"] for _, p in chat.effects] == ["while-lingering"]
