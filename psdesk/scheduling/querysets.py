from __future__ import annotations

from typing import Any

from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import AnyUser


class QueueEntryQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> QueueEntryQuerySet:
        """PubSec projects exist only for PubSec members (others get 404, never 403)."""
        if user_is_pubsec(user):
            return self
        return self.filter(account__us_public_sector=False)

    def active(self) -> QueueEntryQuerySet:
        return self.exclude(status="removed")

    def in_queue_order(self) -> QueueEntryQuerySet:
        """Committed work in closed-won order (ties by time then id), then pipeline by expected close."""
        return self.annotate(
            _tentative=models.Case(models.When(kind="tentative", then=1), default=0, output_field=models.IntegerField())
        ).order_by("_tentative", "closed_won_at", "expected_close", "id")
