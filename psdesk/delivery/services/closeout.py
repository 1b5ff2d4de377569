"""Close-out: a project closes when every milestone is accepted and every registered check passes
(e.g. all time approved), and completes when its close-out checklist is done."""

from __future__ import annotations

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.delivery.choices import CloseOutKey
from psdesk.delivery.models import CloseOutItem
from psdesk.delivery.selectors import CLOSE_OUT_CHECKS, CloseOutCheck
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project
from psdesk.projects.services import project_transition

CLOSE_OUT = "delivery.close_out_project"


def register_close_out_check(check: CloseOutCheck) -> None:
    """Extension point for apps above: `check(project)` returns a human reason the project may not
    close yet, or None. Every registered check guards the project's Close move (idempotent)."""
    if check not in CLOSE_OUT_CHECKS:
        CLOSE_OUT_CHECKS.append(check)


def close_out_set(*, project_id: int, key: str, done: bool, actor: Actor, note: str = "") -> CloseOutItem:
    """Tick or untick one close-out checklist item (with a note: the survey link, the lessons
    learned) while the project is Active or Closed.

    Side effects: the item row, audited `delivery.close_out_set` with before/after. Raises
    ValidationFailed (unknown key, a note over 5,000 characters), PermissionDenied, NotFound, Conflict
    (the project is not Active or Closed)."""
    permission_require(actor, CLOSE_OUT)
    if key not in CloseOutKey.values:
        raise ValidationFailed(f"Unknown close-out item '{key}'.", details={"field": "key"})
    if len(note) > 5000:
        raise ValidationFailed("The note is longer than 5,000 characters.", details={"field": "note"})
    with transaction.atomic():
        project = Project.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=project_id).first()
        if project is None:
            raise NotFound(f"project {project_id} not found")
        if project.status not in (ProjectStatus.ACTIVE, ProjectStatus.CLOSED):
            raise Conflict(
                f"The close-out checklist is for Active or Closed projects; this one is {project.get_status_display()}."
            )
        item, _ = CloseOutItem.objects.get_or_create(project=project, key=key)
        before = {"done": item.done, "note": item.note}
        item.done = done
        item.note = note.strip() or item.note
        item.done_by, item.done_at = (actor, clock.now()) if done else (None, None)
        item.save()
        audit_record(
            verb="delivery.close_out_set",
            actor=actor,
            target=project,
            before={key: before},
            after={key: {"done": item.done, "note": item.note}},
        )
        return item


def project_close(*, project_id: int, actor: Actor, expected_version: int | None = None) -> Applied:
    """Active → Closed through the project workflow (guarded by `close_out_refusal`)."""
    return project_transition(project_id=project_id, action="close", actor=actor, expected_version=expected_version)


def project_complete(*, project_id: int, actor: Actor, expected_version: int | None = None) -> Applied:
    """Closed → Completed through the project workflow (guarded by `close_out_checklist_refusal`)."""
    return project_transition(project_id=project_id, action="complete", actor=actor, expected_version=expected_version)
