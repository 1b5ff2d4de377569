"""The workflow primitive: one definition per workflow, checked by one transition service.

A `Workflow` is a table of `Move`s. A move names its source states, its target (or a function that
picks the target, e.g. "back to the column it left"), the permission a user needs, whether a reason
is required, and guards. A guard is a function `(obj, ctx) -> str | None` returning a human reason
when the move must be refused. Later features add guards to an existing move with `add_guard()` —
the named extension points of a workflow — instead of scattering `if state == ...` checks.

This module is pure (no ORM). The service that applies a move (row lock, guard, state change, audit
row) is `psdesk.audit.transitions.transition_apply`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from psdesk.core.errors import BadRequest, PermissionDenied, TransitionNotAllowed
from psdesk.core.types import Actor

Guard = Callable[[Any, "MoveContext"], "str | None"]


@dataclass
class MoveContext:
    """What a guard may look at besides the object: who moves it, why, and extra request data."""

    actor: Actor | None = None
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    system: bool = False  # a move made by the system (sweeps, follow-ups), not a person


@dataclass(kw_only=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str | None
    label: str
    permission: str | None = None
    needs_reason: bool = False
    guards: list[Guard] = field(default_factory=list)
    target_of: Callable[[Any], str] | None = None  # dynamic target (e.g. resume from hold)
    system_only: bool = False
    target_label: str | None = None  # for diagrams when target is dynamic

    def resolve_target(self, obj: Any) -> str:
        if self.target_of is not None:
            return self.target_of(obj)
        if self.target is None:
            raise ValueError("a Move needs a target or a target_of")
        return self.target


REGISTRY: dict[str, Workflow] = {}


class Workflow:
    """A named set of moves over a state field. Every workflow registers itself so its diagram
    can be generated (`manage.py workflow_diagrams` writes docs/workflows/<doc>.md)."""

    def __init__(
        self,
        name: str,
        *,
        field: str,
        states: Iterable[tuple[str, str]],
        moves: Iterable[Move],
        doc: str = "",
        title: str = "",
    ) -> None:
        self.name = name
        self.doc = doc or name
        self.title = title or name
        self.field = field
        self.states: dict[str, str] = dict(states)
        self.moves: dict[str, Move] = {}
        for m in moves:
            if m.action in self.moves:
                raise ValueError(f"duplicate action {m.action} in workflow {name}")
            unknown = {s for s in m.sources if s not in self.states}
            if unknown or (m.target is not None and m.target not in self.states):
                raise ValueError(f"move {m.action} names unknown states {unknown or m.target}")
            self.moves[m.action] = m
        REGISTRY[self.name] = self

    def move(self, action: str) -> Move:
        try:
            return self.moves[action]
        except KeyError:
            known = ", ".join(sorted(self.moves))
            raise BadRequest(f"Unknown action '{action}'. Known actions: {known}.", code="unknown_action") from None

    def add_guard(self, action: str, guard: Guard) -> None:
        """Extension point: add a guard to an existing move (idempotent)."""
        guards = self.move(action).guards
        if guard not in guards:
            guards.append(guard)

    def state_of(self, obj: Any) -> str:
        return str(getattr(obj, self.field))

    def refusal(self, obj: Any, action: str, ctx: MoveContext) -> str | None:
        """The human reason this move is refused now, or None when it is allowed."""
        m = self.move(action)
        state = self.state_of(obj)
        if state not in m.sources:
            return (
                f"'{m.label}' is not possible from {self.states.get(state, state)}; "
                f"it starts from {', '.join(self.states[s] for s in sorted(m.sources))}."
            )
        if m.system_only and not ctx.system:
            return f"'{m.label}' is made by the system, not by hand."
        permission = self.permission_refusal(m, ctx)
        if permission:
            return permission
        if m.needs_reason and not ctx.reason.strip():
            return f"'{m.label}' needs a reason."
        for g in m.guards:
            reason = g(obj, ctx)
            if reason:
                return reason
        return None

    @staticmethod
    def permission_refusal(m: Move, ctx: MoveContext) -> str | None:
        """The human reason the actor's role may not make move `m`, or None (system moves pass)."""
        if m.permission and not ctx.system:
            actor = ctx.actor
            if actor is None or not actor.has_perm(m.permission):
                return f"You do not have permission to '{m.label}'."
        return None

    def check(self, obj: Any, action: str, ctx: MoveContext) -> Move:
        """The move when it is allowed now. A role lacking the move's permission raises
        PermissionDenied (403) whatever the state; any other refusal TransitionNotAllowed (409).
        Both carry the same human reason that `refusal()` gives the drawer."""
        m = self.move(action)
        details = {"action": action, "state": self.state_of(obj)}
        permission = self.permission_refusal(m, ctx)
        if permission:
            raise PermissionDenied(permission, details=details)
        reason = self.refusal(obj, action, ctx)
        if reason:
            raise TransitionNotAllowed(reason, details=details)
        return m

    def actions_from(self, state: str) -> list[Move]:
        return [m for m in self.moves.values() if state in m.sources]

    def move_between(self, obj: Any, target: str) -> Move:
        """The move that takes `obj` from its state to `target` (drag-and-drop, webhooks), including
        moves whose target is dynamic (resume → the column it left). Raises TransitionNotAllowed
        naming both states when there is none."""
        state = self.state_of(obj)
        for m in self.actions_from(state):
            if m.resolve_target(obj) == target:
                return m
        raise TransitionNotAllowed(
            f"There is no move from {self.states.get(state, state)} to {self.states.get(target, target)}.",
            details={"state": state, "target": target},
        )

    def mermaid(self) -> str:
        """A Mermaid state diagram generated from the definition."""
        lines = ["stateDiagram-v2"]
        for key, label in self.states.items():
            lines.append(f"    {key}: {label}")
        for m in self.moves.values():
            for s in sorted(m.sources):
                target = m.target or (m.target_label or "previous")
                extra = []
                if m.needs_reason:
                    extra.append("reason")
                if m.guards:
                    extra.append("guards: " + ", ".join(g.__name__ for g in m.guards))
                suffix = f" [{'; '.join(extra)}]" if extra else ""
                lines.append(f"    {s} --> {target}: {m.action}{suffix}")
        return "\n".join(lines) + "\n"


