"""Scoping: questionnaires per service type, the SSOT table of an engagement, territory → EM
mapping, the calculator's submissions, and the "Ask PS" intake (docs/process.md, Intake and routing)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from psdesk.core import clock
from psdesk.crm.models import Account, Opportunity, Territory
from psdesk.engagements.models import Engagement
from psdesk.scoping.choices import AccessRequestStatus, AnswerType, AskPsKind, AskPsRoute


class ServiceType(models.Model):
    """A kind of custom PS the calculator scopes (implementation, SCM migration, ...). Seeded from
    `data/questionnaires/<key>.yaml`; editable in the admin. `key` is what the effort rules use."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One scoping question of a service type: a row of the SSOT table when that type is chosen."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=50)
    text = models.CharField(max_length=300)
    answer_type = models.CharField(max_length=16, choices=AnswerType.choices, default=AnswerType.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="for choice questions: the allowed answers")
    multiple = models.BooleanField(default=False, help_text="choice questions: several answers, comma-separated")
    example = models.CharField(max_length=300, blank=True)
    rationale = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=False, help_text="must be answered before Strawman WIP")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["service_type__position", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["service_type", "key"], name="question_key_once_per_type")]

    def __str__(self) -> str:
        return f"{self.service_type.key}.{self.key}"

    def clean(self) -> None:
        if self.answer_type == AnswerType.CHOICE and not self.choices:
            raise ValidationError({"choices": "A choice question needs at least one choice."})


class TerritoryEngagementManager(models.Model):
    """Maps a sales territory to one of several EMs. When a territory has rows here, new scoping
    requests go to the mapped EM with the fewest open engagements; otherwise to the territory's
    own `engagement_manager`."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="em_mappings")
    engagement_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "territory → EM mapping"
        constraints = [
            models.UniqueConstraint(fields=["territory", "engagement_manager"], name="territory_em_once"),
        ]

    def __str__(self) -> str:
        return f"{self.territory} → {self.engagement_manager}"


class ScopingPolicy(models.Model):
    """Configurable scoping policy (one row, seeded by migration, editable in the admin)."""

    duplicate_window_seconds = models.PositiveIntegerField(
        default=60, help_text="an identical submission within this window returns the existing engagement"
    )

    class Meta:
        verbose_name_plural = "scoping policy"

    def __str__(self) -> str:
        return "Scoping policy"

    @classmethod
    def current(cls) -> ScopingPolicy:
        obj = cls.objects.order_by("pk").first()
        return obj if obj is not None else cls()


class ScopingRequest(models.Model):
    """One Services Calculator submission and the engagement it created. `fingerprint` (requester,
    customer, service types, answers) detects a double submit within the duplicate window."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="scoping_request")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="scoping_requests")
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    service_types = models.JSONField(default=list)
    us_public_sector = models.BooleanField(default=False)
    fingerprint = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["fingerprint", "created_at"])]
        permissions = [("use_calculator", "Submit Services Calculator requests")]

    def __str__(self) -> str:
        return f"Scoping request for {self.account}"


class SsotRow(models.Model):
    """A row of the engagement's SSOT table: question / customer response / example / rationale.
    The question's text, type and example are copied so later questionnaire edits do not rewrite
    what was asked. `response` is "to-do" until answered. Written only by `ssot_answer_set`
    (audited, compare-and-set on `version`)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="ssot_rows")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    service_type = models.SlugField(max_length=50)
    key = models.SlugField(max_length=50)
    text = models.CharField(max_length=300)
    answer_type = models.CharField(max_length=16, choices=AnswerType.choices, default=AnswerType.TEXT)
    choices = models.JSONField(default=list, blank=True)
    multiple = models.BooleanField(default=False)
    example = models.CharField(max_length=300, blank=True)
    rationale = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    response = models.TextField(default="to-do")
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["engagement", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "service_type", "key"], name="ssot_row_once"),
        ]
        verbose_name = "SSOT row"

    def __str__(self) -> str:
        return f"{self.service_type}.{self.key}: {self.response}"


class AskPsRequest(models.Model):
    """A question to PS ("Ask PS", C1): general → the PS channel; about an account → the EM of the
    account's territory; PubSec accounts → the private PubSec channel only."""

    kind = models.CharField(max_length=16, choices=AskPsKind.choices)
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    route = models.CharField(max_length=16, choices=AskPsRoute.choices)
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "Ask PS request"

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("scoping:ask_ps_detail", args=[self.pk])


class AskPsAnswer(models.Model):
    """One answer to an Ask PS question, written in PS Desk by the EM it was routed to or anyone who
    may answer (`scoping.add_askpsanswer`); the asker is notified with the answer."""

    request = models.ForeignKey(AskPsRequest, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "Ask PS answer"

    def __str__(self) -> str:
        return f"answer to {self.request}"


class PubSecAccessRequest(models.Model):
    """A user's request to join US Public Sector. A PS Ops Manager approves or denies it; under the
    four-eyes policy (`accounts.AccessPolicy.pubsec_four_eyes`) a second, different PS Ops Manager
    or PS Leadership confirms the grant. Nobody decides their own request. Every step audited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    justification = models.TextField()
    status = models.CharField(max_length=16, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING)
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "PubSec access request"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["pending", "awaiting_second"]),
                name="one_open_pubsec_request_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"PubSec access for {self.user} ({self.status})"
