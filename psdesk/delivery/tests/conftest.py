"""Delivery fixtures: an Active project of erin's engagement with an executed SOW (two milestones:
Implementation 48 h USD 15,840.00 and Migration 32 h USD 10,560.00), booked through the real
Closed Won path; the SOW fixtures come from psdesk/sows/tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.sows.tests.conftest import _media, approved_sow, estimate, opportunity, sow_wip  # noqa: F401 — fixtures

SIGNER = "carl@acme.test"


def execute_and_book(sow: Any, people: Any, opp: Any) -> Any:
    """Stamp, release, sign, countersign; Closed Won (no PO required); the project set Active."""
    from psdesk.crm.services import opportunity_transition, opportunity_update
    from psdesk.projects.choices import ProjectStatus
    from psdesk.projects.models import Project
    from psdesk.projects.services import contact_add
    from psdesk.sows.services import sow_countersign, sow_customer_sign, sow_release, sow_stamp

    sow_stamp(sow_id=sow.pk, version_id=sow.current_id, actor=people.lena)
    sow_release(sow_id=sow.pk, actor=people.erin, signer_email=SIGNER)
    sow_customer_sign(sow_id=sow.pk, actor=people.erin, name="Carl Customer", title="CTO")
    sow_countersign(sow_id=sow.pk, actor=people.rita)
    opportunity_update(opportunity_id=opp.pk, actor=people.rita, changes={"no_po_required": True})
    opportunity_transition(opportunity_id=opp.pk, action="close_won", actor=people.rita)
    project = Project.objects.get(opportunity=opp)
    contact_add(project_id=project.pk, name="Carl Customer", email=SIGNER, role="champion", actor=people.paula)
    # set-up (checklist, welcome email) is not under test here: straight to Active
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.ACTIVE)
    project.refresh_from_db()
    return project


@pytest.fixture
def booked_project(approved_sow: Any, people: Any, opportunity: Any, frozen_clock: Any) -> Any:  # noqa: F811
    """The whole path (rendered SOW, signatures, Closed Won): for the seam with sows/crm/projects."""
    from psdesk.crm.models import Account

    Account.objects.filter(pk=opportunity.account_id).update(country="US", subdivision="NY")
    return execute_and_book(approved_sow, people, opportunity)


@pytest.fixture
def project(sow_wip: Any, people: Any, opportunity: Any, frozen_clock: Any) -> Any:  # noqa: F811
    """The same project without rendering documents: the executed SOW version's content is built
    by the SOW app's own builder and stored as executed; the project booked and set Active."""
    from psdesk.core import clock
    from psdesk.crm.models import Account
    from psdesk.delivery.services import milestones_create_from_sow
    from psdesk.estimates.selectors import agreed_version
    from psdesk.projects.choices import ProjectStatus
    from psdesk.projects.models import Project
    from psdesk.projects.services import contact_add, project_book
    from psdesk.sows import document as doc
    from psdesk.sows.choices import SowStatus
    from psdesk.sows.models import Sow, SowVersion
    from psdesk.sows.services.versions import _build

    Account.objects.filter(pk=opportunity.account_id).update(country="US", subdivision="NY")
    ev = agreed_version(sow_wip)
    assert ev is not None
    sow = Sow.objects.create(engagement=sow_wip)
    content, terms, msa = _build(sow=sow, ev=ev, milestones=None, billing_terms=sow.billing_terms)
    v = SowVersion.objects.create(
        sow=sow,
        number=1,
        estimate_version=ev,
        terms_kind=terms,
        msa_reference=msa,
        content=content,
        content_hash=doc.content_hash(content),
        total=ev.price,
        currency=ev.currency,
    )
    Sow.objects.filter(pk=sow.pk).update(current=v, status=SowStatus.EXECUTED, executed_at=clock.now())
    project = project_book(opportunity=opportunity, actor=people.rita)
    contact_add(project_id=project.pk, name="Carl Customer", email=SIGNER, role="champion", actor=people.paula)
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.ACTIVE)
    project.refresh_from_db()
    milestones_create_from_sow(project=project, actor=people.rita)
    return project
