"""Reusable filters for training rows (who may see what)."""

from __future__ import annotations

from typing import Any

from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import AnyUser
from psdesk.crm.models import Account

PLAN_PERM = "training.plan_training"


class SessionQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> SessionQuerySet:
        """Sessions for a US PubSec customer are invisible (404) to non-members."""
        if user_is_pubsec(user):
            return self
        # a subquery, not a join: callers lock rows with select_for_update (no outer joins allowed)

        return self.exclude(account_id__in=Account.objects.filter(us_public_sector=True).values("pk"))

    def active(self) -> SessionQuerySet:
        return self.exclude(status="cancelled")

    def overlapping(self, starts_at: Any, ends_at: Any) -> SessionQuerySet:
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class TrainingRequestQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> TrainingRequestQuerySet:
        """The requester, their manager and the coordinators see a request; a request about a
        PubSec customer's session only PubSec members."""
        if user is None or not user.is_authenticated:
            return self.none()
        qs = self
        if not user_is_pubsec(user):
            session_model = self.model._meta.get_field("desired_session").related_model
            hidden = session_model._default_manager.exclude(
                pk__in=session_model._default_manager.visible_to(user).values("pk")
            )
            qs = qs.exclude(desired_session_id__in=hidden.values("pk"))
        if user.has_perm(PLAN_PERM):
            return qs
        return qs.filter(models.Q(requester=user) | models.Q(manager=user))


class RegistrationQuerySet(models.QuerySet[Any]):
    def holding(self) -> RegistrationQuerySet:
        """Registrations that hold a seat or a waitlist place."""
        return self.filter(status__in=["confirmed", "waitlisted"])
