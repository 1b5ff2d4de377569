"""Read models of the board: columns with counts and the oldest cards of each, in constant queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.accounts.roles import Role
from psdesk.accounts.selectors import user_has_role, user_is_pubsec
from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalRequest
from psdesk.audit.models import AuditEvent
from psdesk.audit.sentences import AuditSentence, audit_sentence
from psdesk.board.approval_state import (
    EARLY_STATES,
    FINAL_KINDS,
    SHORT_NAMES,
    final_approvals_missing,
)
from psdesk.board.columns import COLUMN_NAMES, column_label, column_name
from psdesk.board.workflow import BOARD_COLUMNS, ENGAGEMENT_WORKFLOW
from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.crm.models import Account
from psdesk.engagements.choices import CLOSED_STATES, OPEN_STATES, EngagementStatus
from psdesk.engagements.labels import RDM_DECIDE, RDM_NEEDS_REVIEW, SCOPE_COLOURS
from psdesk.engagements.models import Engagement, EngagementLabel, EngagementStateCount
from psdesk.engagements.querysets import EngagementQuerySet
from psdesk.estimates.selectors import estimate_margin_flags
from psdesk.scoping.models import ScopingRequest
from psdesk.sla.choices import TimerStatus
from psdesk.sla.models import SlaTimer
from psdesk.sla.selectors import timer_badges
from psdesk.sows.models import SowVersion


@dataclass
class BoardFilters:
    em: int | None = None
    segment: str = ""
    mine: bool = False
    q: str = ""
    label: str = ""
    service_type: str = ""
    at_risk: bool = False
    pubsec: bool = False  # only US Public Sector cards (members see them; others get none)


@dataclass
class Column:
    """One board column: `name` for people ("Awaiting Discovery"), `label` the scoped label
    (`proposal::Awaiting_Discovery`, "" for Open)."""

    state: str
    name: str
    label: str
    count: int
    cards: list[Any] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return max(0, self.count - len(self.cards))


def engagement_list(*, user: Actor, filters: BoardFilters | None = None) -> EngagementQuerySet:
    """Engagements the user may see, filtered."""
    qs: EngagementQuerySet = Engagement.objects.visible_to(user)
    f = filters or BoardFilters()
    if f.em:
        qs = qs.filter(em_id=f.em)
    if f.segment:
        qs = qs.filter(account__segment=f.segment)
    if f.mine:
        qs = qs.filter(Q(em=user) | Q(created_by=user) | Q(opportunity__owner=user))
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(account__name__icontains=f.q))
    if f.pubsec:
        qs = qs.filter(account__us_public_sector=True)
    if f.label:
        qs = qs.filter(labels__name=f.label)
    if f.service_type:
        # service types are a JSON list on the calculator request; filter in one query, portably
        ids = [
            eid
            for eid, types in ScopingRequest.objects.values_list("engagement_id", "service_types")
            if f.service_type in (types or [])
        ]
        qs = qs.filter(pk__in=ids)
    if f.at_risk:
        ct = ContentType.objects.get_for_model(Engagement)
        risky = SlaTimer.objects.active().filter(target_type=ct, status__in=[TimerStatus.AT_RISK, TimerStatus.BREACHED])
        qs = qs.filter(pk__in=risky.values("target_id"))
    return qs


def _no_filters(f: BoardFilters | None) -> bool:
    return f is None or f == BoardFilters()


def board_state_counts(*, user: Actor, filters: BoardFilters | None = None) -> dict[str, int]:
    """state → how many cards the user sees in it. Unfiltered (the board as it opens, the API list
    without filters) it reads the maintained per-state counts (`EngagementStateCount`, a dozen rows
    kept by database triggers), so its cost does not grow with the number of engagements; filtered,
    one grouped count over the filtered rows."""
    if not _no_filters(filters):
        base = engagement_list(user=user, filters=filters)
        return dict(base.order_by().values_list("state").annotate(n=Count("id")))
    rows = EngagementStateCount.objects.all()
    if not user_is_pubsec(user):
        rows = rows.filter(us_public_sector=False)
    counts: dict[str, int] = {}
    for state, n in rows.values_list("state", "n"):
        counts[state] = counts.get(state, 0) + n
    return {s: n for s, n in counts.items() if n > 0}


def board_columns(*, user: Actor, filters: BoardFilters | None = None, per_column: int = 25) -> list[Column]:
    """Every column with its count and up to `per_column` cards: the oldest in the column first for
    open columns (they need attention), the most recent for the closed ones. A constant number of
    queries whatever N is, each reading about `per_column` rows from the `(state, state_changed_at)`
    index: the counts (`board_state_counts`), the ids of each column's cards (one `LIMIT` per
    column, joined by UNION ALL into one statement), and the cards with their account, EM and
    opportunity."""
    base = engagement_list(user=user, filters=filters)
    counts = board_state_counts(user=user, filters=filters)
    by_state: dict[str, list[Any]] = {s: [] for s in BOARD_COLUMNS}
    now = clock.now()
    rows = _column_cards(base, [s for s in BOARD_COLUMNS if counts.get(s)], per_column)
    ids = [eng.pk for eng in rows]
    badges = timer_badges(Engagement, ids, now=now)
    margins = estimate_margin_flags(ids)
    finals = _final_approvals_by_card(
        [e.pk for e in rows if e.state in (*EARLY_STATES, EngagementStatus.READY_FOR_APPROVAL)]
    )
    labels: dict[int, list[Any]] = {}
    for lab in EngagementLabel.objects.filter(engagement_id__in=ids).order_by("scope", "name"):
        labels.setdefault(lab.engagement_id, []).append(lab)
    for eng in rows:
        eng.age_days = _age_days(eng.state_changed_at, now)
        eng.card_labels = [
            {"scope": lab.scope, "value": lab.name.split("::", 1)[-1], "color": SCOPE_COLOURS.get(lab.scope, "#666")}
            for lab in labels.get(eng.pk, [])
        ]
        eng.has_segment_label = any(lab.scope == "Segment" for lab in labels.get(eng.pk, []))
        eng.sla_badge = badges.get(eng.pk)
        eng.margin_flag = margins.get(eng.pk)
        eng.final_approvals = finals.get(eng.pk)
        by_state[eng.state].append(eng)
    return [
        Column(state=s, name=column_name(s), label=column_label(s), count=counts.get(s, 0), cards=by_state[s])
        for s in BOARD_COLUMNS
    ]


def _column_cards(base: EngagementQuerySet, states: list[str], per_column: int) -> list[Any]:
    """The first `per_column` cards of each state in `states`, in board order, in two queries."""
    if not states:
        return []
    parts: list[str] = []
    params: list[Any] = []
    for s in states:
        order = ("-state_changed_at", "-id") if s in CLOSED_STATES else ("state_changed_at", "id")
        sql, p = base.filter(state=s).order_by(*order).values_list("id")[:per_column].query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS col{len(parts)}")  # noqa: S608 — SQL compiled by the ORM
        params.extend(p)
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        ids = [row[0] for row in cur.fetchall()]
    cards = Engagement.objects.for_board().in_bulk(ids)
    return [cards[i] for i in ids if i in cards]


@dataclass(frozen=True)
class CardApproval:
    """A final approval as the card shows it: "PS Leadership: approved early on v3"."""

    kind: str
    name: str
    status: str
    early: bool
    version: int | None

    @property
    def text(self) -> str:
        status = ApprovalStatus(self.status).label.lower()
        early = " early" if self.early and self.status == ApprovalStatus.APPROVED else ""
        on = f" on v{self.version}" if self.version is not None else ""
        return f"{self.name}: {status}{early}{on}"


def _final_approvals_by_card(ids: list[int]) -> dict[int, list[CardApproval]]:
    """card id → its live PS Leadership / Revenue requests (status, decided early or not, the SOW
    version), in two queries whatever the number of cards. Cards with none are left out (the
    drawer checks them against the current SOW hash)."""
    if not ids:
        return {}
    ct = ContentType.objects.get_for_model(Engagement)
    rows = list(
        ApprovalRequest.objects.filter(target_type=ct, target_id__in=ids, kind__in=FINAL_KINDS)
        .exclude(status=ApprovalStatus.SUPERSEDED)
        .order_by("id")
        .values_list("target_id", "kind", "status", "content_hash", "decisions__target_state")
    )
    hashes = {r[3] for r in rows}
    numbers = dict(
        SowVersion.objects.filter(sow__engagement_id__in=ids, content_hash__in=hashes).values_list(
            "content_hash", "number"
        )
    )
    latest: dict[int, dict[str, CardApproval]] = {}
    for target_id, kind, status, content_hash, decided_in in rows:
        latest.setdefault(int(target_id), {})[kind] = CardApproval(
            kind=kind,
            name=SHORT_NAMES[kind],
            status=status,
            early=decided_in in EARLY_STATES,
            version=numbers.get(content_hash),
        )
    return {i: [by_kind[k] for k in FINAL_KINDS if k in by_kind] for i, by_kind in latest.items()}


def _age_days(since: datetime, now: datetime) -> int:
    return max(0, (now - since).days)


def engagement_get(*, user: Actor, engagement_id: int) -> Engagement:
    """One engagement the user may see, or NotFound (also for PubSec to non-members)."""
    eng = Engagement.objects.visible_to(user).for_board().filter(pk=engagement_id).first()
    if eng is None:
        raise NotFound(f"engagement {engagement_id} not found")
    return eng


def available_moves(eng: Any, user: Actor) -> list[dict[str, Any]]:
    """Moves from the card's column with the reason each would be refused (None = allowed) and,
    as `then`, what follows by itself: Submit for approval says when the card will move on to
    Approved automatically (its final approvals already hold on the current content)."""
    result = []
    for m in ENGAGEMENT_WORKFLOW.actions_from(eng.state):
        if m.system_only:
            continue
        # Judge everything but the missing reason: the form asks for it.
        reason = ENGAGEMENT_WORKFLOW.refusal(eng, m.action, MoveContext(actor=user, reason="(reason)"))
        then = None
        if m.target == EngagementStatus.READY_FOR_APPROVAL and not final_approvals_missing(eng):
            then = (
                "PS Leadership and Revenue already approved the current content: the card then moves on to "
                "Approved automatically."
            )
        result.append(
            {"action": m.action, "label": m.label, "needs_reason": m.needs_reason, "refusal": reason, "then": then}
        )
    return result


def next_automatic_step(eng: Any) -> str | None:
    """What the system does next by itself, for the card's drawer."""
    if eng.state == EngagementStatus.READY_FOR_APPROVAL:
        missing = final_approvals_missing(eng)
        if missing:
            names = " and ".join(SHORT_NAMES[k] for k in missing)
            return f"Moves to Approved automatically once {names} approve the current content."
    return None


