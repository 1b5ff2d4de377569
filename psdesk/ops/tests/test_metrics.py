"""/metrics: Prometheus text with request latency by view, outbox depth and oldest age, SLA
breaches and task failures; a bearer token when PSDESK_METRICS_TOKEN is set; off in production
without one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.tasks import task
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from psdesk.notifications.services import outbox_enqueue

_IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@task()
def exploding_task() -> None:
    raise ValueError("boom")


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


@pytest.mark.django_db
def test_metrics_report_latency_outbox_sla_and_task_failures(frozen_clock: Any) -> None:
    c = Client()
    c.get("/healthz")
    outbox_enqueue(target="chat", operation="post", destination="#ps", payload={"text": "hi"}, idempotency_key="m:1")
    frozen_clock.advance(timedelta(seconds=90))
    with override_settings(TASKS=_IMMEDIATE):
        exploding_task.enqueue()
    r = c.get("/metrics")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain")
    s = _samples(r.content.decode())
    assert (
        s[("psdesk_http_request_duration_seconds_count", (("method", "GET"), ("status", "2xx"), ("view", "healthz")))]
        >= 1
    )
    assert s[("psdesk_outbox_messages", (("status", "queued"),))] == 1
    assert s[("psdesk_outbox_oldest_undelivered_age_seconds", ())] == 90
    assert s[("psdesk_sla_breached_timers", ())] == 0
    path = f"{__name__}.exploding_task"
    assert s[("psdesk_task_failures_total", (("queue", "default"), ("task", path)))] >= 1


@pytest.mark.django_db
@override_settings(PSDESK_METRICS_TOKEN="s3cret-token")
def test_metrics_need_the_token_when_one_is_set() -> None:
    c = Client()
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


@pytest.mark.django_db
@override_settings(PSDESK_METRICS_TOKEN="", PRODUCTION=True)
def test_metrics_are_off_in_production_without_a_token() -> None:
    assert Client().get("/metrics").status_code == 404
