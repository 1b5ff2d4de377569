"""Reads: policy, clause templates, SOWs and versions a user may see, the customer signer, the
customer-paper export, the current content hash (for approvals above), and the guards other
workflows use (board `submit_for_approval`, the SOW's own moves, and the CRM Closed Won booking path
for custom engagements)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.branding.models import RenderState
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.crm.workflow import Blocker, BlockerAction, BookingVerdict
from psdesk.engagements.choices import CLOSED_STATES, EngagementStatus
from psdesk.engagements.models import Engagement
from psdesk.estimates.selectors import agreed_version
from psdesk.sows import document as doc
from psdesk.sows.choices import Party, SowStatus
from psdesk.sows.models import (
    BillableEvent,
    ClauseTemplate,
    LegalCase,
    Markup,
    Signature,
    Sow,
    SowPolicy,
    SowVersion,
)


def policy_get() -> SowPolicy:
    """The single policy row (created with the defaults if an admin deleted it)."""
    policy = SowPolicy.objects.order_by("id").first()
    if policy is None:
        policy = SowPolicy.objects.create()
    return policy


def clause_texts() -> dict[str, tuple[str, int]]:
    """{clause key: (text, version)} — the highest active version of each key."""
    result: dict[str, tuple[str, int]] = {}
    for c in ClauseTemplate.objects.filter(active=True).order_by("key", "-version"):
        result.setdefault(c.key, (c.text, c.version))
    return result


def sow_for_engagement(engagement: Any) -> Sow | None:
    return Sow.objects.filter(engagement=engagement).select_related("current").first()


def sow_get(*, user: Actor, sow_id: int) -> Sow:
    """One SOW the user may see, or NotFound (also PubSec to non-members)."""
    sow = (
        Sow.objects.visible_to(user)
        .select_related("engagement", "engagement__account", "engagement__opportunity", "current")
        .filter(pk=sow_id)
        .first()
    )
    if sow is None:
        raise NotFound(f"SOW {sow_id} not found")
    return sow


def version_list(*, sow: Sow) -> list[SowVersion]:
    return list(sow.versions.select_related("created_by", "estimate_version").order_by("number"))


def version_get(*, user: Actor, version_id: int) -> SowVersion:
    v = (
        SowVersion.objects.filter(sow__in=Sow.objects.visible_to(user))
        .select_related("sow", "sow__engagement", "sow__engagement__account")
        .filter(pk=version_id)
        .first()
    )
    if v is None:
        raise NotFound(f"SOW version {version_id} not found")
    return v


def markup_list(*, sow: Sow) -> list[Markup]:
    return list(Markup.objects.filter(version__sow=sow).select_related("version", "uploaded_by"))


def legal_case_list(*, sow: Sow) -> list[LegalCase]:
    return list(sow.legal_cases.select_related("version", "reviewer"))


def billable_event_list(*, sow: Sow) -> list[BillableEvent]:
    return list(sow.billable_events.select_related("opportunity"))


def sow_current_hash(engagement: Any) -> str | None:
    """The content hash of the engagement's current SOW version (what PS Leadership and Revenue
    approve; approvals compares its decisions to this), or None when no SOW was generated."""
    sow = sow_for_engagement(engagement)
    if sow is None or sow.current is None:
        return None
    return sow.current.content_hash


def is_superseded(version: SowVersion) -> bool:
    return SowVersion.objects.filter(sow_id=version.sow_id, number__gt=version.number).exists()


def customer_signer_get(*, sow: Sow) -> tuple[str, str]:
    """(name, email) of the customer's signer from the scheduling intake's contacts (role "signer"),
    or ("", "") when none is named."""
    intake = getattr(sow.engagement, "scheduling_intake", None)
    for c in (intake.contacts if intake is not None else []) or []:
        if str(c.get("role", "")).lower() == "signer" and c.get("email"):
            return str(c.get("name", "")), str(c["email"])
    return "", ""


def _section_docx(section: doc.Section) -> bytes:
    from docx import Document  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to every start-up; only the export needs it

    d = Document()
    d.add_heading(section.heading, level=section.level)
    for t in section.paragraphs:
        d.add_paragraph(t)
    if section.rows:
        table = d.add_table(rows=0, cols=3)
        for r in section.rows:
            cells = table.add_row().cells
            for j in range(3):
                cells[j].text = r[j]
    for t in section.after:
        d.add_paragraph(t)
    part = io.BytesIO()
    d.save(part)
    return part.getvalue()


def fragments_export(*, version: SowVersion) -> bytes:
    """Customer paper: a zip with one DOCX fragment per section, all sections as plain text, and a
    manifest naming the approved version and its hashes. Writes nothing. Only for the current version
    of an approved SOW (ValidationFailed otherwise)."""
    sow = version.sow
    if sow.current_id != version.pk:
        raise ValidationFailed("Fragments are exported from the current (approved) version only.")
    if sow.engagement.state not in (EngagementStatus.APPROVED, EngagementStatus.CLOSED_WON):
        raise ValidationFailed("Customer-paper fragments are exported once the SOW is Approved.")
    secs = doc.sections(version.content)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, s in enumerate(secs, 1):
            zf.writestr(f"{i:02d}-{s.key}.docx", _section_docx(s))
        zf.writestr("sections.txt", doc.plain_text(secs))
        zf.writestr(
            "MANIFEST.txt",
            f"{sow.number} version {version.number}\ncontent_hash {version.content_hash}\n"
            f"docx_sha256 {version.docx_sha256}\npdf_sha256 {version.pdf_sha256}\n",
        )
    return buf.getvalue()


# --- board guards: SOW WIP → Ready For Approval (psdesk/board/workflow.py) -------------------------


def sow_draft_from_agreed_estimate_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """A SOW version exists and was generated from the estimate version the customer agreed to."""
    sow = sow_for_engagement(eng)
    if sow is None or sow.current is None:
        return "Generate the SOW draft from the customer-agreed estimate first."
    agreed = agreed_version(eng)
    if agreed is None or sow.current.estimate_version_id != agreed.pk:
        return "The current SOW version is not generated from the estimate version the customer agreed to."
    return None


def sow_terms_decided_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """Governing terms decided: an MSA in force or the standard terms, recorded on the current version."""
    sow = sow_for_engagement(eng)
    if sow is None or sow.current is None or not sow.current.terms_kind:
        return "Decide the governing terms (MSA or standard terms) for the SOW."
    return None


def sow_cost_estimate_attached_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """The internal cost estimate (COGS with margin) of the agreed estimate version exists."""
    agreed = agreed_version(eng)
    if agreed is None or agreed.cost <= 0 or agreed.margin is None:
        return "Attach the cost estimate: the agreed estimate version needs standard-cost figures and a margin."
    return None


def sow_reviewed_by_team_and_customer_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """The account team and the customer reviewed the current SOW version."""
    sow = sow_for_engagement(eng)
    if sow is None or sow.current_id is None or sow.reviewed_version_id != sow.current_id:
        return "Record that the account team and the customer reviewed the current SOW draft."
    return None


SUBMIT_FOR_APPROVAL_GUARDS = (
    sow_draft_from_agreed_estimate_refusal,
    sow_terms_decided_refusal,
    sow_cost_estimate_attached_refusal,
    sow_reviewed_by_team_and_customer_refusal,
)


# --- SOW workflow guards -----------------------------------------------------------------------


def engagement_approved_refusal(sow: Any, ctx: MoveContext) -> str | None:
    """Legal stamps only a SOW whose engagement is Approved on the board."""
    if sow.engagement.state not in (EngagementStatus.APPROVED, EngagementStatus.CLOSED_WON):
        return "Legal stamps a SOW only after it is Approved (PS Leadership and Revenue)."
    return None


def vendor_signatory_refusal(sow: Any, ctx: MoveContext) -> str | None:
    """Only the vendor signatory named in the vendor profile countersigns (when one is named)."""
    email = vendor_profile_get().signatory_email.strip().lower()
    actor_email = (getattr(ctx.actor, "email", "") or "").strip().lower()
    if email and actor_email != email:
        p = vendor_profile_get()
        return f"The vendor signatory, {p.signatory_name or email} ({p.signatory_title}), countersigns this SOW."
    return None


def stamp_on_current_version_refusal(sow: Any, ctx: MoveContext) -> str | None:
    """Release for signature only after Legal stamped the current version's hash."""
    cur = sow.current
    if cur is None or not LegalCase.objects.filter(sow=sow, version=cur, content_hash=cur.content_hash).exists():
        return "Release for signature needs the legal stamp on the current version."
    return None


