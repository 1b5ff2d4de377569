"""/healthz and /readyz: no login, JSON, and readiness fails (503, naming the check) when the
database or the task queue cannot be reached. "Down" is real: a port nothing listens on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from psdesk.ops.tests.conftest import child_env, free_port, run_python

_GET_READYZ = """
from django.test import Client
r = Client().get("/readyz")
print(r.status_code, r.content.decode())
"""


def test_healthz_answers_without_login_or_database() -> None:
    r = Client().get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert "no-cache" in r["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_database_queue_and_storage() -> None:
    r = Client().get("/readyz")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "storage"}
    assert all(c["ok"] for c in body["checks"].values())
    probes = Path(settings.MEDIA_ROOT) / "ops-health"
    assert not probes.exists() or not any(probes.iterdir())  # the storage probe cleans up


def test_readyz_fails_when_the_database_is_down() -> None:
    dead = f"postgres://app:app@127.0.0.1:{free_port(21450)}/app"
    out = run_python(_GET_READYZ, env=child_env(DATABASE_URL=dead))
    status, body = out.stdout.strip().splitlines()[-1].split(" ", 1)
    data = json.loads(body)
    assert status == "503", out.stderr[-2000:]
    assert data["status"] == "fail"
    assert data["checks"]["database"] == {
        "ok": False,
        "ms": data["checks"]["database"]["ms"],
        "error": "OperationalError",
    }
    assert data["checks"]["storage"]["ok"] is True
    assert "127.0.0.1" not in body  # the probe names the failure's kind, not where the database is


@pytest.mark.django_db
def test_readyz_fails_when_the_redis_queue_is_down() -> None:
    dead = f"redis://127.0.0.1:{free_port(21460)}/0"
    tasks = {"default": {"BACKEND": "django_tasks_redis.RedisTaskBackend", "OPTIONS": {"REDIS_URL": dead}}}
    with override_settings(TASKS=tasks):
        r = Client().get("/readyz")
    assert r.status_code == 503
    checks: dict[str, Any] = r.json()["checks"]
    assert checks["queue"]["ok"] is False
    assert checks["queue"]["error"] == "ConnectionError"
    assert checks["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_passes_on_a_live_redis_queue(redis_url: str) -> None:
    tasks = {"default": {"BACKEND": "django_tasks_redis.RedisTaskBackend", "OPTIONS": {"REDIS_URL": redis_url}}}
    with override_settings(TASKS=tasks):
        r = Client().get("/readyz")
    assert r.status_code == 200, r.content