TIMELINE_FIELDS: dict[str, str] = {
    "state": "Column",
    "label": "Label",
    "em": "Engagement manager",
    "kind": "Approval",
    "status": "Decision",
    "target_state": "Column when decided",
    "title": "Title",
    "account": "Account",
    "requests": "Requests",
    "current_hash": "Current content",
    "state_before_hold": "Column before hold",
}


def engagement_timeline(eng: Engagement, *, now: datetime | None = None, limit: int = 100) -> list[AuditSentence]:
    """The card's audit trail, newest first, as sentences ("erin moved this from Open to Awaiting
    Discovery — 2 h ago") with field-by-field changes. Three queries whatever the length."""
    events = list(AuditEvent.objects.for_target(eng).order_by("-seq")[:limit])
    user_ids, account_ids = set(), set()
    for ev in events:
        for part in (ev.before, ev.after):
            if isinstance(part, dict):
                if isinstance(part.get("em"), int):
                    user_ids.add(part["em"])
                if isinstance(part.get("account"), int):
                    account_ids.add(part["account"])
    names: dict[str, str] = {**COLUMN_NAMES, **{k.value: k.label for k in ApprovalKind}}
    names |= {k.value: k.label for k in ApprovalStatus}
    names |= {f"em:{pk}": u for pk, u in User.objects.filter(pk__in=user_ids).values_list("pk", "username")}
    names |= {f"account:{pk}": n for pk, n in Account.objects.filter(pk__in=account_ids).values_list("pk", "name")}
    at = now or clock.now()
    return [audit_sentence(ev, now=at, names=names, fields=TIMELINE_FIELDS) for ev in events]


