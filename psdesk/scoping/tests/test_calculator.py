"""Submitting the Services Calculator: one transaction, EM assignment, duplicates, bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from psdesk.crm.models import Account
from psdesk.engagements.models import CustomerEpic, Engagement, SchedulingIntake
from psdesk.scoping.models import ScopingRequest, ServiceType, SsotRow, TerritoryEngagementManager
from psdesk.scoping.services import NewCustomer
from psdesk.scoping.tests.conftest import IMPL_ANSWERS, MIG_ANSWERS

pytestmark = pytest.mark.django_db


def test_each_questionnaire_is_loaded_with_required_rows_and_examples() -> None:
    types = {st.key: st for st in ServiceType.objects.prefetch_related("questions")}
    assert sorted(types) == [
        "advisory", "cicd_transition", "custom_education", "implementation", "readiness_assessment", "scm_migration",
    ]  # fmt: skip
    for st in types.values():
        qs = list(st.questions.all())
        assert any(q.required for q in qs), st.key
        assert all(q.example and q.rationale for q in qs), st.key
        assert {q.answer_type for q in qs} <= {"number", "choice", "yes_no", "text"}
    geo = types["implementation"].questions.get(key="geo")
    assert (geo.answer_type, geo.required, geo.example) == ("yes_no", True, "yes: US-east primary, US-west secondary")


def test_submitting_creates_epic_engagement_ssot_intake_and_labels_in_one_go(
    people: Any, east: Any, submit: Any, frozen_clock: Any
) -> None:
    result = submit(
        account_id=east.pk,
        service_types=["implementation", "scm_migration"],
        answers={"implementation": IMPL_ANSWERS, "scm_migration": MIG_ANSWERS},
        intake={"pricing_model": "fixed_fee", "skills_needed": "Geo, Congregate", "us_citizenship_required": True},
    )
    eng = result.engagement
    assert result.created is True
    assert eng.title == "Acme Corp - Scope Issue and Write SOW"
    assert eng.state == "open"
    assert eng.em == people.erin
    assert eng.epic == CustomerEpic.objects.get(account=east)
    assert sorted(eng.labels.values_list("name", flat=True)) == ["Services Calculator"]
    rows = list(SsotRow.objects.filter(engagement=eng).order_by("position"))
    assert len(rows) == 19 + 15
    assert rows[0].service_type == "implementation" and rows[-1].service_type == "scm_migration"
    users = next(r for r in rows if (r.service_type, r.key) == ("implementation", "users"))
    assert (users.response, users.required, users.example) == ("3250", True, "3250")
    os_row = next(r for r in rows if r.key == "os")
    assert os_row.response == "to-do"
    intake = SchedulingIntake.objects.get(engagement=eng)
    assert (intake.pricing_model, intake.skills_needed, intake.us_citizenship_required) == (
        "fixed_fee", ["Geo", "Congregate"], True,
    )  # fmt: skip
    assert intake.timezone == "America/New_York"
    req = ScopingRequest.objects.get(engagement=eng)
    assert req.service_types == ["implementation", "scm_migration"]
    verbs = list(AuditEvent.objects.for_target(eng).order_by("seq").values_list("verb", flat=True))
    assert verbs == ["engagements.created", "engagements.label_set", "scoping.request_submitted"]


def test_a_failure_midway_leaves_nothing_behind(people: Any, submit: Any, monkeypatch: Any) -> None:
    counts = (
        Account.objects.count(),
        Engagement.objects.count(),
        CustomerEpic.objects.count(),
        AuditEvent.objects.count(),
    )

    def boom(*a: Any, **kw: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SchedulingIntake.objects, "create", boom)
    with pytest.raises(RuntimeError):
        submit(new_customer=NewCustomer(name="Initrode"), answers={"implementation": IMPL_ANSWERS})
    after = (
        Account.objects.count(),
        Engagement.objects.count(),
        CustomerEpic.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == counts
    assert SsotRow.objects.count() == 0 and ScopingRequest.objects.count() == 0
    from psdesk.notifications.models import Notification, OutboxMessage

    assert Notification.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_a_new_customer_gets_an_account_in_the_chosen_territory(people: Any, submit: Any, east: Any) -> None:
    result = submit(new_customer=NewCustomer(name="  Initrode   Inc ", territory_id=east.territory_id, segment="SMB"))
    acc = result.engagement.account
    assert (acc.name, acc.segment, acc.territory_id) == ("Initrode Inc", "SMB", east.territory_id)
    assert result.engagement.em == people.erin
    assert AuditEvent.objects.filter(verb="crm.account_created", target_id=str(acc.pk)).count() == 1


def test_the_em_with_fewest_open_engagements_in_the_territory_gets_the_request(
    people: Any, east: Any, submit: Any, make_engagement: Any
) -> None:
    TerritoryEngagementManager.objects.create(territory=east.territory, engagement_manager=people.erin)
    TerritoryEngagementManager.objects.create(territory=east.territory, engagement_manager=people.emil)
    make_engagement(east, em="erin")
    make_engagement(east, em="erin", path=("close_lost",))  # closed ones do not count
    make_engagement(east, em="emil", path=("close_lost",))
    first = submit(account_id=east.pk, answers={"implementation": {"users": 10}})
    assert first.engagement.em == people.emil  # erin 1 open, emil 0
    second = submit(account_id=east.pk, answers={"implementation": {"users": 20}})
    assert second.engagement.em == people.emil  # 1 each: tie → lowest username (emil < erin)
    third = submit(account_id=east.pk, answers={"implementation": {"users": 30}})
    assert third.engagement.em == people.erin  # emil 2, erin 1


def test_an_account_without_territory_gets_no_em(people: Any, make_account: Any, submit: Any) -> None:
    acc = make_account("Nowhere Ltd")
    assert submit(account_id=acc.pk).engagement.em is None


def test_the_same_submission_within_a_minute_returns_the_existing_engagement(
    people: Any, east: Any, submit: Any, frozen_clock: Any
) -> None:
    first = submit(account_id=east.pk, answers={"implementation": {"users": "3,250"}})
    frozen_clock.advance(seconds=59)
    again = submit(account_id=east.pk, answers={"implementation": {"users": 3250}})
    assert again.created is False and again.engagement.pk == first.engagement.pk
    assert Engagement.objects.count() == 1
    frozen_clock.advance(seconds=2)
    later = submit(account_id=east.pk, answers={"implementation": {"users": 3250}})
    assert later.created is True and Engagement.objects.count() == 2


def test_a_different_requester_is_not_a_duplicate(people: Any, east: Any, submit: Any, frozen_clock: Any) -> None:
    submit("sam", account_id=east.pk)
    assert submit("alice", account_id=east.pk).created is True


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"service_types": ["teleportation"]}, "service_types", "Unknown service type 'teleportation'"),
        ({"service_types": []}, "service_types", "Choose at least one service type."),
        (
            {"answers": {"implementation": {"users": "lots"}}},
            "answers.implementation.users",
            "expects a number, got 'lots'",
        ),
        ({"answers": {"implementation": {"users": -5}}}, "answers.implementation.users", "must not be negative"),
        (
            {"answers": {"implementation": {"hosting": "Mars"}}},
            "answers.implementation.hosting",
            "'Mars' is not one of",
        ),
        ({"answers": {"implementation": {"geo": "perhaps"}}}, "answers.implementation.geo", "expects yes or no"),
        ({"answers": {"implementation": {"warp": 9}}}, "answers.implementation.warp", "Unknown question 'warp'"),
        ({"answers": {"advisory": {"goals": "x"}}}, "answers.advisory", "not chosen"),
        ({"intake": {"pricing_model": "barter"}}, "intake.pricing_model", "must be one of"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    people: Any, east: Any, submit: Any, kw: dict[str, Any], field: str, message: str
) -> None:
    n = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        submit(account_id=east.pk, **kw)
    assert exc.value.details["field"] == field
    assert message in exc.value.message
    assert Engagement.objects.count() == 0 and AuditEvent.objects.count() == n


def test_a_missing_customer_is_refused(people: Any, submit: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        submit()
    assert exc.value.details == {"field": "customer"}
    with pytest.raises(ValidationFailed):
        submit(new_customer=NewCustomer(name="   "))


def test_unknown_answers_are_allowed_and_stay_to_do(people: Any, east: Any, submit: Any) -> None:
    eng = submit(account_id=east.pk, answers={"implementation": {"users": "unknown", "geo": ""}}).engagement
    assert set(SsotRow.objects.filter(engagement=eng).values_list("response", flat=True)) == {"to-do"}


def test_ticking_pubsec_marks_the_account_and_labels_the_engagement(
    people: Any, make_account: Any, submit: Any
) -> None:
    acc = make_account("Dept of Things", em=people.pat)
    eng = submit("pat", account_id=acc.pk, us_public_sector=True).engagement
    acc.refresh_from_db()
    assert acc.us_public_sector is True
    assert sorted(eng.labels.values_list("name", flat=True)) == ["Public Sector US", "Services Calculator"]
    ev = AuditEvent.objects.get(verb="scoping.account_marked_pubsec")
    assert (ev.before, ev.after) == ({"us_public_sector": False}, {"us_public_sector": True})
    assert not Engagement.objects.visible_to(people.erin).filter(pk=eng.pk).exists()


def test_pubsec_needs_membership_and_pubsec_accounts_are_not_found_for_others(
    people: Any, make_account: Any, submit: Any
) -> None:
    acc = make_account("Open Co", em=people.erin)
    with pytest.raises(PermissionDenied):
        submit("sam", account_id=acc.pk, us_public_sector=True)
    secret = make_account("Secret Agency", pubsec=True, em=people.pat)
    with pytest.raises(NotFound):
        submit("sam", account_id=secret.pk)
    acc.refresh_from_db()
    assert acc.us_public_sector is False and Engagement.objects.count() == 0


def test_roles_without_calculator_permission_are_refused(people: Any, east: Any, submit: Any) -> None:
    for who in ("olga", "tom", "lena"):
        with pytest.raises(PermissionDenied):
            submit(who, account_id=east.pk)


def test_the_opportunity_must_belong_to_the_account(people: Any, east: Any, make_account: Any, submit: Any) -> None:
    from psdesk.crm.models import Opportunity

    other = make_account("Other Co")
    opp = Opportunity.objects.create(name="Other PS", account=other)
    with pytest.raises(ValidationFailed):
        submit(account_id=east.pk, opportunity_id=opp.pk)
    own = Opportunity.objects.create(name="Acme PS", account=east)
    assert submit(account_id=east.pk, opportunity_id=own.pk).engagement.opportunity_id == own.pk


def test_duplicate_window_is_policy(people: Any, east: Any, submit: Any, frozen_clock: Any) -> None:
    from psdesk.scoping.models import ScopingPolicy

    ScopingPolicy.objects.update(duplicate_window_seconds=5)
    submit(account_id=east.pk)
    frozen_clock.advance(timedelta(seconds=6))
    assert submit(account_id=east.pk).created is True
