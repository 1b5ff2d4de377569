"""Background tasks (django.tasks, `outbox` queue) that deliver the outbox after commit."""

from __future__ import annotations

from django.tasks import task


@task(queue_name="outbox")
def outbox_deliver_task(message_ids: list[int]) -> int:
    """Deliver the given messages if due, then anything else due. Returns how many were sent."""
    from psdesk.notifications.delivery import outbox_deliver_due

    return outbox_deliver_due(message_ids=message_ids)
