"""PSDESK_TASKS=redis: a real task (the SLA sweep, unchanged) enqueued through django-tasks-redis
into a real redis-server and run by a real `run_redis_tasks` worker process."""

from __future__ import annotations

from typing import Any

import pytest
from django.tasks import TaskResultStatus, task_backends
from django.test import override_settings

from psdesk.ops.jobs import JOBS
from psdesk.ops.models import JobRun
from psdesk.ops.services import scheduled_jobs_ensure, scheduler_tick
from psdesk.ops.tests.conftest import child_env, run_python
from psdesk.sla.tasks import sla_sweep_task

_WORKER = """
from django.core.management import call_command
call_command("run_redis_tasks", "--max-tasks", "1", "--interval", "0.05")
"""


def _redis_tasks(url: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django_tasks_redis.RedisTaskBackend",
            "QUEUES": ["default", "outbox", "forecast", "sla"],
            "OPTIONS": {"REDIS_URL": url, "REDIS_KEY_PREFIX": "psdesk", "REDIS_BLOCK_TIMEOUT": 1000},
        }
    }


@pytest.mark.django_db(transaction=True)
def test_a_real_task_runs_through_redis(redis_url: str, db_url: str) -> None:
    with override_settings(TASKS=_redis_tasks(redis_url)):
        result = sla_sweep_task.enqueue()
        assert result.status == TaskResultStatus.READY
        out = run_python(_WORKER, env=child_env(DATABASE_URL=db_url, PSDESK_TASKS="redis", PSDESK_REDIS_URL=redis_url))
        assert out.returncode == 0, out.stderr[-2000:]
        done = task_backends["default"].get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL, done.errors
    assert done.return_value == {"at_risk": 0, "breached": 0, "notified": 0}


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_enqueues_into_redis_after_commit(redis_url: str) -> None:
    with override_settings(TASKS=_redis_tasks(redis_url)):
        scheduled_jobs_ensure()
        claims = scheduler_tick()
        assert len(claims) == len(JOBS)  # every job has a first period
        backend = task_backends["default"]
        for run in JobRun.objects.all():
            assert run.task_id, run.job_id
            assert backend.get_result(run.task_id).status == TaskResultStatus.READY
