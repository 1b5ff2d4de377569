"""Who a Slack member is in PS Desk: an explicit link made on the profile page with a one-time
code from `/ps link`, else the one active PS Desk user with the member's Slack-confirmed email."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core import signing
from django.db import IntegrityError, transaction

from psdesk.audit.services import audit_record
from psdesk.chatops.choices import LinkedVia
from psdesk.chatops.models import SlackUserLink
from psdesk.chatops.selectors import slack_link_get
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import adapter_get

log = logging.getLogger("psdesk.chatops")
_SALT = "psdesk.chatops.slack-link"
LINK_CODE_SECONDS = 15 * 60


def slack_link_code(*, team_id: str, slack_user_id: str) -> str:
    """A signed code (valid 15 minutes) that links this Slack member to whoever enters it."""
    return signing.dumps({"t": team_id, "u": slack_user_id}, salt=_SALT, compress=True)


def _link_create(*, user: User, team_id: str, slack_user_id: str, via: str) -> SlackUserLink:
    with transaction.atomic():
        link = SlackUserLink.objects.create(team_id=team_id, slack_user_id=slack_user_id, user=user, linked_via=via)
        audit_record(
            verb="chatops.slack_linked",
            actor=user if via == LinkedVia.PROFILE else "slack",
            target=User.objects.get(pk=user.pk),
            after={"slack_user": slack_user_id, "team": team_id, "via": via},
        )
    return link


def slack_link_confirm(*, user: User, code: str) -> SlackUserLink:
    """Link the Slack member named by `code` to `user` (audited `chatops.slack_linked`). Raises
    ValidationFailed (expired or forged code), Conflict (that member is linked to someone else)."""
    try:
        data = signing.loads(code.strip(), salt=_SALT, max_age=LINK_CODE_SECONDS)
    except signing.BadSignature:
        raise ValidationFailed(
            "This link code is invalid or expired; run /ps link in Slack again.", details={"field": "code"}
        ) from None
    team_id, slack_user_id = str(data.get("t", "")), str(data.get("u", ""))
    existing = SlackUserLink.objects.filter(team_id=team_id, slack_user_id=slack_user_id).first()
    if existing is not None:
        if existing.user_id == user.pk:
            return existing
        raise Conflict("That Slack account is linked to another PS Desk user; ask PS Ops.", code="linked")
    try:
        return _link_create(user=user, team_id=team_id, slack_user_id=slack_user_id, via=LinkedVia.PROFILE)
    except IntegrityError:
        raise Conflict("That Slack account was just linked; reload.", code="linked") from None


def slack_link_remove(*, user: User, link_id: int) -> None:
    """Remove one of the user's own Slack links (audited `chatops.slack_unlinked`). Raises NotFound."""
    with transaction.atomic():
        link = SlackUserLink.objects.filter(pk=link_id, user=user).first()
        if link is None:
            raise NotFound(f"Slack link {link_id} not found")
        link.delete()
        audit_record(
            verb="chatops.slack_unlinked",
            actor=user,
            target=User.objects.get(pk=user.pk),
            before={"slack_user": link.slack_user_id},
        )


def slack_user_resolve(*, team_id: str, slack_user_id: str) -> User | None:
    """The PS Desk user of a Slack member, or None (unknown: they get a private hint to link).
    Without a link, asks Slack for the member's confirmed email (outside any transaction) and links
    the one active user with that email (audited, `via=email`)."""
    link = slack_link_get(team_id=team_id, slack_user_id=slack_user_id)
    if link is not None:
        return link.user
    try:
        email = adapter_get("chat").user_email(user_id=slack_user_id)
    except IntegrationError as exc:
        log.warning("Slack users.info for %s failed: %s", slack_user_id, exc.message)
        return None
    if not email:
        return None
    matches = list(User.objects.filter(email__iexact=email, is_active=True)[:2])
    if len(matches) != 1:
        return None
    try:
        return _link_create(user=matches[0], team_id=team_id, slack_user_id=slack_user_id, via=LinkedVia.EMAIL).user
    except IntegrityError:  # linked meanwhile by a concurrent request
        found = slack_link_get(team_id=team_id, slack_user_id=slack_user_id)
        return found.user if found else None
