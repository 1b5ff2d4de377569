"""My work: what waits on a person, gathered from every app that has work for someone.

Each app above `accounts` registers a *provider* from its AppConfig.ready with
`my_work_provider_register(fn)`. A provider receives the signed-in user and returns a `WorkGroup`
(possibly empty) when the person's role has that kind of work, or None when it does not (the page
then leaves the group out). Providers only read; each runs a constant number of queries whatever
the number of items (a count and one page of items), so the page costs the same on a busy Monday.
Objects a person may not see (US PubSec for non-members) never appear: providers filter with the
owning app's `visible_to(user)`.

The registrants are listed in tests/integration/test_wiring.py and ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from psdesk.core import clock
from psdesk.core.types import Actor

# Items listed per group; the count always covers all of them.
ITEMS_PER_GROUP = 20


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting: what it is, where to act on it, since when it waits, and a short note
    (e.g. "31.5 business hours left")."""

    title: str
    url: str
    since: datetime
    note: str = ""
    urgent: bool = False

    def age(self, now: datetime | None = None) -> timedelta:
        return max((now or clock.now()) - self.since, timedelta(0))

    @property
    def age_text(self) -> str:
        return age_text(self.age())


@dataclass(frozen=True)
class WorkGroup:
    """One kind of work (e.g. "SOWs to stamp"): `count` covers every item, `items` the first page;
    `more_url` lists them all when there are more."""

    key: str
    title: str
    count: int
    items: list[WorkItem] = field(default_factory=list)
    more_url: str = ""
    empty_text: str = "Nothing waiting."


Provider = Callable[[Actor], WorkGroup | None]

PROVIDERS: list[Provider] = []


def my_work_provider_register(provider: Provider) -> None:
    """Add a provider (idempotent; the page shows groups in registration order)."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def my_work_groups(*, user: Actor) -> list[WorkGroup]:
    """The groups that apply to `user`'s roles, in registration order."""
    groups = []
    for provider in PROVIDERS:
        group = provider(user)
        if group is not None:
            groups.append(group)
    return groups


def age_text(age: timedelta) -> str:
    """A compact age: "5 min", "3 h", "2 d", "6 wk"."""
    seconds = int(age.total_seconds())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    days = seconds // 86400
    return f"{days} d" if days < 28 else f"{days // 7} wk"


def hours_left_text(left: timedelta) -> str:
    """Business time left on a deadline, or how far past it."""
    hours = round(left.total_seconds() / 3600, 1)
    return f"{hours:g} business hours left" if hours >= 0 else f"{-hours:g} business hours overdue"
