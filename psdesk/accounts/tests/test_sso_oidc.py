"""Single sign-on against a real OpenID Connect provider on loopback (django-oauth-toolkit in a
subprocess on 127.0.0.1, stopped by the fixture), driven through the login page and the real
redirects: users created or updated at login, roles from the admin's IdP-group table, a refused
login without a mapped group, roles following the groups at the next login, PubSec only through
an explicitly mapped group and still expiring, and the break-glass password login."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client

from psdesk.accounts.models import IdpGroupRole, PubSecMembership, SsoIdentity
from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import user_caches_clear, user_is_pubsec
from psdesk.audit.models import AuditEvent
from psdesk.core import clock
from psdesk.integrations.tests.conftest import free_port

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/accounts/oidc/callback/"
PEOPLE = {
    "nina": ["nina@corp.example", "Nina", "Novak"],
    "olaf": ["olaf@corp.example", "Olaf", "Ohm"],
    "erin": ["erin@psdesk.example", "Erin", "Evans"],
}


@dataclass
class Idp:
    url: str
    groups_file: Path

    def groups(self, **by_user: list[str]) -> None:
        self.groups_file.write_text(json.dumps(by_user))


@pytest.fixture(scope="module")
def idp(tmp_path_factory: Any) -> Iterator[Idp]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    tmp = tmp_path_factory.mktemp("idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp / "groups.json").write_text("{}")
    (tmp / "users.json").write_text(json.dumps(PEOPLE))
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "OIDC_TEST_DB": str(tmp / "idp.sqlite3"),
        "OIDC_TEST_KEY": str(tmp / "key.pem"),
        "OIDC_TEST_GROUPS": str(tmp / "groups.json"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "psdesk.accounts.tests.oidc_provider.serve", str(port), CALLBACK],
        cwd=str(django_settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if line.strip() != "ready":
            raise RuntimeError(f"the test IdP did not start: {proc.stderr.read() if proc.stderr else ''}")
        yield Idp(url=f"http://127.0.0.1:{port}", groups_file=tmp / "groups.json")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def sso(idp: Idp, settings: Any) -> Idp:
    settings.PSDESK_OIDC_ENABLED = True
    settings.PSDESK_OIDC_PROVIDER_NAME = "Corp IdP"
    settings.OIDC_RP_CLIENT_ID = "psdesk"
    settings.OIDC_RP_CLIENT_SECRET = "psdesk-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{idp.url}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{idp.url}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{idp.url}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{idp.url}/o/.well-known/jwks.json"
    IdpGroupRole.objects.create(idp_group="ps-leaders", role=Role.PS_LEADERSHIP)
    IdpGroupRole.objects.create(idp_group="deal-desk", role=Role.DEAL_DESK)
    IdpGroupRole.objects.create(idp_group="ps-em", role=Role.ENGAGEMENT_MANAGER)
    return idp


def sso_login(client: Client, idp: Idp, username: str) -> Any:
    """From PS Desk's login page through the IdP's sign-in and back: PS Desk's final answer."""
    page = client.get("/accounts/login/")
    href = re.search(r'id="sso-login" href="([^"]+)"', page.content.decode())
    assert href is not None, "the login page offers single sign-on"
    to_idp = client.get(href[1])
    assert to_idp.status_code == 302 and to_idp["Location"].startswith(f"{idp.url}/o/authorize/")
    browser = requests.Session()
    form = browser.get(f"{idp.url}/accounts/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert csrf is not None
    signed_in = browser.post(
        f"{idp.url}/accounts/login/",
        data={"username": username, "password": "idp-pw", "csrfmiddlewaretoken": csrf[1], "next": "/"},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302
    back = browser.get(to_idp["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(CALLBACK)
    return client.get(back.headers["Location"].removeprefix("http://testserver"))


def _roles(username: str) -> set[str]:
    from django.contrib.auth.models import User

    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_a_new_user_is_created_at_first_login_with_the_mapped_roles(sso: Idp) -> None:
    sso.groups(nina=["ps-leaders", "everyone"])
    client = Client()
    done = sso_login(client, sso, "nina")
    assert done.status_code == 302 and done["Location"] == "/my-work/"
    assert client.get("/my-work/").status_code == 200
    from django.contrib.auth.models import User

    nina = User.objects.get(username="nina")
    assert (nina.email, nina.first_name, nina.has_usable_password()) == ("nina@corp.example", "Nina", False)
    assert _roles("nina") == {Role.PS_LEADERSHIP}
    assert SsoIdentity.objects.get(user=nina).last_groups == ["ps-leaders", "everyone"]
    assert AuditEvent.objects.filter(verb="accounts.sso_user_created", after__roles=[Role.PS_LEADERSHIP]).count() == 1


def test_a_user_with_no_mapped_group_is_refused_and_told_why(sso: Idp) -> None:
    sso.groups(olaf=["everyone"])
    client = Client()
    done = sso_login(client, sso, "olaf")
    assert done.status_code == 302 and done["Location"] == "/accounts/login/?sso=refused"
    from django.contrib.auth.models import User

    assert not User.objects.filter(email="olaf@corp.example").exists()
    assert client.get("/my-work/").status_code == 302  # not signed in
    assert b"none of your identity provider groups gives a PS Desk role" in client.get(done["Location"]).content
    assert AuditEvent.objects.filter(verb="accounts.sso_refused").count() == 1


def test_roles_follow_the_idp_groups_at_the_next_login_and_an_existing_user_is_matched_by_email(
    sso: Idp, people: Any
) -> None:
    sso.groups(erin=["ps-em"])
    assert sso_login(Client(), sso, "erin").status_code == 302
    assert _roles("erin") == {Role.ENGAGEMENT_MANAGER}
    assert SsoIdentity.objects.get().user == people.erin  # the persona, found by its email
    sso.groups(erin=["deal-desk"])
    assert sso_login(Client(), sso, "erin")["Location"] == "/my-work/"
    assert _roles("erin") == {Role.DEAL_DESK}
    changed = AuditEvent.objects.get(verb="accounts.sso_roles_changed")
    assert (changed.before, changed.after) == ({"roles": [Role.ENGAGEMENT_MANAGER]}, {"roles": [Role.DEAL_DESK]})


def test_pubsec_comes_only_from_an_explicitly_mapped_group_and_still_expires(sso: Idp) -> None:
    from django.contrib.auth.models import User

    sso.groups(nina=["ps-em", "us-pubsec"])
    sso_login(Client(), sso, "nina")
    assert _roles("nina") == {Role.ENGAGEMENT_MANAGER}  # the group is not mapped: no PubSec
    IdpGroupRole.objects.create(idp_group="us-pubsec", role=Role.US_PUBLIC_SECTOR)
    sso_login(Client(), sso, "nina")
    nina = User.objects.get(username="nina")
    assert _roles("nina") == {Role.ENGAGEMENT_MANAGER, Role.US_PUBLIC_SECTOR} and user_is_pubsec(nina)
    membership = PubSecMembership.objects.get(user=nina)
    assert timedelta(days=179) < membership.expires_at - clock.now() <= timedelta(days=180)
    # It expires; signing in again does not recertify it (PS Ops do, on the PubSec review page).
    PubSecMembership.objects.filter(pk=membership.pk).update(expires_at=clock.now() - timedelta(days=1))
    sso_login(Client(), sso, "nina")
    user_caches_clear(nina)
    assert not user_is_pubsec(nina) and Role.US_PUBLIC_SECTOR in _roles("nina")
    # The group is gone in the IdP: role and membership end at the next login.
    sso.groups(nina=["ps-em"])
    sso_login(Client(), sso, "nina")
    assert _roles("nina") == {Role.ENGAGEMENT_MANAGER}
    assert PubSecMembership.objects.get(user=nina).revoked_at is not None


def test_with_sso_on_only_break_glass_users_may_use_a_password(sso: Idp, people: Any, settings: Any) -> None:
    settings.PSDESK_LOCAL_LOGIN_USERS = ["oscar"]
    refused = Client().post("/accounts/login/", {"username": "erin", "password": "pw-erin"})
    assert refused.status_code == 200 and b"did not match" in refused.content
    allowed = Client().post("/accounts/login/", {"username": "oscar", "password": "pw-oscar"})
    assert allowed.status_code == 302 and allowed["Location"] == "/my-work/"
    settings.PSDESK_LOCAL_LOGIN_USERS = []
    assert Client().post("/accounts/login/", {"username": "erin", "password": "pw-erin"}).status_code == 302
