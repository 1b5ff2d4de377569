"""Who hears about an event: pure decisions over duck-typed targets (this app sits below crm and
engagements, so it reads `account`, `em`, `us_public_sector` attributes instead of importing them).

PubSec rule (docs/process.md, Notifications): an event about a US Public Sector account goes only to the private PubSec
channel and to PubSec members; a non-member or a public channel never receives it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import Actor
from psdesk.notifications.events import CHAT_DESTINATIONS, PUBSEC_CHANNEL, EventType


def account_of(target: Any, account: Any = None) -> Any:
    """The customer account behind `target` (itself, .account, .engagement.account, .opportunity.account)."""
    if account is not None:
        return account
    if target is None:
        return None
    if hasattr(target, "us_public_sector"):
        return target
    for path in ("account", "engagement", "opportunity", "project"):
        obj = getattr(target, path, None)
        if obj is None:
            continue
        if hasattr(obj, "us_public_sector"):
            return obj
        nested = account_of(obj) if path != "account" else None
        if nested is not None:
            return nested
    return None


def is_pubsec(target: Any, account: Any = None) -> bool:
    acc = account_of(target, account)
    return bool(getattr(acc, "us_public_sector", False)) or bool(getattr(target, "us_public_sector", False))


def owning_people(target: Any, account: Any = None) -> list[Any]:
    """The owning EM (target.em or target.engagement.em) and the account team (account.owner)."""
    people: list[Any] = []
    for obj in (target, getattr(target, "engagement", None)):
        em = getattr(obj, "em", None) if obj is not None else None
        if em is not None and getattr(em, "pk", None):
            people.append(em)
    acc = account_of(target, account)
    owner = getattr(acc, "owner", None) if acc is not None else None
    if owner is not None and getattr(owner, "pk", None):
        people.append(owner)
    return people


@dataclass
class Route:
    pubsec: bool
    users: list[Any] = field(default_factory=list)
    chat_destination: str = ""


def route(
    *,
    event: EventType,
    target: Any,
    actor: Actor | None,
    recipients: Iterable[Any],
    account: Any = None,
    owners: bool = True,
) -> Route:
    """Decide the users (in-app/email) and the chat destination for one event: `recipients`, plus
    (when `owners`) the owning EM and account owner other than the actor."""
    pubsec = is_pubsec(target, account)
    seen: set[int] = set()
    users: list[Any] = []
    explicit = [u for u in recipients if u is not None]
    implicit = (
        [u for u in owning_people(target, account) if getattr(u, "pk", None) != getattr(actor, "pk", -1)]
        if owners
        else []
    )
    for user in [*explicit, *implicit]:
        if user.pk in seen or not getattr(user, "is_active", True):
            continue
        if pubsec and not user_is_pubsec(user):
            continue
        seen.add(user.pk)
        users.append(user)
    chat = ""
    if "chat" in event.channels and event.audience in CHAT_DESTINATIONS:
        chat = PUBSEC_CHANNEL if pubsec else CHAT_DESTINATIONS[event.audience]
    return Route(pubsec=pubsec, users=users, chat_destination=chat)