def version_rendered_refusal(sow: Any, ctx: MoveContext) -> str | None:
    """Release for signature only once the worker stored the current version's PDF (what the
    customer receives and signs, byte for byte)."""
    cur = sow.current
    if cur is not None and cur.render_state == RenderState.FAILED:
        return f"The PDF of v{cur.number} could not be rendered ({cur.render_error}); render it again first."
    if cur is None or cur.render_state != RenderState.READY or not cur.pdf_sha256:
        number = f" of v{cur.number}" if cur is not None else ""
        return f"The PDF{number} is still rendering; release it when its download link appears."
    return None


# --- CRM Closed Won booking path (registered from SowsConfig.ready) -----------------------------


def _sow_of_opportunity(opp: Any) -> Sow | None:
    """The SOW a further billable event of the opportunity belongs to (its card is on another one)."""
    ev = BillableEvent.objects.filter(opportunity=opp).select_related("sow", "sow__engagement").first()
    return ev.sow if ev else None


def _sow_booking_refusal(sow: Sow | None, opp: Any, ctx: MoveContext) -> str | None:
    if sow is None:
        return "Closed Won needs an executed SOW; none was generated yet."
    if sow.status != SowStatus.EXECUTED:
        return "Closed Won needs the SOW executed (customer and vendor signatures)."
    if sow_cost_estimate_attached_refusal(sow.engagement, ctx):
        return "Closed Won needs the cost estimate of the agreed estimate version."
    if not (opp.po_number.strip() or opp.no_po_required):
        return 'Closed Won needs a PO number or a recorded "no PO required".'
    return None


