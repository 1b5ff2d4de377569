"""Demo estimates. Engagements are created by the board demo (above this app), which calls
`estimate_demo` before moving a card past Strawman WIP so the estimate guards pass honestly: a real
version priced from the catalog, shared, and (for cards going on to SOW WIP) agreed by the customer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from psdesk.core.demo import DemoContext
from psdesk.core.types import Actor
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.services import (
    LineData,
    customer_agreement_record,
    estimate_version_create,
    estimate_version_share,
)

DEMO_LINES = (
    LineData("Kick-off and planning", "PM", Decimal("8"), "Agree scope, plan and access", provenance=("rule:kickoff",)),
    LineData("Install GitLab (3k reference architecture)", "PSE", Decimal("40"), provenance=("ssot:users",)),
    LineData("Migrate wave 1 (up to 200 projects)", "PSE", Decimal("32"), delivery="onsite"),
    LineData("Architecture review", "TA", Decimal("6")),
)


def load(ctx: DemoContext) -> None:
    """Nothing to load on its own: see `estimate_demo` (called by psdesk/board/demo.py)."""


def estimate_demo(engagement: Any, *, actor: Actor, agree: bool) -> EstimateVersion:
    """v1 of a small fixed-fee estimate (USD 28,380), shared; agreed by the customer when `agree`."""
    v = estimate_version_create(
        engagement_id=engagement.pk,
        actor=actor,
        lines=list(DEMO_LINES),
        assumptions="Customer provides VMs and network access\nSSO via the customer's IdP",
        out_of_scope="Geo replication\nCI/CD pipeline migration",
    )
    shared = estimate_version_share(version_id=v.pk, actor=actor)
    if agree:
        contact = engagement.account.name.split()[0].lower()
        customer_agreement_record(token=shared.token, name="Pat Buyer", email=f"buyer@{contact}.example")
    return shared.version
