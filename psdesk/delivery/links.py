"""The customer's signed link on a completion notice (django.core.signing). The signature is the
credential, so the page under /r/ needs no login; the link row makes it expiring and single-use."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

ACCEPTANCE_SALT = "psdesk.delivery.acceptance"


def acceptance_token(link_id: int, nonce: str) -> str:
    return signing.dumps({"l": link_id, "n": nonce}, salt=ACCEPTANCE_SALT)


def acceptance_token_parse(token: str) -> tuple[int, str] | None:
    """(link id, nonce) of a token with a valid signature, None when it was forged or mangled."""
    try:
        data = signing.loads(token, salt=ACCEPTANCE_SALT)
        return int(data["l"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def acceptance_link_path(link_id: int, nonce: str) -> str:
    return reverse("delivery_public:acceptance", args=[acceptance_token(link_id, nonce)])
