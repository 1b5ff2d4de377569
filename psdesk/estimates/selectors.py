"""Reads: versions a user may see, the policy, the margin flag, agreement and TA approval, version
diffs, review-link resolution, and the board guards that the engagement workflow uses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.urls import reverse

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.engagements.choices import OPEN_STATES
from psdesk.engagements.labels import TA_NEEDS_REVIEW, current_label
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.estimates.choices import FeedbackKind, ReviewDecision, VersionStatus
from psdesk.estimates.models import (
    CustomerFeedback,
    EstimateLine,
    EstimatePolicy,
    EstimateReview,
    EstimateVersion,
    ReviewLink,
)
from psdesk.estimates.pricing import below_target, exceeds_threshold

TOKEN_SALT = "psdesk.estimates.review-link"  # noqa: RUF100, S105 — a signing salt (public), not a secret


def policy_get() -> EstimatePolicy:
    """The single policy row (created with the defaults if an admin deleted it)."""
    policy = EstimatePolicy.objects.order_by("id").first()
    if policy is None:
        policy = EstimatePolicy.objects.create()
    return policy


def version_list(*, user: Actor, engagement_id: int) -> list[EstimateVersion]:
    return list(
        EstimateVersion.objects.visible_to(user)
        .filter(engagement_id=engagement_id)
        .select_related("created_by")
        .order_by("number")
    )


def version_get(*, user: Actor, version_id: int) -> EstimateVersion:
    """One version the user may see, with its engagement, or NotFound (also PubSec to non-members)."""
    v = (
        EstimateVersion.objects.visible_to(user)
        .select_related("engagement", "engagement__account", "engagement__em")
        .filter(pk=version_id)
        .first()
    )
    if v is None:
        raise NotFound(f"estimate version {version_id} not found")
    return v


def version_lines(version: EstimateVersion) -> list[EstimateLine]:
    return list(version.lines.order_by("position"))


def latest_versions(*, user: Actor, limit: int = 100) -> list[EstimateVersion]:
    """The newest version of each visible engagement, most recently updated first (two queries)."""
    newest = EstimateVersion.objects.visible_to(user).values("engagement_id").annotate(n=Max("number")).order_by()
    pairs = {(row["engagement_id"], row["n"]) for row in newest}
    qs = (
        EstimateVersion.objects.visible_to(user)
        .filter(engagement_id__in={e for e, _ in pairs})
        .select_related("engagement", "engagement__account")
        .order_by("-updated_at", "-id")
    )
    return [v for v in qs if (v.engagement_id, v.number) in pairs][: max(1, min(limit, 200))]


def latest_version(engagement: Any) -> EstimateVersion | None:
    return EstimateVersion.objects.filter(engagement=engagement).order_by("-number").first()


def needs_ta_review(version: EstimateVersion, policy: EstimatePolicy | None = None) -> bool:
    policy = policy or policy_get()
    return exceeds_threshold(version.price, policy.ta_threshold)


def ta_approved(version: EstimateVersion) -> bool:
    """Is the latest TA decision on this very version an approval?"""
    last = EstimateReview.objects.filter(version=version).order_by("-created_at", "-id").first()
    return last is not None and last.decision == ReviewDecision.APPROVED


def ta_asked_again(engagement: Any) -> bool:
    """Did the EM ask for (another) TA review by hand, so that the card shows `TA::Needs-Review`
    whatever the version's total? A TA review recorded afterwards sets the label again."""
    return current_label(engagement.pk, "TA") == TA_NEEDS_REVIEW


def ta_review_version(engagement: Any) -> EstimateVersion | None:
    """The version a TA review of the engagement is about: the agreed version when there is one
    (the one the `start_sow` guard checks), otherwise the newest shared version; None when that
    version needs no TA review (at or below the threshold and nobody asked for one) or nothing is
    shared yet."""
    version = agreed_version(engagement)
    if version is None:
        version = (
            EstimateVersion.objects.filter(engagement=engagement, status=VersionStatus.SHARED)
            .order_by("-number")
            .first()
        )
    if version is None or not (needs_ta_review(version) or ta_asked_again(engagement)):
        return None
    return version


def ta_review_state(engagement: Any) -> tuple[str, EstimateVersion | None]:
    """The TA review as the card shows it and the `start_sow` guard reads it, from one place:
    (`approved` | `rejected` (changes requested) | `pending` | `none`, the version it is about).
    The latest review of that version decides, except that an EM's later "needs TA review again"
    (the `TA::Needs-Review` label set by hand) makes an earlier approval pending again."""
    version = ta_review_version(engagement)
    if version is None:
        return "none", None
    last = EstimateReview.objects.filter(version=version).order_by("-created_at", "-id").first()
    if last is None:
        return "pending", version
    if last.decision != ReviewDecision.APPROVED:
        return "rejected", version
    return ("pending" if ta_asked_again(engagement) else "approved"), version


