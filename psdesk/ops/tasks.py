"""Tasks of the periodic jobs that had only a command before (the scheduler enqueues them; the
SLA sweep and the forecast refresh use their own apps' tasks)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task

from psdesk.audit.services import audit_verify_report
from psdesk.board.closed_lost_suggestions import closed_lost_suggestions_sweep
from psdesk.branding.renditions import renditions_reask
from psdesk.sows.services import version_renders_reask

log = logging.getLogger("psdesk.ops")


@task(queue_name="default")
def board_stale_sweep_task() -> int:
    """Suggest Closed Lost for cards idle longer than the board policy; returns how many."""
    return closed_lost_suggestions_sweep()


@task(queue_name="default")
def audit_anchor_check_task() -> dict[str, int]:
    """Recompute the audit hash chain and compare it with the anchor file; a broken chain is logged
    as an error (and the task fails, which the task-failure metric counts)."""
    report = audit_verify_report()
    if report.problems:
        first = report.problems[0]
        log.error("audit chain broken at row %s: %s", first.seq, first.problem)
        raise RuntimeError(f"audit chain broken at row {first.seq}: {first.problem}")
    return {"rows": report.rows, "anchored_seq": report.anchored_seq or 0}


@task(queue_name="default")
def renders_reask_task() -> dict[str, int]:
    """Ask the worker again for documents and SOW versions stuck in "rendering" longer than
    PSDESK_RENDER_REASK_AFTER_SECONDS (their task was lost); returns how many of each."""
    older_than = timedelta(seconds=settings.PSDESK_RENDER_REASK_AFTER_SECONDS)
    documents = renditions_reask(older_than=older_than)
    versions = version_renders_reask(older_than=older_than)
    if documents or versions:
        log.warning("asked again for %s stuck document renders and %s SOW versions", documents, versions)
    return {"documents": documents, "sow_versions": versions}
