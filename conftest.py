"""Shared fixtures: personas (one per role + outsider + PubSec member), a frozen clock, API clients,
and small factories. Browser-test fixtures live in tests/browser/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests must pass on a busy 2-core machine: no per-example deadline and no "too slow" /
# "filtered too much" health checks (they measure the machine, not the code). CI (CI=true) also
# derandomises, so a run is reproducible; locally each run explores new examples.
settings.register_profile(
    "psdesk",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
settings.register_profile("ci", parent=settings.get_profile("psdesk"), derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "psdesk")


@pytest.fixture
def frozen_clock() -> Iterator[Any]:
    """Time stands still at Friday 2026-11-27 16:00 UTC unless the test moves it."""
    from psdesk.core import clock

    with clock.frozen(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)) as fc:
        yield fc


class Personas(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def people(db: Any) -> Personas:
    """alice (AE), sam (SA), erin/emil (EM), tara (TA), rory (RDM), leo (PS leadership), rita (deal desk),
    lena (legal), paula (PC), oscar (PS ops), cody (consultant), eddie (education), tom (team member),
    mona (sales manager), pat (EM + US PubSec member), olga (outsider)."""
    from psdesk.accounts.personas import PERSONAS
    from psdesk.accounts.services import persona_ensure

    return Personas({p.username: persona_ensure(p, password="pw-" + p.username) for p in PERSONAS})


class ApiClient:
    """A Django test client that authenticates with a real API token."""

    def __init__(self, user: Any) -> None:
        from django.test import Client

        from psdesk.accounts.services import token_create

        self.user = user
        self.token = token_create(user=user)
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self._headers())

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(path, data or {}, content_type="application/json", headers=self._headers())

    def put(self, path: str, data: Any = None) -> Any:
        return self.client.put(path, data or {}, content_type="application/json", headers=self._headers())

    def patch(self, path: str, data: Any = None) -> Any:
        return self.client.patch(path, data or {}, content_type="application/json", headers=self._headers())

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self._headers())


@pytest.fixture
def api(people: Personas) -> Any:
    """`api("erin").get("/api/v1/engagements")`."""
    cache: dict[str, ApiClient] = {}

    def for_user(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = ApiClient(people[username])
        return cache[username]

    return for_user


@pytest.fixture
def make_account(db: Any) -> Any:
    from psdesk.crm.models import Account, Territory

    def make(name: str = "Acme Corp", *, pubsec: bool = False, em: Any = None, **kw: Any) -> Account:
        terr = None
        if em is not None:
            terr, _ = Territory.objects.get_or_create(name=f"T-{em.username}", defaults={"engagement_manager": em})
        return Account.objects.create(name=name, us_public_sector=pubsec, territory=terr, **kw)

    return make


@pytest.fixture
def make_engagement(db: Any, people: Personas, make_account: Any) -> Any:
    """An engagement created through the service, optionally moved along `path` by its EM."""
    from psdesk.board.services import engagement_transition
    from psdesk.engagements.services import engagement_create

    def make(
        account: Any = None,
        *,
        em: Any = "erin",
        path: tuple[str, ...] = (),
        opportunity: Any = None,
        at: str | None = None,
        **kw: Any,
    ) -> Any:
        """`path` moves the card through the real service (guards apply); `at` puts it straight
        into a column — test set-up only, for tests about what happens *from* that column."""
        from psdesk.engagements.models import Engagement

        em_user = people[em] if isinstance(em, str) else em
        account = account or make_account()
        eng = engagement_create(account=account, actor=people["sam"], em=em_user, opportunity=opportunity, **kw)
        for action in path:
            engagement_transition(engagement_id=eng.pk, action=action, actor=em_user or people["erin"], reason="r")
        if at is not None:
            Engagement.objects.filter(pk=eng.pk).update(state=at)
        eng.refresh_from_db()
        return eng

    return make


@pytest.fixture(autouse=True)
def _audit_anchor_per_test(settings: Any, tmp_path: Any) -> None:
    # Each test database starts a new audit chain; its anchor file must not outlive the test.
    settings.PSDESK_AUDIT_ANCHOR_PATH = str(tmp_path / "audit-anchor.jsonl")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # PBKDF2 at production strength costs ~0.3 s per persona; tests need speed, not strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _outbox_tasks_do_not_linger(settings: Any) -> None:
    # In-process workers run delivery tasks in batch passes: a task that keeps polling once the
    # queue is empty (PSDESK_OUTBOX_LINGER_SECONDS, for long-running workers) would only slow them.
    settings.PSDESK_OUTBOX_LINGER_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_content_type_cache() -> None:
    # A transactional test's flush recreates content types with new ids; never reuse stale ones.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
