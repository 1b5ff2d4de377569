"""The Slack request URL: every command and interactive action is refused unless Slack signed it
within the window and only once; a signed one is acknowledged at once and answered by the worker
through its response_url (a loopback server stands in for Slack)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.chatops.models import SlackInteraction, SlackRequestSeen, SlackUserLink
from psdesk.chatops.tests.conftest import TEAM, SlackSender, sign, work_off
from psdesk.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _bodies(sender: SlackSender) -> dict[str, bytes]:
    value = json.dumps({"r": 1, "e": 1, "h": "x"})
    return {
        "leadtime": sender.command_body("U1", "leadtime"),
        "ask": sender.command_body("U1", "ask Can PS help with Geo?"),
        "pubsec-access": sender.command_body("U1", "pubsec-access I staff the agency deal"),
        "link": sender.command_body("U1", "link"),
        "approve click": sender.action_body("U1", "approval_approve", value),
        "reject click": sender.action_body("U1", "approval_reject", value),
        "reject reason": sender.submission_body("U1", json.dumps({"value": value}), "Too low a margin"),
    }


KINDS = ["leadtime", "ask", "pubsec-access", "link", "approve click", "reject click", "reject reason"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "forge",
    ["unsigned", "wrong secret", "tampered body", "old timestamp", "future timestamp"],
)
def test_a_request_slack_did_not_sign_now_is_refused_and_nothing_is_recorded(
    slack: Any, sender: SlackSender, frozen_clock: Any, kind: str, forge: str
) -> None:
    body = _bodies(sender)[kind]
    from psdesk.core import clock

    now = int(clock.now().timestamp())
    headers = {
        "unsigned": {},
        "wrong secret": sign(body, secret="not-the-secret"),
        "tampered body": sign(body + b"&x=1"),
        "old timestamp": sign(body, ts=now - 301),
        "future timestamp": sign(body, ts=now + 301),
    }[forge]
    resp = sender.post(body, headers)
    assert resp.status_code == 401 and resp.json()["code"] == "bad_signature"
    assert (SlackInteraction.objects.count(), SlackRequestSeen.objects.count(), OutboxMessage.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_request_is_acknowledged_and_its_replay_refused(slack: Any, sender: SlackSender, kind: str) -> None:
    body = _bodies(sender)[kind]
    headers = sign(body)
    first = sender.post(body, headers)
    assert first.status_code == 200
    if kind in {"leadtime", "ask", "pubsec-access", "link"}:
        assert first.json() == {"response_type": "ephemeral", "text": "On it - the answer follows here in a moment."}
    again = sender.post(body, headers)
    assert again.status_code == 409 and again.json()["code"] == "replay"
    assert SlackInteraction.objects.count() == 1


def test_a_malformed_but_signed_request_is_a_400(slack: Any, sender: SlackSender) -> None:
    body = b"payload=not-json"
    resp = sender.post(body)
    assert resp.status_code == 400 and SlackInteraction.objects.count() == 0


def test_without_a_signing_secret_every_request_is_refused(slack: Any, sender: SlackSender, settings: Any) -> None:
    settings.PSDESK_SLACK_SIGNING_SECRET = ""
    body = sender.command_body("U1", "help")
    assert sender.post(body).status_code == 401


def test_an_unknown_member_gets_a_private_hint_and_nothing_else(slack: Any, sender: SlackSender, people: Any) -> None:
    sender.post(sender.command_body("U404", "leadtime"))
    work_off()
    [reply] = slack.responses()
    assert "/ps link" in reply["text"] and reply["response_type"] == "ephemeral"
    assert SlackUserLink.objects.count() == 0
    assert not OutboxMessage.objects.exclude(operation="respond").exists()


def test_a_member_with_the_email_of_a_user_is_linked_to_them(slack: Any, sender: SlackSender, people: Any) -> None:
    slack.emails["U0TOM"] = "TOM@psdesk.example"
    sender.post(sender.command_body("U0TOM", "help"))
    work_off()
    link = SlackUserLink.objects.get()
    assert (link.user, link.linked_via, link.team_id) == (people.tom, "email", TEAM)
    assert AuditEvent.objects.filter(verb="chatops.slack_linked").count() == 1
    assert "/ps leadtime" in slack.responses()[0]["text"]


def test_ps_link_gives_a_code_that_links_on_the_profile_page(slack: Any, sender: SlackSender, people: Any) -> None:
    from django.test import Client

    sender.post(sender.command_body("U0OLGA", "link"))
    work_off()
    text = slack.responses()[0]["text"]
    url = text.split("<", 1)[1].split("|", 1)[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    browser.force_login(people.olga)
    page = browser.get("/" + path)
    assert page.status_code == 200 and b"Link this Slack account" in page.content
    code = page.context["code"]
    done = browser.post("/chatops/slack/link/", {"code": code})
    assert done.status_code == 302
    assert SlackUserLink.objects.get().user == people.olga
    profile = browser.get("/accounts/profile/")
    assert b"U0OLGA" in profile.content
    forged = browser.post("/chatops/slack/link/", {"code": code + "x"})
    assert forged.status_code == 422 and SlackUserLink.objects.count() == 1


def test_the_acknowledged_request_is_handed_to_the_worker_after_commit(
    slack: Any, sender: SlackSender, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        sender.post(sender.command_body("U1", "help"))
    interaction = SlackInteraction.objects.get()
    job = DBTaskResult.objects.get()
    assert job.task_path == "psdesk.chatops.tasks.slack_interaction_task"
    assert job.args_kwargs["kwargs"] == {"interaction_id": interaction.pk}
