"""Global search: engagements, accounts, opportunities, SOWs, projects, consultants and training
sessions by name, number or customer, grouped by type, each group only for a role that may open
its pages and only over rows the user may see (PubSec rows never appear for non-members).

On PostgreSQL each group is a full-text query (`SearchVector` over its fields, prefix-matched words,
ranked with `SearchRank`); elsewhere (SQLite) a case-insensitive `icontains` over the same fields,
newest first. A number ("#42" or "42") also finds the row with that id."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse

from psdesk.core.types import Actor
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement
from psdesk.projects.models import Project
from psdesk.scheduling.models import Consultant
from psdesk.sows.models import Sow
from psdesk.training.models import Session

PER_GROUP = 10
MAX_QUERY = 100
_WORD = re.compile(r"[\w@.-]+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class SearchGroup:
    key: str
    label: str
    count: int
    hits: list[SearchHit]


@dataclass(frozen=True)
class _Group:
    key: str
    label: str
    perm: str
    queryset: Callable[[Actor], QuerySet[Any]]
    fields: tuple[str, ...]
    order: str
    hit: Callable[[Any], SearchHit]


def _url(name: str, *args: Any, fallback: str = "") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return reverse(fallback) if fallback else ""


SEARCH_GROUPS: tuple[_Group, ...] = (
    _Group(
        "engagements",
        "Engagements",
        "engagements.view_engagement",
        lambda u: Engagement.objects.visible_to(u).select_related("account"),
        ("title", "account__name"),
        "-created_at",
        lambda e: SearchHit(e.pk, e.title, f"#{e.pk} · {e.account.name}", reverse("board:detail", args=[e.pk])),
    ),
    _Group(
        "accounts",
        "Accounts",
        "crm.view_account",
        lambda u: Account.objects.visible_to(u),
        ("name",),
        "name",
        lambda a: SearchHit(a.pk, a.name, a.get_segment_display(), reverse("crm:account", args=[a.pk])),
    ),
    _Group(
        "opportunities",
        "Opportunities",
        "crm.view_opportunity",
        lambda u: Opportunity.objects.visible_to(u).select_related("account"),
        ("name", "account__name", "crm_external_id"),
        "-created_at",
        lambda o: SearchHit(
            o.pk, o.name, f"{o.account.name} · {o.get_stage_display()}", reverse("crm:opportunity", args=[o.pk])
        ),
    ),
    _Group(
        "sows",
        "SOWs",
        "sows.view_sow",
        lambda u: Sow.objects.visible_to(u).select_related("engagement", "engagement__account"),
        ("engagement__title", "engagement__account__name"),
        "-created_at",
        lambda s: SearchHit(
            s.pk,
            f"SOW: {s.engagement.title}",
            f"{s.engagement.account.name} · {s.get_status_display()}",
            reverse("sows:engagement", args=[s.engagement_id]),
        ),
    ),
    _Group(
        "projects",
        "Projects",
        "projects.view_project",
        lambda u: Project.objects.visible_to(u).select_related("account"),
        ("name", "account__name"),
        "-created_at",
        lambda p: SearchHit(
            p.pk, p.name, f"{p.account.name} · {p.get_status_display()}", reverse("projects:detail", args=[p.pk])
        ),
    ),
    _Group(
        "consultants",
        "Consultants",
        "scheduling.view_consultant",
        lambda u: Consultant.objects.filter(active=True),
        ("name", "email"),
        "name",
        lambda c: SearchHit(
            c.pk,
            c.name,
            f"{c.get_role_display()} · {c.get_region_display()}",
            _url("scheduling:consultant", c.pk, fallback="scheduling:capacity"),
        ),
    ),
    _Group(
        "training_sessions",
        "Training sessions",
        "training.view_session",
        lambda u: Session.objects.visible_to(u).select_related("course"),
        ("title", "course__name", "account__name"),
        "-starts_at",
        lambda s: SearchHit(
            s.pk,
            s.title or s.course.name,
            f"{s.course.name} · {s.starts_at:%Y-%m-%d}",
            reverse("training:session", args=[s.pk]),
        ),
    ),
)


def _words(q: str) -> list[str]:
    return [w for w in _WORD.findall(q.lower()) if w.strip(".-@")][:8]


def _number(q: str) -> int | None:
    text = q.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 12 else None


def _matching(group: _Group, qs: QuerySet[Any], q: str) -> QuerySet[Any]:
    words = _words(q)
    number = _number(q)
    by_id = Q(pk=number) if number is not None else Q(pk__in=[])
    if connection.vendor == "postgresql" and words:
        # function-level: django.contrib.postgres needs psycopg, absent on SQLite-only installs
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector  # noqa: PLC0415 — PostgreSQL only

        vector = SearchVector(*group.fields, config="simple")
        # prefix terms of letters and digits only, so no input can be tsquery syntax
        terms = re.findall(r"\w+", " ".join(words))[:8]
        query = SearchQuery(" & ".join(f"{t}:*" for t in terms), search_type="raw", config="simple")
        ranked: QuerySet[Any] = (
            qs.annotate(search_rank=SearchRank(vector, query))
            .filter(Q(search_rank__gt=0) | by_id)
            .order_by(F("search_rank").desc(nulls_last=True), group.order)
        )
        return ranked
    text = Q()
    for w in words:
        any_field = Q()
        for f in group.fields:
            any_field |= Q(**{f"{f}__icontains": w})
        text &= any_field
    return qs.filter((text if words else Q(pk__in=[])) | by_id).order_by(group.order)


def search(*, user: Actor, q: str, per_group: int = PER_GROUP) -> list[SearchGroup]:
    """The groups the user's roles may open, each with its match count and first hits. An empty or
    blank query finds nothing (an empty list); a query is cut to 100 characters."""
    q = (q or "").strip()[:MAX_QUERY]
    if not q or (not _words(q) and _number(q) is None):
        return []
    out = []
    for group in SEARCH_GROUPS:
        if not user.has_perm(group.perm):
            continue
        qs = _matching(group, group.queryset(user), q)
        hits = [group.hit(row) for row in qs[:per_group]]
        count = len(hits) if len(hits) < per_group else qs.count()
        if hits:
            out.append(SearchGroup(group.key, group.label, count, hits))
    return out
