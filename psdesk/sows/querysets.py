from __future__ import annotations

from typing import Any

from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import AnyUser


class SowQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> SowQuerySet:
        """PubSec SOWs exist only for PubSec members (others get 404, never 403)."""
        if user_is_pubsec(user):
            return self
        return self.filter(engagement__account__us_public_sector=False)
