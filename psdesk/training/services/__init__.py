"""Training writes: requests (trainer / audit), manager approval, workflow moves, sessions,
scheduling, registrations with a waitlist, delivery and attendance.

Every write runs in one transaction and records an audit row; workflow moves go through
`transition_apply`. Callers import from here; the modules split the writes by subdomain:
`requests`, `sessions`, `registrations`, `scheduling`.
"""

from __future__ import annotations

from psdesk.training.services.registrations import registration_cancel, registration_create
from psdesk.training.services.requests import (
    audit_approval_decide,
    audit_request_create,
    request_transition,
    trainer_request_create,
)
from psdesk.training.services.scheduling import ScheduleResult, SessionPlan, request_schedule
from psdesk.training.services.sessions import session_create, session_deliver

__all__ = [
    "ScheduleResult",
    "SessionPlan",
    "audit_approval_decide",
    "audit_request_create",
    "registration_cancel",
    "registration_create",
    "request_schedule",
    "request_transition",
    "session_create",
    "session_deliver",
    "trainer_request_create",
]
