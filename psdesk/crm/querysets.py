from __future__ import annotations

from typing import Any

from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import AnyUser


class AccountQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> AccountQuerySet:
        """US PubSec accounts are invisible to non-members."""
        if user_is_pubsec(user):
            return self
        return self.filter(us_public_sector=False)


class OpportunityQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> OpportunityQuerySet:
        if user_is_pubsec(user):
            return self
        return self.filter(account__us_public_sector=False)
