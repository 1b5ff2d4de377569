"""Signed links (django.core.signing): the attendee's registration link and the manager's approval
link. The signature is the credential, so the pages under /r/ need no login."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse

REGISTRATION_SALT = "psdesk.training.registration"
APPROVAL_SALT = "psdesk.training.approval"


def registration_token(registration_id: int) -> str:
    return signing.dumps({"r": registration_id}, salt=REGISTRATION_SALT)


def registration_id_from(token: str) -> int | None:
    """The registration id in a valid token, None when the token was forged or mangled."""
    try:
        data = signing.loads(token, salt=REGISTRATION_SALT)
    except signing.BadSignature:
        return None
    value = data.get("r") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def registration_link_path(registration: Any) -> str:
    return reverse("training_public:registration", args=[registration_token(registration.pk)])


def approval_token(request_id: int, manager_id: int) -> str:
    return signing.dumps({"q": request_id, "m": manager_id}, salt=APPROVAL_SALT)


def approval_from(token: str) -> tuple[int, int] | None:
    """(request id, manager id) of a valid approval token, else None."""
    try:
        data = signing.loads(token, salt=APPROVAL_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("q"), int) or not isinstance(data.get("m"), int):
        return None
    return data["q"], data["m"]


def approval_link_path(request_id: int, manager_id: int) -> str:
    return reverse("training_public:approval", args=[approval_token(request_id, manager_id)])
