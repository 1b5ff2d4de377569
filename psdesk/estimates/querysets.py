from __future__ import annotations

from typing import Any

from django.db import models

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.core.types import AnyUser
from psdesk.estimates.choices import VersionStatus


class EstimateVersionQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: AnyUser | None) -> EstimateVersionQuerySet:
        """Versions of engagements the user may see (PubSec only for PubSec members)."""
        if user_is_pubsec(user):
            return self
        return self.filter(engagement__account__us_public_sector=False)

    def shared(self) -> EstimateVersionQuerySet:
        return self.filter(status=VersionStatus.SHARED)
