from __future__ import annotations

from django.db import models

from psdesk.core.calendar import BUSINESS_DAYS, WORKING_HOURS


class DurationUnit(models.TextChoices):
    """How a policy's duration is counted on its calendar."""

    BUSINESS_DAYS = BUSINESS_DAYS, "Business days (24 h each)"
    WORKING_HOURS = WORKING_HOURS, "Working hours"


class TimerState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class TimerStatus(models.TextChoices):
    """Where a timer stands against its deadline; the sweep moves ok → at_risk → breached."""

    OK = "ok", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"


class TimerOutcome(models.TextChoices):
    NONE = "", "-"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"
