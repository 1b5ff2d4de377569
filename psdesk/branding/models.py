"""The vendor profile: the one row every customer-facing artefact takes the vendor from (SOW DOCX and
PDF, order form, estimate PDF/XLSX, review and signing pages, emails). Nothing else names the vendor.
Edited in the admin (audited); seeded by the migration and by the demo."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from psdesk.core import clock

colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as #RRGGBB.")
currency = RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as USD.")


class VendorProfile(models.Model):
    """The vendor (one row). `brand_name` is the short name used in emails ("GitLab"); `legal_name`
    is the contracting entity ("GitLab Inc."). The signatory countersigns SOWs: the user with
    `signatory_email` (and the countersign permission) gets the My work item."""

    legal_name = models.CharField(max_length=200, default="GitLab Inc.")
    brand_name = models.CharField(max_length=100, default="GitLab", help_text="short name in emails and pages")
    address = models.TextField(blank=True, help_text="postal address, one line per row")
    logo = models.FileField(upload_to="branding/", blank=True, help_text="PNG, JPEG or SVG shown on documents")
    brand_colour = models.CharField(max_length=7, default="#292961", validators=[colour])
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, default="VP Revenue Accounting")
    signatory_email = models.EmailField(blank=True, help_text="the PS Desk user who countersigns for the vendor")
    footer_text = models.CharField(max_length=300, blank=True, help_text="printed in every document footer")
    default_currency = models.CharField(max_length=3, default="USD", validators=[currency])
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "vendor profile"
        verbose_name_plural = "vendor profile"

    def __str__(self) -> str:
        return self.legal_name

    @property
    def address_lines(self) -> list[str]:
        return [ln.strip() for ln in self.address.splitlines() if ln.strip()]


class RenderState(models.TextChoices):
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"
    XLSX = "xlsx", "XLSX"


class RenderedDocument(models.Model):
    """A customer document's file stored by the SHA-256 of its content (`document.content_hash`) and
    its format: the same content is rendered once, by the worker, and then served from storage.

    While `state` is rendering, `source` holds the Document (as `dataclasses.asdict`) the worker
    renders, so the stored file is always the rendering of exactly the content its hash names;
    `source` is cleared once the file is stored. `error` says why a render failed."""

    content_hash = models.CharField(max_length=64)
    fmt = models.CharField(max_length=8, choices=DocumentFormat.choices, default=DocumentFormat.PDF)
    kind = models.CharField(max_length=60)
    number = models.CharField(max_length=60)
    state = models.CharField(max_length=16, choices=RenderState.choices, default=RenderState.RENDERING)
    source = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="documents/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(default=clock.now)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["content_hash", "fmt"], name="rendered_document_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} {self.fmt} ({self.content_hash[:12]}, {self.state})"
