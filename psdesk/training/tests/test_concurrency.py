"""Two last-seat registrations at once: one seat, one waitlist place."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from psdesk.training.models import Registration, Session, TrainingRequest
from psdesk.training.services import registration_create, request_schedule

pytestmark = pytest.mark.django_db(transaction=True)


def _race(fns: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fns[i]()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_audit_requests_scheduled_into_the_last_seat_at_once_get_one_seat_and_one_waitlist(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    s = make_session(capacity=2)
    registration_create(session_id=s.pk, user=managed.erin, actor=managed.paula)
    a = make_audit_request("tom", session=s)
    b = make_audit_request("cody", session=s)
    results = _race(
        [
            lambda: request_schedule(request_id=a.pk, actor=managed.paula),
            lambda: request_schedule(request_id=b.pk, actor=managed.paula),
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.waitlisted for r in results) == [False, True]
    assert Session.objects.get(pk=s.pk).seats_taken == 2
    statuses = sorted(Registration.objects.filter(session=s).values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    assert sorted(TrainingRequest.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == [
        "planning",
        "scheduled",
    ]


def test_two_self_registrations_for_the_last_seat_at_once(people: Any, make_session: Any) -> None:
    s = make_session(audience="internal", capacity=1)
    results = _race(
        [
            lambda: registration_create(session_id=s.pk, user=people.tom, actor=people.tom),
            lambda: registration_create(session_id=s.pk, user=people.cody, actor=people.cody),
        ]
    )
    assert sorted(r.status for r in results) == ["confirmed", "waitlisted"]
    assert Session.objects.get(pk=s.pk).seats_taken == 1
