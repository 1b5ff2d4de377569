"""Demo training: trainers certified for the Education SKUs, two customer-facing sessions and an
internal one, a trainer request from tom (tasks done) and an audit request waiting for rory."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psdesk.accounts.models import Profile
from psdesk.catalog.models import Sku
from psdesk.core import clock
from psdesk.core.demo import DemoContext
from psdesk.core.errors import DomainError
from psdesk.crm.models import Account
from psdesk.scheduling.models import Consultant
from psdesk.training.models import TrainerCertification
from psdesk.training.services import audit_request_create, session_create, trainer_request_create


def _monday_in(weeks: int, hour: int, tz: str) -> datetime:
    today = clock.today()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(weeks=weeks)
    return datetime.combine(monday + timedelta(days=1), time(hour), tzinfo=ZoneInfo(tz))  # a Tuesday


def load(ctx: DemoContext) -> None:
    users: dict[str, Any] = ctx.objects["users"]
    courses = list(Sku.objects.filter(category="Education", active=True).order_by("code"))
    if not courses or "paula" not in users:
        ctx.say("training: no Education SKUs or personas; skipped")
        return
    for trainer in Consultant.objects.filter(role="Trainer"):
        for course in courses:
            TrainerCertification.objects.get_or_create(consultant=trainer, course=course)
    paula = users["paula"]
    for name in ("tom", "cody"):
        if name in users and "rory" in users:
            Profile.objects.filter(user=users[name]).update(manager=users["rory"])
    account = Account.objects.filter(us_public_sector=False).order_by("id").first()
    sessions = []
    plans = [(3, 15, "America/New_York", "customer"), (5, 9, "Europe/Paris", "customer"), (4, 14, "UTC", "internal")]
    for i, (weeks, hour, tz, audience) in enumerate(plans):
        start = _monday_in(weeks, hour, tz)
        try:
            sessions.append(
                session_create(
                    actor=paula,
                    course=courses[i % len(courses)],
                    starts_at=start,
                    ends_at=start + timedelta(hours=8),
                    timezone=tz,
                    audience=audience,
                    account=account if audience == "customer" else None,
                    auto_instructor=True,
                )
            )
        except DomainError as exc:
            ctx.say(f"training: session {i} skipped: {exc.message}")
    ctx.objects["training_sessions"] = sessions
    tom = users.get("tom")
    if tom is None:
        return
    tom = type(tom).objects.get(pk=tom.pk)
    trainer_request_create(
        requester=tom,
        team="Platform",
        cost_centre="CC-410",
        courses=[courses[0]],
        audience_size=10,
        justification="The team moves its pipelines to GitLab CI next quarter.",
        preferred_start=clock.today() + timedelta(days=30),
        timezone="Europe/Berlin",
    )
    customer = [s for s in sessions if s.audience == "customer"]
    if customer:
        audit_request_create(requester=tom, course=customer[0].course, desired_session_id=customer[0].pk)
    ctx.say(f"training: {len(sessions)} sessions, 2 requests")
