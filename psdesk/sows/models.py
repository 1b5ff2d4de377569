"""Statements of Work (docs/process.md, SOWs and signatures): a SOW per engagement, its immutable
versions (content + DOCX + PDF, each with a SHA-256), clause templates with versions, customer
mark-ups, the legal case (stamp), signatures and billable-event opportunities.

Every write goes through psdesk.sows.services (audited). A version is never changed after it is
created: a new generation, a milestone edit or an accepted mark-up makes the next version. The
status of a SOW moves only through `SOW_WORKFLOW` (psdesk/sows/workflow.py) and transition_apply.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from psdesk.branding.models import RenderState
from psdesk.core import clock
from psdesk.crm.models import Opportunity
from psdesk.engagements.models import Engagement
from psdesk.estimates.models import EstimateVersion
from psdesk.sows.choices import (
    BillingTerms,
    ClauseKey,
    MarkupStatus,
    Party,
    SignatureRequestStatus,
    SowStatus,
    TermsKind,
    VersionSource,
)
from psdesk.sows.querysets import SowQuerySet


class SowPolicy(models.Model):
    """SOW thresholds and working terms (one row, editable in admin, seeded with the defaults)."""

    passive_acceptance_business_days = models.PositiveIntegerField(default=5)
    signing_link_days = models.PositiveIntegerField(default=14, help_text="the emailed signing link expires after")
    minimum_hours_per_week = models.PositiveIntegerField(default=20)
    validity_days = models.PositiveIntegerField(default=365, help_text="the SOW expires this many days after signature")
    upload_max_bytes = models.PositiveIntegerField(default=10 * 1024 * 1024)
    upload_max_uncompressed_bytes = models.PositiveIntegerField(default=50 * 1024 * 1024)
    upload_max_ratio = models.PositiveIntegerField(
        default=100, help_text="zip-bomb guard: per-member compression ratio"
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "SOW policy"

    def __str__(self) -> str:
        return f"passive acceptance {self.passive_acceptance_business_days} business days"


class ClauseTemplate(models.Model):
    """Version `version` of a clause text. The highest active version of a key is used at generation;
    a generated SOW version records the clause versions it used, so old SOWs stay reproducible."""

    key = models.CharField(max_length=32, choices=ClauseKey.choices)
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="paragraphs separated by a blank line; {placeholders} are filled in")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="clause_version_once")]

    def __str__(self) -> str:
        return f"{self.get_key_display()} v{self.version}"


class DocxTemplate(models.Model):
    """An admin-uploaded replacement for the shipped docxtpl template (the newest active one is used)."""

    name = models.CharField(max_length=200)
    file = models.FileField(upload_to="sows/templates/")
    active = models.BooleanField(default=True)
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Sow(models.Model):
    """The Statement of Work of one engagement (`SOW-<id>`). `version` guards status moves."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="sow")
    status = models.CharField(max_length=20, choices=SowStatus.choices, default=SowStatus.DRAFT)
    billing_terms = models.CharField(max_length=20, choices=BillingTerms.choices, default=BillingTerms.ON_EXECUTION)
    current = models.ForeignKey("SowVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_version = models.ForeignKey(
        "SowVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the version the account team and the customer reviewed",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    executed_pdf = models.FileField(
        upload_to="sows/executed/", blank=True, help_text="signed, sealed, with certificate"
    )
    executed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    objects = SowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "SOW"
        permissions = [
            ("edit_sow", "Generate SOW versions, edit milestones, handle customer mark-up"),
            ("stamp_sow", "Legal stamp of an approved SOW version"),
            ("release_sow", "Release a stamped SOW for signature"),
            ("record_signature", "Record the customer's signature"),
            ("countersign_sow", "Countersign a SOW for the vendor"),
            ("split_sow", "Split a SOW into one opportunity per billable event"),
        ]

    def __str__(self) -> str:
        return f"SOW-{self.pk} {self.engagement}"

    @property
    def number(self) -> str:
        return f"SOW-{self.pk}"


class SowVersion(models.Model):
    """One immutable generation. `content` is the structured document both renderings are made from;
    `content_hash` = SHA-256 of its canonical JSON (what approvals are made on); each file has its own
    SHA-256 of the stored bytes. The worker renders the DOCX and PDF once, after the version is
    stored (`render_state` rendering → ready, or failed with `render_error`); the files are the
    customer documents stored by content hash (psdesk.branding RenderedDocument) and never change."""

    sow = models.ForeignKey(Sow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    estimate_version = models.ForeignKey(EstimateVersion, on_delete=models.PROTECT, related_name="sow_versions")
    source = models.CharField(max_length=16, choices=VersionSource.choices, default=VersionSource.GENERATED)
    terms_kind = models.CharField(max_length=16, choices=TermsKind.choices)
    msa_reference = models.CharField(max_length=100, blank=True)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="USD")
    docx = models.FileField(upload_to="sows/versions/", blank=True)
    docx_sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(upload_to="sows/versions/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    render_state = models.CharField(max_length=16, choices=RenderState.choices, default=RenderState.RENDERING)
    render_error = models.TextField(blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_requested_at = models.DateTimeField(default=clock.now)  # last time the worker was asked
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sow", "number"]
        constraints = [models.UniqueConstraint(fields=["sow", "number"], name="sow_version_number_once")]

    def __str__(self) -> str:
        return f"SOW-{self.sow_id} v{self.number}"


class Markup(models.Model):
    """A DOCX the customer returned for one version, its tracked changes and comments per section,
    and the EM's decision (accept → `result_version`; reject → `note`)."""

    version = models.ForeignKey(SowVersion, on_delete=models.CASCADE, related_name="markups")
    file = models.FileField(upload_to="sows/markups/")
    sha256 = models.CharField(max_length=64)
    changes = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=MarkupStatus.choices, default=MarkupStatus.PENDING)
    note = models.TextField(blank=True)
    result_version = models.ForeignKey(SowVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"mark-up {self.pk} of {self.version}"


class LegalCase(models.Model):
    """The legal stamp of one approved version: reviewer (legal role), time and the hash stamped."""

    sow = models.ForeignKey(Sow, on_delete=models.CASCADE, related_name="legal_cases")
    version = models.ForeignKey(SowVersion, on_delete=models.PROTECT, related_name="legal_cases")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    content_hash = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    stamped_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-stamped_at", "-id"]

    def __str__(self) -> str:
        return f"Legal case {self.pk} ({self.version})"


class Signature(models.Model):
    """A signature on one version by the customer or the vendor; optionally the uploaded signed PDF."""

    sow = models.ForeignKey(Sow, on_delete=models.CASCADE, related_name="signatures")
    version = models.ForeignKey(SowVersion, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(max_length=16, choices=Party.choices)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    signed_on = models.DateField()
    signed_pdf = models.FileField(upload_to="sows/signed/", blank=True)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the exact PDF signed")
    email = models.EmailField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sow", "recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["sow", "party"], name="one_signature_per_party")]

    def __str__(self) -> str:
        return f"{self.get_party_display()} signature by {self.name}"


class SignatureRequest(models.Model):
    """An emailed signing link for the customer signer on one version: single-use (`used_at`),
    expiring (`expires_at`); the link carries a signed token whose nonce's SHA-256 is `nonce_sha256`.
    A decline keeps its reason."""

    sow = models.ForeignKey(Sow, on_delete=models.CASCADE, related_name="signature_requests")
    version = models.ForeignKey(SowVersion, on_delete=models.PROTECT, related_name="signature_requests")
    signer_name = models.CharField(max_length=200, blank=True)
    signer_email = models.EmailField()
    nonce_sha256 = models.CharField(max_length=64, unique=True)
    pdf_sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=SignatureRequestStatus.choices, default=SignatureRequestStatus.PENDING
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"signature request {self.pk} for {self.sow}"


class BillableEvent(models.Model):
    """One billable event of a split SOW and the opportunity that books it (docs/process.md, Closed won)."""

    sow = models.ForeignKey(Sow, on_delete=models.CASCADE, related_name="billable_events")
    label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    bill_on = models.DateField(null=True, blank=True)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="sow_billable_events")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sow", "bill_on", "id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.amount})"
