"""Reads of the scheduler's state (the `ops jobs` command and the admin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max

from psdesk.ops.models import ScheduledJob


@dataclass(frozen=True)
class JobStatus:
    key: str
    interval_seconds: int
    enabled: bool
    last_period_start: datetime | None
    runs: int


def jobs_status() -> list[JobStatus]:
    rows = ScheduledJob.objects.annotate(last=Max("runs__period_start"), n=Count("runs")).order_by("key")
    return [
        JobStatus(
            key=j.key,
            interval_seconds=j.interval_seconds,
            enabled=j.enabled,
            last_period_start=j.last,
            runs=j.n,
        )
        for j in rows
    ]
