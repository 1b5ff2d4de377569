from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from psdesk.catalog.models import Sku


class SkuQuerySet(models.QuerySet["Sku"]):
    def active(self) -> SkuQuerySet:
        return self.filter(active=True)

    def search(self, q: str) -> SkuQuerySet:
        if not q:
            return self
        return self.filter(models.Q(code__icontains=q) | models.Q(name__icontains=q))
