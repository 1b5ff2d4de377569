"""The engagement: the scoping issue `<Customer> - Scope Issue and Write SOW`, a card on the board.

`state` is written only by the transition service (psdesk.board.services.engagement_transition);
`version` increments with every write that must not be silently overwritten (optimistic concurrency).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from psdesk.core import clock
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.choices import DeliveryMode, EngagementStatus, PricingModel
from psdesk.engagements.querysets import EngagementQuerySet


class CustomerEpic(models.Model):
    """The customer's engagement group (GitLab epic): every engagement of one account hangs here."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="epic")
    title = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.title


class Engagement(models.Model):
    title = models.CharField(max_length=255)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="engagements")
    epic = models.ForeignKey(CustomerEpic, null=True, blank=True, on_delete=models.PROTECT, related_name="engagements")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    em = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagements_as_em",
        verbose_name="engagement manager",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)
    state = models.CharField(max_length=32, choices=EngagementStatus.choices, default=EngagementStatus.OPEN)
    state_before_hold = models.CharField(max_length=32, choices=EngagementStatus.choices, blank=True)
    state_changed_at = models.DateTimeField(default=clock.now)
    created_at = models.DateTimeField(default=clock.now)
    last_activity_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=0)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["state_changed_at", "id"]
        indexes = [
            models.Index(fields=["state", "state_changed_at"]),
            models.Index(fields=["em", "state"]),
            models.Index(fields=["state_changed_at", "id"], name="engagement_list_order"),  # the API's keyset order
        ]
        permissions = [
            ("move_engagement", "Move engagements on the board"),
            ("send_back_engagement", "Send an engagement back from Ready For Approval"),
            ("close_engagement", "Close engagements won or lost"),
            ("link_opportunity", "Change which opportunity an engagement belongs to"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def segment(self) -> str:
        return self.account.segment


class EngagementLabel(models.Model):
    """A label on an engagement, GitLab style. A scoped label `Scope::Value` excludes every other
    label of the same scope (one `TA::` label at a time); unscoped labels (`Services Calculator`)
    have an empty scope. Written only through `engagement_label_set/remove` (audited)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["scope", "name"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "name"], name="label_once_per_engagement"),
            models.UniqueConstraint(
                fields=["engagement", "scope"], condition=~models.Q(scope=""), name="one_label_per_scope"
            ),
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


def label_scope(name: str) -> str:
    """`TA::Needs-Review` → `TA`; `Services Calculator` → ``."""
    return name.split("::", 1)[0] if "::" in name else ""


def _default_em_checklist() -> list[dict[str, object]]:
    return [
        {"item": "Customer contacts confirmed (technical, executive, signer)", "done": False},
        {"item": "Required skills and security requirements confirmed", "done": False},
        {"item": "Start window agreed with the account team", "done": False},
        {"item": "Pricing model (fixed fee or T&M) decided", "done": False},
        {"item": "Partner staffing decision recorded", "done": False},
    ]


class SchedulingIntake(models.Model):
    """The Project Scheduling Intake record (docs/process.md, Intake and routing): what the Project
    Coordinator needs to staff the engagement. Created with the engagement by the Services
    Calculator; the account team and the EM complete it during discovery. `version` guards
    concurrent edits (compare-and-set)."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="scheduling_intake")
    # [{"role": "technical" | "executive" | "signer" | ..., "name": str, "email": str}]
    contacts = models.JSONField(default=list, blank=True)
    skills_needed = models.JSONField(default=list, blank=True, help_text="list of skill names")
    start_window_from = models.DateField(null=True, blank=True)
    start_window_to = models.DateField(null=True, blank=True)
    delivery_mode = models.CharField(max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.UNKNOWN)
    timezone = models.CharField(max_length=64, blank=True)
    security_requirements = models.TextField(blank=True, help_text="VPN, accounts, background checks ...")
    us_citizenship_required = models.BooleanField(default=False)
    clearance_required = models.CharField(max_length=100, blank=True, help_text="e.g. Secret, Top Secret")
    pricing_model = models.CharField(max_length=24, choices=PricingModel.choices, default=PricingModel.UNKNOWN)
    partner_staffing_allowed = models.BooleanField(null=True, blank=True, help_text="empty = not decided")
    sow_po_number = models.CharField(max_length=64, blank=True)
    customer_readiness = models.TextField(blank=True)
    em_checklist = models.JSONField(default=_default_em_checklist, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_window_from__isnull=True)
                | models.Q(start_window_to__isnull=True)
                | models.Q(start_window_to__gte=models.F("start_window_from")),
                name="intake_start_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"Scheduling intake: {self.engagement}"


class EngagementStateCount(models.Model):
    """How many engagements are in each state, split by whether their account is US Public Sector:
    the board's column counts and the API list's `count` read these few rows instead of counting
    every engagement. Maintained by database triggers (migration 0006, SQLite and PostgreSQL) on
    every insert, update and delete of an engagement and on an account's `us_public_sector` change,
    so bulk writes, raw SQL and the admin keep it exact too; never written by application code.
    `engagement_state_counts_rebuild()` recounts from scratch (the `rebuild_state_counts` command)."""

    state = models.CharField(max_length=32)
    us_public_sector = models.BooleanField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "us_public_sector"], name="engagement_state_count_key"),
        ]

    def __str__(self) -> str:
        sector = "US Public Sector" if self.us_public_sector else "other accounts"
        return f"{self.n} in {self.state} ({sector})"
