"""Delivery after the signature (docs/process.md, Delivery after the signature): milestones from the
executed SOW with their completion notices, customer acceptance (by signed link, or passively after
the acceptance period on the customer's calendar), the billable event of each accepted milestone
(exactly once), change orders and the close-out checklist.

Milestone `status` moves only through `MILESTONE_WORKFLOW` and change-order `status` only through
`CHANGE_ORDER_WORKFLOW` (psdesk/delivery/workflow.py), applied by psdesk.delivery.services."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core import clock
from psdesk.core.types import AnyUser
from psdesk.delivery.choices import (
    AcceptanceKind,
    ChangeOrderStatus,
    CloseOutKey,
    MilestoneSource,
    MilestoneStatus,
)
from psdesk.estimates.models import EstimateVersion
from psdesk.projects.models import Project
from psdesk.sows.choices import Party, SignatureRequestStatus
from psdesk.sows.models import SowVersion


class DeliveryPolicy(models.Model):
    """Delivery policies (one row, admin-editable). The acceptance period itself (default 5 business
    days) is the SLA policy named by `acceptance_policy_key`, counted on the customer's calendar."""

    acceptance_policy_key = models.SlugField(
        default="milestone_acceptance",
        help_text="the SLA policy timing passive acceptance from the completion notice",
    )
    acceptance_link_days = models.PositiveIntegerField(
        default=30, help_text="the customer's accept / report link expires after this many days"
    )
    change_order_valid_days = models.PositiveIntegerField(
        default=30, help_text="a change order not executed this many days after it was created expires"
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "delivery policy"

    def __str__(self) -> str:
        return f"acceptance via {self.acceptance_policy_key}, links valid {self.acceptance_link_days} days"


class MilestoneQuerySet(models.QuerySet["Milestone"]):
    def visible_to(self, user: AnyUser | None) -> MilestoneQuerySet:
        return self if user_is_pubsec(user) else self.filter(project__account__us_public_sector=False)


class Milestone(models.Model):
    """One milestone of a project: the activities, hours and fee the executed SOW (or an executed
    change order) gives it. `status` is written only by psdesk.delivery.services.milestone_transition."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=MilestoneSource.choices, default=MilestoneSource.SOW)
    sow_version = models.ForeignKey(SowVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    change_order = models.ForeignKey(
        "ChangeOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="milestones"
    )
    hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    fee = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=24, choices=MilestoneStatus.choices, default=MilestoneStatus.IN_PROGRESS)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completion_note = models.TextField(blank=True)
    notice_to = models.EmailField(blank=True, help_text="the customer signer the completion notice went to")
    acceptance = models.CharField(
        max_length=10, choices=AcceptanceKind.choices, default=AcceptanceKind.NONE, blank=True
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=300, blank=True, help_text="who accepted (name <email>), or the system")
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["project", "position"]
        constraints = [models.UniqueConstraint(fields=["project", "position"], name="milestone_position_once")]
        permissions = [
            ("complete_milestone", "Mark milestones complete and send the completion notice (project manager)"),
            ("close_out_project", "Work the close-out checklist and close projects"),
        ]

    def __str__(self) -> str:
        return f"Milestone {self.position}: {self.name}"

    def get_absolute_url(self) -> str:
        return f"/delivery/projects/{self.project_id}/#milestone-{self.pk}"


class MilestoneActivity(models.Model):
    """An activity of a milestone, as the SOW (or change order) lists it."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveIntegerField()
    activity = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    role = models.CharField(max_length=32, blank=True)
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    fee = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["milestone", "position"]
        verbose_name_plural = "milestone activities"

    def __str__(self) -> str:
        return self.activity


class AcceptanceLink(models.Model):
    """The signed, expiring, single-use link of one completion notice. `nonce` is in the signed token;
    `used_at` is set (compare-and-set) by the first decision made through it."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="links")
    nonce = models.CharField(max_length=32, unique=True)
    sent_to = models.EmailField()
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"acceptance link for {self.milestone} to {self.sent_to}"


class NonConformity(models.Model):
    """A material non-conformity the customer reported against a completed milestone (reason
    required); the milestone goes back to In progress until it is completed again."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="nonconformities")
    reason = models.TextField()
    reported_by = models.CharField(max_length=300)
    reported_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name_plural = "non-conformities"

    def __str__(self) -> str:
        return f"non-conformity on {self.milestone}"


class BillableEvent(models.Model):
    """The fee of one accepted milestone, billed once: the one-to-one on the milestone is the
    database's guarantee that a replayed acceptance or a racing sweep never bills twice. The
    billing system gets it through the outbox (`outbox_message_id`), idempotent on `ref`."""

    milestone = models.OneToOneField(Milestone, on_delete=models.PROTECT, related_name="billable_event")
    ref = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    acceptance = models.CharField(max_length=10, choices=AcceptanceKind.choices)
    service_date = models.DateField()
    outbox_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "milestone billable event"

    def __str__(self) -> str:
        return f"{self.ref} {self.currency} {self.amount}"


class CloseOutItem(models.Model):
    """One item of a project's close-out checklist."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="close_out")
    key = models.CharField(max_length=20, choices=CloseOutKey.choices)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="e.g. the survey link, or the lessons learned")

    class Meta:
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="close_out_item_once")]

    def __str__(self) -> str:
        return self.get_key_display()


class ChangeOrderQuerySet(models.QuerySet["ChangeOrder"]):
    def visible_to(self, user: AnyUser | None) -> ChangeOrderQuerySet:
        return self if user_is_pubsec(user) else self.filter(project__account__us_public_sector=False)


class ChangeOrder(models.Model):
    """A change to an Active project's scope: a new estimate version of the project's engagement
    against the version in force (`base_version`), the delta (lines, hours, fee, cost, margin), the
    change-order document (`content` → `content_hash`, what approvals are made on), the customer's
    signature and, once executed, the project's budget, milestones, tasks and queue demand follow.
    `status` is written only by psdesk.delivery.services.change_order_transition."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="change_orders")
    number = models.PositiveIntegerField()
    estimate_version = models.ForeignKey(EstimateVersion, on_delete=models.PROTECT, related_name="+")
    base_version = models.ForeignKey(EstimateVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=ChangeOrderStatus.choices, default=ChangeOrderStatus.DRAFT)
    reason = models.TextField(help_text="why the scope changes (shown in the document)")
    delta = models.JSONField(default=dict)
    hours_delta = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    fee_delta = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    cost_delta = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    margin_before = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    margin_after = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    content = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64)
    docx = models.FileField(upload_to="delivery/change_orders/", blank=True)
    pdf = models.FileField(upload_to="delivery/change_orders/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_title = models.CharField(max_length=200, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    executed_pdf = models.FileField(upload_to="delivery/change_orders/", blank=True)
    executed_pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    executed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = ChangeOrderQuerySet.as_manager()

    class Meta:
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="change_order_number_once")]
        permissions = [("manage_change_order", "Create change orders, request approvals, record the signature")]

    def __str__(self) -> str:
        return f"CO-{self.project_id}-{self.number}"

    def get_absolute_url(self) -> str:
        return f"/delivery/change-orders/{self.pk}/"

    @property
    def code(self) -> str:
        return f"CO-{self.project_id}-{self.number}"


