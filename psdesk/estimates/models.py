"""Estimate versions of an engagement, their lines, TA reviews, customer review links and feedback.

A version is editable while it is a draft; sharing it with the customer freezes it (every later edit
is a new version). Each line stores the rates it was priced with, so a shared version keeps its price
and cost when the rate card changes. Written only through psdesk.estimates.services (audited).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from psdesk.branding.document import display_name
from psdesk.core import clock
from psdesk.engagements.models import Engagement
from psdesk.estimates.choices import Delivery, FeedbackKind, PricingModel, ReviewDecision, VersionStatus
from psdesk.estimates.querysets import EstimateVersionQuerySet


class EstimatePolicy(models.Model):
    """The estimate thresholds (one row, editable in admin, seeded with the defaults)."""

    target_margin = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.4000"), help_text="below this margin the estimate is flagged"
    )
    ta_threshold = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("50000.00"), help_text="a total strictly above needs TA review"
    )
    ta_threshold_currency = models.CharField(max_length=3, default="USD")
    review_link_days = models.PositiveIntegerField(default=30, help_text="customer review links expire after")
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "estimate policy"

    def __str__(self) -> str:
        return (
            f"margin target {self.target_margin:.2%}, TA review over {self.ta_threshold_currency} "
            f"{self.ta_threshold:,.2f}, links {self.review_link_days} days"
        )


class EstimateVersion(models.Model):
    """Version `number` of an engagement's estimate. `revision` guards draft edits (optimistic concurrency);
    `price`/`cost`/`margin` are the totals computed by pricing.py when the lines were last saved."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="estimate_versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    pricing_model = models.CharField(max_length=16, choices=PricingModel.choices, default=PricingModel.FIXED_FEE)
    currency = models.CharField(max_length=3, default="USD")
    assumptions = models.TextField(blank=True)
    out_of_scope = models.TextField(blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    priced_on = models.DateField(help_text="cost rates in force for this date's quarter")
    hours = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    price = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    margin = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    shared_at = models.DateTimeField(null=True, blank=True)

    objects = EstimateVersionQuerySet.as_manager()

    class Meta:
        ordering = ["engagement", "number"]
        constraints = [models.UniqueConstraint(fields=["engagement", "number"], name="estimate_version_number_once")]
        permissions = [
            ("edit_estimate", "Edit, version and share estimates"),
            ("review_estimate", "Approve estimates as Technical Architect"),
            ("view_estimate_cost", "See internal cost and margin of estimates"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} — estimate v{self.number}"

    @property
    def is_shared(self) -> bool:
        return self.status == VersionStatus.SHARED


class EstimateLine(models.Model):
    """One activity line. `provenance` names the calculator rules that produced it, or ["manual"]."""

    version = models.ForeignKey(EstimateVersion, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    activity = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    role = models.CharField(max_length=32)
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.REMOTE)
    provenance = models.JSONField(default=list)
    service_type = models.CharField(max_length=64, blank=True)
    rate = models.DecimalField(max_digits=10, decimal_places=2)
    cost_rate = models.DecimalField(max_digits=10, decimal_places=2)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    cost = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="estimate_line_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} ({self.role}, {self.hours} h)"

    @property
    def display_name(self) -> str:
        """The activity as a customer reads it (its description when the name is an internal key)."""
        return display_name(self.activity, self.description)


class EstimateReview(models.Model):
    """A Technical Architect's decision on one version. Approval belongs to that version only."""

    version = models.ForeignKey(EstimateVersion, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(max_length=24, choices=ReviewDecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["version", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} v{self.version.number}"


class ReviewLink(models.Model):
    """A customer review link to one version. The URL carries a signed token naming this row and its
    `nonce`; the row decides expiry and revocation, so revoking works at once."""

    version = models.ForeignKey(EstimateVersion, on_delete=models.CASCADE, related_name="review_links")
    nonce = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"review link {self.pk} to v{self.version.number}"


class CustomerFeedback(models.Model):
    """Feedback or the customer's agreement ("we agree to this price and scope") on one version."""

    version = models.ForeignKey(EstimateVersion, on_delete=models.CASCADE, related_name="feedback")
    link = models.ForeignKey(ReviewLink, null=True, on_delete=models.SET_NULL, related_name="feedback")
    kind = models.CharField(max_length=16, choices=FeedbackKind.choices)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["version", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"], condition=models.Q(kind="agreement"), name="one_agreement_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.name} on v{self.version.number}"


class EstimateDocumentKey(models.Model):
    """Which stored rendering (`branding.RenderedDocument` content hash) one version's document has
    for one `fingerprint` of everything that document depends on (the version row and its revision,
    the customer account's name, the vendor profile, the layout): a download request computes the
    fingerprint from rows it loads anyway and serves the stored file without building the document.
    A change of any input gives a new fingerprint, so a stale file is never served."""

    version = models.ForeignKey(EstimateVersion, on_delete=models.CASCADE, related_name="document_keys")
    variant = models.CharField(max_length=16)
    fingerprint = models.CharField(max_length=64, unique=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} {self.variant} ({self.content_hash[:12]})"
