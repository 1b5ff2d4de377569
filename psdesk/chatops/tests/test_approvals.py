"""Approvals from Slack: the request posts an interactive message; Approve and Reject (reason in a
dialog) go through the board's decide service bound to the SOW content hash; a stale version is
refused and the message says so; the message shows every outcome; PubSec stays in its channel."""

from __future__ import annotations

import json
from typing import Any

import pytest

from psdesk.accounts.personas import Persona
from psdesk.accounts.roles import Role
from psdesk.accounts.services import persona_ensure
from psdesk.approvals.models import ApprovalDecision
from psdesk.chatops.models import SlackApprovalMessage, SlackUserLink
from psdesk.chatops.tests.conftest import TEAM, SlackSender, work_off
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.notifications.events import PUBSEC_CHANNEL

pytestmark = pytest.mark.django_db


def _link(user: Any, uid: str) -> None:
    SlackUserLink.objects.create(team_id=TEAM, slack_user_id=uid, user=user, linked_via="profile")


def _request(eng: Any, kind: str, requester: Any) -> Any:
    from psdesk.board.services import engagement_approval_request

    return engagement_approval_request(engagement=eng, kind=kind, requester=requester)


def _buttons(post: dict[str, Any]) -> dict[str, str]:
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    actions = next(b for b in blocks if b["type"] == "actions")
    return {e["action_id"]: e["value"] for e in actions["elements"]}


def test_an_approval_request_posts_an_interactive_message_with_the_facts(
    slack: Any, people: Any, ready_card: Any
) -> None:
    eng = ready_card()
    req = _request(eng, "ps_leadership", people.erin)
    work_off()
    [post] = [p for p in slack.of("/chat.postMessage") if p["channel"] == "#ps-approvals"]
    text = json.dumps(post["blocks"])
    assert "PS Leadership approval requested" in text and eng.account.name in text and "SOW v1" in text
    assert "Erin Evans" in text and "USD " in text
    value = json.loads(_buttons(post)["approval_approve"])
    assert value == {"r": req.pk, "e": eng.pk, "h": req.content_hash}
    assert SlackApprovalMessage.objects.get().channel == "#ps-approvals"


def test_approving_in_slack_moves_the_card_to_approved_when_the_second_approval_lands(
    slack: Any, sender: SlackSender, people: Any, ready_card: Any
) -> None:
    eng = ready_card()
    _link(people.leo, "ULEO")
    _link(people.rita, "URITA")
    _request(eng, "ps_leadership", people.erin)
    _request(eng, "revenue", people.erin)
    work_off()
    leo_post, rita_post = [p for p in slack.of("/chat.postMessage") if p["channel"] == "#ps-approvals"]
    sender.post(sender.action_body("ULEO", "approval_approve", _buttons(leo_post)["approval_approve"]))
    work_off()
    eng.refresh_from_db()
    assert eng.state == S.READY_FOR_APPROVAL
    sender.post(sender.action_body("URITA", "approval_approve", _buttons(rita_post)["approval_approve"]))
    work_off()
    eng.refresh_from_db()
    assert eng.state == S.APPROVED
    assert sorted(ApprovalDecision.objects.values_list("decider__username", "approve")) == [
        ("leo", True),
        ("rita", True),
    ]
    updates = [u["text"] for u in slack.of("/chat.update")]
    assert "PS Leadership approval: :white_check_mark: Approved by Leo Larsen" in updates[0]
    assert "Approved by Rita Ramos. Both approvals are in: the card moved to Approved." in updates[1]
    assert [r["text"] for r in slack.responses()] == ["Recorded: approved.", "Recorded: approved."]


def test_rejecting_asks_for_a_reason_in_a_dialog_and_records_it(
    slack: Any, sender: SlackSender, people: Any, ready_card: Any
) -> None:
    eng = ready_card()
    _link(people.leo, "ULEO")
    _request(eng, "ps_leadership", people.erin)
    work_off()
    [post] = [p for p in slack.of("/chat.postMessage") if p["channel"] == "#ps-approvals"]
    value = _buttons(post)["approval_reject"]
    assert sender.post(sender.action_body("ULEO", "approval_reject", value)).status_code == 200
    [opened] = slack.of("/views.open")
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "approval_reject_reason"
    empty = sender.post(sender.submission_body("ULEO", view["private_metadata"], "  "))
    assert empty.json() == {"response_action": "errors", "errors": {"reason": "Say why you reject it."}}
    assert sender.post(sender.submission_body("ULEO", view["private_metadata"], "Margin too low")).status_code == 200
    work_off()
    decision = ApprovalDecision.objects.get()
    assert (decision.decider, decision.approve, decision.comment) == (people.leo, False, "Margin too low")
    assert ":x: Rejected by Leo Larsen: Margin too low" in slack.of("/chat.update")[0]["text"]


