"""Reads for the Slack app: who a Slack member is, and lead-time answers that keep PubSec private."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Q

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.chatops.models import SlackInteraction, SlackPolicy, SlackUserLink
from psdesk.core import clock
from psdesk.scheduling.choices import ServiceType
from psdesk.scheduling.models import ForecastResult, LeadTime, QueueEntry
from psdesk.scheduling.selectors import latest_run_or_none


def slack_policy_get() -> SlackPolicy:
    """The single Slack policy row (created with the defaults when missing)."""
    policy = SlackPolicy.objects.first()
    return policy if policy is not None else SlackPolicy.objects.create()


def slack_link_get(*, team_id: str, slack_user_id: str) -> SlackUserLink | None:
    return (
        SlackUserLink.objects.select_related("user")
        .filter(team_id=team_id, slack_user_id=slack_user_id, user__is_active=True)
        .first()
    )


def slack_links_of(user: User) -> list[SlackUserLink]:
    return list(SlackUserLink.objects.filter(user=user).order_by("linked_at", "id"))


def pubsec_context(interaction: SlackInteraction, user: User | None) -> bool:
    """May PubSec details appear in the answer to this interaction? Only to a current member, and
    only in the private PubSec channel (the policy's channel id) or a direct message."""
    if user is None or not user_is_pubsec(user):
        return False
    if interaction.channel_name == "directmessage" or interaction.channel_id.startswith("D"):
        return True
    pubsec_channel = slack_policy_get().pubsec_channel_id
    return bool(pubsec_channel) and interaction.channel_id == pubsec_channel


def service_type_match(text: str) -> str | None:
    """The service type a person means by `text` (its key or the start of its label), or None."""
    t = text.strip().lower()
    if not t:
        return None
    for value, label in ServiceType.choices:
        if t in {value, str(label).lower()} or str(label).lower().startswith(t) or value.startswith(t):
            return str(value)
    return None


@dataclass(frozen=True)
class LeadTimeRow:
    service_type: str
    label: str
    median_weeks: Decimal | None
    p80_weeks: Decimal | None
    projects: int


def lead_time_rows() -> list[LeadTimeRow]:
    """The latest run's published table (aggregates only: no project or customer in it)."""
    run = latest_run_or_none()
    if run is None:
        return []
    labels = dict(ServiceType.choices)
    return [
        LeadTimeRow(
            r.service_type, str(labels.get(r.service_type, r.service_type)), r.median_weeks, r.p80_weeks, r.projects
        )
        for r in LeadTime.objects.filter(run=run).order_by("service_type")
    ]


@dataclass(frozen=True)
class ServiceLeadTime:
    row: LeadTimeRow | None
    p50_start: date | None
    p80_start: date | None
    binding: str


def _weeks_from_today(weeks: Decimal | None) -> date | None:
    if weeks is None:
        return None
    return clock.today() + timedelta(days=int((weeks * 7).to_integral_value()))


def _entries_visible(*, pubsec: bool) -> Q:
    return Q() if pubsec else Q(entry__account__us_public_sector=False)


def service_lead_time(*, service_type: str, pubsec: bool) -> ServiceLeadTime:
    """Lead time of `service_type` if it closed today (the table's weeks from today) and the binding
    constraint of the first queued project of that type; PubSec projects count only when `pubsec`."""
    row = next((r for r in lead_time_rows() if r.service_type == service_type), None)
    run = latest_run_or_none()
    binding = ""
    if run is not None:
        first = (
            ForecastResult.objects.filter(run=run, entry__service_type=service_type)
            .filter(_entries_visible(pubsec=pubsec))
            .order_by("position")
            .first()
        )
        binding = first.binding if first is not None else ""
    return ServiceLeadTime(
        row=row,
        p50_start=_weeks_from_today(row.median_weeks if row else None),
        p80_start=_weeks_from_today(row.p80_weeks if row else None),
        binding=binding,
    )


@dataclass(frozen=True)
class ProjectForecast:
    entry: QueueEntry
    p50_date: date | None
    p80_date: date | None
    binding: str
    position: int | None


def project_forecasts(*, user: User, query: str, pubsec: bool, limit: int = 5) -> list[ProjectForecast]:
    """Queue entries matching `query` (account, opportunity or project name) that `user` may see,
    with the latest run's forecast. PubSec projects only when `pubsec` (member, private channel)."""
    q = query.strip()
    if not q:
        return []
    entries = QueueEntry.objects.visible_to(user).active().select_related("account", "opportunity")
    if not pubsec:
        entries = entries.filter(account__us_public_sector=False)
    entries = entries.filter(Q(account__name__icontains=q) | Q(opportunity__name__icontains=q) | Q(title__icontains=q))
    found = list(entries.in_queue_order()[:limit])
    run = latest_run_or_none()
    results = {r.entry_id: r for r in ForecastResult.objects.filter(run=run, entry__in=found)} if run else {}
    out = []
    for e in found:
        r = results.get(e.pk)
        out.append(
            ProjectForecast(
                entry=e,
                p50_date=r.p50_date if r else None,
                p80_date=r.p80_date if r else None,
                binding=r.binding if r else "not forecast yet",
                position=r.position if r else None,
            )
        )
    return out
