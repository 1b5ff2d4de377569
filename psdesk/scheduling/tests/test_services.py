"""Queue entry, pipeline demand, the forecast run and what-if, staffing, and the no-commit rule."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.crm.choices import OpportunityStage
from psdesk.notifications.models import Notification
from psdesk.scheduling import selectors, services
from psdesk.scheduling.models import ForecastResult, ForecastRun, LeadTime, QueueEntry
from psdesk.scheduling.role_hours import LineIn
from psdesk.scheduling.tests.conftest import WON_AT

pytestmark = pytest.mark.django_db


def enter(opp: Any, people: Any, *lines: LineIn, at: Any = WON_AT, **kw: Any) -> QueueEntry:
    return services.queue_enter(role_hours=list(lines), opportunity=opp, closed_won_at=at, actor=people.paula, **kw)


def test_entering_the_queue_audits_and_notifies_ps_scheduling(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    e = enter(won_opportunity(), people, LineIn("PSE", 120, 40))
    assert e.kind == "committed" and e.lines.get().weekly_hours == Decimal("40")
    assert AuditEvent.objects.filter(verb="scheduling.queued", target_id=str(e.pk)).count() == 1
    assert Notification.objects.filter(event="project.queued", recipient=people.paula).count() == 1


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "The forecast needs role-hours: give hours by role (e.g. PSE 120, PM 20)."),
        ([LineIn("PSE", 0)], "PSE hours must be above zero."),
        ([LineIn("PSE", 10, None, {"kubernetes": 3})], "Unknown skill 'kubernetes'."),
        ([LineIn("Wizard", 10)], "Unknown role 'Wizard'. Roles: PSE, PM, TA, Trainer."),
    ],
)
def test_bad_role_hours_are_refused_and_nothing_is_written(
    people: Any, bench_team: Any, won_opportunity: Any, lines: list[LineIn], message: str
) -> None:
    opp = won_opportunity()
    with pytest.raises(ValidationFailed) as exc:
        enter(opp, people, *lines)
    assert exc.value.message == message
    assert QueueEntry.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="scheduling.queued").exists()


def test_time_off_ending_before_it_starts_and_negative_capacity_are_refused(bench_team: Any) -> None:
    with pytest.raises(ValidationFailed, match="Time off cannot end before it starts"):
        services.time_off_add(consultant=bench_team["pia"], starts_on=date(2027, 1, 5), ends_on=date(2027, 1, 4))
    csv = "name,email,role,weekly_capacity_hours\nneg,neg@example.com,PSE,-5\n"
    with pytest.raises(ValidationFailed, match="line 2: capacity cannot be below zero"):
        services.consultants_import(text=csv)


def test_csv_import_creates_consultants_with_skills(db: Any) -> None:
    csv = "name,email,role,region,us_citizen,cleared,skills\nAda,ada@example.com,TA,EMEA,yes,yes,geo:4;ci:2\n"
    assert services.consultants_import(text=csv) == 1
    from psdesk.scheduling.models import Consultant

    ada = Consultant.objects.get(email="ada@example.com")
    assert (ada.role, ada.region, ada.pubsec_eligible) == ("TA", "EMEA", True)
    assert sorted((s.skill.name, s.level) for s in ada.skills.all()) == [("ci", 2), ("geo", 4)]


def test_forecast_run_places_the_queue_in_closed_won_order_and_names_the_binding_constraint(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    first = enter(won_opportunity("A"), people, LineIn("TA", 80, 40, {"geo": 3}), at=WON_AT)
    second = enter(won_opportunity("B"), people, LineIn("TA", 40, 40, {"geo": 3}), at=WON_AT + timedelta(hours=1))
    run = services.forecast_run()
    r1, r2 = ForecastResult.objects.get(run=run, entry=first), ForecastResult.objects.get(run=run, entry=second)
    assert run.week0 == date(2026, 11, 23)
    # two geo TAs: tess (first by id) takes A for two weeks; B uses uma at once
    assert (r1.position, r1.p50_date, r1.consultants) == (1, date(2026, 11, 23), [[bench_team["tess"].pk, "tess"]])
    assert (r2.position, r2.p50_date, r2.consultants) == (2, date(2026, 11, 23), [[bench_team["uma"].pk, "uma"]])
    third = enter(won_opportunity("C"), people, LineIn("TA", 40, 40, {"geo": 4}), at=WON_AT + timedelta(hours=2))
    run = services.forecast_run()
    r3 = ForecastResult.objects.get(run=run, entry=third)
    assert r3.p50_date == date(2026, 11, 30)
    assert r3.binding == "waits for 1 TA with skill geo ≥ 4 for 40 h/week x 1 weeks, free from 2026-11-30"
    assert LeadTime.objects.get(run=run, service_type="other").projects == 3


def test_pubsec_projects_only_use_cleared_consultants(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    e = enter(won_opportunity("Gov", pubsec=True), people, LineIn("PSE", 40, 40))
    assert e.requires_clearance is True
    run = services.forecast_run()
    assert ForecastResult.objects.get(run=run, entry=e).consultants == [[bench_team["quinn"].pk, "quinn"]]
    with pytest.raises(ValidationFailed, match="pia is not cleared"):
        services.allocation_create(
            entry=e,
            consultant=bench_team["pia"],
            kind="hard",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 10),
            weekly_hours=Decimal("10"),
            actor=people.paula,
        )


def test_tentative_deals_get_p50_not_after_p80_and_whatif_saves_nothing(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    enter(won_opportunity("A"), people, LineIn("PSE", 80, 40))
    opp = won_opportunity("B", stage=OpportunityStage.AWAITING_SIGNATURE)
    t = services.queue_enter(role_hours=[LineIn("PSE", 120, 40)], opportunity=opp, kind="tentative", actor=people.paula)
    run = services.forecast_run()
    r = ForecastResult.objects.get(run=run, entry=t)
    assert r.p50_date is not None and r.p80_date is not None and r.p50_date <= r.p80_date
    counts = (QueueEntry.objects.count(), ForecastRun.objects.count(), AuditEvent.objects.count())
    w = selectors.hypothetical_forecast_get(role_hours=[LineIn("PSE", 40, 40)])
    assert w.p50_date is not None and w.p80_date is not None and w.p50_date <= w.p80_date
    assert w.samples == 200 and w.ahead_tentative == 0  # the deal B has no expected close date
    assert (QueueEntry.objects.count(), ForecastRun.objects.count(), AuditEvent.objects.count()) == counts
    with pytest.raises(ValidationFailed, match="needs role-hours"):
        selectors.hypothetical_forecast_get(role_hours=[])


def test_sampling_is_deterministic_with_the_policy_seed(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    for i in range(4):
        opp = won_opportunity(f"T{i}", stage=OpportunityStage.NEGOTIATING)
        services.queue_enter(role_hours=[LineIn("PSE", 80, 40)], opportunity=opp, kind="tentative", actor=people.paula)
    a = services.forecast_run()
    b = services.forecast_run()
    pick = lambda run: list(run.results.order_by("position").values_list("p50_week", "p80_week"))  # noqa: E731
    assert pick(a) == pick(b)


def test_a_closed_won_tentative_deal_is_promoted_behind_earlier_closes(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    opp = won_opportunity("B", stage=OpportunityStage.NEGOTIATING)
    t = services.queue_enter(role_hours=[LineIn("PSE", 80, 40)], opportunity=opp, kind="tentative", actor=people.paula)
    opp.stage = OpportunityStage.CLOSED_WON
    opp.save()
    out = services.pipeline_demand_reconcile()
    t.refresh_from_db()
    assert out["promoted"] == [t.pk] and t.kind == "committed" and t.closed_won_at == frozen_clock()


def test_a_start_date_cannot_be_committed_before_closed_won(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    opp = won_opportunity("B", stage=OpportunityStage.AWAITING_SIGNATURE)
    t = services.queue_enter(role_hours=[LineIn("PSE", 80, 40)], opportunity=opp, kind="tentative", actor=people.paula)
    with pytest.raises(TransitionNotAllowed, match="only once the opportunity is Closed Won"):
        services.queue_entry_start_commit(entry_id=t.pk, start=date(2027, 1, 4), confirm=True, actor=people.paula)
    t.refresh_from_db()
    assert t.committed_start is None and t.status == "queued"
    assert not AuditEvent.objects.filter(target_id=str(t.pk), verb__startswith="queue_entry").exists()


def test_a_start_date_needs_coordinator_confirmation_and_role(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    e = enter(won_opportunity(), people, LineIn("PSE", 80, 40))
    with pytest.raises(TransitionNotAllowed, match="must confirm"):
        services.queue_entry_start_commit(entry_id=e.pk, start=date(2027, 1, 4), confirm=False, actor=people.paula)
    with pytest.raises(PermissionDenied, match="permission"):
        services.queue_entry_start_commit(entry_id=e.pk, start=date(2027, 1, 4), confirm=True, actor=people.erin)
    e = services.queue_entry_start_commit(entry_id=e.pk, start=date(2027, 1, 4), confirm=True, actor=people.paula)
    assert (e.committed_start, e.status, e.committed_by) == (date(2027, 1, 4), "start_committed", people.paula)


def test_the_cli_refuses_to_commit_before_close(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    opp = won_opportunity("B", stage=OpportunityStage.NEGOTIATING)
    t = services.queue_enter(role_hours=[LineIn("PSE", 80, 40)], opportunity=opp, kind="tentative", actor=people.paula)
    with pytest.raises(CommandError, match="only once the opportunity is Closed Won"):
        call_command("forecast", "commit", str(t.pk), "--start", "2027-01-04", "--confirm", "--as", "paula")
    t.refresh_from_db()
    assert t.committed_start is None


def test_cli_runs_the_forecast_and_prints_the_queue_without_pubsec_unless_asked(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any, capsys: Any
) -> None:
    enter(won_opportunity(), people, LineIn("PSE", 80, 40), title="Acme rollout")
    enter(won_opportunity("Gov", pubsec=True), people, LineIn("PSE", 40, 40), title="Gov rollout")
    call_command("forecast", "run")
    out = capsys.readouterr().out
    assert "Acme rollout" in out and "2026-11-23" in out and "1 projects in the queue." in out
    assert "Gov rollout" not in out
    call_command("forecast", "queue", "--as", "pat")
    assert "Gov rollout" in capsys.readouterr().out


def test_conflicting_allocation_needs_a_reason_and_hard_ones_reduce_capacity(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    pia = bench_team["pia"]
    services.time_off_add(consultant=pia, starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 4))
    e = enter(won_opportunity(), people, LineIn("PSE", 40, 40))
    with pytest.raises(Conflict) as exc:
        services.allocation_create(
            entry=e,
            consultant=pia,
            kind="hard",
            starts_on=date(2026, 11, 30),
            ends_on=date(2026, 12, 4),
            weekly_hours=Decimal("40"),
            actor=people.paula,
        )
    assert exc.value.details["conflicts"] == ["time off 2026-11-30 to 2026-12-04"]
    assert not e.allocations.exists()
    a = services.allocation_create(
        entry=e,
        consultant=pia,
        kind="hard",
        starts_on=date(2026, 11, 23),
        ends_on=date(2026, 11, 27),
        weekly_hours=Decimal("40"),
        actor=people.paula,
        override_reason="",
    )
    assert a.override_reason == ""
    other = enter(won_opportunity("Z"), people, LineIn("PSE", 40, 40), at=WON_AT + timedelta(hours=1))
    run = services.forecast_run()
    # pia is booked in week 0 and off in week 1: the next PSE job takes quinn at once
    assert ForecastResult.objects.get(run=run, entry=other).consultants == [[bench_team["quinn"].pk, "quinn"]]


def test_cli_ranks_candidates_and_hides_pubsec_entries_from_non_members(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any, capsys: Any
) -> None:
    gov = enter(won_opportunity("Gov", pubsec=True), people, LineIn("PSE", 40, 40))
    call_command("forecast", "candidates", str(gov.pk), "--as", "pat")
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["quinn", "PSE", "fits"]
    assert out[1].split()[:4] == ["pia", "PSE", "no:", "not"]
    with pytest.raises(CommandError, match="not found"):
        call_command("forecast", "candidates", str(gov.pk), "--as", "erin")


def test_a_fully_hard_staffed_project_is_reported_as_booked_not_as_missing_hours(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    e = enter(won_opportunity(), people, LineIn("PSE", 80, 40))
    services.allocation_create(
        entry=e,
        consultant=bench_team["quinn"],
        kind="hard",
        starts_on=date(2026, 12, 7),
        ends_on=date(2026, 12, 18),
        weekly_hours=Decimal("40"),
        actor=people.paula,
    )
    run = services.forecast_run()
    r = ForecastResult.objects.get(run=run, entry=e)
    assert (r.p50_date, r.binding) == (date(2026, 12, 7), "staffed with hard allocations from 2026-12-07")
    assert r.consultants == [[bench_team["quinn"].pk, "quinn"]]


def test_a_committed_start_holds_the_project_until_then(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    e = enter(won_opportunity(), people, LineIn("PSE", 80, 40))
    services.queue_entry_start_commit(entry_id=e.pk, start=date(2027, 1, 11), confirm=True, actor=people.paula)
    run = services.forecast_run()
    assert ForecastResult.objects.get(run=run, entry=e).p50_date == date(2027, 1, 11)


def test_pubsec_queue_notifications_reach_only_pubsec_members(
    people: Any, bench_team: Any, won_opportunity: Any
) -> None:
    enter(won_opportunity("Gov", pubsec=True), people, LineIn("PSE", 40, 40))
    assert not Notification.objects.filter(event="project.queued", recipient=people.paula).exists()


def test_queue_csv_import_is_all_or_nothing(people: Any, bench_team: Any, won_opportunity: Any, tmp_path: Any) -> None:
    acc = won_opportunity().account
    # `;` separates skills, `,` separates roles: a quoted field keeps both roles in one cell
    good = f'title,account_id,closed_won_at,hours\nRollout,{acc.pk},2026-11-20T10:00:00+00:00,"PSE:80:geo=3,PM:10"\n'
    assert services.queue_import(text=good, actor=people.paula) == 1
    e = QueueEntry.objects.get(title="Rollout")
    assert [(ln.role, ln.hours, ln.skills) for ln in e.lines.all()] == [
        ("PSE", Decimal("80.00"), {"geo": 3}),
        ("PM", Decimal("10.00"), {}),
    ]
    bad = good.replace("Rollout", "Second") + f"Third,{acc.pk},2026-11-21T10:00:00+00:00,PSE:0\n"
    with pytest.raises(ValidationFailed, match="line 3: PSE hours must be above zero"):
        services.queue_import(text=bad, actor=people.paula)
    assert not QueueEntry.objects.filter(title__in=["Second", "Third"]).exists()
    path = tmp_path / "q.csv"
    path.write_text(good.replace("Rollout", "From CLI"))
    call_command("forecast", "import-queue", str(path), "--as", "paula")
    assert QueueEntry.objects.filter(title="From CLI").exists()


def test_an_entry_added_in_admin_is_audited_and_announced(people: Any, bench_team: Any, won_opportunity: Any) -> None:
    from django.test import Client

    people.oscar.is_staff = True
    people.oscar.is_superuser = True
    people.oscar.save()
    c = Client()
    c.force_login(people.oscar)
    acc = won_opportunity().account
    r = c.post(
        "/admin/scheduling/queueentry/add/",
        {
            "title": "Admin entry",
            "account": acc.pk,
            "kind": "committed",
            "service_type": "other",
            "closed_won_at_0": "2026-11-20",
            "closed_won_at_1": "10:00:00",
            "delivery_mode": "remote",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-role": "PSE",
            "lines-0-hours": "40",
            "lines-0-weekly_hours": "20",
            "lines-0-skills": "{}",
        },
    )
    assert r.status_code == 302, [str(e) for e in r.context["errors"]] if r.context else r.status_code
    e = QueueEntry.objects.get(title="Admin entry")
    ev = AuditEvent.objects.get(verb="scheduling.queued", target_id=str(e.pk))
    assert ev.after["lines"] == [{"role": "PSE", "hours": "40.00", "weekly_hours": "20.00", "skills": {}}]
    assert Notification.objects.filter(event="project.queued", recipient=people.paula).count() == 1
