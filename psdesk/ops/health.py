"""Readiness checks: can this process reach the database, the task queue and document storage?

Each check returns None when fine or a short reason (the exception's class, never its message, so
an unauthenticated probe learns no host names); the detail goes to the log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

log = logging.getLogger("psdesk.ops.health")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    ms: float
    error: str = ""


def database_check() -> None:
    for alias in connections:
        with connections[alias].cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()


def queue_check() -> None:
    """The database backend's queue is a table (a cheap query on it); Redis is asked PING; an
    in-process backend (tests) has nothing to reach."""
    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 — only with the database backend

        DBTaskResult.objects.using(backend.options.get("database", "default")).filter(status="READY").exists()
        return
    client = getattr(backend, "get_client", None)
    if client is not None and not client().ping():
        raise ConnectionError("the task queue did not answer PING")


def storage_check() -> None:
    """Write, read back and delete a tiny object where documents are kept."""
    name = default_storage.save(f"ops-health/probe-{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            if fh.read() != b"ok":
                raise OSError("document storage returned other bytes than written")
    finally:
        default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {"database": database_check, "queue": queue_check, "storage": storage_check}


def readiness() -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        t0 = time.perf_counter()
        try:
            check()
        except Exception as exc:  # a probe reports every failure, whatever raised it
            log.warning("readiness check %s failed: %r", name, exc, extra={"check": name})
            results.append(CheckResult(name, False, (time.perf_counter() - t0) * 1000, type(exc).__name__))
        else:
            results.append(CheckResult(name, True, (time.perf_counter() - t0) * 1000))
    return results
