from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from psdesk.accounts.models import ApiToken
from psdesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_user_creates_a_token_on_the_profile_page_uses_it_and_revokes_it(people: Any) -> None:
    web = Client()
    web.force_login(people.erin)
    html = web.post("/accounts/profile/", {"name": "laptop"}).content.decode()
    token = re.search(r'<code id="new-token">(psd_[^<]+)</code>', html)
    assert token is not None
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token.group(1)}")
    assert api.get("/api/v1/engagements").status_code == 200
    tok = ApiToken.objects.get(user=people.erin, name="laptop")
    assert tok.last_used_at is not None and tok.key_hash != token.group(1)
    web.post("/accounts/profile/", {"revoke": str(tok.pk)})
    assert api.get("/api/v1/engagements").status_code == 401
    assert AuditEvent.objects.filter(verb="accounts.token_revoked").count() == 1


def test_nobody_revokes_another_users_token(people: Any) -> None:
    from psdesk.accounts.services import token_create

    token_create(user=people.erin)
    tok = ApiToken.objects.get(user=people.erin)
    web = Client()
    web.force_login(people.olga)
    web.post("/accounts/profile/", {"revoke": str(tok.pk)})
    tok.refresh_from_db()
    assert tok.revoked is False


def test_a_token_with_an_expiry_shows_it_and_is_refused_with_401_once_expired(frozen_clock: Any, people: Any) -> None:
    web = Client()
    web.force_login(people.erin)
    html = web.post("/accounts/profile/", {"name": "ci", "expires_in_days": "7"}).content.decode()
    token = re.search(r'<code id="new-token">(psd_[^<]+)</code>', html)
    assert token is not None
    tok = ApiToken.objects.get(user=people.erin, name="ci")
    assert tok.expires_at == frozen_clock.at + timedelta(days=7)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token.group(1)}")
    assert api.get("/api/v1/engagements").status_code == 200
    page = web.get("/accounts/profile/").content.decode()
    assert frozen_clock.at.strftime("%Y-%m-%d %H:%M") in page  # last used
    assert (frozen_clock.at + timedelta(days=7)).strftime("%Y-%m-%d %H:%M") in page  # expires
    frozen_clock.advance(days=7)
    r = api.get("/api/v1/engagements")
    assert r.status_code == 401 and r["Content-Type"].startswith("application/json")


def test_a_token_cannot_be_created_already_expired(frozen_clock: Any, people: Any) -> None:
    from psdesk.accounts.services import token_create
    from psdesk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        token_create(user=people.erin, expires_at=frozen_clock.at)
    assert not ApiToken.objects.exists()
