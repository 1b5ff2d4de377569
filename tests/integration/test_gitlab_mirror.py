"""The GitLab issues mirror follows the board (engagement.created and board.moved effects)."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.integrations.chat.fake import FakeChat
from psdesk.integrations.registry import adapter_override
from psdesk.integrations.work_tracking.fake import FakeWorkTracking
from psdesk.notifications.delivery import outbox_drain
from psdesk.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def gitlab_configured(settings: Any) -> None:
    settings.PSDESK_ADAPTERS = {**settings.PSDESK_ADAPTERS, "work_tracking": "gitlab"}


def test_with_the_builtin_work_tracking_nothing_is_mirrored(people: Any, make_engagement: Any) -> None:
    make_engagement()
    assert not OutboxMessage.objects.filter(target="work_tracking").exists()


def test_a_new_engagement_and_its_moves_are_mirrored_with_the_column_label(
    frozen_clock: Any, gitlab_configured: None, people: Any, make_account: Any, make_engagement: Any
) -> None:
    from psdesk.board.services import engagement_transition

    eng = make_engagement(make_account("Acme Corp", em=people.erin))
    engagement_transition(engagement_id=eng.pk, action="hold", actor=people.emil, reason="customer busy")
    rows = list(OutboxMessage.objects.filter(target="work_tracking").order_by("id"))
    assert [r.payload["labels"] for r in rows] == [["Open"], ["proposal::On_hold"]]
    assert rows[0].payload["ref"] == f"engagement-{eng.pk}" and rows[0].payload["issue_iid"] is None
    wt = FakeWorkTracking()
    with adapter_override("work_tracking", wt), adapter_override("chat", FakeChat()):
        outbox_drain()
    assert [d["labels"] for op, d in wt.effects] == [["Open"], ["proposal::On_hold"]]


def test_pubsec_engagements_are_never_mirrored(
    gitlab_configured: None, people: Any, make_account: Any, make_engagement: Any
) -> None:
    make_engagement(make_account("Dept of Secrets", pubsec=True, em=people.pat), em="pat")
    assert not OutboxMessage.objects.filter(target="work_tracking").exists()
