from __future__ import annotations

import datetime
import hashlib
import io
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from psdesk.core.workflow import MoveContext
from psdesk.sows import document as doc
from psdesk.sows import rendering
from psdesk.sows.models import Sow, SowVersion
from psdesk.sows.selectors import version_rendered_refusal
from psdesk.sows.services import sow_generate, sow_version_render_retry
from psdesk.sows.tests.conftest import make_estimate

pytestmark = pytest.mark.django_db


def test_generating_a_sow_makes_version_1_from_the_agreed_estimate(
    sow_wip: Any, people: Any, frozen_clock: Any
) -> None:
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert v.number == 1
    assert v.estimate_version.number == 1
    assert v.terms_kind == "standard"
    assert str(v.total) == "29040.00"
    c = v.content
    assert c["fees"]["services_subtotal"] == "26400.00"
    assert c["fees"]["education_subtotal"] == "2640.00"
    assert [m["name"] for m in c["milestones"]] == ["Implementation", "Migration"]
    assert c["fees"]["education"] == [{"item": "GitLab CI/CD training", "hours": "8", "amount": "2640.00"}]
    assert "5 business days" in " ".join(c["clauses"]["acceptance"])
    assert c["clauses"]["assumptions"][0] == "Customer provides a staging environment."
    with v.docx.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == v.docx_sha256
    with v.pdf.open("rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == v.pdf_sha256
    assert v.content_hash == doc.content_hash(c)
    ev = AuditEvent.objects.get(verb="sows.version_generated")
    assert ev.after["content_hash"] == v.content_hash and ev.after["version"] == 1


def test_each_generation_is_a_new_immutable_version(sow_wip: Any, people: Any, frozen_clock: Any) -> None:
    v1 = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    v2 = sow_generate(engagement_id=sow_wip.pk, actor=people.erin, billing_terms="half_half")
    v1.refresh_from_db()
    assert (v1.number, v2.number) == (1, 2)
    assert v1.content["billing_terms"] == "on_execution"
    assert v2.content["billing_terms"] == "half_half"
    assert v1.content_hash != v2.content_hash
    assert Sow.objects.get().current_id == v2.pk


def test_docx_and_pdf_have_the_same_text_section_by_section(sow_wip: Any, people: Any, frozen_clock: Any) -> None:
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    with v.docx.open("rb") as fh:
        docx_txt = rendering.docx_text(fh.read())
    with v.pdf.open("rb") as fh:
        pdf_txt = rendering.pdf_body_text(rendering.pdf_text(fh.read()), v.content, version=v.number)
    heads = [s.heading for s in doc.sections(v.content)]
    a, b = doc.split_by_headings(docx_txt, heads), doc.split_by_headings(pdf_txt, heads)
    assert list(a) == ["", *heads]
    for h in a:
        assert a[h] == b[h], h
    assert "1. Parties and governing terms" in heads and "11. Signatures" in heads[-1]
    assert "USD 29,040.00" in " ".join(a["8. Fees"])


def test_msa_in_force_governs_and_an_expired_one_does_not(sow_wip: Any, people: Any, frozen_clock: Any) -> None:
    from psdesk.crm.models import Msa

    acct = sow_wip.account
    Msa.objects.create(
        account=acct,
        reference="MSA-OLD",
        effective_from=datetime.date(2020, 1, 1),
        effective_to=datetime.date(2025, 12, 31),
    )
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert (v.terms_kind, v.msa_reference) == ("standard", "")
    assert "standard terms" in v.content["terms"]["text"][0]
    Msa.objects.create(account=acct, reference="MSA-2026-7", effective_from=datetime.date(2026, 1, 1))
    v2 = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert (v2.terms_kind, v2.msa_reference) == ("msa", "MSA-2026-7")
    assert "Master Services Agreement MSA-2026-7" in v2.content["terms"]["text"][0]


def test_generating_without_a_customer_agreement_is_refused_and_writes_nothing(
    make_engagement: Any, people: Any, frozen_clock: Any
) -> None:
    eng = make_engagement()
    make_estimate(eng, agreed=False)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match="has not agreed"):
        sow_generate(engagement_id=eng.pk, actor=people.erin)
    assert Sow.objects.count() == 0 and SowVersion.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_generating_from_a_version_other_than_the_agreed_one_is_refused(sow_wip: Any, people: Any) -> None:
    other = make_estimate(sow_wip, agreed=False)
    with pytest.raises(ValidationFailed, match="not the version the customer agreed"):
        sow_generate(engagement_id=sow_wip.pk, actor=people.erin, estimate_version_id=other.pk)
    assert SowVersion.objects.count() == 0


