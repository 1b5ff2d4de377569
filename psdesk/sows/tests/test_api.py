"""The SOW API: the happy path through the endpoints, permissions per role (incl. the outsider),
PubSec (pat sees, erin gets 404), uploads as multipart, and bad input as 4xx, never 500."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from psdesk.sows.models import Markup, Sow, SowVersion

pytestmark = pytest.mark.django_db


def _current(sow: Any) -> Any:
    assert sow.current is not None, "the SOW has a current version"
    return sow.current


def _multipart(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.client.post(path, data, HTTP_AUTHORIZATION=f"Bearer {client.token}")


def test_generate_list_and_download_through_the_api(api: Any, sow_wip: Any) -> None:
    r = api("erin").post(f"/api/v1/sows/engagements/{sow_wip.pk}/generate", {"billing_terms": "per_milestone"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["billing_terms"], body["current"]["number"]) == ("draft", "per_milestone", 1)
    assert body["current"]["total"] == "29040.00"
    sow_id, vid = body["id"], body["current"]["id"]
    versions = api("leo").get(f"/api/v1/sows/{sow_id}/versions").json()
    assert [v["number"] for v in versions] == [1]
    for fmt in ("docx", "pdf"):
        d = api("alice").get(f"/api/v1/sows/versions/{vid}/download", format=fmt)
        assert d.status_code == 200
        assert hashlib.sha256(d.content).hexdigest() == body["current"][f"{fmt}_sha256"]
    assert api("erin").get(f"/api/v1/sows/versions/{vid}/download", format="exe").status_code == 422
    assert api("erin").get(f"/api/v1/sows/engagements/{sow_wip.pk}").json()["id"] == sow_id


def test_generating_without_agreement_is_422_and_for_the_wrong_role_403(
    api: Any, make_engagement: Any, sow_wip: Any
) -> None:
    eng = make_engagement()
    r = api("erin").post(f"/api/v1/sows/engagements/{eng.pk}/generate", {})
    assert (r.status_code, r.json()["code"]) == (422, "estimate_not_agreed")
    for who in ("alice", "lena", "olga"):
        assert api(who).post(f"/api/v1/sows/engagements/{sow_wip.pk}/generate", {}).status_code == 403
    assert api("erin").post("/api/v1/sows/engagements/999999/generate", {}).status_code == 404
    assert SowVersion.objects.count() == 0


def test_the_outsider_sees_nothing(api: Any, sow_wip: Any) -> None:
    sow_id = api("erin").post(f"/api/v1/sows/engagements/{sow_wip.pk}/generate", {}).json()["id"]
    assert api("olga").get(f"/api/v1/sows/{sow_id}").status_code == 403
    assert api("olga").get(f"/api/v1/sows/{sow_id}/versions").status_code == 403


def test_pubsec_sows_are_404_for_non_members(api: Any, people: Any, make_account: Any, make_engagement: Any) -> None:
    from psdesk.engagements.choices import EngagementStatus
    from psdesk.sows.tests.conftest import make_estimate, set_state

    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    set_state(eng, EngagementStatus.SOW_WIP)
    make_estimate(eng)
    r = api("pat").post(f"/api/v1/sows/engagements/{eng.pk}/generate", {})
    assert r.status_code == 201
    sow_id, vid = r.json()["id"], r.json()["current"]["id"]
    assert api("erin").post(f"/api/v1/sows/engagements/{eng.pk}/generate", {}).status_code == 404
    assert api("erin").get(f"/api/v1/sows/{sow_id}").status_code == 404
    assert api("erin").get(f"/api/v1/sows/versions/{vid}/download").status_code == 404
    assert api("lena").post(f"/api/v1/sows/{sow_id}/stamp", {"version_id": vid}).status_code == 404
    assert SowVersion.objects.count() == 1


def test_markup_upload_accept_and_bad_uploads_over_http(api: Any, sow_wip: Any) -> None:
    from psdesk.sows.tests.test_markup import marked_up

    body = api("erin").post(f"/api/v1/sows/engagements/{sow_wip.pk}/generate", {}).json()
    docx = api("erin").get(f"/api/v1/sows/versions/{body['current']['id']}/download", format="docx").content
    bad = _multipart(api("erin"), f"/api/v1/sows/{body['id']}/markups", {"file": SimpleUploadedFile("x.docx", b"nope")})
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_upload")
    r = _multipart(
        api("erin"), f"/api/v1/sows/{body['id']}/markups", {"file": SimpleUploadedFile("r.docx", marked_up(docx))}
    )
    assert r.status_code == 201, r.content
    assert Markup.objects.count() == 1
    assert api("alice").post(f"/api/v1/sows/markups/{r.json()['id']}/accept").status_code == 403
    acc = api("erin").post(f"/api/v1/sows/markups/{r.json()['id']}/accept")
    assert (acc.status_code, acc.json()["number"], acc.json()["source"]) == (200, 2, "markup")


def test_stamp_release_sign_and_fragments_over_http(api: Any, approved_sow: Sow, people: Any) -> None:
    sid, vid = approved_sow.pk, approved_sow.current_id
    assert api("erin").post(f"/api/v1/sows/{sid}/release", {"signer_email": "cam@customer.example"}).status_code == 409
    assert api("erin").post(f"/api/v1/sows/{sid}/stamp", {"version_id": vid}).status_code == 403
    r = api("lena").post(f"/api/v1/sows/{sid}/stamp", {"version_id": vid})
    assert r.status_code == 201 and r.json()["content_hash"] == _current(approved_sow).content_hash
    assert (
        api("erin").post(f"/api/v1/sows/{sid}/release", {"signer_email": "cam@customer.example"}).json()["status"]
        == "released"
    )
    pdf = api("erin").get(f"/api/v1/sows/versions/{vid}/download").content
    s = _multipart(
        api("erin"),
        f"/api/v1/sows/{sid}/signatures/customer",
        {"name": "Carl Customer", "title": "CTO", "signed_pdf": SimpleUploadedFile("signed.pdf", pdf)},
    )
    assert s.status_code == 201, s.content
    assert s.json()["signed_pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert api("erin").post(f"/api/v1/sows/{sid}/signatures/vendor", {}).status_code == 403
    done = api("rita").post(f"/api/v1/sows/{sid}/signatures/vendor", {"name": "Rita Revenue"})
    assert done.json()["status"] == "executed"
    z = api("erin").get(f"/api/v1/sows/versions/{vid}/fragments")
    assert z.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert "sections.txt" in names and "MANIFEST.txt" in names and "10-fees.docx" in names
    text = zipfile.ZipFile(io.BytesIO(z.content)).read("sections.txt").decode()
    assert "8. Fees" in text and "USD 29,040.00" in text