# --- My work providers (registered from BoardConfig.ready) -------------------------------------


def _card_url(engagement_id: int) -> str:
    return reverse("board:detail", args=[engagement_id])


def my_work_cards_to_triage(user: Actor) -> WorkGroup | None:
    """EM: the cards in Open assigned to them, oldest first (two queries)."""
    if not user_has_role(user, Role.ENGAGEMENT_MANAGER):
        return None
    qs = Engagement.objects.visible_to(user).filter(state=EngagementStatus.OPEN, em=user)
    cards = list(qs.select_related("account").order_by("state_changed_at", "id")[:ITEMS_PER_GROUP])
    return WorkGroup(
        key="cards_to_triage",
        title="Cards to triage",
        count=qs.count(),
        items=[
            WorkItem(title=e.title, url=_card_url(e.pk), since=e.state_changed_at, note=e.account.name) for e in cards
        ],
        more_url=f"{reverse('board:index')}?mine=1",
        empty_text="No card of yours waits in Open.",
    )


def my_work_approvals_to_decide(user: Actor) -> WorkGroup | None:
    """PS Leadership / Revenue: pending approval requests on engagements the user may decide (and
    did not request themselves), oldest first (three queries)."""
    kinds = [k for k in FINAL_KINDS if user.has_perm(f"approvals.decide_{k}")]
    if not kinds:
        return None
    qs = (
        ApprovalRequest.objects.filter(
            status=ApprovalStatus.PENDING,
            kind__in=kinds,
            target_type=ContentType.objects.get_for_model(Engagement),
            target_id__in=Engagement.objects.visible_to(user).open().values("pk"),
        )
        .exclude(requester=user)
        .order_by("created_at", "id")
    )
    requests = list(qs.select_related("requester")[:ITEMS_PER_GROUP])
    cards = Engagement.objects.select_related("account").in_bulk([int(r.target_id) for r in requests])
    items = []
    for r in requests:
        eng = cards[int(r.target_id)]
        items.append(
            WorkItem(
                title=f"{r.get_kind_display()}: {eng.title}",
                url=_card_url(eng.pk),
                since=r.created_at,
                note=f"{eng.account.name} · asked by {r.requester.get_full_name() or r.requester.username}",
            )
        )
    return WorkGroup(
        key="approvals_to_decide",
        title="Approvals to decide",
        count=qs.count(),
        items=items,
        empty_text="No approval request waits on you.",
    )


def my_work_rdm_reviews(user: Actor) -> WorkGroup | None:
    """RDM: open cards labelled `RDM::needs-review`, longest waiting first (two queries)."""
    if not user.has_perm(RDM_DECIDE):
        return None
    qs = EngagementLabel.objects.filter(
        name=RDM_NEEDS_REVIEW,
        engagement__state__in=OPEN_STATES,
        engagement__in=Engagement.objects.visible_to(user).values("pk"),
    ).order_by("created_at", "id")
    labels = list(qs.select_related("engagement", "engagement__account")[:ITEMS_PER_GROUP])
    return WorkGroup(
        key="rdm_reviews",
        title="Delivery reviews to decide (RDM)",
        count=qs.count(),
        items=[
            WorkItem(
                title=lab.engagement.title,
                url=_card_url(lab.engagement_id),
                since=lab.created_at,
                note=lab.engagement.account.name,
            )
            for lab in labels
        ],
        empty_text="No card waits for an RDM review.",
    )
