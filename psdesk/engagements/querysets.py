from __future__ import annotations

from typing import Any

from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import AnyUser
from psdesk.engagements.choices import CLOSED_STATES


class EngagementQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> EngagementQuerySet:
        """PubSec engagements exist only for PubSec members (others get 404, never 403)."""
        if user_is_pubsec(user):
            return self
        return self.filter(account__us_public_sector=False)

    def open(self) -> EngagementQuerySet:
        return self.exclude(state__in=CLOSED_STATES)

    def for_board(self) -> EngagementQuerySet:
        return self.select_related("account", "em", "opportunity")
