from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import ValidationFailed
from psdesk.engagements.services import engagement_label_remove, engagement_label_set

pytestmark = pytest.mark.django_db


def test_a_scoped_label_replaces_the_other_label_of_its_scope(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    engagement_label_set(engagement=eng, label="Services Calculator", actor=people.sam)
    engagement_label_set(engagement=eng, label="TA::Needs-Review", actor=people.erin)
    engagement_label_set(engagement=eng, label="TA::Approved", actor=people.tara)
    assert sorted(eng.labels.values_list("name", flat=True)) == ["Services Calculator", "TA::Approved"]
    ev = AuditEvent.objects.filter(verb="engagements.label_set").order_by("-seq").first()
    assert ev is not None and ev.before == {"label": "TA::Needs-Review"} and ev.after == {"label": "TA::Approved"}


def test_setting_a_present_label_again_records_nothing(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    engagement_label_set(engagement=eng, label="EM_Status::ToDo", actor=people.erin)
    n = AuditEvent.objects.count()
    engagement_label_set(engagement=eng, label="EM_Status::ToDo", actor=people.erin)
    assert AuditEvent.objects.count() == n
    assert engagement_label_remove(engagement=eng, label="EM_Status::ToDo", actor=people.erin) is True
    assert engagement_label_remove(engagement=eng, label="EM_Status::ToDo", actor=people.erin) is False
    assert AuditEvent.objects.count() == n + 1


def test_an_empty_label_is_refused(people: Any, make_engagement: Any) -> None:
    with pytest.raises(ValidationFailed):
        engagement_label_set(engagement=make_engagement(), label="  ", actor=people.erin)


def test_creating_an_engagement_starts_the_first_em_touch_timer(people: Any, make_engagement: Any) -> None:
    from psdesk.board.services import engagement_transition
    from psdesk.sla.selectors import timers_for_target

    eng = make_engagement()
    assert [t.policy_key for t in timers_for_target(eng)] == ["first_em_touch"]
    engagement_transition(engagement_id=eng.pk, action="triage", actor=people.erin)
    [touch] = [t for t in timers_for_target(eng, include_stopped=True) if t.policy_key == "first_em_touch"]
    assert touch.outcome == "met"
