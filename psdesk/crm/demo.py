"""Demo territories, accounts (several segments, one US PubSec) and opportunities."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from psdesk.core import clock
from psdesk.core.demo import DemoContext
from psdesk.crm.choices import EmConfidence, ForecastCategory, OpportunityStage, RecordType, Segment
from psdesk.crm.models import Account, Msa, Opportunity, Territory

ACCOUNTS: list[tuple[str, str, str, str, str, str, bool]] = [
    # name, segment, territory, country, subdivision, timezone, pubsec
    ("Acme Corp", Segment.ENT_EAST, "East", "US", "NY", "America/New_York", False),
    ("Globex GmbH", Segment.ENT_EMEA, "EMEA", "DE", "BY", "Europe/Berlin", False),
    ("Initech", Segment.MM_WEST, "West", "US", "CA", "America/Los_Angeles", False),
    ("Umbrella Pty", Segment.ENT_APAC, "APAC", "AU", "NSW", "Australia/Sydney", False),
    ("Hooli", Segment.ENT_WEST, "West", "US", "CA", "America/Los_Angeles", False),
    ("Stark Industries", Segment.MM_EAST, "East", "US", "NY", "America/New_York", False),
    ("Wayne Enterprises", Segment.SMB, "East", "US", "NJ", "America/New_York", False),
    ("Department of Digital Services", Segment.PUBSEC, "PubSec", "US", "DC", "America/New_York", True),
]
TERRITORY_EM = {"East": "erin", "West": "emil", "EMEA": "emil", "APAC": "erin", "PubSec": "pat"}


def load(ctx: DemoContext) -> None:
    users: dict[str, Any] = ctx.objects["users"]
    territories = {
        name: Territory.objects.get_or_create(name=name, defaults={"engagement_manager": users[em]})[0]
        for name, em in TERRITORY_EM.items()
    }
    accounts = []
    opps = []
    today = clock.today()
    for i, (name, seg, terr, country, sub, tz, pubsec) in enumerate(ACCOUNTS):
        acc = Account.objects.create(
            name=name,
            segment=seg,
            territory=territories[terr],
            country=country,
            subdivision=sub,
            timezone=tz,
            us_public_sector=pubsec,
            owner=users["alice"],
        )
        accounts.append(acc)
        lic = Opportunity.objects.create(
            name=f"{name} - Ultimate renewal",
            account=acc,
            record_type=RecordType.LICENSE,
            owner=users["alice"],
            stage=OpportunityStage.NEGOTIATING,
            close_date=today + timedelta(days=30 + i),
            amount=Decimal("250000.00") + Decimal(i * 10000),
        )
        ps = Opportunity.objects.create(
            name=f"{name}- Professional Services {today:%m/%y}",
            account=acc,
            record_type=RecordType.PS_ONLY,
            parent=lic,
            owner=users["alice"],
            stage=OpportunityStage.SCOPING if i % 3 else OpportunityStage.NEGOTIATING,
            close_date=today + timedelta(days=45 + i),
            amount=Decimal("60000.00") + Decimal(i * 5000),
            forecast_category=ForecastCategory.COMMIT if i % 3 == 0 else ForecastCategory.BEST_CASE,
            engagement_manager=territories[terr].engagement_manager,
            em_confidence=(EmConfidence.GREEN, EmConfidence.AMBER, EmConfidence.GREY)[i % 3],
            ps_value=Decimal("60000.00") + Decimal(i * 5000),
        )
        ps.account_team.set([users["alice"], users["sam"]])
        opps.append(ps)
    # MSAs on file: Acme has one in force; Globex's expired (standard terms apply again).
    Msa.objects.create(account=accounts[0], reference="MSA-ACME-2024", effective_from=date(2024, 1, 1))
    Msa.objects.create(
        account=accounts[1],
        reference="MSA-GLOBEX-2022",
        effective_from=date(2022, 7, 1),
        effective_to=date(2025, 6, 30),
    )
    ctx.objects["accounts"] = accounts
    ctx.objects["ps_opportunities"] = opps
    ctx.objects["territories"] = territories


def generate(ctx: DemoContext, progress: object = None) -> None:
    users: dict[str, Any] = ctx.objects["users"]
    terr, _ = Territory.objects.get_or_create(name="Bench", defaults={"engagement_manager": users["erin"]})
    segments = [s for s in Segment.values if s != Segment.PUBSEC]
    n_accounts = max(1, ctx.objects.get("n_engagements", 1000) // 10)
    start = Account.objects.count()
    Account.objects.bulk_create(
        [
            Account(
                name=f"Bench Customer {start + i:05d}",
                segment=ctx.rng.choice(segments) if i % 50 else Segment.PUBSEC,
                territory=terr,
                us_public_sector=(i % 50 == 0),
            )
            for i in range(n_accounts)
        ],
        batch_size=1000,
    )
    ctx.objects["bench_accounts"] = list(Account.objects.filter(territory=terr).values_list("id", flat=True))
