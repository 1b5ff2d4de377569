"""SLA policies and timers over the business calendar. Targets here are users (any model works:
timers are generic over content type + id); the board's own tests drive timers through moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.sla.choices import TimerOutcome, TimerState, TimerStatus
from psdesk.sla.models import Calendar, SlaPolicy, SlaTimer
from psdesk.sla.selectors import policy_business_calendar, timer_time_left, timers_for_target
from psdesk.sla.services import (
    calendar_create,
    closure_add,
    policy_create,
    sla_event,
    sla_sweep,
    timer_pause,
    timer_resume,
    timer_start,
    timer_stop,
)

NY = ZoneInfo("America/New_York")
FRI_16 = datetime(2026, 11, 20, 16, tzinfo=NY)  # Friday before Thanksgiving

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch: Any) -> list[dict[str, Any]]:
    """Record what the sweep hands to notify_many() (one entry per notice) instead of routing it;
    test_the_sweep_notifies_the_real_recipients_in_bulk below routes them for real."""
    calls: list[dict[str, Any]] = []
    import psdesk.notifications.services as ns

    def record(*, event: str, notices: Any, **kw: Any) -> int:
        batch = [{"event": event, "target": n.target, "context": n.context} for n in notices]
        calls.extend(batch)
        return len(batch)

    monkeypatch.setattr(ns, "notify_many", record)
    return calls


def test_the_presales_defaults_are_seeded_on_the_new_york_calendar() -> None:
    presales = ["first_em_touch", "estimate_shared", "sow_draft", "stamped_sow"]  # other apps seed their own
    rows = {
        p.key: (p.start_event, p.stop_event, p.duration, p.unit, p.calendar.key if p.calendar else None)
        for p in SlaPolicy.objects.filter(key__in=presales)
    }
    assert rows == {
        "first_em_touch": ("engagements.created", "board.leave:open", Decimal("1.00"), "business_days", "ps-ops-us"),
        "estimate_shared": (
            "board.enter:strawman_wip",
            "board.enter:estimate_feedback",
            Decimal("3.00"),
            "business_days",
            "ps-ops-us",
        ),
        "sow_draft": (
            "board.enter:sow_wip",
            "sows.draft_shared board.enter:ready_for_approval",
            Decimal("2.00"),
            "business_days",
            "ps-ops-us",
        ),
        "stamped_sow": (
            "board.enter:ready_for_approval",
            "sows.stamped",
            Decimal("3.00"),
            "business_days",
            "ps-ops-us",
        ),
    }
    cal = Calendar.objects.get(key="ps-ops-us")
    assert (cal.country, cal.subdivision, cal.timezone) == ("US", "NY", "America/New_York")


def test_a_timer_is_due_three_business_days_later_skipping_thanksgiving(people: Any) -> None:
    target = people.erin
    t = timer_start(policy_key="estimate_shared", target=target, started_at=datetime(2026, 11, 25, 16, tzinfo=NY))
    assert t is not None
    assert t.due_at == datetime(2026, 12, 1, 16, tzinfo=NY)
    # warn at 75 %: 54 business hours: Wed 8, (Thu off), Fri 24, Mon 22 → Mon 22:00
    assert t.warn_at == datetime(2026, 11, 30, 22, tzinfo=NY)
    assert (t.state, t.status) == (TimerState.RUNNING, TimerStatus.OK)


def test_starting_twice_returns_the_running_timer(people: Any) -> None:
    a = timer_start(policy_key="sow_draft", target=people.erin, started_at=FRI_16)
    b = timer_start(policy_key="sow_draft", target=people.erin, started_at=FRI_16 + timedelta(days=1))
    assert a is not None and b is not None and a.pk == b.pk
    assert SlaTimer.objects.count() == 1


def test_an_unknown_policy_key_is_not_found(people: Any) -> None:
    with pytest.raises(NotFound):
        timer_start(policy_key="nope", target=people.erin)


def test_stopping_before_the_deadline_is_met_and_after_it_is_missed(people: Any) -> None:
    timer_start(policy_key="sow_draft", target=people.erin, started_at=FRI_16)
    timer_start(policy_key="sow_draft", target=people.emil, started_at=FRI_16)
    met = timer_stop(policy_key="sow_draft", target=people.erin, stopped_at=datetime(2026, 11, 24, 15, tzinfo=NY))
    missed = timer_stop(policy_key="sow_draft", target=people.emil, stopped_at=datetime(2026, 11, 24, 17, tzinfo=NY))
    assert met is not None and missed is not None
    assert (met.state, met.outcome) == (TimerState.STOPPED, TimerOutcome.MET)
    assert missed.outcome == TimerOutcome.MISSED
    assert timer_stop(policy_key="sow_draft", target=people.erin) is None  # idempotent


def test_a_paused_timer_keeps_its_business_time_left_and_the_deadline_moves_out_on_resume(people: Any) -> None:
    t = timer_start(policy_key="estimate_shared", target=people.erin, started_at=FRI_16)  # due Wed 25 16:00
    assert t is not None
    assert timer_pause(target=people.erin, at=datetime(2026, 11, 23, 16, tzinfo=NY)) == 1  # Mon 16:00: 48 h left
    t.refresh_from_db()
    assert (t.state, t.remaining_seconds) == (TimerState.PAUSED, 48 * 3600)
    assert timer_time_left(t) == timedelta(hours=48)
    assert timer_resume(target=people.erin, at=datetime(2026, 11, 30, 10, tzinfo=NY)) == 1  # Mon 10:00
    t.refresh_from_db()
    assert t.state == TimerState.RUNNING
    assert t.due_at == datetime(2026, 12, 2, 10, tzinfo=NY)
    # 75 % of 72 h elapsed = 18 h left at warn time → 30 h after resume → Tue 1 Dec 16:00
    assert t.warn_at == datetime(2026, 12, 1, 16, tzinfo=NY)


def test_events_stop_and_start_the_matching_policies(people: Any) -> None:
    at = FRI_16
    started = sla_event(event="board.enter:sow_wip", target=people.erin, at=at)
    assert [t.policy.key for t in started] == ["sow_draft"]
    touched = sla_event(event="board.enter:ready_for_approval", target=people.erin, at=at + timedelta(hours=1))
    assert sorted((t.policy.key, t.state) for t in touched) == [("sow_draft", "stopped"), ("stamped_sow", "running")]


def test_the_sweep_marks_at_risk_and_breached_once_and_notifies_once(people: Any, sent: list[Any]) -> None:
    timer_start(policy_key="estimate_shared", target=people.erin, started_at=FRI_16)  # warn Tue 22:00, due Wed 16:00
    timer_start(policy_key="estimate_shared", target=people.emil, started_at=FRI_16 - timedelta(days=7))  # overdue
    timer_start(policy_key="estimate_shared", target=people.tara, started_at=datetime(2026, 11, 24, 12, tzinfo=NY))
    now = datetime(2026, 11, 25, 9, tzinfo=NY)
    result = sla_sweep(now=now)
    assert (result.at_risk, result.breached, result.notified) == (1, 1, 2)
    assert sorted((c["event"], c["target"].username) for c in sent) == [
        ("sla.at_risk", "erin"),
        ("sla.breached", "emil"),
    ]
    again = sla_sweep(now=now)
    assert (again.at_risk, again.breached, again.notified) == (0, 0, 0)
    assert len(sent) == 2
    later = sla_sweep(now=datetime(2026, 11, 25, 16, tzinfo=NY))  # erin's due now
    assert (later.at_risk, later.breached) == (0, 1)
    assert SlaTimer.objects.for_target(people.tara).get().status == TimerStatus.OK


def test_the_sweep_never_touches_paused_or_stopped_timers(people: Any, sent: list[Any]) -> None:
    timer_start(policy_key="sow_draft", target=people.erin, started_at=FRI_16 - timedelta(days=30))
    timer_start(policy_key="stamped_sow", target=people.erin, started_at=FRI_16 - timedelta(days=30))
    timer_pause(target=people.erin, policy_key="sow_draft", at=FRI_16 - timedelta(days=29))
    timer_stop(policy_key="stamped_sow", target=people.erin, stopped_at=FRI_16 - timedelta(days=29))
    assert sla_sweep(now=FRI_16).breached == 0


def test_the_sweep_command_is_idempotent(people: Any, sent: list[Any]) -> None:
    timer_start(policy_key="sow_draft", target=people.erin, started_at=FRI_16 - timedelta(days=30))
    out = StringIO()
    call_command("sla", "sweep", stdout=out)
    call_command("sla", "sweep", stdout=out)
    assert out.getvalue().splitlines() == [
        "at risk: 0  breached: 1  notified: 1",
        "at risk: 0  breached: 0  notified: 0",
    ]


def test_the_sweep_task_runs_on_the_sla_queue(people: Any, sent: list[Any]) -> None:
    from psdesk.sla.tasks import sla_sweep_task

    assert sla_sweep_task.queue_name == "sla"
    timer_start(policy_key="sow_draft", target=people.erin, started_at=FRI_16 - timedelta(days=30))
    assert sla_sweep_task.call() == {"at_risk": 0, "breached": 1, "notified": 1}


def test_time_left_is_business_time_and_negative_when_overdue(people: Any) -> None:
    timer_start(policy_key="estimate_shared", target=people.erin, started_at=FRI_16)
    [view] = timers_for_target(people.erin, now=datetime(2026, 11, 21, 12, tzinfo=NY))  # Saturday
    assert view.time_left == timedelta(hours=64)
    [late] = timers_for_target(people.erin, now=datetime(2026, 11, 27, 16, tzinfo=NY))  # Fri after Thanksgiving
    assert late.time_left == timedelta(hours=-24)


def test_a_company_closure_is_skipped_by_new_timers(people: Any) -> None:
    closure_add(calendar=Calendar.objects.get(key="ps-ops-us"), day=date(2026, 11, 23), name="Offsite")
    t = timer_start(policy_key="estimate_shared", target=people.erin, started_at=FRI_16)
    assert t is not None and t.due_at == datetime(2026, 11, 27, 16, tzinfo=NY)


@pytest.mark.parametrize("duration", ["0", "-1", "-0.5"])
def test_a_policy_with_a_non_positive_duration_is_refused_and_nothing_is_written(duration: str) -> None:
    before = (SlaPolicy.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed, match="positive"):
        policy_create(key="x", name="X", start_event="a", stop_event="b", duration=duration)
    assert (SlaPolicy.objects.count(), AuditEvent.objects.count()) == before


def test_a_calendar_with_an_unknown_country_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationFailed, match="Country XX not available"):
        calendar_create(key="xx", name="Nowhere", country="XX")
    assert not Calendar.objects.filter(key="xx").exists()


def test_a_calendar_is_created_with_an_audit_row(people: Any) -> None:
    cal = calendar_create(
        key="de-by", name="Munich", country="de", subdivision="by", timezone="Europe/Berlin", actor=people.oscar
    )
    ev = AuditEvent.objects.latest("seq")
    assert (ev.verb, ev.actor_id, ev.after) == (
        "sla.calendar_created",
        people.oscar.pk,
        {"country": "DE", "subdivision": "BY", "timezone": "Europe/Berlin"},
    )
    assert not cal.business_calendar().is_business_day(date(2026, 1, 6))


# --- API ---------------------------------------------------------------------------------------
def test_ps_ops_creates_a_policy_through_the_api(api: Any) -> None:
    r = api("oscar").post(
        "/api/v1/sla/policies",
        {
            "key": "welcome",
            "name": "Welcome email",
            "start_event": "crm.closed_won",
            "stop_event": "projects.welcomed",
            "duration": "3",
            "calendar": "ps-ops-us",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["duration"] == "3"
    assert r.json()["calendar"] == "ps-ops-us"


@pytest.mark.parametrize("duration", ["0", "-2"])
def test_the_api_refuses_a_non_positive_duration_with_422(api: Any, duration: str) -> None:
    r = api("oscar").post(
        "/api/v1/sla/policies",
        {"key": "bad", "name": "Bad", "start_event": "a", "stop_event": "b", "duration": duration},
    )
    assert r.status_code == 422
    assert r.json()["message"] == "The duration must be positive."
    assert not SlaPolicy.objects.filter(key="bad").exists()


def test_the_api_refuses_an_unknown_country_with_422_and_the_reason(api: Any) -> None:
    r = api("oscar").post("/api/v1/sla/calendars", {"key": "zz", "name": "Z", "country": "ZZ"})
    assert r.status_code == 422
    assert "ZZ" in r.json()["message"]
    assert not Calendar.objects.filter(key="zz").exists()


@pytest.mark.parametrize(
    ("user", "status"), [("erin", 200), ("leo", 200), ("oscar", 200), ("olga", 403), ("alice", 403)]
)
def test_who_may_read_policies(api: Any, user: str, status: int) -> None:
    assert api(user).get("/api/v1/sla/policies").status_code == status


@pytest.mark.parametrize("user", ["erin", "leo", "olga"])
def test_only_ps_ops_may_create_policies_and_calendars(api: Any, user: str) -> None:
    r = api(user).post("/api/v1/sla/calendars", {"key": "de", "name": "DE", "country": "DE"})
    assert r.status_code == 403
    assert not Calendar.objects.filter(key="de").exists()


def test_utc_is_used_when_a_policy_has_no_calendar(people: Any) -> None:
    policy_create(key="raw", name="Raw", start_event="a", stop_event="b", duration=1)
    t = timer_start(policy_key="raw", target=people.erin, started_at=datetime(2026, 11, 27, 16, tzinfo=UTC))
    assert t is not None and t.due_at == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert policy_business_calendar(policy=t.policy).tz.key == "UTC"


def test_badges_show_the_most_urgent_timer_per_target_in_constant_queries(
    people: Any, django_assert_max_num_queries: Any
) -> None:
    from django.contrib.auth.models import User

    from psdesk.sla.selectors import timer_badges

    timer_start(policy_key="estimate_shared", target=people.erin, started_at=FRI_16)
    timer_start(policy_key="sow_draft", target=people.erin, started_at=FRI_16)
    timer_start(policy_key="stamped_sow", target=people.emil, started_at=FRI_16 - timedelta(days=30))
    sla_sweep(now=FRI_16, notify=False)
    with django_assert_max_num_queries(4):
        badges = timer_badges(User, [people.erin.pk, people.emil.pk, people.tara.pk], now=FRI_16)
    assert set(badges) == {people.erin.pk, people.emil.pk}
    assert (badges[people.erin.pk].policy_name, badges[people.erin.pk].hours_left) == (
        "SOW draft to the customer",
        48.0,
    )
    assert badges[people.emil.pk].status == "breached"


def test_the_sweep_notifies_the_real_recipients_in_bulk(people: Any, make_account: Any, make_engagement: Any) -> None:
    """Real routing: each breached engagement tells its EM and its account owner (in-app and email)
    and the managers' chat once; the query count does not grow with the number of timers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from psdesk.notifications.models import Notification, OutboxMessage

    def breach(n: int) -> int:
        for i in range(n):
            eng = make_engagement(make_account(f"Acct {n}-{i}", owner=people.sam), em=people.erin)
            timer_start(policy_key="sow_draft", target=eng, started_at=FRI_16 - timedelta(days=30))
        Notification.objects.all().delete()
        OutboxMessage.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            result = sla_sweep(now=FRI_16)
        assert (result.breached, result.notified) == (n, n)
        return len(ctx.captured_queries)

    few = breach(1)
    title = "[PS Desk] SLA breached: Acct 1-0 - Scope Issue and Write SOW"
    rows = sorted(Notification.objects.values_list("recipient__username", "event", "title"))
    assert rows == [("erin", "sla.breached", title), ("sam", "sla.breached", title)]
    outbox = sorted(OutboxMessage.objects.values_list("target", "destination", "status"))
    assert outbox == [
        ("chat", "#ps-engagement-mgrs", "queued"),
        ("email", people.erin.email, "queued"),
        ("email", people.sam.email, "queued"),
    ]
    many = breach(20)
    assert Notification.objects.filter(event="sla.breached").count() == 40
    assert OutboxMessage.objects.filter(target="email").count() == 40
    assert many == few
