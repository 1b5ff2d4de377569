from __future__ import annotations

import re
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