def _engagement_blocker(eng: Engagement) -> Blocker:
    """The open engagement in the way, with what the person closing may do about it."""
    return Blocker(
        label=f"{eng.title} ({eng.get_state_display()})",
        url=reverse("board:detail", args=[eng.pk]),
        actions=(
            BlockerAction("Close that engagement lost", reverse("board:close_lost_form", args=[eng.pk]), True),
            BlockerAction("Move it to its own opportunity", reverse("board:own_opportunity", args=[eng.pk])),
        ),
    )


def custom_sow_booking(opp: Any, ctx: MoveContext) -> Any:
    """Closed Won for a custom engagement (docs/process.md, Closed won): executed SOW + cost estimate
    + PO number or a recorded "no PO required". Applies to opportunities carrying an open engagement
    (each needs its own executed SOW, whatever else is signed: the verdict is `required` and names
    the engagement in the way) or a billable event of a SOW."""
    open_cards = list(Engagement.objects.filter(opportunity=opp).exclude(state__in=CLOSED_STATES).order_by("pk"))
    if not open_cards:
        sow = _sow_of_opportunity(opp)
        if sow is None:
            return None
        return BookingVerdict("custom SOW", _sow_booking_refusal(sow, opp, ctx))
    sows = {s.engagement_id: s for s in Sow.objects.filter(engagement__in=open_cards).select_related("engagement")}
    for eng in open_cards:
        refusal = _sow_booking_refusal(sows.get(eng.pk), opp, ctx)
        if refusal is not None:
            return BookingVerdict(
                "custom SOW",
                f'{refusal} The open custom engagement "{eng.title}" is on this opportunity and closes won only '
                "with its own executed SOW, cost estimate and PO: if it is not part of this sale, close that "
                "engagement lost (with a reason) or move it to its own opportunity first.",
                required=True,
                blockers=(_engagement_blocker(eng),),
            )
    return BookingVerdict("custom SOW", None, required=True)


# --- My work providers (registered from SowsConfig.ready) --------------------------------------


def _sow_items(sows: list[Any], since: str) -> list[WorkItem]:
    return [
        WorkItem(
            title=f"{s.number} {s.engagement.title}",
            url=reverse("sows:engagement", args=[s.engagement_id]),
            since=getattr(s, since) if since != "approved" else s.engagement.state_changed_at,
            note=f"{s.engagement.account.name} · v{s.current.number}" if s.current else s.engagement.account.name,
        )
        for s in sows
    ]


def my_work_sows_to_stamp(user: Actor) -> WorkGroup | None:
    """Legal: SOWs whose engagement is Approved and that wait for the stamp, oldest approval first
    (two queries)."""
    if not user.has_perm("sows.stamp_sow"):
        return None
    qs = Sow.objects.visible_to(user).filter(status=SowStatus.DRAFT, engagement__state=EngagementStatus.APPROVED)
    sows = list(
        qs.select_related("engagement", "engagement__account", "current").order_by(
            "engagement__state_changed_at", "id"
        )[:ITEMS_PER_GROUP]
    )
    return WorkGroup(
        key="sows_to_stamp",
        title="SOWs to stamp",
        count=qs.count(),
        items=_sow_items(sows, "approved"),
        empty_text="No approved SOW waits for the legal stamp.",
    )


def my_work_sows_to_countersign(user: Actor) -> WorkGroup | None:
    """The vendor signatory (vendor profile; any countersigner when none is named): SOWs the customer
    signed that wait for the countersignature, oldest customer signature first (three queries)."""
    if not user.has_perm("sows.countersign_sow"):
        return None
    signatory = vendor_profile_get().signatory_email.strip().lower()
    if signatory and (user.email or "").strip().lower() != signatory:
        return None
    signed = Signature.objects.filter(sow=OuterRef("pk"), party=Party.CUSTOMER).values("recorded_at")[:1]
    qs = Sow.objects.visible_to(user).filter(status=SowStatus.CUSTOMER_SIGNED)
    sows = list(
        qs.annotate(customer_signed_at=Subquery(signed))
        .select_related("engagement", "engagement__account", "current")
        .order_by("customer_signed_at", "id")[:ITEMS_PER_GROUP]
    )
    return WorkGroup(
        key="sows_to_countersign",
        title="SOWs to countersign",
        count=qs.count(),
        items=_sow_items(sows, "customer_signed_at"),
        empty_text="No customer-signed SOW waits for the countersignature.",
    )
