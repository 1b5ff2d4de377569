"""The Slack app's worker task: answer one acknowledged interaction."""

from __future__ import annotations

from django.tasks import task

from psdesk.chatops.services.interactions import interaction_process


@task(queue_name="default")
def slack_interaction_task(interaction_id: int) -> str:
    """Answer the interaction (commands, clicks, dialogs) through its response_url, via the outbox."""
    return interaction_process(interaction_id=interaction_id)
