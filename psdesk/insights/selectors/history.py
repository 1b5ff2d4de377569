"""The audit trail read by people: one object's history (the "History" tab of its page) and the
PS Ops audit search, each event rendered as a sentence with its field-by-field before/after
(`audit/sentences.py`). PubSec objects' events exist only for PubSec members."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.urls import reverse

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.approvals.choices import ApprovalKind
from psdesk.audit.models import AuditEvent
from psdesk.audit.sentences import AuditSentence, audit_sentence
from psdesk.audit.services import VerifyReport, audit_verify_report
from psdesk.board.columns import COLUMN_NAMES
from psdesk.core import clock
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement
from psdesk.estimates.models import EstimateVersion
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project
from psdesk.scheduling.models import QueueEntry
from psdesk.sows.choices import SowStatus
from psdesk.sows.models import Sow, SowVersion

PAGE = 100

# The object pages with a History tab: kind → (label, view permission).
HISTORY_KINDS: dict[str, tuple[str, str]] = {
    "engagement": ("Engagement", "engagements.view_engagement"),
    "opportunity": ("Opportunity", "crm.view_opportunity"),
    "project": ("Project", "projects.view_project"),
    "estimate": ("Estimate", "estimates.view_estimateversion"),
    "sow": ("SOW", "sows.view_sow"),
}

FIELD_LABELS: dict[str, str] = {
    "state": "Column",
    "stage": "Stage",
    "status": "Status",
    "em": "Engagement manager",
    "label": "Label",
    "kind": "Kind",
    "margin": "Margin",
    "price": "Price",
    "hours": "Hours",
    "committed_start": "Committed start",
}


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    verb: str
    object: str
    sentence: AuditSentence


def _names(events: Iterable[AuditEvent]) -> dict[str, str]:
    """Display names for the values the rows hold: columns, stages, statuses, kinds, people."""
    names: dict[str, str] = dict(COLUMN_NAMES)
    for choices in (ApprovalKind, OpportunityStage, ProjectStatus, SowStatus):
        names.update({str(c.value): str(c.label) for c in choices})
    ids: set[int] = set()
    for ev in events:
        for side in (ev.before, ev.after):
            if isinstance(side, Mapping):
                for key in ("em", "user", "decider", "owner"):
                    value = side.get(key)
                    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                        ids.add(int(value))
    for pk, username, first, last in User.objects.filter(pk__in=ids).values_list(
        "pk", "username", "first_name", "last_name"
    ):
        shown = f"{first} {last}".strip() or username
        for key in ("em", "user", "decider", "owner"):
            names[f"{key}:{pk}"] = shown
    return names


def entries_render(events: list[AuditEvent], *, now: datetime | None = None) -> list[HistoryEntry]:
    now = now or clock.now()
    names = _names(events)
    return [
        HistoryEntry(
            seq=ev.seq,
            verb=ev.verb,
            object=ev.target_repr,
            sentence=audit_sentence(ev, now=now, names=names, fields=FIELD_LABELS),
        )
        for ev in events
    ]


def _targets_q(objects: Iterable[Model]) -> Q:
    q = Q(pk__in=[])
    by_type: dict[type[Model], list[str]] = {}
    for obj in objects:
        by_type.setdefault(type(obj), []).append(str(obj.pk))
    for model, ids in by_type.items():
        q |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
    return q


def history_object(*, user: Actor, kind: str, object_id: int) -> tuple[str, str, list[Model]]:
    """The object a History page is about: its title, its page's URL and the records whose events
    it shows. Raises NotFound for an unknown kind or an object the user may not see."""
    if kind not in HISTORY_KINDS:
        raise NotFound("No such history.")
    if kind == "opportunity":
        opp = Opportunity.objects.visible_to(user).filter(pk=object_id).first()
        if opp is None:
            raise NotFound("Not found.")
        return opp.name, reverse("crm:opportunity", args=[opp.pk]), [opp]
    if kind == "project":
        project = Project.objects.visible_to(user).filter(pk=object_id).first()
        if project is None:
            raise NotFound("Not found.")
        return project.name, reverse("projects:detail", args=[project.pk]), [project]
    eng = Engagement.objects.visible_to(user).filter(pk=object_id).first()
    if eng is None:
        raise NotFound("Not found.")
    if kind == "estimate":
        versions: list[Model] = list(EstimateVersion.objects.filter(engagement=eng))
        return f"Estimate: {eng.title}", reverse("estimates:engagement", args=[eng.pk]), versions
    if kind == "sow":
        sows: list[Model] = [*Sow.objects.filter(engagement=eng), *SowVersion.objects.filter(sow__engagement=eng)]
        return f"SOW: {eng.title}", reverse("sows:engagement", args=[eng.pk]), sows
    return eng.title, reverse("board:detail", args=[eng.pk]), [eng]


def history_for(*, user: Actor, kind: str, object_id: int, limit: int = PAGE) -> list[HistoryEntry]:
    """The object's events, newest first (up to `limit`), as sentences. Raises NotFound as
    `history_object` does."""
    _title, _url, targets = history_object(user=user, kind=kind, object_id=object_id)
    events = list(AuditEvent.objects.filter(_targets_q(targets)).order_by("-seq")[: max(1, min(limit, 500))])
    return entries_render(events)


# --- the PS Ops audit search --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # a username (exact) or "system"
    verb: str = ""  # a verb or its prefix ("board.", "sows.released")
    object: str = ""  # words in the object's name ("Northwind")
    date_from: date | None = None
    date_to: date | None = None  # inclusive


def audit_filters_parse(data: Mapping[str, str]) -> AuditFilters:
    """Filters from a query string; a malformed date raises ValidationFailed naming the field."""
    dates: dict[str, date | None] = {}
    for field in ("date_from", "date_to"):
        raw = (data.get(field) or "").strip()
        try:
            dates[field] = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationFailed(f"{field}: give a date as YYYY-MM-DD.", details={"field": field}) from None
    if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
        raise ValidationFailed("date_to: the range ends before it starts.", details={"field": "date_to"})
    return AuditFilters(
        actor=(data.get("actor") or "").strip()[:150],
        verb=(data.get("verb") or "").strip()[:100],
        object=(data.get("object") or "").strip()[:100],
        date_from=dates["date_from"],
        date_to=dates["date_to"],
    )


_PUBSEC_MODELS: tuple[tuple[type[Model], str], ...] = (
    (Account, "us_public_sector"),
    (Opportunity, "account__us_public_sector"),
    (Engagement, "account__us_public_sector"),
    (Project, "account__us_public_sector"),
    (QueueEntry, "account__us_public_sector"),
    (EstimateVersion, "engagement__account__us_public_sector"),
    (Sow, "engagement__account__us_public_sector"),
    (SowVersion, "sow__engagement__account__us_public_sector"),
)


def _hidden_q(user: Actor) -> Q | None:
    """Events about PubSec objects, for a user who is not a member (None for members)."""
    if user_is_pubsec(user):
        return None
    q = Q(pk__in=[])
    for model, flag in _PUBSEC_MODELS:
        ids = [str(pk) for pk in model._default_manager.filter(**{flag: True}).values_list("pk", flat=True)]
        if ids:
            q |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
    return q


def audit_search(*, user: Actor, filters: AuditFilters, limit: int = PAGE) -> tuple[int, list[HistoryEntry]]:
    """Events matching the filters, newest first: the total and the first `limit` as sentences."""
    qs: QuerySet[AuditEvent] = AuditEvent.objects.all()
    hidden = _hidden_q(user)
    if hidden is not None:
        qs = qs.exclude(hidden)
    if filters.actor:
        qs = qs.filter(actor_label=filters.actor)
    if filters.verb:
        qs = qs.filter(verb__startswith=filters.verb)
    if filters.object:
        for word in filters.object.split()[:5]:
            qs = qs.filter(target_repr__icontains=word)
    tz = clock.now().tzinfo
    if filters.date_from:
        qs = qs.filter(occurred_at__gte=datetime.combine(filters.date_from, time(), tzinfo=tz))
    if filters.date_to:
        qs = qs.filter(occurred_at__lt=datetime.combine(filters.date_to + timedelta(days=1), time(), tzinfo=tz))
    total = qs.count()
    events = list(qs.order_by("-seq")[: max(1, min(limit, 500))])
    return total, entries_render(events)


def audit_verify_status() -> VerifyReport:
    """What `psdesk audit verify` reports, for the PS Ops page (recomputes the chain)."""
    return audit_verify_report()


def audit_verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("verb").values_list("verb", flat=True).distinct()[:500])
