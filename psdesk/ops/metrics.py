"""Prometheus metrics (prometheus-client): request latency by view, outbox depth and the age of
its oldest undelivered message, SLA breaches, task results and task failures.

Two kinds of figure:
* per process, counted as things happen: request latency (a histogram per view), task failures
  (counted by the worker that ran the task). Under gunicorn with several workers, or with worker
  processes on the same host, set PROMETHEUS_MULTIPROC_DIR (an empty directory, emptied at each
  start) so /metrics adds every process up; without it each scrape sees one process.
* read from the database at scrape time, so every node reports the same cluster-wide figure:
  outbox messages by status and the oldest undelivered one's age, SLA timers breached, and (with
  the database task backend) task results by queue and status.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from psdesk.core import clock

REQUEST_LATENCY = Histogram(
    "psdesk_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by view.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASK_FAILURES = Counter(
    "psdesk_task_failures", "Background tasks that ended FAILED, by task.", ["task", "queue"]
)  # exposed as psdesk_task_failures_total


class RequestMetricsMiddleware:
    """First in MIDDLEWARE: times each request and labels it with the URL pattern's view name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        t0 = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match is not None else "<unresolved>"
        status = f"{response.status_code // 100}xx"
        REQUEST_LATENCY.labels(view=view, method=request.method or "", status=status).observe(time.perf_counter() - t0)
        return response


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if str(getattr(task_result, "status", "")) == "FAILED":
        TASK_FAILURES.labels(task=task_result.task.module_path, queue=task_result.task.queue_name).inc()


def signals_connect() -> None:
    from django.tasks.signals import task_finished  # noqa: PLC0415 — wired from AppConfig.ready

    task_finished.connect(_task_finished, dispatch_uid="psdesk.ops.metrics.task_failures")


class DatabaseCollector(Collector):
    """Cluster-wide figures read at scrape time (a few indexed aggregate queries)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from psdesk.notifications.choices import OutboxStatus  # noqa: PLC0415 — read at scrape, after apps load
        from psdesk.notifications.models import OutboxMessage  # noqa: PLC0415 — idem
        from psdesk.sla.models import SlaTimer  # noqa: PLC0415 — idem

        depth = GaugeMetricFamily("psdesk_outbox_messages", "Outbox messages by status.", labels=["status"])
        counts = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in OutboxStatus.values:
            depth.add_metric([status], counts.get(status, 0))
        yield depth
        pending = [OutboxStatus.QUEUED, OutboxStatus.RETRYING, OutboxStatus.DELIVERING]
        oldest = OutboxMessage.objects.filter(status__in=pending).aggregate(t=Min("created_at"))["t"]
        yield GaugeMetricFamily(
            "psdesk_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest outbox message not yet sent or parked (0 when none).",
            value=max(0.0, (clock.now() - oldest).total_seconds()) if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "psdesk_sla_breached_timers",
            "SLA timers that are breached and not stopped (open breaches).",
            value=SlaTimer.objects.active().filter(status="breached").count(),
        )
        yield GaugeMetricFamily(
            "psdesk_sla_breaches",
            "SLA timers that have ever breached (breached_at set); rate() it for breaches per second.",
            value=SlaTimer.objects.filter(breached_at__isnull=False).count(),
        )
        yield from _task_results()


def _task_results() -> Iterator[GaugeMetricFamily]:
    from django.tasks import task_backends  # noqa: PLC0415 — read at scrape
    from django_tasks_db.backend import DatabaseBackend  # noqa: PLC0415 — idem

    if not isinstance(task_backends["default"], DatabaseBackend):
        return
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415 — only with the database backend

    g = GaugeMetricFamily(
        "psdesk_task_results",
        "Task results kept by the database backend, by queue and status.",
        labels=["queue", "status"],
    )
    for queue, status, n in DBTaskResult.objects.values_list("queue_name", "status").annotate(n=Count("id")).order_by():
        g.add_metric([queue, status], n)
    yield g


def metrics_text() -> tuple[bytes, str]:
    """The exposition text of this process (or of every process, in multiprocess mode) plus the
    database figures, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST  # noqa: PLC0415 — tiny; kept next to its use

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    db_registry = CollectorRegistry(auto_describe=False)
    db_registry.register(DatabaseCollector())
    return body + generate_latest(db_registry), CONTENT_TYPE_LATEST
