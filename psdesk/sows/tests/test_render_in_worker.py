"""SOW documents render in the worker, never in the web request: a stored version is "rendering"
until its task runs; the task stores the DOCX and PDF by content hash once (idempotent), names them
on the version and audits it; pages answer "Rendering…" (202) and then the file; the API answers 409
naming the state; release waits for the PDF; what the customer signs is exactly the stored bytes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from psdesk.audit.models import AuditEvent
from psdesk.branding.models import RenderedDocument
from psdesk.core.errors import TransitionNotAllowed
from psdesk.engagements.choices import EngagementStatus
from psdesk.sows import tasks
from psdesk.sows.models import Sow, SowVersion
from psdesk.sows.services import sow_generate, sow_release, sow_review_record, sow_stamp
from psdesk.sows.tests.conftest import set_state

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _generate(eng: Any, people: Any, capture: Any) -> SowVersion:
    with capture(execute=True):
        return sow_generate(engagement_id=eng.pk, actor=people.erin)


def _sha(f: Any) -> str:
    with f.open("rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_a_stored_version_waits_for_the_worker_which_renders_it_once_by_content_hash(
    sow_wip: Any, people: Any, render_deferred: None, django_capture_on_commit_callbacks: Any
) -> None:
    v = _generate(sow_wip, people, django_capture_on_commit_callbacks)
    assert (v.render_state, v.pdf_sha256, v.docx_sha256, bool(v.pdf)) == ("rendering", "", "", False)
    [queued] = DBTaskResult.objects.filter(task_path=tasks.sow_version_render_task.module_path)
    assert (queued.queue_name, queued.args_kwargs["args"]) == ("documents", [v.pk])
    assert RenderedDocument.objects.count() == 0

    assert tasks.sow_version_render_task.call(v.pk) == "ready"
    v.refresh_from_db()
    assert v.render_state == "ready" and v.rendered_at is not None
    assert _sha(v.pdf) == v.pdf_sha256 and _sha(v.docx) == v.docx_sha256
    rows = {r.fmt: r for r in RenderedDocument.objects.all()}
    assert set(rows) == {"pdf", "docx"}
    assert (rows["pdf"].file.name, rows["pdf"].sha256, rows["pdf"].state) == (v.pdf.name, v.pdf_sha256, "ready")
    assert (rows["docx"].file.name, rows["docx"].sha256) == (v.docx.name, v.docx_sha256)
    [ev] = AuditEvent.objects.filter(verb="sows.version_rendered")
    assert ev.after == {"version": 1, "docx_sha256": v.docx_sha256, "pdf_sha256": v.pdf_sha256}

    # idempotent: the task again (a retried or duplicated message) changes nothing
    assert tasks.sow_version_render_task.call(v.pk) == "ready"
    again = SowVersion.objects.get(pk=v.pk)
    assert (again.pdf.name, again.pdf_sha256, again.docx_sha256) == (v.pdf.name, v.pdf_sha256, v.docx_sha256)
    assert RenderedDocument.objects.count() == 2
    assert AuditEvent.objects.filter(verb="sows.version_rendered").count() == 1


def test_a_version_renders_anew_only_when_its_document_changed(
    sow_wip: Any, people: Any, render_deferred: None, django_capture_on_commit_callbacks: Any
) -> None:
    v1 = _generate(sow_wip, people, django_capture_on_commit_callbacks)
    tasks.sow_version_render_task.call(v1.pk)
    # v1 rendered from a stale copy of its row (a second worker) finds the files stored: nothing new
    SowVersion.objects.filter(pk=v1.pk).update(render_state="rendering")
    tasks.sow_version_render_task.call(v1.pk)
    assert RenderedDocument.objects.count() == 2
    v2 = _generate(sow_wip, people, django_capture_on_commit_callbacks)  # version 2: another document
    tasks.sow_version_render_task.call(v2.pk)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert RenderedDocument.objects.count() == 4
    assert v1.pdf_sha256 != v2.pdf_sha256 and v1.pdf.name != v2.pdf.name


def test_the_download_page_says_rendering_then_serves_the_stored_file(
    sow_wip: Any, people: Any, render_deferred: None, django_capture_on_commit_callbacks: Any
) -> None:
    c = _client(people.erin)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/sows/engagements/{sow_wip.pk}/generate")
    v = SowVersion.objects.get()
    page = c.get(f"/sows/engagements/{sow_wip.pk}/").content.decode()
    assert 'data-render-state="rendering"' in page and "Rendering…" in page
    assert "branding/rendering.js" in page
    for fmt in ("pdf", "docx"):
        r = c.get(f"/sows/versions/{v.pk}/{fmt}")
        html = r.content.decode()
        assert (r.status_code, r["Content-Type"].split(";")[0]) == (202, "text/html")
        assert "Rendering…" in html and f'data-render-status="/sows/versions/{v.pk}/status"' in html
        assert "<script>" not in html  # CSP: the poller is a static file
    assert c.get(f"/sows/versions/{v.pk}/status").json()["state"] == "rendering"
    api = c.get(f"/api/v1/sows/versions/{v.pk}/download", {"format": "pdf"})
    assert api.status_code == 409 and api["Content-Type"].startswith("application/json")
    assert api.json()["code"] == "document_rendering" and api.json()["details"]["state"] == "rendering"
    assert c.get(f"/api/v1/sows/{v.sow_id}/versions").json()[0]["render_state"] == "rendering"

    tasks.sow_version_render_task.call(v.pk)
    v.refresh_from_db()
    status = c.get(f"/sows/versions/{v.pk}/status").json()
    assert status == {"state": "ready", "error": "", "docx_sha256": v.docx_sha256, "pdf_sha256": v.pdf_sha256}
    d = c.get(f"/sows/versions/{v.pk}/pdf")
    assert d.status_code == 200 and hashlib.sha256(d.getvalue()).hexdigest() == v.pdf_sha256
    api = c.get(f"/api/v1/sows/versions/{v.pk}/download", {"format": "docx"})
    assert api.status_code == 200 and api["X-Content-SHA256"] == v.docx_sha256
    page = c.get(f"/sows/engagements/{sow_wip.pk}/").content.decode()
    assert 'data-render-state="ready"' in page
    assert c.get("/sows/versions/999999/status").status_code == 404
    assert _client(people.olga).get(f"/sows/versions/{v.pk}/pdf").status_code in (403, 404)


def test_release_waits_for_the_pdf_and_the_customer_gets_exactly_the_stored_bytes(
    sow_wip: Any, people: Any, opportunity: Any, render_deferred: None, django_capture_on_commit_callbacks: Any
) -> None:
    v = _generate(sow_wip, people, django_capture_on_commit_callbacks)
    sow_review_record(sow_id=v.sow_id, actor=people.erin)
    set_state(sow_wip, EngagementStatus.APPROVED)
    sow_stamp(sow_id=v.sow_id, version_id=v.pk, actor=people.lena)
    with pytest.raises(TransitionNotAllowed, match="still rendering"):
        sow_release(sow_id=v.sow_id, actor=people.erin, signer_email="carl@customer.example")
    assert Sow.objects.get(pk=v.sow_id).status == "stamped"
    assert not AuditEvent.objects.filter(verb="sows.release").exists()

    tasks.sow_version_render_task.call(v.pk)
    sow = sow_release(sow_id=v.sow_id, actor=people.erin, signer_email="carl@customer.example")
    v.refresh_from_db()
    [req] = sow.signature_requests.all()
    stored = RenderedDocument.objects.get(fmt="pdf")
    assert req.pdf_sha256 == v.pdf_sha256 == stored.sha256 == _sha(stored.file)


def test_a_version_whose_render_task_was_lost_is_asked_again_by_the_scheduled_job(
    sow_wip: Any, people: Any, render_deferred: None, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from datetime import timedelta

    from psdesk.core import clock
    from psdesk.ops.tasks import renders_reask_task

    settings.PSDESK_RENDER_REASK_AFTER_SECONDS = 600
    v = _generate(sow_wip, people, django_capture_on_commit_callbacks)
    DBTaskResult.objects.filter(task_path=tasks.sow_version_render_task.module_path).delete()  # lost
    with django_capture_on_commit_callbacks(execute=True):
        assert renders_reask_task.call() == {"documents": 0, "sow_versions": 0}  # not stuck yet
    with (
        clock.frozen(v.render_requested_at + timedelta(minutes=11)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert renders_reask_task.call() == {"documents": 0, "sow_versions": 1}
        assert renders_reask_task.call() == {"documents": 0, "sow_versions": 0}  # asked just now
    [queued] = DBTaskResult.objects.filter(task_path=tasks.sow_version_render_task.module_path)
    assert queued.args_kwargs["args"] == [v.pk]
    assert tasks.sow_version_render_task.call(v.pk) == "ready"
