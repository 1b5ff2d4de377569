"""Customer documents render in the worker, stored by the hash of their content: asking for a
document never renders it in the request; the worker renders exactly the content asked for, once;
a change of content is a new rendering, the same content is not; a failed render says why and is
asked for again; the estimate PDF page shows "Rendering…" and then serves the file."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from psdesk.branding.document import Document, Section, Vendor, content_hash, document_from_dict
from psdesk.branding.models import RenderedDocument
from psdesk.branding.renditions import rendition_ask
from psdesk.branding.services import document_render
from psdesk.branding.testing import documents_worker_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _doc(title: str = "Professional Services for Acme") -> Document:
    s = Section(key="summary", heading="1. Summary", paragraphs=["Two days of consulting."])
    return Document(
        kind="Estimate",
        number="EST-1",
        version="1",
        date="2026-12-01",
        title=title,
        customer="Acme Corp",
        vendor=Vendor(),
        sections=[s],
    )


def test_a_document_round_trips_through_its_stored_source_with_the_same_hash() -> None:
    d = _doc()
    d.sections[0].rows = [("Item", "Price"), ("Consulting", "USD 1.00")]
    assert content_hash(document_from_dict(asdict(d))) == content_hash(d)


def test_asking_queues_one_render_and_the_worker_stores_that_content_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    d = _doc()
    with django_capture_on_commit_callbacks(execute=True):
        first = rendition_ask(document=d)
        second = rendition_ask(document=d)  # asked again while rendering: no second task
    assert (first.state, second.state, first.data) == ("rendering", "rendering", None)
    assert DBTaskResult.objects.filter(queue_name="documents").count() == 1
    row = RenderedDocument.objects.get()
    assert (row.state, row.content_hash, row.fmt, bool(row.file)) == ("rendering", content_hash(d), "pdf", False)

    assert documents_worker_run() == 1
    row.refresh_from_db()
    assert (row.state, row.source, row.error) == ("ready", None, "")
    with row.file.open("rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == row.sha256
    with django_capture_on_commit_callbacks(execute=True):
        ready = rendition_ask(document=d)
    assert (ready.state, ready.data, ready.sha256) == ("ready", data, row.sha256)
    assert DBTaskResult.objects.filter(queue_name="documents").count() == 1  # nothing new to render
    assert document_render(content_hash=row.content_hash, fmt="pdf") == "ready"  # idempotent
    assert RenderedDocument.objects.get().sha256 == row.sha256


def test_changed_content_renders_anew_and_the_old_rendering_stays(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rendition_ask(document=_doc())
        rendition_ask(document=replace(_doc(), title="Professional Services for Acme, phase 2"))
    assert RenderedDocument.objects.filter(state="rendering").count() == 2
    assert documents_worker_run() == 2
    assert sorted(RenderedDocument.objects.values_list("state", flat=True)) == ["ready", "ready"]


def test_a_failed_render_records_why_and_is_asked_for_again(django_capture_on_commit_callbacks: Any) -> None:
    d = _doc()
    with django_capture_on_commit_callbacks(execute=True):
        rendition_ask(document=d)
    row = RenderedDocument.objects.get()
    RenderedDocument.objects.filter(pk=row.pk).update(source={"not": "a document"})
    assert documents_worker_run() == 1
    row.refresh_from_db()
    assert row.state == "failed" and "KeyError" in row.error
    with django_capture_on_commit_callbacks(execute=True):
        again = rendition_ask(document=d)
    assert again.state == "rendering"
    assert documents_worker_run() == 1
    assert RenderedDocument.objects.get().state == "ready"


def test_a_stored_file_that_went_missing_is_rendered_again(django_capture_on_commit_callbacks: Any) -> None:
    d = _doc()
    with django_capture_on_commit_callbacks(execute=True):
        rendition_ask(document=d)
    documents_worker_run()
    row = RenderedDocument.objects.get()
    row.file.storage.delete(str(row.file.name))
    with django_capture_on_commit_callbacks(execute=True):
        assert rendition_ask(document=d).state == "rendering"
    documents_worker_run()
    assert rendition_ask(document=d).state == "ready"


def test_the_estimate_pdf_page_says_rendering_then_serves_the_stored_file(
    people: Any, make_engagement: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from psdesk.sows.tests.conftest import make_estimate

    eng = make_engagement()
    v = make_estimate(eng, agreed=False)
    c = Client()
    c.force_login(people.erin)
    url = f"/estimates/engagements/{eng.pk}/versions/{v.pk}/estimate.pdf"
    with django_capture_on_commit_callbacks(execute=True):
        waiting = c.get(url)
    html = waiting.content.decode()
    assert waiting.status_code == 202 and "Rendering…" in html and 'data-render-status="/branding/documents/' in html
    status_url = html.split('data-render-status="', 1)[1].split('"', 1)[0]
    assert c.get(status_url).json() == {"state": "rendering", "error": ""}
    api = c.get(f"/api/v1/estimates/versions/{v.pk}/pdf")
    assert api.status_code == 409 and api.json()["details"]["state"] == "rendering"
    documents_worker_run()
    assert c.get(status_url).json()["state"] == "ready"
    pdf = c.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    assert hashlib.sha256(pdf.content).hexdigest() == pdf["X-Content-SHA256"]
    assert c.get(f"/api/v1/estimates/versions/{v.pk}/pdf").content == pdf.content
    assert c.get("/branding/documents/0000/pdf/status").status_code == 404


def test_a_render_whose_task_was_lost_is_asked_again_after_the_threshold_and_then_stored(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from datetime import timedelta

    from psdesk.branding.renditions import renditions_reask
    from psdesk.core import clock

    start = clock.now()
    with django_capture_on_commit_callbacks(execute=True):
        rendition_ask(document=_doc())
    DBTaskResult.objects.filter(queue_name="documents").delete()  # the task is lost (a flushed queue)
    with clock.frozen(start + timedelta(minutes=9)), django_capture_on_commit_callbacks(execute=True):
        assert renditions_reask(older_than=timedelta(minutes=10)) == 0  # not stuck yet
    assert DBTaskResult.objects.filter(queue_name="documents").count() == 0
    with clock.frozen(start + timedelta(minutes=11)), django_capture_on_commit_callbacks(execute=True):
        assert renditions_reask(older_than=timedelta(minutes=10)) == 1
        assert renditions_reask(older_than=timedelta(minutes=10)) == 0  # asked just now: not twice
    assert DBTaskResult.objects.filter(queue_name="documents").count() == 1
    assert documents_worker_run() == 1
    assert RenderedDocument.objects.get().state == "ready"
