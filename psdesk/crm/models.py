"""The built-in CRM: sales territories, accounts with their MSAs, and opportunities."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from psdesk.core import clock
from psdesk.crm.choices import EmConfidence, ForecastCategory, OpportunityStage, RecordType, Segment
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

    def msa_on(self, day: datetime.date) -> Msa | None:
        """The MSA in force on `day` (an expired or future MSA is not usable), or None."""
        return self.msas.in_force(day).order_by("-effective_from").first()


class MsaQuerySet(models.QuerySet["Msa"]):
    def in_force(self, day: datetime.date) -> MsaQuerySet:
        return self.filter(effective_from__lte=day).filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=day)
        )


class Msa(models.Model):
    """A master services agreement on file for an account, usable from `effective_from` through
    `effective_to` (inclusive; empty = open-ended). Outside that window it is not usable."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="msas")
    reference = models.CharField(max_length=100, help_text="contract number or document name")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    objects = MsaQuerySet.as_manager()

    class Meta:
        ordering = ["account", "-effective_from"]
        verbose_name = "MSA"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="msa_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"MSA {self.reference} ({self.account})"

    def in_force_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


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
    forecast_category = models.CharField(
        max_length=16, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    account_team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="opportunity_teams")
    # PS section (maintained by the engagement manager)
    engagement_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="em_opportunities"
    )
    em_confidence = models.CharField(max_length=8, choices=EmConfidence.choices, default=EmConfidence.GREY)
    em_confidence_rationale = models.TextField(blank=True)
    ps_value = models.DecimalField(
        "professional services value",
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    education_value = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    po_number = models.CharField("PO number", max_length=64, blank=True)
    no_po_required = models.BooleanField("no PO required (recorded)", default=False)
    crm_external_id = models.CharField(
        "external CRM id",
        max_length=64,
        blank=True,
        help_text="the opportunity's id in the external CRM (e.g. Salesforce); PS fields are pushed there when set",
    )
    stage_changed_at = models.DateTimeField(default=clock.now)
    closed_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name_plural = "opportunities"
        permissions = [
            ("move_opportunity", "Move an opportunity's stage forward (owner / account team)"),
            ("revert_opportunity", "Move an opportunity's stage back (manager, with a reason)"),
            ("manage_opportunity", "Move any opportunity, not only one's own"),
            ("edit_ps_fields", "Edit the PS section of an opportunity"),
        ]
        # "PS-only needs a parent" is enforced by opportunity_create/clean(), not a DB constraint,
        # so older rows and fixtures created before the rule stay loadable.

    def __str__(self) -> str:
        return self.name
