"""The built-in CRM: sales territories, accounts and opportunities."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from psdesk.core import clock
from psdesk.crm.choices import OpportunityStage, RecordType, Segment
from psdesk.crm.querysets import AccountQuerySet, OpportunityQuerySet


class Territory(models.Model):
    """A sales territory and the Engagement Manager who owns PS requests from it."""

    name = models.CharField(max_length=100, unique=True)
    engagement_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="em_territories"
    )

    class Meta:
        verbose_name_plural = "territories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A customer. `us_public_sector` accounts are restricted to PubSec members everywhere."""

    name = models.CharField(max_length=200)
    segment = models.CharField(max_length=16, choices=Segment.choices, default=Segment.MM_EAST)
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts")
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2")
    subdivision = models.CharField(max_length=10, blank=True, help_text="e.g. NY, BY")
    timezone = models.CharField(max_length=64, default="America/New_York")
    us_public_sector = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_accounts"
    )
    created_at = models.DateTimeField(default=clock.now)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Opportunity(models.Model):
    """A sales opportunity (license or PS-only). Its stage moves through the transition service."""

    name = models.CharField(max_length=255)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="opportunities")
    record_type = models.CharField(max_length=32, choices=RecordType.choices, default=RecordType.PS_ONLY)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_opportunities"
    )
    stage = models.CharField(max_length=32, choices=OpportunityStage.choices, default=OpportunityStage.DISCOVERY)
    close_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="USD")
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.name
