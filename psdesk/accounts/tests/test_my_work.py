"""My work: what waits on each persona, on the demo data plus a Monday morning's requests made
through the real services. Exact counts per persona and group; PubSec work only for members;
constant queries per provider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from psdesk.accounts.my_work import PROVIDERS, WorkGroup, age_text, hours_left_text, my_work_groups


@pytest.fixture
def monday(frozen_clock: Any) -> dict[str, User]:
    """The demo data (loaded on Friday 16:00), then on Monday morning: Ask PS questions (general,
    about Acme, about the PubSec account), a PubSec access request, final approvals and TA/RDM
    reviews asked on Acme's card and on the PubSec card, a booked project and a training request
    whose requestor tasks are done."""
    from psdesk.board.policy import board_policy_get
    from psdesk.board.services import engagement_approval_request
    from psdesk.crm.models import Account, Opportunity
    from psdesk.engagements.labels import label_move
    from psdesk.engagements.models import Engagement
    from psdesk.projects.services import project_book
    from psdesk.scoping.services import ask_ps_submit, pubsec_access_request
    from psdesk.training.models import TrainingRequest
    from psdesk.training.services import request_transition

    call_command("demo", quiet=True)
    u = {x.username: x for x in User.objects.all()}
    frozen_clock.advance(timedelta(days=2, hours=17))  # Monday 09:00 UTC
    acme = Account.objects.get(name="Acme Corp")
    dds = Account.objects.get(us_public_sector=True, name="Department of Digital Services")
    ask_ps_submit(asker=u["tom"], kind="general", subject="Do you run GitLab CI workshops?", body="For my team.")
    ask_ps_submit(asker=u["sam"], kind="account", subject="Acme wants Geo", body="Two sites.", account_id=acme.pk)
    ask_ps_submit(asker=u["pat"], kind="account", subject="DDS FedRAMP scope", body="Which SKUs?", account_id=dds.pk)
    pubsec_access_request(user=u["cody"], justification="I will staff the DDS engagement.")
    acme_card = Engagement.objects.get(account=acme, state="open", em=u["erin"])
    dds_card = Engagement.objects.get(account=dds, state="open")
    # The cards sit in Open; this Monday's team asks for final approvals early, as its policy allows.
    policy = board_policy_get()
    policy.allow_early_final_approvals = True
    policy.save(update_fields=["allow_early_final_approvals"])
    for kind in ("ps_leadership", "revenue"):
        engagement_approval_request(engagement=acme_card, kind=kind, requester=u["erin"])
    engagement_approval_request(engagement=dds_card, kind="ps_leadership", requester=u["pat"])
    for card, em in ((acme_card, "erin"), (dds_card, "pat")):
        label_move(engagement_id=card.pk, scope="TA", action="request_review", actor=u[em])
        label_move(engagement_id=card.pk, scope="RDM", action="request_review", actor=u[em])
    project_book(opportunity=Opportunity.objects.filter(project__status="prospect").order_by("id")[0])
    trainer = TrainingRequest.objects.get(requester=u["tom"], kind="trainer")
    request_transition(request_id=trainer.pk, action="complete_tasks", actor=u["tom"])
    frozen_clock.advance(timedelta(hours=3))  # Monday 12:00 UTC: everything above waits 3 h
    return u


def _counts(user: User) -> dict[str, int]:
    return {g.key: g.count for g in my_work_groups(user=user)}


# Groups in registration order (scoping, estimates, sows, board, projects, training); a group with
# 0 is shown empty (the role has that kind of work), a missing one does not apply to the person.
EXPECTED: dict[str, dict[str, int]] = {
    "alice": {},
    "cody": {"timesheet_due": 1},
    "eddie": {"training_to_plan": 1},
    "emil": {"questions_to_answer": 1, "cards_to_triage": 1},
    "erin": {"questions_to_answer": 2, "cards_to_triage": 1},
    "lena": {"sows_to_stamp": 1},
    "leo": {
        "questions_to_answer": 1,
        "approvals_to_decide": 1,
        "delivery_change_orders": 0,
        "work_at_risk_to_decide": 0,
    },
    "mona": {},
    "olga": {},
    # two of the insights demo's latest bookings have an overdue welcome email (PS Ops sees overdue ones)
    "oscar": {
        "questions_to_answer": 1,
        "pubsec_access_requests": 1,
        "welcome_emails_due": 2,
        "delivery_milestones": 0,
        "timesheets_to_approve": 1,
    },
    "pat": {"questions_to_answer": 1, "my_questions": 1, "cards_to_triage": 1},
    "paula": {
        "welcome_emails_due": 3,
        "time_off_to_decide": 1,
        "training_to_plan": 1,
        "delivery_milestones": 0,
        "timesheets_to_approve": 1,
    },
    "rita": {
        "sows_to_countersign": 0,
        "approvals_to_decide": 1,
        "delivery_change_orders": 0,
        "delivery_change_orders_to_countersign": 0,
    },
    "rory": {"questions_to_answer": 1, "rdm_reviews": 1, "training_approvals": 1},
    "sam": {"my_questions": 1},
    "tara": {"questions_to_answer": 1, "ta_reviews": 1},
    "tom": {"my_questions": 1},
}


@pytest.mark.django_db
def test_every_persona_sees_exactly_the_work_waiting_on_them(monday: dict[str, User]) -> None:
    got = {name: _counts(user) for name, user in sorted(monday.items())}
    assert got == EXPECTED


@pytest.mark.django_db
def test_each_item_shows_its_age_and_a_link_its_person_can_open(monday: dict[str, User]) -> None:
    for name, user in monday.items():
        client = Client()
        client.force_login(user)
        for group in my_work_groups(user=user):
            for item in group.items:
                assert client.get(item.url).status_code == 200, (name, group.key, item.url)
    erin = {g.key: g for g in my_work_groups(user=monday["erin"])}
    questions = erin["questions_to_answer"].items
    assert [q.title for q in questions] == ["Do you run GitLab CI workshops?", "Acme wants Geo"]  # oldest first
    assert [q.age_text for q in questions] == ["3 h", "3 h"]
    assert questions[1].note == "Sam Sato about Acme Corp · Territory engagement manager: Two sites."
    assert erin["cards_to_triage"].items[0].age_text == "2 d"  # in Open since Friday 16:00
    paula = {g.key: g for g in my_work_groups(user=monday["paula"])}
    welcome = paula["welcome_emails_due"].items[-1]  # oldest booking first: the demo's project booked on Friday
    assert welcome.note.endswith("business hours left")
    assert welcome.age_text == "3 h"


@pytest.mark.django_db
def test_pubsec_work_is_shown_to_members_only(monday: dict[str, User]) -> None:
    def titles(name: str, key: str) -> list[str]:
        return [i.title for g in my_work_groups(user=monday[name]) if g.key == key for i in g.items]

    dds = "Department of Digital Services - Scope Issue and Write SOW"
    # leo, tara and rory are not PubSec members: the DDS card's approval and reviews stay hidden.
    assert titles("leo", "approvals_to_decide") == ["PS Leadership approval: Acme Corp - Scope Issue and Write SOW"]
    assert titles("tara", "ta_reviews") == ["Acme Corp - Scope Issue and Write SOW"]
    assert titles("rory", "rdm_reviews") == ["Acme Corp - Scope Issue and Write SOW"]
    # pat's PubSec question goes to the private channel: no EM outside PubSec sees it.
    assert "DDS FedRAMP scope" not in titles("erin", "questions_to_answer") + titles("emil", "questions_to_answer")
    assert titles("pat", "my_questions") == ["DDS FedRAMP scope"]
    assert titles("pat", "cards_to_triage") == [dds]
    # A PubSec member with leo's role sees both.
    from psdesk.accounts.roles import Role
    from psdesk.accounts.services import pubsec_membership_set

    pubsec_membership_set(user=monday["leo"], member=True, actor=monday["oscar"], reason="DDS approvals")
    leo = User.objects.get(username="leo")
    assert sorted(i.title for g in my_work_groups(user=leo) if g.key == "approvals_to_decide" for i in g.items) == [
        "PS Leadership approval: Acme Corp - Scope Issue and Write SOW",
        f"PS Leadership approval: {dds}",
    ]
    assert Role.US_PUBLIC_SECTOR in set(leo.groups.values_list("name", flat=True))


def _provider_queries(user: User) -> dict[str, int]:
    out = {}
    for provider in PROVIDERS:
        user = User.objects.get(pk=user.pk)  # fresh role and permission caches
        user.get_all_permissions()
        with CaptureQueriesContext(connection) as ctx:
            group = provider(user)
        if group is not None:
            out[f"{provider.__name__}"] = len(ctx.captured_queries)
    return out


@pytest.mark.django_db
def test_each_provider_runs_the_same_queries_whatever_the_number_of_items(monday: dict[str, User]) -> None:
    from psdesk.board.services import engagement_approval_request
    from psdesk.crm.models import Opportunity
    from psdesk.engagements.labels import label_move
    from psdesk.engagements.models import Engagement
    from psdesk.projects.services import project_book
    from psdesk.scoping.services import ask_ps_submit, pubsec_access_request

    u = monday
    before = {name: _provider_queries(user) for name, user in u.items()}
    counts_before = {name: _counts(user) for name, user in u.items()}
    for i in range(3):
        ask_ps_submit(asker=u["alice"], kind="general", subject=f"Question {i}", body="?")
    for name in ("tom", "sam", "alice"):
        pubsec_access_request(user=u[name], justification="PubSec deal")
    for card in Engagement.objects.filter(state="open", account__us_public_sector=False).exclude(em=u["erin"]):
        for kind in ("ps_leadership", "revenue"):
            engagement_approval_request(engagement=card, kind=kind, requester=u["emil"])
        label_move(engagement_id=card.pk, scope="TA", action="request_review", actor=u["emil"])
        label_move(engagement_id=card.pk, scope="RDM", action="request_review", actor=u["emil"])
    for opp in Opportunity.objects.filter(project__status="prospect"):
        project_book(opportunity=opp)
    after = {name: _provider_queries(user) for name, user in u.items()}
    counts_after = {name: _counts(user) for name, user in u.items()}
    grown = {
        (name, key)
        for name, groups in counts_after.items()
        for key, n in groups.items()
        if n > counts_before[name].get(key, 0)
    }
    assert {key for _, key in grown} >= {
        "questions_to_answer",
        "pubsec_access_requests",
        "approvals_to_decide",
        "ta_reviews",
        "rdm_reviews",
        "welcome_emails_due",
    }
    # (A group shown only when it has items, such as "Your questions to PS", may appear.)
    assert {name: {k: n for k, n in q.items() if k in before[name]} for name, q in after.items()} == before


@pytest.mark.django_db
def test_the_my_work_page_lists_each_group_with_its_count(monday: dict[str, User]) -> None:
    client = Client()
    client.force_login(monday["erin"])
    page = client.get("/my-work/").content.decode()
    assert "<h1>My work</h1>" in page
    assert "3 items wait on you" in page
    assert 'id="work-questions_to_answer"' in page and 'data-count="2"' in page
    assert 'href="/engagements/' in page
    assert "Engagement Manager" in page and "engagement_manager" not in page


@pytest.mark.django_db
def test_someone_without_a_role_is_told_whom_to_ask(people: Any) -> None:
    client = Client()
    client.force_login(people.olga)
    page = client.get("/my-work/").content.decode()
    assert "Nothing waits on you right now" in page
    assert "Your account has no PS Desk role yet" in page
    assert "Ask a PS Ops Manager" in page


def test_ages_and_time_left_read_as_short_phrases() -> None:
    assert [age_text(timedelta(seconds=s)) for s in (59, 600, 7200, 3 * 86400, 60 * 86400)] == [
        "0 min",
        "10 min",
        "2 h",
        "3 d",
        "8 wk",
    ]
    assert hours_left_text(timedelta(hours=31, minutes=30)) == "31.5 business hours left"
    assert hours_left_text(timedelta(hours=-2)) == "2 business hours overdue"
    assert WorkGroup(key="k", title="t", count=0).empty_text == "Nothing waiting."
