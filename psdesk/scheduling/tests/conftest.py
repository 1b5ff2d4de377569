from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.scheduling.models import Consultant, ConsultantSkill, Skill


@pytest.fixture
def bench_team(db: Any) -> dict[str, Consultant]:
    """Two PSEs (one cleared), one PM, one TA with geo 3, one cleared TA with geo 4."""
    geo = Skill.objects.create(name="geo")
    Skill.objects.create(name="ci")

    def make(name: str, role: str, *, cleared: bool = False, geo_level: int = 0) -> Consultant:
        c = Consultant.objects.create(
            name=name,
            email=f"{name}@example.com",
            role=role,
            us_citizen=cleared,
            cleared=cleared,
            weekly_capacity_hours=Decimal("40"),
            utilisation_target=Decimal("1"),
            holiday_country="ZZ",
        )
        if geo_level:
            ConsultantSkill.objects.create(consultant=c, skill=geo, level=geo_level)
        return c

    return {
        "pia": make("pia", "PSE"),
        "quinn": make("quinn", "PSE", cleared=True),
        "max": make("max", "PM", cleared=True),
        "tess": make("tess", "TA", geo_level=3),
        "uma": make("uma", "TA", cleared=True, geo_level=4),
    }


@pytest.fixture
def won_opportunity(make_account: Any) -> Any:
    def make(name: str = "Acme", *, stage: str = OpportunityStage.CLOSED_WON, pubsec: bool = False) -> Opportunity:
        acc = make_account(name, pubsec=pubsec)
        return Opportunity.objects.create(name=f"{name} PS", account=acc, stage=stage)

    return make


WON_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
