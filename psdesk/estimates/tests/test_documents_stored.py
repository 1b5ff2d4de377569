"""Estimate PDF and workbook downloads serve stored files: the request computes a cheap fingerprint
of what the document depends on and never builds the document when that fingerprint is stored;
the workbook renders in the worker like the PDF ("Rendering…" page 202, API 409); and a change of
any input (the version's content, the customer's name, the vendor profile) is a new document,
never the stale file."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from psdesk.branding.models import RenderedDocument
from psdesk.branding.rendering import pdf_text
from psdesk.branding.selectors import vendor_profile_get
from psdesk.branding.services import vendor_profile_save
from psdesk.branding.testing import documents_worker_run
from psdesk.estimates import exports
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.services import estimate_version_create, estimate_version_update
from psdesk.estimates.tests.conftest import L

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(people: Any, strawman: Any, media: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """A draft version whose PDF and customer workbook the worker rendered after it was created."""
    with django_capture_on_commit_callbacks(execute=True):
        v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    documents_worker_run()
    return EstimateVersion.objects.select_related("engagement__account").get(pk=v.pk)


def _client(people: Any, who: str = "erin") -> Client:
    c = Client()
    c.force_login(people[who])
    return c


def _urls(v: Any) -> tuple[str, str]:
    base = f"/estimates/engagements/{v.engagement_id}/versions/{v.pk}/"
    return base + "estimate.pdf", base + "estimate.xlsx"


def _sheet_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


def test_after_a_change_the_worker_stored_both_and_downloads_never_build_the_document(
    people: Any, ready: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*a: Any, **kw: Any) -> Any:
        raise AssertionError("a download request built the document")

    monkeypatch.setattr(exports, "estimate_document", refuse)
    monkeypatch.setattr(exports, "estimate_xlsx", refuse)
    c = _client(people)
    pdf_url, xlsx_url = _urls(ready)
    pdf = c.get(pdf_url)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    x = c.get(xlsx_url)
    assert x.status_code == 200 and x["Content-Type"] == exports.XLSX_MIME and x.content[:2] == b"PK"
    assert "Cost & margin" not in load_workbook(io.BytesIO(x.content)).sheetnames
    assert c.get(f"/api/v1/estimates/versions/{ready.pk}/pdf").content == pdf.content
    assert c.get(f"/api/v1/estimates/versions/{ready.pk}/xlsx").content == x.content
    # Content the worker has not reached yet: the request still only asks (Rendering…).
    EstimateVersion.objects.filter(pk=ready.pk).update(assumptions="Changed behind the services' back.")
    assert c.get(pdf_url).status_code == 202 and c.get(xlsx_url).status_code == 202


def test_an_edit_is_a_new_pdf_and_workbook_never_the_stale_file(
    people: Any, ready: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c = _client(people)
    pdf_url, xlsx_url = _urls(ready)
    old_pdf, old_xlsx = c.get(pdf_url).content, c.get(xlsx_url).content
    # An edit whose render has not run yet (the trigger's task is dropped): the downloads wait.
    estimate_version_update(
        version_id=ready.pk,
        actor=people.erin,
        revision=ready.revision,
        lines=[L("Quarterly roadmap review", "PSE", "6")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = c.get(xlsx_url)
        api = c.get(f"/api/v1/estimates/versions/{ready.pk}/xlsx")
        pdf_page = c.get(pdf_url)
    assert page.status_code == 202 and "Rendering…" in page.content.decode()
    assert api.status_code == 409 and api.json()["code"] == "document_rendering"
    assert api.json()["details"]["status_url"].startswith("/branding/documents/")
    assert pdf_page.status_code == 202 and "Rendering…" in pdf_page.content.decode()
    status_url = page.content.decode().split('data-render-status="', 1)[1].split('"', 1)[0]
    assert c.get(status_url).json() == {"state": "rendering", "error": ""}
    documents_worker_run()
    assert c.get(status_url).json()["state"] == "ready"
    new_pdf, new_xlsx = c.get(pdf_url), c.get(xlsx_url)
    assert new_pdf.status_code == new_xlsx.status_code == 200
    assert new_pdf.content != old_pdf and new_xlsx.content != old_xlsx
    assert "Quarterly roadmap review" in pdf_text(new_pdf.content)
    assert "Quarterly roadmap review" in _sheet_text(new_xlsx.content)


def test_each_input_of_the_documents_changes_their_fingerprint(people: Any, ready: Any) -> None:
    from psdesk.crm.models import Account

    def prints(v: Any) -> tuple[str, ...]:
        v = EstimateVersion.objects.select_related("engagement__account").get(pk=v.pk)
        return tuple(
            exports.document_fingerprint(v, variant=k) for k in (exports.PDF, exports.XLSX, exports.XLSX_INTERNAL)
        )

    seen = {prints(ready)}
    assert len(set(next(iter(seen)))) == 3  # each variant is its own document

    def changed() -> None:
        now = prints(ready)
        assert now not in seen and not set(now) & {p for t in seen for p in t}
        seen.add(now)

    estimate_version_update(version_id=ready.pk, actor=people.erin, revision=0, assumptions="Customer hosts GitLab.")
    changed()
    EstimateVersion.objects.filter(pk=ready.pk).update(out_of_scope="Data migration.")  # even without a revision bump
    changed()
    from psdesk.estimates.models import EstimateLine

    EstimateLine.objects.filter(version_id=ready.pk).update(price="1.00")  # a line changed in place
    changed()
    Account.objects.filter(pk=ready.engagement.account_id).update(name="Strawman Holdings")
    changed()
    p = vendor_profile_get()
    before = {f: getattr(p, f) for f in ("legal_name", "signatory_name")}
    p.legal_name = "GitLab B.V."
    vendor_profile_save(profile=p, actor="tests", before=before)
    changed()
    type(p).objects.filter(pk=p.pk).update(logo="branding/new-logo.png")
    changed()
    type(p).objects.filter(pk=p.pk).update(footer_text="Confidential")
    changed()
    assert exports.LAYOUT  # a layout change is a code change: LAYOUT is bumped with it


def test_the_customer_and_vendor_names_on_the_stored_files_follow_their_rows(
    people: Any, ready: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from psdesk.crm.models import Account

    c = _client(people)
    pdf_url, xlsx_url = _urls(ready)
    Account.objects.filter(pk=ready.engagement.account_id).update(name="Strawman Holdings")
    p = vendor_profile_get()
    p.legal_name = "GitLab B.V."
    vendor_profile_save(profile=p, actor="tests", before={"legal_name": "GitLab Inc."})
    with django_capture_on_commit_callbacks(execute=True):
        assert c.get(pdf_url).status_code == 202
        assert c.get(xlsx_url).status_code == 202
    documents_worker_run()
    text = pdf_text(c.get(pdf_url).content)
    sheet = _sheet_text(c.get(xlsx_url).content)
    assert "Strawman Holdings" in text and "GitLab B.V." in text
    assert "Strawman Holdings" in sheet and "GitLab B.V." in sheet


def test_a_workbook_asked_for_before_an_edit_is_failed_and_the_next_download_is_current(
    people: Any, ready: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c = _client(people)
    _, xlsx_url = _urls(ready)
    with django_capture_on_commit_callbacks(execute=True):
        page = c.get(xlsx_url, {"variant": "internal"})
    assert page.status_code == 202
    status_url = page.content.decode().split('data-render-status="', 1)[1].split('"', 1)[0]
    estimate_version_update(
        version_id=ready.pk, actor=people.erin, revision=ready.revision, lines=[L("Security hardening", "PSE", "4")]
    )
    documents_worker_run()  # renders the version as it is now, not as it was asked
    status = c.get(status_url).json()
    assert status["state"] == "failed" and "download it again" in status["error"]
    x = c.get(xlsx_url, {"variant": "internal"})
    assert x.status_code == 200
    assert "Security hardening" in _sheet_text(x.content)
    assert "Cost & margin" in load_workbook(io.BytesIO(x.content)).sheetnames
    assert RenderedDocument.objects.filter(fmt="xlsx", state="ready").count() >= 2


def test_the_workbook_download_keeps_its_permissions(people: Any, ready: Any) -> None:
    _, xlsx_url = _urls(ready)
    assert _client(people, "alice").get(xlsx_url, {"variant": "internal"}).status_code == 404
    assert _client(people, "olga").get(xlsx_url).status_code in (403, 404)
    api = _client(people, "alice").get(f"/api/v1/estimates/versions/{ready.pk}/xlsx", {"variant": "internal"})
    assert api.status_code == 403 and api["Content-Type"].startswith("application/json")
    assert _client(people, "olga").get(f"/api/v1/estimates/versions/{ready.pk}/xlsx").status_code in (403, 404)
