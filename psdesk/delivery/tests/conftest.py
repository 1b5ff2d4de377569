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
def project(approved_sow: Any, people: Any, opportunity: Any, frozen_clock: Any) -> Any:  # noqa: F811
    from psdesk.crm.models import Account

    Account.objects.filter(pk=opportunity.account_id).update(country="US", subdivision="NY")
    return execute_and_book(approved_sow, people, opportunity)
