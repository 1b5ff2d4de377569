"""Demo delivery: projects whose engagement has an executed SOW take its milestones (the SOW demo
executes SOWs directly, without the Closed Won move that would have created them). Idempotent."""

from __future__ import annotations

from psdesk.core.demo import DemoContext
from psdesk.delivery.services import milestones_create_from_sow
from psdesk.projects.models import Project
from psdesk.sows.choices import SowStatus


def load(ctx: DemoContext) -> None:
    for project in Project.objects.filter(engagement__sow__status=SowStatus.EXECUTED, milestones__isnull=True).order_by(
        "id"
    ):
        milestones_create_from_sow(project=project)
