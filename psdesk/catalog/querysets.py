from __future__ import annotations

from typing import Any

from django.db import models


class SkuQuerySet(models.QuerySet[Any]):
    def active(self) -> SkuQuerySet:
        return self.filter(active=True)

    def search(self, q: str) -> SkuQuerySet:
        if not q:
            return self
        return self.filter(models.Q(code__icontains=q) | models.Q(name__icontains=q))
