"""Default welcome email templates (docs/process.md, Projects and the welcome email); admins override
them in WelcomeTemplate."""

from __future__ import annotations

from psdesk.projects.choices import ProjectKind

_CONSULTING_BODY = """Hello {% for c in contacts %}{{ c.name }}{% if not forloop.last %}, {% endif %}{% endfor %},

Welcome to GitLab Professional Services! Thank you for choosing us for {{ project.name }}.
I am {{ coordinator.get_full_name|default:"your Project Coordinator" }}, your Project Coordinator, and I will
get your engagement staffed and scheduled.

Next steps
1. We confirm the project team and propose a start date with you.
2. A kick-off call introduces your project manager and engineers and walks through the SOW scope.
3. We agree on access, environments and a working cadence.

The customer roles we need
- GitLab Champion: owns the engagement on your side and makes decisions.
- Administrators: grant access to your GitLab instance and infrastructure.
- Technical point of contact: answers technical questions and joins working sessions.
- Other stakeholders: anyone who should receive updates.
{% if roles_needed %}
Please tell us who will be: {{ roles_needed|join:", " }}.
{% endif %}
Reply to this email with any questions.

GitLab Professional Services
"""

_EDUCATION_BODY = """Hello {% for c in contacts %}{{ c.name }}{% if not forloop.last %}, {% endif %}{% endfor %},

Welcome to GitLab Education Services! Thank you for booking {{ project.name }}.
I am {{ coordinator.get_full_name|default:"your Project Coordinator" }} and I will schedule your training.

Next steps
1. We agree on session dates, time zone and delivery mode (remote or on site).
2. You send us the attendee list; each attendee receives a registration link.
3. Your instructor contacts you before the first session with any prerequisites.

The customer roles we need
- Training coordinator (GitLab Champion): owns scheduling and the attendee list.
- Administrator: ensures attendees have access to GitLab for the labs.
{% if roles_needed %}
Please tell us who will be: {{ roles_needed|join:", " }}.
{% endif %}
GitLab Education Services
"""

DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    ProjectKind.CONSULTING: ("Welcome to GitLab Professional Services — {{ account.name }}", _CONSULTING_BODY),
    ProjectKind.TRAINING: ("Welcome to GitLab Education Services — {{ account.name }}", _EDUCATION_BODY),
}