def agreement_get(version: EstimateVersion) -> CustomerFeedback | None:
    return CustomerFeedback.objects.filter(version=version, kind=FeedbackKind.AGREEMENT).first()


@dataclass(frozen=True)
class VersionStanding:
    """What a list of versions shows beside each: TA-approved, and the customer's agreement."""

    ta_approved: bool
    agreement: CustomerFeedback | None


def version_standings(versions: list[EstimateVersion]) -> dict[int, VersionStanding]:
    """version id → `ta_approved` and `agreement_get` for a whole list, in two queries whatever its
    length (the same answers as the one-version selectors)."""
    ids = [v.pk for v in versions]
    reviews = EstimateReview.objects.filter(version_id__in=ids).order_by("created_at", "id")
    last = dict(reviews.values_list("version_id", "decision"))  # the newest decision of each wins
    agreements: dict[int, CustomerFeedback] = {}
    for fb in CustomerFeedback.objects.filter(version_id__in=ids, kind=FeedbackKind.AGREEMENT).order_by(
        "-created_at", "-id"
    ):
        agreements[fb.version_id] = fb  # the earliest one, as `.first()` gives it
    return {
        i: VersionStanding(ta_approved=last.get(i) == ReviewDecision.APPROVED, agreement=agreements.get(i)) for i in ids
    }


def agreed_version(engagement: Any) -> EstimateVersion | None:
    """The most recent version the customer agreed to (the one a SOW is written from)."""
    return (
        EstimateVersion.objects.filter(engagement=engagement, feedback__kind=FeedbackKind.AGREEMENT)
        .order_by("-number")
        .first()
    )


@dataclass(frozen=True)
class MarginFlag:
    """Shown on the estimate and the board card: the latest version's margin is below target."""

    version_number: int
    margin: Decimal
    target: Decimal

    def __str__(self) -> str:
        return f"Margin {self.margin:.1%} below target {self.target:.0%} (v{self.version_number})"


def estimate_margin_flag(engagement: Any) -> MarginFlag | None:
    """The margin flag of the engagement's latest estimate version, or None. Never blocks anything."""
    return estimate_margin_flags([engagement.pk]).get(engagement.pk)


def estimate_margin_flags(engagement_ids: list[int]) -> dict[int, MarginFlag]:
    """engagement id → margin flag of its latest version, for many cards in two queries."""
    if not engagement_ids:
        return {}
    target = policy_get().target_margin
    latest: dict[int, tuple[int, Decimal | None]] = {}
    rows = (
        EstimateVersion.objects.filter(engagement_id__in=engagement_ids)
        .order_by("engagement_id", "-number")
        .values_list("engagement_id", "number", "margin")
    )
    for eng_id, number, margin in rows:
        latest.setdefault(eng_id, (number, margin))
    return {
        eng_id: MarginFlag(version_number=number, margin=margin, target=target)
        for eng_id, (number, margin) in latest.items()
        if margin is not None and below_target(margin, target)
    }


# --- board guards (added to the engagement workflow in psdesk/board/workflow.py) ----------------


def estimate_shared_with_lines_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """Strawman WIP → Estimate Feedback: a version with at least one line was shared with the customer."""
    if EstimateVersion.objects.filter(engagement=eng, status=VersionStatus.SHARED, lines__isnull=False).exists():
        return None
    return "Share an estimate version with at least one line with the customer first."


def estimate_agreed_and_ta_approved_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """Estimate Feedback → SOW WIP: the customer agreed to a version and, when that version's total is
    strictly above the TA threshold (or the EM asked for a TA review), a TA approved that same
    version — read through `ta_review_state`, as the card's Approvals panel shows it."""
    v = agreed_version(eng)
    if v is None:
        return "Record the customer's agreement to the price and scope of an estimate version first."
    state, reviewed = ta_review_state(eng)
    if reviewed is None or state == "approved":
        return None
    policy = policy_get()
    if needs_ta_review(v, policy):
        why = (
            f"Estimate v{v.number} totals {v.currency} {v.price:,.2f}, above the TA threshold of "
            f"{policy.ta_threshold_currency} {policy.ta_threshold:,.2f}"
        )
    else:
        why = f"A TA review of estimate v{v.number} was asked for"
    return f"{why}: a Technical Architect must approve v{v.number}."


# --- customer review links --------------------------------------------------------------------


def review_token_for(link: ReviewLink) -> str:
    return signing.dumps({"l": link.pk, "n": link.nonce}, salt=TOKEN_SALT, compress=False)