def test_only_roles_that_edit_sows_generate_them(sow_wip: Any, people: Any) -> None:
    for who in ("alice", "lena", "olga", "rita"):
        with pytest.raises(PermissionDenied):
            sow_generate(engagement_id=sow_wip.pk, actor=people[who])
    assert SowVersion.objects.count() == 0


def test_editing_an_executed_sow_is_refused(sow_wip: Any, people: Any) -> None:
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    Sow.objects.filter(pk=v.sow_id).update(status="executed")
    with pytest.raises(Conflict, match="executed SOW is immutable"):
        sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert SowVersion.objects.count() == 1


def test_milestones_are_editable_as_a_new_version(sow_wip: Any, people: Any) -> None:
    from psdesk.sows.services import sow_milestones_edit

    v1 = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    v2 = sow_milestones_edit(
        sow_id=v1.sow_id,
        actor=people.erin,
        milestones=[{"name": "Plan", "lines": [0]}, {"name": "Build and migrate", "lines": [1, 2]}],
    )
    assert v2.number == 2 and v2.source == "milestones"
    assert [(m["name"], m["amount"]) for m in v2.content["milestones"]] == [
        ("Plan", "2640.00"),
        ("Build and migrate", "23760.00"),
    ]
    with pytest.raises(ValidationFailed, match="exactly one milestone"):
        sow_milestones_edit(sow_id=v1.sow_id, actor=people.erin, milestones=[{"name": "Plan", "lines": [0, 1]}])
    assert SowVersion.objects.count() == 2
    # regenerating from the same estimate keeps the edited milestones
    v3 = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert [m["name"] for m in v3.content["milestones"]] == ["Plan", "Build and migrate"]


def test_clause_templates_are_versioned_and_the_latest_active_is_used(sow_wip: Any, people: Any) -> None:
    from psdesk.sows.models import ClauseTemplate

    ClauseTemplate.objects.create(key="travel", version=2, text="T&E for {customer} billed at cost, monthly.")
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert v.content["clauses"]["travel"] == ["T&E for Acme Corp billed at cost, monthly."]
    assert v.content["clause_versions"]["travel"] == 2


def test_docx_template_is_built_by_python_docx_with_row_loops() -> None:
    from docx import Document

    d = Document(io.BytesIO(rendering.build_docx_template()))
    cells = [c.text for r in d.tables[0].rows for c in r.cells]
    assert "{%tr for r in s.rows %}" in cells and "{%tr endfor %}" in cells


def test_the_demo_sow_is_generated_and_reviewed(sow_wip: Any, people: Any) -> None:
    from psdesk.core.workflow import MoveContext
    from psdesk.sows.demo import sow_demo
    from psdesk.sows.selectors import SUBMIT_FOR_APPROVAL_GUARDS

    v = sow_demo(sow_wip, actor=people.erin)
    assert v.number == 1
    assert [g(sow_wip, MoveContext(actor=people.erin)) for g in SUBMIT_FOR_APPROVAL_GUARDS] == [None] * 4


def _template(text: str) -> bytes:
    from docx import Document

    d = Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_an_admin_uploaded_docx_template_is_used_and_a_broken_one_fails_the_render_with_its_reason(
    sow_wip: Any, people: Any
) -> None:
    from django.core.files.base import ContentFile

    from psdesk.sows.models import DocxTemplate

    t = DocxTemplate(name="Our paper")
    t.file.save("ours.docx", ContentFile(_template("Our paper for {{ number }}")), save=True)
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    with v.docx.open("rb") as fh:
        assert rendering.docx_text(fh.read()) == f"Our paper for SOW-{v.sow_id}"
    t.active = False
    t.save()
    broken = DocxTemplate(name="Broken")
    broken.file.save("broken.docx", ContentFile(_template("{{ number ")), save=True)
    v2 = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    assert (v2.number, v2.render_state, v2.pdf_sha256) == (2, "failed", "")
    assert "template cannot be rendered" in v2.render_error and "fix or deactivate it" in v2.render_error
    assert "could not be rendered" in (version_rendered_refusal(v2.sow, MoveContext(actor=people.erin)) or "")
    broken.active = False
    broken.save()
    assert sow_version_render_retry(version=v2) is True  # asked again (here the worker runs at once)
    v2.refresh_from_db()
    assert (v2.render_state, v2.render_error) == ("ready", "")
    assert version_rendered_refusal(v2.sow, MoveContext(actor=people.erin)) is None
    assert sow_version_render_retry(version=v2) is False  # a ready version is left alone
