"""The demo loader builds sessions and requests through the services."""

from __future__ import annotations

from typing import Any

from psdesk.training.models import Session, TrainingRequest


def test_the_demo_loader_creates_sessions_and_both_request_kinds(
    people: Any, course: Any, trainer: Any, make_account: Any
) -> None:
    from psdesk.core.demo import DemoContext
    from psdesk.training.demo import load

    make_account("Acme Corp")
    ctx = DemoContext()
    ctx.objects["users"] = dict(people)
    load(ctx)
    assert Session.objects.count() == 3
    assert sorted(TrainingRequest.objects.values_list("kind", flat=True)) == ["audit", "trainer"]
    assert {s.instructor for s in Session.objects.all()} == {trainer}