def review_link_resolve(token: str) -> ReviewLink:
    """The live link a token names. Tampered, unknown, expired or revoked → NotFound with no detail."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        link_id, nonce = int(data["l"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("Not found.") from None
    link = (
        ReviewLink.objects.select_related("version", "version__engagement", "version__engagement__account")
        .filter(pk=link_id, nonce=nonce)
        .first()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= clock.now():
        raise NotFound("Not found.")
    return link


# --- version comparison -----------------------------------------------------------------------


@dataclass
class LineChange:
    kind: str  # "added" | "removed" | "changed" | "same"
    activity: str
    role: str
    before: EstimateLine | None
    after: EstimateLine | None
    changed: list[str] = field(default_factory=list)

    @property
    def hours_delta(self) -> Decimal:
        return (self.after.hours if self.after else Decimal(0)) - (self.before.hours if self.before else Decimal(0))

    @property
    def price_delta(self) -> Decimal:
        return (self.after.price if self.after else Decimal(0)) - (self.before.price if self.before else Decimal(0))


@dataclass
class VersionDiff:
    a: EstimateVersion
    b: EstimateVersion
    changes: list[LineChange]

    @property
    def price_delta(self) -> Decimal:
        return self.b.price - self.a.price

    @property
    def cost_delta(self) -> Decimal:
        return self.b.cost - self.a.cost

    @property
    def margin_delta(self) -> Decimal | None:
        if self.a.margin is None or self.b.margin is None:
            return None
        return self.b.margin - self.a.margin

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


COMPARED = ("hours", "rate", "price", "description", "delivery")


def version_diff(a: EstimateVersion, b: EstimateVersion) -> VersionDiff:
    """Line-by-line comparison of two versions of one engagement. Lines are matched by (activity, role),
    the n-th occurrence in `a` with the n-th in `b`; unmatched lines are added or removed."""
    if a.engagement_id != b.engagement_id:
        raise NotFound("Both versions must belong to the same engagement.")
    left: dict[tuple[str, str], list[EstimateLine]] = defaultdict(list)
    for line in version_lines(a):
        left[(line.activity, line.role)].append(line)
    changes: list[LineChange] = []
    for line in version_lines(b):
        key = (line.activity, line.role)
        if left.get(key):
            old = left[key].pop(0)
            changed = [f for f in COMPARED if getattr(old, f) != getattr(line, f)]
            changes.append(LineChange("changed" if changed else "same", key[0], key[1], old, line, changed))
        else:
            changes.append(LineChange("added", key[0], key[1], None, line))
    changes.extend(LineChange("removed", key[0], key[1], old, None) for key, rest in left.items() for old in rest)
    return VersionDiff(a=a, b=b, changes=changes)


# --- My work provider (registered from EstimatesConfig.ready) ----------------------------------


def my_work_ta_reviews(user: Actor) -> WorkGroup | None:
    """TA: open cards labelled `TA::Needs-Review` with no TA review since the label was set and
    since the newest version was shared (a review that asked for changes waits on the EM until
    the next version is shared), longest waiting first (two queries)."""
    if not user.has_perm("estimates.review_estimate"):
        return None
    versions = EstimateVersion.objects.filter(engagement=OuterRef("engagement_id")).order_by()
    last_review = EstimateReview.objects.filter(version__engagement=OuterRef("engagement_id")).order_by()
    qs = (
        EngagementLabel.objects.filter(
            name=TA_NEEDS_REVIEW,
            engagement__state__in=OPEN_STATES,
            engagement__in=Engagement.objects.visible_to(user).values("pk"),
        )
        .annotate(
            newest_shared=Subquery(versions.values("engagement").annotate(m=Max("shared_at")).values("m")[:1]),
            last_review=Subquery(
                last_review.values("version__engagement").annotate(m=Max("created_at")).values("m")[:1]
            ),
        )
        .filter(
            Q(last_review__isnull=True)
            | Q(last_review__lt=F("created_at"))
            | Q(newest_shared__isnull=False, last_review__lt=F("newest_shared"))
        )
        .order_by("created_at", "id")
    )
    labels = list(qs.select_related("engagement", "engagement__account")[:ITEMS_PER_GROUP])
    return WorkGroup(
        key="ta_reviews",
        title="Estimates to review (TA)",
        count=qs.count(),
        items=[
            WorkItem(
                title=lab.engagement.title,
                url=reverse("estimates:engagement", args=[lab.engagement_id]),
                since=max(lab.created_at, lab.newest_shared or lab.created_at),
                note=lab.engagement.account.name,
            )
            for lab in labels
        ],
        empty_text="No estimate waits for a TA review.",
    )
