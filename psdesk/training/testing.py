"""Factories shared by the training tests and the browser journeys (test set-up only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from psdesk.catalog.models import Sku
from psdesk.scheduling.models import Consultant
from psdesk.training.models import TrainerCertification


def course_create(**kw: Any) -> Any:
    """The education SKU the training tests use: GitLab CI/CD Training, 12 seats."""
    fields: dict[str, Any] = {
        "code": "EDU-CICD",
        "name": "GitLab CI/CD Training",
        "category": "Education",
        "type": "Education - Standard",
        "price": Decimal("5000"),
        "unit": "session",
        "class_size": 12,
        "description": "CI/CD class",
        **kw,
    }
    return Sku.objects.create(**fields)


def trainer_create(
    name: str = "Tina Trainer", *, courses: tuple[Any, ...] = (), role: str = "Trainer", **kw: Any
) -> Any:
    """A consultant certified for `courses`."""
    c = Consultant.objects.create(
        name=name,
        email=f"{name.split()[0].lower()}@psdesk.example",
        role=role,
        timezone=kw.pop("timezone", "UTC"),
        holiday_country=kw.pop("holiday_country", "US"),
        **kw,
    )
    for course in courses:
        TrainerCertification.objects.create(consultant=c, course=course)
    return c