def test_a_click_on_a_superseded_sow_version_is_refused_and_the_message_says_so(
    slack: Any, sender: SlackSender, people: Any, ready_card: Any
) -> None:
    from psdesk.sows import services as sows

    eng = ready_card()
    _link(people.leo, "ULEO")
    _request(eng, "ps_leadership", people.erin)
    work_off()
    [post] = [p for p in slack.of("/chat.postMessage") if p["channel"] == "#ps-approvals"]
    from psdesk.sows.tests.conftest import make_estimate

    make_estimate(eng, lines=[("Install GitLab", "PSE", "60", "implementation")])
    sows.sow_generate(engagement_id=eng.pk, actor=people.erin)  # v2 with other content: the request is stale
    sender.post(sender.action_body("ULEO", "approval_approve", _buttons(post)["approval_approve"]))
    work_off()
    assert ApprovalDecision.objects.count() == 0
    [reply] = slack.responses()
    assert reply["text"].startswith("Refused: the SOW changed since this approval was requested")
    assert "This SOW version was superseded" in slack.of("/chat.update")[0]["text"]


def test_clicks_by_people_who_may_not_decide_are_refused_privately(
    slack: Any, sender: SlackSender, people: Any, ready_card: Any
) -> None:
    eng = ready_card()
    _link(people.tom, "UTOM")
    _link(people.erin, "UERIN")
    _request(eng, "ps_leadership", people.erin)
    work_off()
    [post] = [p for p in slack.of("/chat.postMessage") if p["channel"] == "#ps-approvals"]
    value = _buttons(post)["approval_approve"]
    sender.post(sender.action_body("UTOM", "approval_approve", value))
    sender.post(sender.action_body("UERIN", "approval_approve", value))
    sender.post(sender.action_body("UNOBODY", "approval_approve", value))
    work_off()
    tom, erin, nobody = (r["text"] for r in slack.responses())
    assert tom == "Refused: Only PS Leadership may decide a PS Leadership approval."
    assert erin.startswith("Refused: ") and "PS Leadership" in erin
    assert "/ps link" in nobody
    assert ApprovalDecision.objects.count() == 0 and slack.of("/chat.update") == []


def test_pubsec_approvals_go_only_to_the_pubsec_channel_and_only_members_decide(
    slack: Any, sender: SlackSender, people: Any, make_account: Any, ready_card: Any
) -> None:
    from psdesk.chatops.models import SlackPolicy

    SlackPolicy.objects.update_or_create(id=1, defaults={"pubsec_channel_id": "C0PUBSEC"})
    persona_ensure(Persona("pia", "Pia Public", (Role.ACCOUNT_EXECUTIVE, Role.US_PUBLIC_SECTOR)), password=None)
    lars = persona_ensure(Persona("lars", "Lars Lund", (Role.PS_LEADERSHIP, Role.US_PUBLIC_SECTOR)), password=None)
    agency = make_account("Federal Agency X", pubsec=True, em=people.pat)
    eng = ready_card(account=agency, em="pat")
    _link(people.leo, "ULEO")
    _link(lars, "ULARS")
    _request(eng, "ps_leadership", people.pat)
    work_off()
    posts = slack.of("/chat.postMessage")
    assert {p["channel"] for p in posts if "Federal Agency X" in json.dumps(p)} == {PUBSEC_CHANNEL}
    [post] = [
        p for p in posts if p["channel"] == PUBSEC_CHANNEL and "blocks" in p and "actions" in json.dumps(p["blocks"])
    ]
    value = _buttons(post)["approval_approve"]
    sender.post(sender.action_body("ULEO", "approval_approve", value, channel_id="C0PUBSEC"))
    sender.post(sender.action_body("ULARS", "approval_approve", value, channel_id="C0GENERAL"))
    work_off()
    leo, lars_public = (r["text"] for r in slack.responses())
    assert leo == "That approval is not one you may decide here."
    assert lars_public == "That approval is not one you may decide here."
    sender.post(sender.action_body("ULARS", "approval_approve", value, channel_id="C0PUBSEC"))
    work_off()
    assert ApprovalDecision.objects.get().decider == lars
    for reply in slack.responses():
        assert "Federal Agency X" not in reply["text"] and "Agency" not in json.dumps(reply)


def test_a_decision_made_in_ps_desk_updates_the_slack_message_too(slack: Any, people: Any, ready_card: Any) -> None:
    from psdesk.board.services import engagement_approval_decide

    eng = ready_card()
    req = _request(eng, "ps_leadership", people.erin)
    work_off()
    engagement_approval_decide(
        engagement_id=eng.pk, request_id=req.pk, decider=people.leo, approve=True, content_hash=req.content_hash
    )
    work_off()
    [update] = slack.of("/chat.update")
    assert update["text"] == "PS Leadership approval: :white_check_mark: Approved by Leo Larsen"
    assert "actions" not in json.dumps(update["blocks"])


def test_answers_go_only_to_slacks_own_response_urls() -> None:
    from psdesk.integrations.chat.slack import SlackChat
    from psdesk.integrations.errors import IntegrationError

    adapter = SlackChat(token="xoxb-test")
    with pytest.raises(IntegrationError) as err:
        adapter.respond(response_url="http://127.0.0.1:9/steal", text="x", idempotency_key="k")
    assert err.value.permanent is True
