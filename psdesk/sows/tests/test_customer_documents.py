"""Every rendered customer document passes the customer-text check: no internal key, no doubled
punctuation, no unfilled placeholder — in the SOW's PDF and DOCX (cover, page header/footer included)."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.branding.document import content_problems
from psdesk.branding.selectors import vendor_profile_get
from psdesk.sows import rendering
from psdesk.sows.services import sow_generate
from psdesk.sows.tests.conftest import make_estimate

pytestmark = pytest.mark.django_db

CALCULATOR_LINES = [
    ("impl_discovery", "PSE", "16", "implementation"),
    ("mig_pm", "PM", "8", "migration"),
    ("exec_readout", "PM", "4", "migration"),
    ("impl_admin_training", "Trainer", "8", "education"),
]
DESCRIPTIONS = {
    "impl_discovery": "Discovery and architecture design workshop",
    "mig_pm": "Migration project management",
    "exec_readout": "Executive read-out",
    "impl_admin_training": "System Admin Basic and Advanced training",
}


def calculator_estimate(eng: Any) -> None:
    """An agreed estimate whose lines carry the calculator's internal keys and rule descriptions."""
    from psdesk.estimates.models import EstimateLine, EstimateVersion

    EstimateVersion.objects.filter(engagement=eng).delete()
    v = make_estimate(eng, lines=CALCULATOR_LINES, number=1)
    v.assumptions = "Customer provides AWS accounts and admin access\nBitbucket Server reachable from the runners"
    v.out_of_scope = "CI/CD pipeline conversion\nJenkins decommissioning"
    v.save()
    for key, text in DESCRIPTIONS.items():
        EstimateLine.objects.filter(version=v, activity=key).update(description=text)


def test_the_generated_sow_reads_as_a_customer_document(sow_wip: Any, people: Any, frozen_clock: Any) -> None:
    calculator_estimate(sow_wip)
    sow_wip.description = "Created by the Services Calculator for sam: Implementation."
    sow_wip.save()
    p = vendor_profile_get()
    p.address, p.signatory_title = "268 Bush Street\nSan Francisco", "VP Revenue Accounting"
    p.save()
    v = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    with v.pdf.open("rb") as fh:
        pdf = rendering.pdf_text(fh.read())
    with v.docx.open("rb") as fh:
        docx = rendering.docx_text(fh.read())
    for text in (pdf, docx):
        assert content_problems(text) == []
        assert "Discovery and architecture design workshop" in text and "Executive read-out" in text
        lines = [ln.strip(" \u2022") for ln in text.splitlines()]
        assert "CI/CD pipeline conversion" in lines and "Jenkins decommissioning" in lines
        assert "Created by the Services Calculator" not in text
        assert "Scope Issue" not in text
        assert "For Acme Corp (Customer)" in text and "For GitLab Inc. (Vendor)" in text
        assert "268 Bush Street" in text
    assert "Statement of Work SOW-" in pdf and "Page 1 of" in pdf.replace("Page 2 of", "Page 1 of")
    assert "Prepared for Acme Corp" in pdf and f"Version {v.number}" in pdf