def diagram_markdown(wf: Workflow) -> str:
    """The generated docs/workflows/<doc>.md for a workflow: a Mermaid diagram plus the move table."""
    rows = []
    for m in wf.moves.values():
        sources = ", ".join(f"`{s}`" for s in sorted(m.sources))
        target = f"`{m.target}`" if m.target else (m.target_label or "previous")
        guards = ", ".join(g.__name__ for g in m.guards) or "—"
        who = "system" if m.system_only else (m.permission or "anyone who may see it")
        reason = "yes" if m.needs_reason else "no"
        rows.append(f"| `{m.action}` | {m.label} | {sources} | {target} | {who} | {reason} | {guards} |")
    return (
        f"# Workflow: {wf.title}\n\n"
        f"<!-- Generated from the workflow definition by `manage.py workflow_diagrams`; do not edit. -->\n\n"
        f"```mermaid\n{wf.mermaid()}```\n\n"
        "| action | label | from | to | who | reason | guards |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def load_all_workflows() -> dict[str, str]:
    """Import every app's workflow module and return {doc name: generated markdown}."""
    for app in settings.PSDESK_APPS:
        try:
            importlib.import_module(f"psdesk.{app}.workflow")
        except ModuleNotFoundError as exc:
            if exc.name != f"psdesk.{app}.workflow":
                raise
    return {wf.doc: diagram_markdown(wf) for wf in REGISTRY.values() if not wf.name.startswith("test")}
