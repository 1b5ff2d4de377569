from __future__ import annotations

from typing import Any

from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import AnyUser


class QuoteQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> QuoteQuerySet:
        """Quotes of US PubSec accounts exist only for PubSec members (404 for everyone else)."""
        if user_is_pubsec(user):
            return self
        return self.filter(opportunity__account__us_public_sector=False)
