"""A loopback server standing in for Slack (Web API under /api/, response URLs under /respond/),
requests signed as Slack signs them, and cards ready for PS Leadership and Revenue."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from pytest_httpserver import HTTPServer
from slack_sdk.signature import SignatureVerifier
from werkzeug import Request, Response

from psdesk.integrations.tests.conftest import free_port

SECRET = "test-signing-secret"
TEAM = "T0PSDESK"
INBOUND = "/chatops/slack/inbound"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", free_port())


class FakeSlackDirectory:
    """Who Slack says its members are (users.info), and every call PS Desk made, in order."""

    def __init__(self) -> None:
        self.emails: dict[str, str] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.ts = 0

    def handle(self, request: Request) -> Response:
        path = request.path
        if request.mimetype == "application/json":
            body: dict[str, Any] = json.loads(request.get_data() or b"{}")
        else:
            body = {**request.args.to_dict(), **request.form.to_dict()}
        self.calls.append((path, body))
        if path.endswith("/users.info"):
            uid = body.get("user", "")
            if uid not in self.emails:
                return Response(json.dumps({"ok": False, "error": "user_not_found"}), content_type="application/json")
            user = {"id": uid, "is_email_confirmed": True, "profile": {"email": self.emails[uid]}}
            return Response(json.dumps({"ok": True, "user": user}), content_type="application/json")
        if path.endswith("/chat.postMessage"):
            self.ts += 1
            answer = {
                "ok": True,
                "channel": "C" + str(body.get("channel", "x")).strip("#@")[:8],
                "ts": f"17000.{self.ts}",
            }
            return Response(json.dumps(answer), content_type="application/json")
        if path.startswith("/respond/"):
            return Response("ok", content_type="text/plain")
        return Response(json.dumps({"ok": True}), content_type="application/json")

    def of(self, suffix: str) -> list[dict[str, Any]]:
        return [b for p, b in self.calls if p.endswith(suffix)]

    def responses(self) -> list[dict[str, Any]]:
        return [b for p, b in self.calls if p.startswith("/respond/")]


@pytest.fixture
def slack(httpserver: HTTPServer, settings: Any, db: Any) -> Iterator[FakeSlackDirectory]:
    """The Slack app configured against the loopback server; the server stops with the test session."""
    from psdesk.integrations.chat.slack import SlackChat
    from psdesk.integrations.registry import adapter_override

    settings.PSDESK_SLACK_SIGNING_SECRET = SECRET
    directory = FakeSlackDirectory()
    httpserver.expect_request(re.compile(r"^/.*$")).respond_with_handler(directory.handle)
    adapter = SlackChat(
        token="xoxb-test",
        base_url=httpserver.url_for("/api/"),
        response_url_prefixes=(httpserver.url_for("/respond/"),),
    )
    with adapter_override("chat", adapter):
        yield directory
    httpserver.clear()


def sign(body: bytes, *, ts: int | None = None, secret: str = SECRET) -> dict[str, str]:
    from psdesk.core import clock

    stamp = str(ts if ts is not None else int(clock.now().timestamp()))
    sig = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sig}


class SlackSender:
    """Sends what Slack sends: form-encoded slash commands and `payload=` interactions."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.client = Client()
        self.n = 0

    def response_url(self) -> str:
        self.n += 1
        return self.server.url_for(f"/respond/{self.n}-{time.monotonic_ns()}")

    def command_body(
        self, user_id: str, text: str, *, channel_id: str = "C0GENERAL", channel_name: str = "general"
    ) -> bytes:
        return urlencode(
            {
                "command": "/ps",
                "text": text,
                "team_id": TEAM,
                "user_id": user_id,
                "user_name": user_id.lower(),
                "channel_id": channel_id,
                "channel_name": channel_name,
                "response_url": self.response_url(),
                "trigger_id": "trig-1",
            }
        ).encode()

    def action_body(self, user_id: str, action_id: str, value: str, *, channel_id: str = "C0APPROVALS") -> bytes:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user_id},
            "channel": {"id": channel_id, "name": "ps-approvals"},
            "response_url": self.response_url(),
            "trigger_id": "trig-2",
            "actions": [{"action_id": action_id, "value": value}],
        }
        return urlencode({"payload": json.dumps(payload)}).encode()

    def submission_body(self, user_id: str, metadata: str, reason: str) -> bytes:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user_id},
            "view": {
                "callback_id": "approval_reject_reason",
                "private_metadata": metadata,
                "state": {"values": {"reason": {"reason_text": {"type": "plain_text_input", "value": reason}}}},
            },
        }
        return urlencode({"payload": json.dumps(payload)}).encode()

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            INBOUND,
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers=headers if headers is not None else sign(body),
        )


@pytest.fixture
def sender(httpserver: HTTPServer) -> SlackSender:
    return SlackSender(httpserver)


def work_off() -> None:
    """What the workers do after the acknowledgement: answer every recorded interaction, then
    deliver the outbox (to the loopback Slack)."""
    from psdesk.chatops.choices import InteractionStatus
    from psdesk.chatops.models import SlackInteraction
    from psdesk.chatops.services import interaction_process
    from psdesk.notifications.delivery import outbox_drain

    for pk in (
        SlackInteraction.objects.filter(status=InteractionStatus.RECEIVED).order_by("id").values_list("pk", flat=True)
    ):
        interaction_process(interaction_id=pk)
    outbox_drain(max_seconds=10)


@pytest.fixture
def ready_card(people: Any, make_engagement: Any, make_account: Any, settings: Any, tmp_path: Any) -> Any:
    """A card in Ready For Approval with SOW v1 (its content hash is what is approved)."""
    from psdesk.board.services import engagement_transition
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create
    from psdesk.engagements.choices import EngagementStatus as S
    from psdesk.engagements.models import Engagement
    from psdesk.engagements.services import engagement_label_set
    from psdesk.sows import services as sows
    from psdesk.sows.tests.conftest import make_estimate

    settings.MEDIA_ROOT = str(tmp_path / "media")

    def make(*, account: Any = None, em: str = "erin") -> Engagement:
        eng = make_engagement(account=account, em=em, description="Stand up GitLab.")
        owner = people.alice if not eng.account.us_public_sector else people.pat
        lic = opportunity_create(actor=owner, account=eng.account, record_type=RecordType.LICENSE)
        opp = opportunity_create(actor=owner, account=eng.account, parent=lic, stage="6_awaiting_signature")
        Engagement.objects.filter(pk=eng.pk).update(state=S.SOW_WIP, opportunity=opp)
        eng.refresh_from_db()
        make_estimate(eng)
        engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
        v = sows.sow_generate(engagement_id=eng.pk, actor=people[em])
        sows.sow_review_record(sow_id=v.sow_id, actor=people[em])
        engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=people[em])
        eng.refresh_from_db()
        return eng

    return make
