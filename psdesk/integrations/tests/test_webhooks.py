from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from psdesk.integrations import inbound
from psdesk.integrations.inbound import inbound_handler_register, sign
from psdesk.integrations.models import InboundEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/webhooks/crm"
SECRET = "test-crm-secret"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.PSDESK_WEBHOOK_SECRETS = {"crm": SECRET}


@pytest.fixture
def applied() -> Iterator[list[dict[str, Any]]]:
    """A stand-in crm handler that records what it was asked to apply."""
    calls: list[dict[str, Any]] = []

    def handler(data: dict[str, Any]) -> dict[str, Any]:
        calls.append(data)
        return {"opportunity": data["opportunity_id"], "stage": data["stage"]}

    previous = dict(inbound._HANDLERS)
    inbound_handler_register("crm", "opportunity.stage_changed", handler)
    yield calls
    inbound._HANDLERS.clear()
    inbound._HANDLERS.update(previous)


def _post(body: bytes, *, ts: int, secret: str = SECRET, header: str | None = None) -> Any:
    sig = header if header is not None else sign(secret=secret, body=body, timestamp=ts)
    return Client().post(URL, body, content_type="application/json", HTTP_X_PSDESK_SIGNATURE=sig)


def _event(**over: Any) -> bytes:
    data = {"id": "evt-1", "type": "opportunity.stage_changed", "opportunity_id": "006A", "stage": "6-Closed Won"}
    data.update(over)
    return json.dumps(data).encode()


def test_a_signed_stage_change_calls_the_crm_handler_once(frozen_clock: Any, applied: list[Any]) -> None:
    resp = _post(_event(), ts=int(frozen_clock.at.timestamp()))
    assert resp.status_code == 200
    assert resp.json() == {
        "event_id": "evt-1",
        "status": "processed",
        "duplicate": False,
        "result": {"opportunity": "006A", "stage": "6-Closed Won"},
    }
    assert len(applied) == 1
    ev = InboundEvent.objects.get()
    assert (ev.source, ev.kind, ev.status) == ("crm", "opportunity.stage_changed", "processed")


def test_a_replayed_webhook_has_no_second_effect(frozen_clock: Any, applied: list[Any]) -> None:
    ts = int(frozen_clock.at.timestamp())
    _post(_event(), ts=ts)
    frozen_clock.advance(seconds=10)
    again = _post(_event(), ts=int(frozen_clock.at.timestamp()))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(applied) == 1 and InboundEvent.objects.count() == 1


def test_a_bad_signature_is_401_and_changes_nothing(frozen_clock: Any, applied: list[Any]) -> None:
    resp = _post(_event(), ts=int(frozen_clock.at.timestamp()), secret="wrong")
    assert resp.status_code == 401
    assert resp.json()["code"] == "bad_signature"
    assert applied == [] and not InboundEvent.objects.exists()


def test_a_missing_signature_is_401(frozen_clock: Any, applied: list[Any]) -> None:
    resp = _post(_event(), ts=0, header="")
    assert resp.status_code == 401 and not InboundEvent.objects.exists()


def test_a_stale_signature_is_refused_as_a_replay(frozen_clock: Any, applied: list[Any]) -> None:
    resp = _post(_event(), ts=int(frozen_clock.at.timestamp()) - 301)
    assert resp.status_code == 401
    assert resp.json()["message"] == "Signature timestamp outside the accepted window (replay?)."
    assert applied == []


def test_a_body_tampered_after_signing_is_401(frozen_clock: Any, applied: list[Any]) -> None:
    ts = int(frozen_clock.at.timestamp())
    sig = sign(secret=SECRET, body=_event(), timestamp=ts)
    resp = _post(_event(stage="7-Closed Lost"), ts=ts, header=sig)
    assert resp.status_code == 401 and applied == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "Body is not valid JSON"),
        (b"[1, 2]", "Body must be a JSON object."),
        (json.dumps({"type": "opportunity.stage_changed"}).encode(), "Field 'id' is required"),
        (_event(type="opportunity.deleted"), "Unknown event type 'opportunity.deleted' for crm."),
        (_event(stage=""), "Field 'stage' is required (str)."),
        (_event(opportunity_id=42), "Field 'opportunity_id' is required (str)."),
    ],
)
def test_a_malformed_payload_is_400_with_the_reason(
    body: bytes, reason: str, frozen_clock: Any, applied: list[Any]
) -> None:
    resp = _post(body, ts=int(frozen_clock.at.timestamp()))
    assert resp.status_code == 400
    assert resp.json()["code"] == "malformed" and resp.json()["message"].startswith(reason)
    assert applied == [] and not InboundEvent.objects.exists()


def test_without_any_handler_the_event_is_recorded_as_unhandled(frozen_clock: Any) -> None:
    previous = inbound._HANDLERS.pop(("crm", "opportunity.stage_changed"), None)
    try:
        resp = _post(_event(id="evt-9"), ts=int(frozen_clock.at.timestamp()))
    finally:
        if previous is not None:
            inbound._HANDLERS[("crm", "opportunity.stage_changed")] = previous
    assert resp.status_code == 200 and resp.json()["status"] == "unhandled"
    assert InboundEvent.objects.get().event_id == "evt-9"


def test_a_handler_refusal_records_nothing_so_the_sender_may_retry(frozen_clock: Any) -> None:
    from psdesk.core.errors import TransitionNotAllowed

    def refuse(data: dict[str, Any]) -> dict[str, Any]:
        raise TransitionNotAllowed("Stage cannot go back.")

    previous = dict(inbound._HANDLERS)
    inbound_handler_register("crm", "opportunity.stage_changed", refuse)
    try:
        resp = _post(_event(), ts=int(frozen_clock.at.timestamp()))
    finally:
        inbound._HANDLERS.clear()
        inbound._HANDLERS.update(previous)
    assert resp.status_code == 409 and not InboundEvent.objects.exists()


def test_the_webhook_is_documented_in_openapi(db: Any) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    op = doc["paths"][URL]["post"]
    assert "X-PSDesk-Signature" in [p["name"] for p in op["parameters"]]
    assert set(op["responses"]) >= {"200", "400", "401"}
