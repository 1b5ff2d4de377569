"""An audit row reads as a sentence with its age and a field-by-field before/after (pure, no DB)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from psdesk.audit.sentences import FieldChange, audit_sentence, field_changes, time_ago

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
NAMES = {
    "open": "Open",
    "awaiting_discovery": "Awaiting Discovery",
    "ready_for_approval": "Ready For Approval",
    "approved": "Approved",
    "sow_wip": "SOW WIP",
    "ps_leadership": "PS Leadership approval",
    "revenue": "Revenue approval",
    "em:7": "erin",
}
FIELDS = {"state": "Column", "em": "Engagement manager", "label": "Label"}


@dataclass
class Row:
    verb: str
    actor_label: str = "erin"
    occurred_at: datetime = NOW - timedelta(hours=2)
    before: Any = field(default_factory=dict)
    after: Any = field(default_factory=dict)
    reason: str = ""


def say(row: Row) -> Any:
    return audit_sentence(row, now=NOW, names=NAMES, fields=FIELDS)


def test_a_board_move_reads_as_who_moved_it_from_where_to_where_and_when() -> None:
    s = say(Row("board.triage", before={"state": "open"}, after={"state": "awaiting_discovery"}))
    assert s.text == "erin moved this from Open to Awaiting Discovery"
    assert s.full == "erin moved this from Open to Awaiting Discovery — 2 h ago"
    assert s.changes == (FieldChange(field="Column", before="Open", after="Awaiting Discovery"),)


def test_the_systems_own_move_says_it_was_automatic_and_keeps_the_reason() -> None:
    row = Row(
        "board.approve",
        actor_label="system",
        before={"state": "ready_for_approval"},
        after={"state": "approved", "state_changed_at": "2026-11-27T14:00:00Z", "last_activity_at": "x"},
        reason="PS Leadership and Revenue approved the current content",
    )
    s = say(row)
    assert s.text == "PS Desk moved this from Ready For Approval to Approved automatically"
    assert s.full.endswith("— “PS Leadership and Revenue approved the current content” — 2 h ago")
    assert [c.field for c in s.changes] == ["Column"]  # timestamps are bookkeeping, not changes


def test_approvals_read_with_their_kind_and_the_column_they_were_decided_in() -> None:
    asked = say(Row("approvals.requested", after={"request": 3, "kind": "ps_leadership", "content_hash": "ab" * 32}))
    assert asked.text == "erin asked for the PS Leadership approval"
    decided = say(
        Row(
            "approvals.decided",
            actor_label="leo",
            before={"request": 3, "status": "pending"},
            after={"request": 3, "kind": "ps_leadership", "status": "approved", "target_state": "sow_wip"},
        )
    )
    assert decided.text == "leo approved the PS Leadership approval (the card was in SOW WIP)"
    rejected = say(Row("approvals.decided", actor_label="rita", after={"kind": "revenue", "status": "rejected"}))
    assert rejected.text == "rita rejected the Revenue approval"


def test_labels_and_assignment_read_as_sentences_with_ids_named_per_field() -> None:
    assert say(
        Row("engagements.label_set", before={"label": "RDM::needs-review"}, after={"label": "RDM::approved"})
    ).text == ("erin set the label RDM::approved (was RDM::needs-review)")
    assert say(Row("engagements.label_removed", before={"label": "Stale"})).text == "erin removed the label Stale"
    assigned = say(Row("engagements.em_assigned", before={"em": None}, after={"em": 7}))
    assert assigned.text == "erin assigned the engagement manager erin"
    assert assigned.changes == (FieldChange(field="Engagement manager", before="", after="erin"),)


def test_an_unknown_event_reads_in_words_with_its_changes_never_as_a_dict() -> None:
    s = say(Row("estimates.version_shared", after={"version": 2, "shared_with": ["carl@acme.test"], "public": True}))
    assert s.text == "erin: version shared (estimates)"
    assert s.changes == (
        FieldChange(field="Shared with", before="", after="carl@acme.test"),
        FieldChange(field="Public", before="", after="yes"),
    )
    assert "{" not in s.full


def test_unchanged_fields_are_left_out_and_removed_ones_show_an_empty_after() -> None:
    assert field_changes({"a": 1, "b": 2}, {"a": 1}, names={}, fields={}) == (FieldChange("B", "2", ""),)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=-30), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=5), "5 min ago"),
        (timedelta(hours=2, minutes=59), "2 h ago"),
        (timedelta(days=3), "3 d ago"),
        (timedelta(days=21), "3 wk ago"),
        (timedelta(days=100), "on 2026-08-19"),
    ],
)
def test_time_ago_reads_in_the_largest_unit(delta: timedelta, text: str) -> None:
    assert time_ago(NOW - delta, NOW) == text
