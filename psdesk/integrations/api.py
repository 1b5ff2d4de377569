"""Inbound webhook endpoints (signed, not token-authenticated)."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from psdesk.core.api import errors
from psdesk.core.types import AuthedRequest
from psdesk.integrations.inbound import inbound_receive

router = Router(tags=["webhooks"])


class WebhookAck(Schema):
    event_id: str
    status: str
    duplicate: bool
    result: dict[str, Any] = {}


_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["id", "type", "opportunity_id", "stage"],
                    "properties": {
                        "id": {"type": "string", "description": "Sender's event id (replays are ignored)"},
                        "type": {"type": "string", "enum": ["opportunity.stage_changed"]},
                        "opportunity_id": {"type": "string"},
                        "stage": {"type": "string"},
                        "occurred_at": {"type": "string", "format": "date-time"},
                    },
                }
            }
        },
    },
    "parameters": [
        {
            "in": "header",
            "name": "X-PSDesk-Signature",
            "required": True,
            "schema": {"type": "string"},
            "description": "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.<raw body>')>; 5-minute window",
        }
    ],
}


@router.post(
    "/integrations/webhooks/crm",
    auth=None,
    response={200: WebhookAck, **errors(400, 401, 404, 409, 422)},
    openapi_extra=_BODY,
)
def crm_webhook(request: AuthedRequest) -> Any:
    """CRM opportunity stage change (Salesforce outbound message relay): moves the opportunity
    through the crm transition service. 401 bad or stale signature, 400 malformed payload or unknown
    stage, 404 unknown opportunity, 409 the move is refused (reason in `message`); a replayed event
    id answers 200 with `duplicate: true` and changes nothing."""
    ev, created = inbound_receive(
        source="crm", body=request.body, signature=request.headers.get("X-PSDesk-Signature", "")
    )
    return {"event_id": ev.event_id, "status": ev.status, "duplicate": not created, "result": ev.result}
