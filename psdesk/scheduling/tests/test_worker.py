"""The worker side: recompute enqueued on the "forecast" queue (coalesced), slip notifications,
old runs pruned, and the task itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from psdesk.crm.choices import OpportunityStage
from psdesk.notifications.models import Notification
from psdesk.scheduling import services
from psdesk.scheduling.models import ForecastPolicy, ForecastRun
from psdesk.scheduling.role_hours import LineIn
from psdesk.scheduling.tasks import forecast_recompute
from psdesk.scheduling.tests.conftest import WON_AT

pytestmark = pytest.mark.django_db


def test_entering_projects_enqueues_one_recompute_on_the_forecast_queue(
    people: Any, bench_team: Any, won_opportunity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for name in ("A", "B"):
        with django_capture_on_commit_callbacks(execute=True):
            services.queue_enter(
                role_hours=[LineIn("PSE", 40)],
                opportunity=won_opportunity(name),
                closed_won_at=WON_AT,
                actor=people.paula,
            )
    rows = DBTaskResult.objects.filter(task_path="psdesk.scheduling.tasks.forecast_recompute")
    assert [(r.queue_name, r.status) for r in rows] == [("forecast", "READY")]


def test_the_task_reconciles_the_pipeline_and_stores_a_run(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    services.queue_enter(
        role_hours=[LineIn("PSE", 40)], opportunity=won_opportunity(), closed_won_at=WON_AT, actor=people.paula
    )
    run_id = forecast_recompute.call()
    assert ForecastRun.objects.get().pk == run_id


def test_the_task_promoting_a_won_deal_queues_no_second_run(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    opp = won_opportunity("Pipe", stage=OpportunityStage.NEGOTIATING)
    entry = services.queue_enter(role_hours=[LineIn("PSE", 40)], opportunity=opp, kind="tentative", actor=people.paula)
    opp.stage = OpportunityStage.CLOSED_WON
    opp.save()
    with django_capture_on_commit_callbacks(execute=True):
        forecast_recompute.call()
    entry.refresh_from_db()
    assert entry.kind == "committed"
    assert not DBTaskResult.objects.filter(task_path="psdesk.scheduling.tasks.forecast_recompute").exists()


def test_a_forecast_slipping_beyond_the_policy_notifies_ps_scheduling(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    ForecastPolicy.objects.filter(id=1).update(slip_notify_days=7)
    late = services.queue_enter(
        role_hours=[LineIn("TA", 40, 40, {"geo": 4})],
        opportunity=won_opportunity("Late"),
        closed_won_at=WON_AT + timedelta(hours=1),
        actor=people.paula,
    )
    services.forecast_run()
    assert not Notification.objects.filter(event="forecast.slipped").exists()
    # a project that closed earlier turns up (entered late): it takes uma first, `late` waits two weeks
    services.queue_enter(
        role_hours=[LineIn("TA", 80, 40, {"geo": 4})],
        opportunity=won_opportunity("Early"),
        closed_won_at=WON_AT,
        actor=people.paula,
    )
    services.forecast_run()
    slipped = Notification.objects.filter(event="forecast.slipped", recipient=people.paula)
    assert slipped.count() == 1
    assert slipped.get().target_id == str(late.pk)


def test_small_slips_within_the_policy_stay_quiet(
    people: Any, bench_team: Any, won_opportunity: Any, frozen_clock: Any
) -> None:
    ForecastPolicy.objects.filter(id=1).update(slip_notify_days=7)
    services.queue_enter(
        role_hours=[LineIn("TA", 40, 40, {"geo": 4})],
        opportunity=won_opportunity("Late"),
        closed_won_at=WON_AT + timedelta(hours=1),
        actor=people.paula,
    )
    services.forecast_run()
    services.queue_enter(
        role_hours=[LineIn("TA", 40, 40, {"geo": 4})],
        opportunity=won_opportunity("Early"),
        closed_won_at=WON_AT,
        actor=people.paula,
    )
    services.forecast_run()  # one week later = 7 days, not more than 7
    assert not Notification.objects.filter(event="forecast.slipped").exists()


def test_only_the_last_runs_are_kept(people: Any, bench_team: Any) -> None:
    for _ in range(services.KEEP_RUNS + 2):
        services.forecast_run()
    assert ForecastRun.objects.count() == services.KEEP_RUNS
