"""Delivery projects (the built-in PSA): created at stage 5 as Prospect, set up by the Project
Coordinator after Closed Won, welcomed within the SLA. `status` is written only by
psdesk.projects.services.project_transition."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core import clock
from psdesk.core.types import AnyUser
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement
from psdesk.projects.choices import ChecklistKey, ContactRole, ProjectKind, ProjectStatus
from psdesk.sla.models import Calendar


class ProjectsPolicy(models.Model):
    """Project policies (one row, admin-editable): target margin, the welcome SLA and backlog rule."""

    target_margin = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.4000"))
    welcome_policy_key = models.SlugField(
        default="welcome_email", help_text="the SLA policy timing the welcome email from booking"
    )
    backlog_after_days = models.PositiveIntegerField(
        default=30, help_text="customer not ready this many days after booking → suggest Backlog"
    )

    class Meta:
        verbose_name_plural = "projects policy"

    def __str__(self) -> str:
        return f"target margin {self.target_margin:.0%}, welcome via {self.welcome_policy_key}"


class ProjectQuerySet(models.QuerySet["Project"]):
    def visible_to(self, user: AnyUser | None) -> ProjectQuerySet:
        return self if user_is_pubsec(user) else self.filter(account__us_public_sector=False)


class Project(models.Model):
    name = models.CharField(max_length=255)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="projects")
    opportunity = models.OneToOneField(Opportunity, on_delete=models.PROTECT, related_name="project")
    engagement = models.ForeignKey(Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=ProjectKind.choices, default=ProjectKind.CONSULTING)
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PROSPECT)
    status_before_pause = models.CharField(max_length=16, choices=ProjectStatus.choices, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="coordinated_projects"
    )
    calendar = models.ForeignKey(
        Calendar, null=True, blank=True, on_delete=models.SET_NULL, help_text="the delivery region's calendar"
    )
    budget = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="USD")
    target_margin = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.4000"))
    rate_card = models.CharField(max_length=100, blank=True, help_text="fixed fee at list rate, or T&M role rates")
    created_at = models.DateTimeField(default=clock.now)
    booked_at = models.DateTimeField(null=True, blank=True)
    welcome_sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        permissions = [
            ("manage_project", "Set up projects, send the welcome email, move project status"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/projects/{self.pk}/"


class ProjectTask(models.Model):
    """A task created from an estimate line (or a quote line) at set-up."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, blank=True)
    hours = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    assignee_label = models.CharField(max_length=100, default="Unnamed resource")

    class Meta:
        ordering = ["project", "position"]

    def __str__(self) -> str:
        return self.name


class ProjectContact(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.TECHNICAL_POC)

    class Meta:
        ordering = ["project", "role", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "email"], name="project_contact_once")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class ChecklistItem(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="checklist")
    key = models.CharField(max_length=20, choices=ChecklistKey.choices)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="checklist_item_once")]

    def __str__(self) -> str:
        return self.get_key_display()


class ContactRequest(models.Model):
    """The coordinator asked the account team for missing customer contacts (tracked until answered)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contact_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=clock.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"contacts requested for {self.project}"


class WelcomeTemplate(models.Model):
    """The Welcome to PS email (and the Welcome to Education Services variant), as Django templates.
    Context: project, account, coordinator, contacts, roles_needed, vendor, brand, team, next_steps,
    customer_roles, training, project_url. The body is the plain text; the HTML part shows the same text."""

    kind = models.CharField(max_length=16, choices=ProjectKind.choices, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Welcome email ({self.get_kind_display()})"


class WelcomeEmail(models.Model):
    """One welcome email sent (or resent with a reason) for a project, with its outbox message."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="welcome_emails")
    sent_at = models.DateTimeField(default=clock.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    outbox_message_id = models.PositiveBigIntegerField(null=True, blank=True)
    resend_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "sent_at"]

    def __str__(self) -> str:
        return f"{self.subject} ({self.sent_at:%Y-%m-%d})"
