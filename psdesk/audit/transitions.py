"""The one service that applies any workflow move.

    transition_apply(workflow=ENGAGEMENT_WORKFLOW, queryset=Engagement.objects.visible_to(erin), pk=7,
                     action="triage", actor=erin)

In one transaction: lock the row (`select_for_update`), refuse a stale `expected_version`, check the
move (source state, permission, reason, guards), set the state with a compare-and-set on `version`
(so two racing moves of one row yield exactly one transition even where row locks are advisory),
write the audit row, and run the `after` hooks (SLA timers, outbox rows) inside the same transaction.
Refusal raises `PermissionDenied` (HTTP 403) when the actor's role lacks the move's permission and
`TransitionNotAllowed` (HTTP 409) for any other reason; either way nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction

from psdesk.audit.services import audit_record
from psdesk.core.errors import BadRequest, Conflict, NotFound
from psdesk.core.types import Actor
from psdesk.core.workflow import Move, MoveContext, Workflow

M = TypeVar("M", bound=models.Model)


@dataclass
class Applied:
    obj: Any
    move: Move
    source: str
    target: str


AfterHook = Callable[[Applied, MoveContext], None]


def transition_apply[M: models.Model](
    *,
    workflow: Workflow,
    queryset: models.QuerySet[M],
    pk: Any,
    action: str,
    actor: Actor | None = None,
    reason: str = "",
    expected_version: int | None = None,
    data: dict[str, Any] | None = None,
    system: bool = False,
    before_save: Callable[[Any, Move, str, str], dict[str, Any]] | None = None,
    after: Iterable[AfterHook] = (),
) -> Applied:
    """Apply `action` to the row `pk` of `queryset` (which already limits what the actor may see).

    `before_save(obj, move, source, target)` may set extra fields on the object and returns them
    (name → value) for the audit row. Raises NotFound, Conflict (stale version), PermissionDenied
    (the role lacks the move's permission) or TransitionNotAllowed.
    """
    workflow.move(action)  # unknown action → 400 before touching the database
    ctx = MoveContext(actor=actor, reason=reason or "", data=data or {}, system=system)
    with transaction.atomic():
        try:
            # of=("self",): lock only this row; PostgreSQL refuses FOR UPDATE on the nullable side
            # of the outer joins that select_related adds for optional relations.
            obj = queryset.select_for_update(of=("self",)).get(pk=pk)
        except ObjectDoesNotExist:
            raise NotFound(f"{queryset.model._meta.verbose_name} {pk} not found") from None
        version = int(getattr(obj, "version", 0))
        if expected_version is not None and expected_version != version:
            raise Conflict(
                "This card changed since you loaded it; reload and try again.",
                code="stale",
                details={"expected_version": expected_version, "current_version": version},
            )
        move = workflow.check(obj, action, ctx)
        source = workflow.state_of(obj)
        target = move.resolve_target(obj)
        extra = before_save(obj, move, source, target) if before_save else {}
        fields = {workflow.field: target, **extra}
        model = type(obj)
        updated = (
            model._default_manager.filter(pk=obj.pk, version=version).update(version=version + 1, **fields)
            if hasattr(obj, "version")
            else model._default_manager.filter(pk=obj.pk).update(**fields)
        )
        if updated != 1:
            raise Conflict("Another change won the race for this card; reload and try again.", code="stale")
        for k, v in fields.items():
            setattr(obj, k, v)
        if hasattr(obj, "version"):
            obj.version = version + 1
        audit_record(
            verb=f"{workflow.name}.{action}",
            actor=actor,
            target=obj,
            before={workflow.field: source},
            after={workflow.field: target, **{k: v for k, v in extra.items() if k != workflow.field}},
            reason=reason,
        )
        applied = Applied(obj=obj, move=move, source=source, target=target)
        for hook in after:
            hook(applied, ctx)
        return applied


def transition_apply_to_state[M: models.Model](
    *,
    workflow: Workflow,
    queryset: models.QuerySet[M],
    pk: Any,
    target: str,
    apply: Callable[[str], Applied],
    target_noun: str = "state",
) -> Applied:
    """Drag-and-drop, a CRM stage pick, a webhook: find the one move that takes row `pk` of `queryset`
    from its state to `target` and apply it with `apply(action)` (the workflow's own transition service,
    which locks the row and checks everything again). Raises BadRequest (unknown target), NotFound, or
    TransitionNotAllowed naming both states when no move connects them."""
    if target not in workflow.states:
        raise BadRequest(f"Unknown {target_noun} '{target}'.", code=f"unknown_{target_noun}")
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{queryset.model._meta.verbose_name} {pk} not found")
    return apply(workflow.move_between(obj, target).action)
