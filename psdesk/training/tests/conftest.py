"""Training fixtures: courses (Education SKUs), trainers with certifications, sessions, requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from psdesk.training.testing import course_create, trainer_create

# Friday 2026-11-27 16:00 UTC is the frozen "now"; sessions a month out are on Mon 2027-01-04.
MONDAY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(frozen_clock: Any) -> Any:
    return frozen_clock


@pytest.fixture
def course(db: Any) -> Any:
    return course_create()


@pytest.fixture
def course_small(db: Any) -> Any:
    from psdesk.catalog.models import Sku

    return Sku.objects.create(
        code="EDU-SEC",
        name="GitLab Security Essentials",
        category="Education",
        type="Education - Standard",
        price=Decimal("5000"),
        unit="session",
        class_size=2,
        description="Security class",
    )


@pytest.fixture
def make_trainer(db: Any) -> Any:
    return trainer_create


@pytest.fixture
def trainer(make_trainer: Any, course: Any) -> Any:
    return make_trainer("Tina Trainer", courses=(course,))


@pytest.fixture
def make_session(db: Any, people: Any, course: Any) -> Any:
    """A session through the service (as paula), by default customer-facing next month."""
    from psdesk.training.services import session_create

    def make(
        *,
        starts_at: datetime = MONDAY,
        hours: int = 8,
        audience: str = "customer",
        capacity: int | None = None,
        account: Any = None,
        instructor: Any = None,
        sku: Any = None,
        tz: str = "UTC",
    ) -> Any:
        if audience == "customer" and account is None:
            from psdesk.crm.models import Account

            account = Account.objects.get_or_create(name="Acme Corp")[0]
        return session_create(
            actor=people.paula,
            course=sku or course,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            timezone=tz,
            audience=audience,
            capacity=capacity,
            account=account,
            instructor=instructor,
        )

    return make


@pytest.fixture
def managed(people: Any) -> Any:
    """tom's and cody's manager is rory."""
    from psdesk.accounts.models import Profile

    for u in ("tom", "cody", "alice"):
        Profile.objects.filter(user=people[u]).update(manager=people.rory)
    from django.contrib.auth.models import User

    for u in ("tom", "cody", "alice"):
        people[u] = User.objects.get(pk=people[u].pk)  # drop the cached profile
    return people


@pytest.fixture
def make_trainer_request(people: Any, course: Any) -> Any:
    from psdesk.training.services import trainer_request_create

    def make(requester: str = "tom", **kw: Any) -> Any:
        args: dict[str, Any] = {
            "team": "Platform",
            "cost_centre": "CC-410",
            "courses": [course],
            "audience_size": 8,
            "justification": "Moving our pipelines to GitLab CI",
            "preferred_start": date(2027, 1, 4),
            "timezone": "Europe/Berlin",
        }
        args.update(kw)
        return trainer_request_create(requester=people[requester], **args)

    return make


@pytest.fixture
def make_audit_request(managed: Any, course: Any) -> Any:
    from psdesk.training.services import audit_approval_decide, audit_request_create

    def make(requester: str = "tom", *, session: Any = None, approve: bool = True, to_planning: bool = True) -> Any:
        from psdesk.training.services import request_transition

        req = audit_request_create(
            requester=managed[requester],
            course=course,
            desired_session_id=session.pk if session else None,
            preferred_start=None if session else date(2027, 1, 1),
            preferred_end=None if session else date(2027, 1, 31),
        )
        if approve:
            audit_approval_decide(request_id=req.pk, actor=managed.rory, approve=True)
            if to_planning:
                request_transition(request_id=req.pk, action="complete_tasks", actor=managed[requester])
                request_transition(request_id=req.pk, action="start_planning", actor=managed.paula)
        req.refresh_from_db()
        return req

    return make
