from __future__ import annotations

from types import SimpleNamespace

import pytest

from psdesk.core.errors import BadRequest, PermissionDenied, TransitionNotAllowed
from psdesk.core.workflow import Move, MoveContext, Workflow

WF = Workflow(
    "test_door",
    field="state",
    states=[("shut", "Shut"), ("open", "Open")],
    moves=[
        Move(action="open", sources=frozenset({"shut"}), target="open", label="Open the door"),
        Move(action="shut", sources=frozenset({"open"}), target="shut", label="Shut the door", needs_reason=True),
        Move(action="lock", sources=frozenset({"shut"}), target="shut", label="Lock the door", permission="door.lock"),
    ],
)


class _Role:
    def __init__(self, *perms: str) -> None:
        self.perms = set(perms)

    def has_perm(self, perm: str) -> bool:
        return perm in self.perms


def test_a_move_from_the_wrong_state_is_refused_with_the_states_named() -> None:
    with pytest.raises(TransitionNotAllowed, match="not possible from Open"):
        WF.check(SimpleNamespace(state="open"), "open", MoveContext())


def test_a_role_lacking_the_moves_permission_is_refused_with_403_and_the_drawer_keeps_the_reason() -> None:
    door = SimpleNamespace(state="shut")
    ctx = MoveContext(actor=_Role())  # type: ignore[arg-type]  # a stand-in with has_perm
    with pytest.raises(PermissionDenied, match=r"You do not have permission to 'Lock the door'\.") as exc:
        WF.check(door, "lock", ctx)
    assert exc.value.status == 403
    assert exc.value.details == {"action": "lock", "state": "shut"}
    # From the wrong state too: the role is the first answer, so a 409 never hides a 403.
    with pytest.raises(PermissionDenied):
        WF.check(SimpleNamespace(state="open"), "lock", ctx)
    assert WF.refusal(door, "lock", ctx) == "You do not have permission to 'Lock the door'."
    assert WF.check(door, "lock", MoveContext(actor=_Role("door.lock"))).action == "lock"  # type: ignore[arg-type]
    assert WF.check(door, "lock", MoveContext(system=True)).action == "lock"


def test_unknown_action_is_a_bad_request_listing_known_actions() -> None:
    with pytest.raises(BadRequest, match="Known actions: lock, open, shut"):
        WF.check(SimpleNamespace(state="open"), "slam", MoveContext())


def test_reason_required_and_guard_extension_point() -> None:
    door = SimpleNamespace(state="open", locked=True)
    assert WF.refusal(door, "shut", MoveContext()) == "'Shut the door' needs a reason."
    assert WF.refusal(door, "shut", MoveContext(reason="draft")) is None

    def not_locked(obj: object, ctx: MoveContext) -> str | None:
        return "It is locked." if getattr(obj, "locked", False) else None

    WF.add_guard("shut", not_locked)
    WF.add_guard("shut", not_locked)  # idempotent
    assert WF.move("shut").guards == [not_locked]
    assert WF.refusal(door, "shut", MoveContext(reason="draft")) == "It is locked."


def test_invalid_definition_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(
            "x",
            field="s",
            states=[("a", "A")],
            moves=[Move(action="go", sources=frozenset({"a"}), target="b", label="Go")],
        )


def test_workflow_diagrams_in_docs_are_current() -> None:
    """Fails when a workflow changed and `make diagrams` was not run."""
    from pathlib import Path

    from django.conf import settings

    from psdesk.core.workflow import load_all_workflows

    generated = load_all_workflows()
    assert "engagement" in generated
    for doc, text in generated.items():
        path = Path(settings.BASE_DIR) / "docs" / "workflows" / f"{doc}.md"
        assert path.exists() and path.read_text() == text, f"docs/workflows/{doc}.md is stale: run `make diagrams`"
