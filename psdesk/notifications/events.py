"""The registry of notification event types, with their audience and default templates.

To add an event, add one `EventType(...)` to `EVENTS` below (one line is enough: name, label,
audience) and ask the notifications owner to review. `notify()` refuses any name not listed here
(ValueError), so a typo fails loudly in tests instead of silently sending nothing.

Audience decides the chat destination (see `CHAT_DESTINATIONS`):
  ps          general PS channel (#professional-services)
  scheduling  the PC group (@ps-scheduling)
  ta          TA help (@ps-ta)
  managers    EMs / RDMs (#ps-engagement-mgrs)
  none        no chat message (in-app and email only)
PubSec targets ignore the audience and go only to the private PubSec channel.

Templates are Django template strings rendered with: event, label, target, actor, account,
url, and every key of the caller's `context`. Admins override them per event and channel in
the admin (NotificationTemplate); these are the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PUBSEC_CHANNEL = "#professional-services-us-pubsec"
CHAT_DESTINATIONS: dict[str, str] = {
    "ps": "#professional-services",
    "scheduling": "@ps-scheduling",
    "ta": "@ps-ta",
    "managers": "#ps-engagement-mgrs",
}
CHANNELS = ("in_app", "email", "chat")


@dataclass(frozen=True)
class EventType:
    name: str
    label: str
    audience: str = "ps"
    channels: tuple[str, ...] = CHANNELS
    subject: str = ""
    body: str = ""
    chat: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def default_template(self, channel: str) -> tuple[str, str]:
        """(subject, body) used when no admin-edited template exists for `channel`."""
        subject = self.subject or "[PS Desk] {{ label }}: {{ target }}"
        body = (
            self.body
            or "{{ label }}: {{ target }}{% if actor %} (by {{ actor }}){% endif %}.{% if url %}\n{{ url }}{% endif %}"
        )
        if channel == "chat":
            return "", self.chat or (
                ":bell: *{{ label }}*: {{ target }}{% if actor %} by {{ actor }}{% endif %}"
                "{% if url %} <{{ url }}|Open in PS Desk>{% endif %}"
            )
        return subject, body


def _e(name: str, label: str, audience: str = "ps", channels: tuple[str, ...] = CHANNELS, **kw: str) -> EventType:
    return EventType(name=name, label=label, audience=audience, channels=channels, **kw)  # type: ignore[arg-type]


EVENTS: dict[str, EventType] = {
    e.name: e
    for e in (
        _e("engagement.created", "New engagement"),
        _e("engagement.stale", "No activity: close lost?", "none"),
        _e(
            "approval.requested",
            "Approval requested",
            "managers",
            body="{{ label }} ({{ kind }}): {{ target }}{% if actor %} (by {{ actor }}){% endif %}."
            "{% if note %}\n{{ note }}{% endif %}{% if url %}\n{{ url }}{% endif %}",
        ),
        _e("approval.decided", "Approval decided", "managers"),
        _e("estimate.ready_for_review", "Estimate ready for review"),
        _e("customer.agreed", "Customer agreed"),
        _e("sow.released", "SOW released"),
        _e(
            "sow.awaiting_stamp",
            "SOW approved: awaiting the legal stamp",
            "none",
            ("in_app", "email"),
            subject="[PS Desk] Legal stamp needed: {{ sow }} ({{ account }})",
            body="{{ sow }} version {{ version }} for {{ account }} is approved by PS Leadership and Revenue and "
            "waits for the legal stamp.{% if url %}\nStamp it: {{ url }}{% endif %}",
        ),
        _e(
            "sow.signed",
            "SOW signed",
            body="{{ signer }} signed {{ sow }} for the customer ({{ target }})"
            "{% if actor %}, recorded by {{ actor }}{% endif %}.{% if url %}\n{{ url }}{% endif %}",
        ),
        _e(
            "sow.awaiting_countersignature",
            "SOW signed by the customer: countersign",
            "none",
            ("in_app", "email"),
            subject="[PS Desk] Countersignature needed: {{ sow }} ({{ account }})",
            body="{{ signer }} signed {{ sow }} version {{ version }} for {{ account }}; it waits for the "
            "vendor's countersignature.{% if url %}\nCountersign it: {{ url }}{% endif %}",
        ),
        _e(
            "sow.declined",
            "SOW declined by the customer",
            body="{{ signer }} declined {{ sow }} for {{ target }}: {{ reason }}\nThe card is back in SOW WIP."
            "{% if url %}\n{{ url }}{% endif %}",
        ),
        _e("sow.executed", "SOW executed"),
        _e("opportunity.closed_won", "Closed won", "scheduling"),
        _e("project.queued", "Project queued", "scheduling"),
        _e("project.contacts_requested", "Customer contacts needed for project set-up", "none"),
        _e("forecast.slipped", "Forecast slipped", "scheduling"),
        _e(
            "time_off.requested",
            "Time off requested",
            "none",
            ("in_app", "email"),
            subject="[PS Desk] Time off to approve: {{ consultant }}",
            body="{{ consultant }} asks for time off from {{ starts_on }} to {{ ends_on }}"
            "{% if reason %} ({{ reason }}){% endif %}. Approve or refuse it from My work."
            "{% if url %}\n{{ url }}{% endif %}",
        ),
        _e(
            "time_off.decided",
            "Your time off was decided",
            "none",
            ("in_app", "email"),
            subject="[PS Desk] Time off {{ decision }}: {{ starts_on }} to {{ ends_on }}",
            body="{{ actor }} {{ decision }} your time off from {{ starts_on }} to {{ ends_on }}"
            "{% if reason %}: {{ reason }}{% endif %}.{% if url %}\n{{ url }}{% endif %}",
        ),
        _e(
            "project.budget_threshold",
            "Project budget threshold reached",
            "none",
            ("in_app", "email"),
            body="{{ target }} has used {{ actual_hours }} of {{ budget_hours }} budget hours ({{ threshold }} "
            "threshold).{% if url %}\n{{ url }}{% endif %}",
        ),
        _e("timesheet.submitted", "Timesheet submitted for approval", "none", ("in_app",)),
        _e(
            "timesheet.returned",
            "Timesheet returned for correction",
            "none",
            ("in_app", "email"),
            body="{{ target }} was returned{% if actor %} by {{ actor }}{% endif %}: {{ reason }}"
            "{% if url %}\n{{ url }}{% endif %}",
        ),
        _e("work_at_risk.requested", "Work at risk requested", "none", ("in_app", "email")),
        _e("work_at_risk.decided", "Work at risk decided", "none", ("in_app", "email")),
        _e("sla.at_risk", "SLA at risk", "managers"),
        _e("sla.breached", "SLA breached", "managers"),
        _e("training.scheduled", "Training scheduled", "scheduling"),
        _e("training.registration_link", "Training registration link", "none", ("in_app", "email")),
        _e(
            "training.approval_requested",
            "Training audit: manager approval requested",
            "none",
            ("in_app", "email"),
            body="{{ actor }} asks to audit a training session ({{ target }}). Approve or reject: {{ approval_link }}",
        ),
        _e(
            "ask_ps.question",
            "Question for PS",
            "ps",
            subject="[PS Desk] Question for PS: {{ subject }}",
            body="{{ actor }} asks{% if account %} about {{ account }}{% endif %}: {{ subject }}\n\n{{ body }}"
            "{% if url %}\n\nAnswer it: {{ url }}{% endif %}",
            chat=":question: *Question for PS* from {{ actor }}{% if account %} about {{ account }}{% endif %}: "
            "*{{ subject }}*\n{{ body }}{% if url %}\n<{{ url }}|Answer in PS Desk>{% endif %}",
        ),
        _e(
            "ask_ps.answered",
            "Your question to PS was answered",
            "none",
            ("in_app", "email"),
            subject="[PS Desk] Answer: {{ subject }}",
            body='{{ actor }} answered your question "{{ subject }}":\n\n{{ answer }}'
            "{% if url %}\n\n{{ url }}{% endif %}",
        ),
        _e("ta.assistance_requested", "TA assistance requested", "ta"),
        _e(
            "board.moved",
            "Card moved",
            "none",
            ("in_app",),
            body="{{ target }} moved from {{ source }} to {{ state }}{% if actor %} by {{ actor }}{% endif %}.",
        ),
        _e("notify.test", "Test notification", "none", ("in_app",)),
        # delivery (psdesk/delivery): milestones, acceptance, billing, change orders
        _e(
            "milestone.completed",
            "Milestone complete: completion notice sent",
            "scheduling",
            body="{{ milestone }} of {{ project }} is complete{% if actor %} ({{ actor }}){% endif %}; the completion "
            "notice went to {{ signer }}.{% if url %}\n{{ url }}{% endif %}",
        ),
        _e(
            "milestone.accepted",
            "Milestone accepted",
            "scheduling",
            body="{{ milestone }} of {{ project }}: {{ acceptance }} ({{ by }}); {{ amount }} billed."
            "{% if url %}\n{{ url }}{% endif %}",
        ),
        _e(
            "milestone.nonconformity",
            "Customer reported a non-conformity",
            "scheduling",
            body="{{ by }} reported a non-conformity on {{ milestone }} of {{ project }}:\n{{ reason }}"
            "{% if url %}\n{{ url }}{% endif %}",
        ),
        _e("change_order.executed", "Change order executed", "scheduling"),
        _e(
            "change_order.signed",
            "Change order signed by the customer",
            "none",
            body="{{ signer }} signed {{ target }} for the customer ({{ project }}); it waits for the "
            "vendor's countersignature.{% if url %}\n{{ url }}{% endif %}",
        ),
        _e(
            "change_order.awaiting_countersignature",
            "Change order signed by the customer: countersign",
            "none",
            ("in_app", "email"),
            subject="[PS Desk] Countersignature needed: {{ target }} ({{ account }})",
            body="{{ signer }} signed change order {{ target }} of {{ project }}; it waits for the vendor's "
            "countersignature.{% if url %}\nCountersign it: {{ url }}{% endif %}",
        ),
        _e(
            "change_order.declined",
            "Change order declined by the customer",
            "none",
            body="{{ signer }} declined change order {{ target }} of {{ project }}: {{ reason }}\n"
            "Nothing on the project changed.{% if url %}\n{{ url }}{% endif %}",
        ),
    )
}


def event_get(name: str) -> EventType:
    """The registered event `name`. Raises ValueError for an unknown name."""
    try:
        return EVENTS[name]
    except KeyError:
        raise ValueError(
            f"Unknown notification event {name!r}; register it in psdesk/notifications/events.py"
        ) from None
