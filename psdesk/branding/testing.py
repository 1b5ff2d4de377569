"""Test helper: what the background worker does with the "documents" queue — django-tasks-db's own
`Worker.run_task` on each ready task in turn (claimed as the worker claims it) — run in the test's
thread and transaction (the worker's loop would close the test's database connection)."""

from __future__ import annotations


def documents_worker_run() -> int:
    """Run every ready task of the "documents" queue; returns how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker  # noqa: PLC0415 — test helper; the worker lives in a management command
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 — test helper; only tests read the task table

    worker = Worker(
        queue_names=["documents"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests-documents",
        excluded_queue_names=[],
    )
    ran = 0
    while (task := DBTaskResult.objects.ready().filter(queue_name="documents").first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)
        ran += 1
    return ran
