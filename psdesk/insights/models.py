"""The dashboard's one policy row; the app's permissions hang on it."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from psdesk.core import clock


class DashboardPolicy(models.Model):
    """How far back the dashboard looks and where it draws its lines (one row, editable in the admin)."""

    months = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(36)], help_text="months shown on monthly charts"
    )
    window_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="days of approvals and board moves the cycle-time charts read",
    )
    lead_time_weeks = models.PositiveSmallIntegerField(
        default=26,
        validators=[MinValueValidator(4), MaxValueValidator(104)],
        help_text="weeks of stored forecast runs on the lead-time chart",
    )
    start_target_days = models.PositiveSmallIntegerField(
        default=10, help_text="business days from Closed Won to project start we strive for (the line on the chart)"
    )
    welcome_target_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.9500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="share of welcome emails sent within their SLA we aim for",
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "dashboard policy"
        verbose_name_plural = "dashboard policy"
        permissions = [
            ("view_dashboard", "Open the PS Leadership dashboard"),
            ("search", "Use the global search"),
            ("view_audit_log", "Search the audit log and see its verification status"),
        ]

    def __str__(self) -> str:
        return "Dashboard policy"