class ChangeOrderSignatureRequest(models.Model):
    """The emailed signing link of a change order for the customer's signer (the SOW standard):
    single-use (`used_at`), expiring (`expires_at`); the link's signed token (e-signature port,
    scope "change_order") carries a nonce whose SHA-256 is `nonce_sha256`. A decline keeps its reason."""

    change_order = models.ForeignKey(ChangeOrder, on_delete=models.CASCADE, related_name="signature_requests")
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
        return f"signature request {self.pk} for {self.change_order}"


class ChangeOrderSignature(models.Model):
    """One party's signature on a change order, with its evidence: the customer's through the link
    (email, time, IP, user agent, SHA-256 of the exact PDF shown, consent), the vendor signatory's
    countersignature in PS Desk."""

    change_order = models.ForeignKey(ChangeOrder, on_delete=models.CASCADE, related_name="signatures")
    party = models.CharField(max_length=10, choices=Party.choices)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    signed_on = models.DateField()
    signed_at = models.DateTimeField(default=clock.now)
    signed_pdf_sha256 = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    consent = models.TextField(blank=True, help_text="the consent text the signer agreed to")
    by_link = models.BooleanField(default=False, help_text="signed through the emailed link (else recorded in app)")

    class Meta:
        ordering = ["change_order", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["change_order", "party"], name="change_order_signature_once_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} signature on {self.change_order}"
