"""Logging configuration: plain text by default, one JSON object per line when
PSDESK_LOG_FORMAT=json (python-json-logger), each record carrying the request id of the request
it was written in (X-Request-ID, set by psdesk.core.middleware.RequestIdMiddleware).

Imported by config/settings.py, so it must not import Django models.
"""

from __future__ import annotations

import logging
from typing import Any


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (empty outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from psdesk.core.middleware import request_id_var  # noqa: PLC0415 — settings import this module first

        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get("")
        return True


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The LOGGING dict: `fmt` is "json" or "text"."""
    formatter: dict[str, Any]
    if fmt == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}{request_id}{process}",
            "style": "{",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
    elif fmt == "text":
        formatter = {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    else:
        raise RuntimeError(f"PSDESK_LOG_FORMAT must be 'text' or 'json'; got {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "psdesk.ops.logs.RequestIdFilter"}},
        "formatters": {"main": formatter},
        # The handler's level too: Django sets its own "django" logger to INFO, which would print every
        # task start and finish through the root handler otherwise.
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "filters": ["request_id"],
                "level": level,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # gunicorn's own error log goes through the same handler when it runs PS Desk.
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False}},
    }
