"""Fault tests of the whole path (outbox → real Slack adapter → HTTP server on loopback)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from psdesk.integrations.chat.slack import SlackChat
from psdesk.integrations.registry import adapter_override
from psdesk.integrations.tests.conftest import free_port, payload
from psdesk.notifications.delivery import outbox_deliver_due
from psdesk.notifications.models import OutboxMessage
from psdesk.notifications.services import outbox_enqueue

pytestmark = pytest.mark.django_db


def _msg() -> OutboxMessage:
    return outbox_enqueue(
        target="chat",
        operation="send",
        destination="#professional-services",
        payload={"channel": "#professional-services", "text": "New engagement"},
    )


def test_slack_down_then_back_gets_the_message_exactly_once(frozen_clock: Any) -> None:
    port = free_port()
    slack = SlackChat(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/")
    m = _msg()
    with adapter_override("chat", slack):
        assert outbox_deliver_due() == 0  # connection refused
        m.refresh_from_db()
        assert m.status == "retrying" and m.last_error.startswith("Slack unreachable")
        server = HTTPServer(host="127.0.0.1", port=port)
        server.expect_request("/api/chat.postMessage").respond_with_json(payload("slack_chat_postMessage_ok.json"))
        server.start()
        try:
            frozen_clock.advance(seconds=2)
            assert outbox_deliver_due() == 1
            frozen_clock.advance(hours=1)
            assert outbox_deliver_due() == 0
            assert len(server.log) == 1
            assert json.loads(server.log[0][0].get_data())["text"] == "New engagement"
        finally:
            server.clear()
            server.stop()
    m.refresh_from_db()
    assert (m.status, m.attempts) == ("sent", 2)


def test_slack_429_retry_after_is_honoured_end_to_end(frozen_clock: Any, httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api/chat.postMessage").respond_with_response(
        Response(
            json.dumps(payload("slack_ratelimited.json")),
            status=429,
            headers={"Retry-After": "7"},
            content_type="application/json",
        )
    )
    httpserver.expect_ordered_request("/api/chat.postMessage").respond_with_json(
        payload("slack_chat_postMessage_ok.json")
    )
    m = _msg()
    with adapter_override("chat", SlackChat(token="t", base_url=httpserver.url_for("/api/"))):
        assert outbox_deliver_due() == 0
        frozen_clock.advance(seconds=6)
        assert outbox_deliver_due() == 0 and len(httpserver.log) == 1  # still waiting
        frozen_clock.advance(seconds=1)
        assert outbox_deliver_due() == 1
    m.refresh_from_db()
    assert m.status == "sent" and len(httpserver.log) == 2


def test_slack_4xx_parks_the_message_with_the_reason(frozen_clock: Any, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/chat.postMessage").respond_with_json(payload("slack_channel_not_found.json"))
    m = _msg()
    with adapter_override("chat", SlackChat(token="t", base_url=httpserver.url_for("/api/"))):
        outbox_deliver_due()
        frozen_clock.advance(days=1)
        outbox_deliver_due()
    m.refresh_from_db()
    assert (m.status, m.last_error) == ("parked", "Slack refused: channel_not_found")
    assert len(httpserver.log) == 1
