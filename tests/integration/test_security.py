"""Login throttling through the real login form, the Content-Security-Policy every page carries
(and satisfies: no inline script or event handler in any template), `Cache-Control: no-store` on
API JSON, and `check --deploy` clean in production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_that_user_from_that_address_with_a_clear_message(people: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = _login(client, "erin", "wrong")
        assert r.status_code == 200 and "did not match" in r.content.decode()
    locked = _login(client, "erin", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins for this username from your address" in locked.content.decode()
    # Even the right password is refused while locked, from that address …
    again = _login(client, "erin", "pw-erin")
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    # … while the same user elsewhere, and another user here, still log in.
    assert _login(Client(), "erin", "pw-erin", ip="10.0.0.2").status_code == 302
    assert _login(Client(), "emil", "pw-emil").status_code == 302


def test_a_successful_login_resets_the_count(people: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "erin", "wrong")
    assert _login(client, "erin", "pw-erin").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(Client(), "erin", "wrong").status_code == 200


def test_pages_carry_a_csp_that_forbids_inline_script(people: Any) -> None:
    web = Client()
    web.force_login(people.erin)
    for path in ("/", "/accounts/profile/", "/accounts/login/"):
        csp = web.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives["script-src"] == "'self'", csp
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
_INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    offenders = []
    for path in [*ROOT.glob("psdesk/*/templates/**/*.html"), *ROOT.glob("templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        if _INLINE_SCRIPT.search(text) or _INLINE_HANDLER.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_api_json_is_never_cached(api: Any) -> None:
    ok = api("erin").get("/api/v1/engagements")
    assert (ok.status_code, ok["Cache-Control"]) == (200, "no-store")
    missing = api("erin").get("/api/v1/engagements/999999")
    assert (missing.status_code, missing["Cache-Control"]) == (404, "no-store")
    assert Client().get("/api/v1/engagements")["Cache-Control"] == "no-store"


def test_check_deploy_is_clean_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PSDESK_ENV": "production",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "x" * 40,
        "PSDESK_AUDIT_KEY": "a-separate-audit-key-" + "y" * 40,
        "ALLOWED_HOSTS": "psdesk.example.com",
        "PSDESK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "PSDESK_CRM_WEBHOOK_SECRET": "webhook-secret",
    }
    for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "PSDESK_EMAIL_BACKEND"):
        env.pop(name, None)
    r = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


def test_check_deploy_warns_when_the_audit_key_is_only_derived_from_secret_key(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PSDESK_ENV": "production",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "x" * 40,
        "PSDESK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    env.pop("PSDESK_AUDIT_KEY", None)
    r = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "security"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "psdesk.audit.W001" in r.stdout + r.stderr
