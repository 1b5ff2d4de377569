"""Ask PS both ways: the notification carries the question and links to it; the EM (or PS staff)
answers in PS Desk, the asker — and only the asker — is told the answer, and sees their questions
with the answers (`ask_ps_questions_of`). PubSec questions stay with PubSec members."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.scoping.models import AskPsAnswer
from psdesk.scoping.selectors import ask_ps_questions_of, ask_ps_to_answer
from psdesk.scoping.services import ask_ps_answer, ask_ps_submit

pytestmark = pytest.mark.django_db
SITE = "http://ps.example.test:8001"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def question(people: Any, east: Any) -> Any:
    return ask_ps_submit(
        asker=people.tom,
        kind="account",
        subject="Migration help?",
        body="Can PS migrate 300 Bitbucket repos by March?",
        account_id=east.pk,
    )


@override_settings(PSDESK_SITE_URL=SITE)
def test_the_ems_notification_carries_the_question_and_links_to_it(people: Any, east: Any) -> None:
    q = ask_ps_submit(
        asker=people.tom,
        kind="account",
        subject="Migration help?",
        body="Can PS migrate 300 repos?",
        account_id=east.pk,
    )
    n = Notification.objects.get(event="ask_ps.question", recipient=people.erin)
    assert n.title == "[PS Desk] Question for PS: Migration help?"
    assert n.body.startswith(f"Tom Turner asks about {east.name}: Migration help?\n\nCan PS migrate 300 repos?")
    assert n.url == f"{SITE}/scoping/ask/{q.pk}/"
    mail = OutboxMessage.objects.get(event="ask_ps.question", target="email", destination=people.erin.email)
    assert "Can PS migrate 300 repos?" in mail.payload["body"] and "Can PS migrate 300 repos?" in mail.payload["html"]


def test_a_general_questions_chat_message_carries_the_question(people: Any) -> None:
    ask_ps_submit(asker=people.tom, kind="general", subject="Do we do Jira?", body="Is there a Jira integration SKU?")
    chat = OutboxMessage.objects.get(event="ask_ps.question", target="chat")
    assert chat.destination == "#professional-services"
    assert "*Do we do Jira?*\nIs there a Jira integration SKU?" in chat.payload["text"]


@override_settings(PSDESK_SITE_URL=SITE)
def test_the_em_answers_and_only_the_asker_is_told_the_answer(question: Any, people: Any) -> None:
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()
    answer = ask_ps_answer(request_id=question.pk, author=people.erin, body="Yes: a migration SKU covers it.")
    assert (answer.author, answer.body) == (people.erin, "Yes: a migration SKU covers it.")
    got = list(Notification.objects.values_list("recipient__username", "event", "url"))
    assert got == [("tom", "ask_ps.answered", f"{SITE}/scoping/ask/{question.pk}/")]
    n = Notification.objects.get()
    assert n.body.startswith('Erin Evans answered your question "Migration help?":\n\nYes: a migration SKU covers it.')
    assert list(OutboxMessage.objects.values_list("target", "destination")) == [("email", people.tom.email)]
    audit = AuditEvent.objects.get(verb="scoping.ask_ps_answered")
    assert audit.after == {"answer": answer.pk}
    [mine] = ask_ps_questions_of(people.tom)
    assert [a.body for a in mine.answers.all()] == ["Yes: a migration SKU covers it."]
    assert list(ask_ps_to_answer(people.erin)) == []


def test_who_may_answer(question: Any, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        ask_ps_answer(request_id=question.pk, author=people.tom, body="I answer myself")
    with pytest.raises(NotFound):
        ask_ps_answer(request_id=question.pk, author=people.olga, body="hi")
    with pytest.raises(NotFound):
        ask_ps_answer(request_id=question.pk, author=people.alice, body="hi")  # an AE sees only her own
    with pytest.raises(ValidationFailed):
        ask_ps_answer(request_id=question.pk, author=people.erin, body="  ")
    assert not AskPsAnswer.objects.exists() and not AuditEvent.objects.filter(verb="scoping.ask_ps_answered").exists()
    assert not Notification.objects.filter(event="ask_ps.answered").exists()
    assert list(ask_ps_to_answer(people.erin)) == [question]
    ask_ps_answer(request_id=question.pk, author=people.tara, body="TA here: yes.")  # PS staff may answer too


def test_a_pubsec_question_is_invisible_to_non_members(people: Any, make_account: Any) -> None:
    agency = make_account("Agency", pubsec=True, em=people.pat)
    q = ask_ps_submit(asker=people.pat, kind="account", subject="Need help", body="FedRAMP?", account_id=agency.pk)
    with pytest.raises(NotFound):
        ask_ps_answer(request_id=q.pk, author=people.erin, body="leak")
    assert _client(people.erin).get(f"/scoping/ask/{q.pk}/").status_code == 404
    assert q not in list(ask_ps_to_answer(people.erin))


def test_the_pages_show_the_question_the_answer_form_and_the_askers_answers(question: Any, people: Any) -> None:
    page = _client(people.erin).get(f"/scoping/ask/{question.pk}/").content.decode()
    assert "Can PS migrate 300 Bitbucket repos by March?" in page and 'id="ask-ps-answer"' in page
    assert "Migration help?" in _client(people.erin).get("/scoping/ask/").content.decode()  # waiting for erin
    r = _client(people.erin).post(f"/scoping/ask/{question.pk}/answers", {"body": "Yes, we can."})
    assert r.status_code == 302
    tom_page = _client(people.tom).get("/scoping/ask/").content.decode()
    assert "1 answer" in tom_page and "Yes, we can." in tom_page
    tom_detail = _client(people.tom).get(f"/scoping/ask/{question.pk}/").content.decode()
    assert "Yes, we can." in tom_detail and 'id="ask-ps-answer"' not in tom_detail
    assert _client(people.olga).get(f"/scoping/ask/{question.pk}/").status_code == 404
    assert _client(people.olga).post(f"/scoping/ask/{question.pk}/answers", {"body": "x"}).status_code == 404


def test_the_api_lists_my_questions_and_answers_them(question: Any, people: Any, api: Any) -> None:
    r = api("erin").post(f"/api/v1/scoping/ask-ps/{question.pk}/answers", {"body": "Yes."})
    assert r.status_code == 201 and r.json()["author"] == "erin"
    mine = api("tom").get("/api/v1/scoping/ask-ps").json()
    assert [(q["subject"], [a["body"] for a in q["answers"]]) for q in mine] == [("Migration help?", ["Yes."])]
    assert api("tom").get(f"/api/v1/scoping/ask-ps/{question.pk}").status_code == 200
    assert api("olga").get(f"/api/v1/scoping/ask-ps/{question.pk}").status_code == 404
    assert api("tom").post(f"/api/v1/scoping/ask-ps/{question.pk}/answers", {"body": "x"}).status_code == 403
    bad = api("erin").post(f"/api/v1/scoping/ask-ps/{question.pk}/answers", {"body": ""})
    assert bad.status_code in (400, 422) and bad.headers["Content-Type"].startswith("application/json")
