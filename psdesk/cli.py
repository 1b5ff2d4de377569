"""`psdesk` console script: a thin wrapper over manage.py (`psdesk demo`, `psdesk engagement move ...`)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415 — after the settings module is chosen

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])
