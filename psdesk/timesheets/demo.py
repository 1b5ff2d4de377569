"""Demo time: the first closed-won demo project is booked with tasks, cody (linked to the first
demo consultant) logs three weeks on it, paula (its coordinator) approves two of them, and the third
waits on her My work. Deterministic: the days are counted back from today's Monday."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from psdesk.core import clock
from psdesk.core.demo import DemoContext
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project, ProjectTask
from psdesk.projects.services import project_create, project_transition
from psdesk.timesheets.selectors import monday_of
from psdesk.timesheets.services import estimate_to_complete_set, time_entry_set, week_submit, week_transition

TASKS = [("Discovery workshops", "PSE", "24"), ("Implementation", "PSE", "120"), ("Project management", "PM", "20")]


def load(ctx: DemoContext) -> None:
    users: dict[str, Any] = ctx.objects["users"]
    entries = ctx.objects.get("queue_entries") or []
    if not entries or entries[0].opportunity is None or users.get("cody") is None:
        return
    opp = entries[0].opportunity
    # Booked through the project workflow; no Closed Won email (the demo's mail stays for the journey).
    project = project_create(opportunity=opp, actor=None)
    if project.status == ProjectStatus.PROSPECT:
        project_transition(project_id=project.pk, action="book", actor=None, system=True)
    booked = clock.now() - timedelta(weeks=4)
    # four weeks into delivery: the welcome email went out the day after booking
    Project.objects.filter(pk=project.pk).update(
        coordinator=users["paula"],
        budget=Decimal("54120.00"),
        booked_at=booked,
        welcome_sent_at=booked + timedelta(days=1),
    )
    project.refresh_from_db()
    if not project.tasks.exists():
        ProjectTask.objects.bulk_create(
            ProjectTask(project=project, position=i, name=n, role=r, hours=Decimal(h))
            for i, (n, r, h) in enumerate(TASKS, start=1)
        )
    tasks = list(project.tasks.order_by("position"))
    cody, paula = users["cody"], users["paula"]
    this_monday = monday_of(clock.today())
    for back in (3, 2, 1):
        monday = this_monday - timedelta(weeks=back)
        for d in range(5):
            task = tasks[0] if back == 3 else tasks[min(1, len(tasks) - 1)]
            time_entry_set(actor=cody, task_id=task.pk, day=monday + timedelta(days=d), hours="4" if back == 3 else "6")
        applied = week_submit(actor=cody, project_id=project.pk, week_start=monday)
        if back > 1:
            week_transition(week_id=applied.obj.pk, action="approve", actor=paula)
    estimate_to_complete_set(actor=paula, project_id=project.pk, hours="110", note="on plan")
    ctx.say(f"timesheets: 3 weeks of time on {project.name}, 2 approved, 1 waiting on paula")
