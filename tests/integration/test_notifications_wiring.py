"""Board and engagement wiring of notifications (board.moved, engagement.created)."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.notifications.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db

# Lives outside psdesk/notifications because it drives the apps above notifications (board,
# engagements) to prove their wiring; the layering contract forbids that import inside the app.


@pytest.fixture
def engagement(people: Any, make_account: Any, make_engagement: Any) -> Any:
    acc = make_account("Acme Corp", em=people.erin, owner=people.alice)
    return make_engagement(acc, em="erin")


def test_creating_an_engagement_notifies_the_em_and_the_ps_channel(engagement: Any, people: Any) -> None:
    n = Notification.objects.get(event="engagement.created", recipient=people.erin)
    assert n.title == "[PS Desk] New engagement: Acme Corp - Scope Issue and Write SOW"
    assert OutboxMessage.objects.filter(event="engagement.created", target="chat").get().destination == (
        "#professional-services"
    )


def test_a_board_move_tells_the_em_in_app_only(engagement: Any, people: Any) -> None:
    from psdesk.board.services import engagement_transition

    engagement_transition(engagement_id=engagement.pk, action="hold", actor=people.emil, reason="customer busy")
    n = Notification.objects.get(event="board.moved", recipient=people.erin)
    assert n.body == "Acme Corp - Scope Issue and Write SOW moved from Open to proposal::On_hold by Emil Eriksen."
    assert not OutboxMessage.objects.filter(event="board.moved").exists()


def test_a_refused_move_queues_nothing(engagement: Any, people: Any) -> None:
    from psdesk.board.services import engagement_transition
    from psdesk.core.errors import TransitionNotAllowed

    before = (Notification.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(TransitionNotAllowed):
        engagement_transition(engagement_id=engagement.pk, action="close_won", actor=people.erin, reason="r")
    assert (Notification.objects.count(), OutboxMessage.objects.count()) == before
