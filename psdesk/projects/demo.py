"""Demo projects: a Prospect for each stage 5+ opportunity (the CRM demo creates those directly,
without the stage move that would have created them)."""

from __future__ import annotations

from psdesk.core.demo import DemoContext
from psdesk.crm.models import Opportunity
from psdesk.projects.services import STAGE_5_PLUS, project_create


def load(ctx: DemoContext) -> None:
    for opp in Opportunity.objects.filter(stage__in=STAGE_5_PLUS, project__isnull=True).select_related("account"):
        project_create(opportunity=opp)
