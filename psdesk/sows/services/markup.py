"""Customer mark-up: upload a DOCX the customer returned (validated before anything is written),
then accept it (a new version carrying the customer's clause text) or reject it with a note."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.sows import document as doc
from psdesk.sows import markup as mk
from psdesk.sows.choices import MarkupStatus, VersionSource
from psdesk.sows.models import Markup, Sow, SowVersion
from psdesk.sows.selectors import policy_get
from psdesk.sows.services.common import EDIT, sha256_of, sow_lock, sow_require_editable
from psdesk.sows.services.versions import version_store


def _limits() -> mk.Limits:
    p = policy_get()
    return mk.Limits(
        max_bytes=p.upload_max_bytes, max_uncompressed=p.upload_max_uncompressed_bytes, max_ratio=p.upload_max_ratio
    )


def markup_upload(*, sow_id: int, actor: Actor, filename: str, data: bytes) -> Markup:
    """Store a DOCX the customer returned for the current version, with its tracked changes and
    comments listed per section.

    Invariant: nothing is written for a refused file. Side effects: the file in storage, a pending
    Markup row, audited `sows.markup_uploaded` with the counts. Raises PermissionDenied, NotFound,
    ValidationFailed (not a real DOCX, too large, macros, a zip bomb; no version yet), Conflict (past draft).
    """
    permission_require(actor, EDIT)
    if not filename.lower().endswith(".docx"):
        raise ValidationFailed("Upload the customer's mark-up as a .docx file.", code="bad_upload")
    limits = _limits()
    try:
        zf = mk.validate_docx(data, limits)
    except mk.MarkupError as exc:
        raise ValidationFailed(str(exc), code="bad_upload") from None
    with transaction.atomic():
        sow = sow_lock(actor=actor, sow_id=sow_id)
        sow_require_editable(sow)
        cur = sow.current
        if cur is None:
            raise ValidationFailed("Generate the SOW first.")
        headings = [s.heading for s in doc.sections(cur.content)]
        try:
            changes = mk.read_changes(zf, headings, limits)
        except mk.MarkupError as exc:
            raise ValidationFailed(str(exc), code="bad_upload") from None
        m = Markup(
            version=cur,
            sha256=sha256_of(data),
            changes=[c.as_dict() for c in changes],
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        m.file.save(f"sows/{sow.pk}/markup-v{cur.number}.docx", ContentFile(data), save=False)
        m.save()
        counts = {
            "insertions": sum(len(c.insertions) for c in changes),
            "deletions": sum(len(c.deletions) for c in changes),
            "comments": sum(len(c.comments) for c in changes),
        }
        audit_record(
            verb="sows.markup_uploaded",
            actor=actor,
            target=sow,
            after={"version": cur.number, "sha256": m.sha256, **counts},
        )
        return m


def _locked_markup(*, actor: Actor, markup_id: int) -> tuple[Markup, Sow]:
    m = Markup.objects.select_related("version").filter(pk=markup_id).first()
    if m is None:
        raise NotFound(f"mark-up {markup_id} not found")
    sow = sow_lock(actor=actor, sow_id=m.version.sow_id)
    m = Markup.objects.select_for_update(of=("self",)).select_related("version").get(pk=markup_id)
    if m.status != MarkupStatus.PENDING:
        raise Conflict(f"This mark-up was already {m.get_status_display().lower()}.", code="markup_decided")
    return m, sow


def _accepted_clauses(markup: Markup) -> dict[str, list[str]]:
    """{editable clause key: the customer's accepted paragraphs} for each clause the mark-up changed."""
    by_heading = {c["heading"]: c for c in markup.changes}
    edits: dict[str, list[str]] = {}
    for s in doc.sections(markup.version.content):
        if s.key in doc.EDITABLE_CLAUSES and s.heading in by_heading:
            c = by_heading[s.heading]
            if c["insertions"] or c["deletions"]:
                edits[s.key] = c["accepted_paragraphs"]
    return edits


def markup_accept(*, markup_id: int, actor: Actor) -> SowVersion:
    """Accept a mark-up: a new version whose editable clauses carry the customer's accepted text
    (insertions kept, deletions dropped).

    Only for a pending mark-up of the current version. Side effects: a new current version, the mark-up
    marked accepted, audited `sows.version_markup` and `sows.markup_accepted`. Raises PermissionDenied,
    NotFound, Conflict (already decided, an older version's mark-up, past draft).
    """
    permission_require(actor, EDIT)
    with transaction.atomic():
        m, sow = _locked_markup(actor=actor, markup_id=markup_id)
        sow_require_editable(sow)
        if sow.current_id != m.version_id:
            raise Conflict("The mark-up was made on an older version; ask the customer to mark up the current one.")
        cur = m.version
        edits = _accepted_clauses(m)
        content = doc.with_clauses(cur.content, edits)
        v = version_store(
            sow=sow,
            ev=cur.estimate_version,
            content=content,
            terms_kind=cur.terms_kind,
            msa_reference=cur.msa_reference,
            source=VersionSource.MARKUP,
            actor=actor,
        )
        now = clock.now()
        Markup.objects.filter(pk=m.pk).update(
            status=MarkupStatus.ACCEPTED, result_version=v, decided_by=actor, decided_at=now
        )
        audit_record(
            verb="sows.markup_accepted",
            actor=actor,
            target=sow,
            after={"markup": m.pk, "version": v.number, "clauses": sorted(edits)},
        )
        return v


def markup_reject(*, markup_id: int, actor: Actor, note: str) -> Markup:
    """Reject a pending mark-up with a note (required).

    Side effects: the mark-up marked rejected with the note, audited `sows.markup_rejected`. Raises
    PermissionDenied, NotFound, ValidationFailed (no note), Conflict (already decided).
    """
    permission_require(actor, EDIT)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why the mark-up is rejected.", details={"field": "note"})
    with transaction.atomic():
        m, sow = _locked_markup(actor=actor, markup_id=markup_id)
        now = clock.now()
        Markup.objects.filter(pk=m.pk).update(
            status=MarkupStatus.REJECTED, note=note[:5000], decided_by=actor, decided_at=now
        )
        m.refresh_from_db()
        audit_record(verb="sows.markup_rejected", actor=actor, target=sow, after={"markup": m.pk}, reason=note[:2000])
        return m
