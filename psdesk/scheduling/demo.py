"""Demo consultants (with skills, time off, clearance), a delivery queue of closed-won projects and
stage 5+ pipeline demand, and one forecast run so the pages show real numbers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from psdesk.core import clock
from psdesk.core.demo import DemoContext
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.scheduling.choices import DemandKind, ServiceType, TimeOffStatus
from psdesk.scheduling.models import Consultant, ConsultantCostRate, ConsultantSkill, QueueEntry, Skill, TimeOff
from psdesk.scheduling.role_hours import LineIn
from psdesk.scheduling.services import forecast_run, queue_enter

SKILLS = ["gitlab", "geo", "ci", "migration", "security", "k8s", "training"]
TEAM = [
    # name, role, region, country, subdivision, cleared, skills
    ("Priya Shah", "PSE", "AMER", "US", "CA", False, {"gitlab": 4, "ci": 4, "k8s": 3}),
    ("Marco Rossi", "PSE", "EMEA", "IT", "", False, {"gitlab": 3, "migration": 4}),
    ("Jane Doe", "PSE", "AMER", "US", "VA", True, {"gitlab": 4, "security": 4, "geo": 2}),
    ("Kenji Sato", "PSE", "APAC", "JP", "", False, {"gitlab": 3, "ci": 3}),
    ("Lena Vogel", "PSE", "EMEA", "DE", "BY", False, {"gitlab": 4, "geo": 4, "k8s": 4}),
    ("Omar Haddad", "PSE", "EMEA", "GB", "", False, {"migration": 5, "gitlab": 3}),
    ("Sofia Lima", "PSE", "AMER", "BR", "", False, {"ci": 5, "gitlab": 3}),
    ("Tom Becker", "PSE", "AMER", "US", "NY", True, {"gitlab": 3, "migration": 3}),
    ("Ava Chen", "TA", "AMER", "US", "WA", False, {"geo": 5, "k8s": 4, "gitlab": 5}),
    ("Raj Patel", "TA", "APAC", "IN", "", False, {"geo": 3, "security": 4}),
    ("Grace Kim", "TA", "AMER", "US", "MD", True, {"geo": 4, "security": 5}),
    ("Nina Berg", "PM", "EMEA", "SE", "", False, {}),
    ("Leo Grant", "PM", "AMER", "US", "TX", True, {}),
    ("Mia Wong", "PM", "APAC", "SG", "", False, {}),
    ("Eve Martin", "Trainer", "AMER", "US", "", False, {"training": 5, "ci": 3}),
    ("Hugo Petit", "Trainer", "EMEA", "FR", "", False, {"training": 4}),
]
PROFILES: list[tuple[str, list[LineIn]]] = [
    (ServiceType.IMPLEMENTATION, [LineIn("PSE", 120, 24, {"gitlab": 3}), LineIn("PM", 20)]),
    (ServiceType.MIGRATION, [LineIn("PSE", 160, 24, {"migration": 3}), LineIn("PM", 24)]),
    (ServiceType.CICD, [LineIn("PSE", 80, 24, {"ci": 3}), LineIn("PM", 12)]),
    (
        ServiceType.IMPLEMENTATION,
        [LineIn("PSE", 200, 24, {"gitlab": 3}), LineIn("TA", 24, 8, {"geo": 4}), LineIn("PM", 30)],
    ),
    (ServiceType.ADVISORY, [LineIn("TA", 40, 16, {"security": 4})]),
    (ServiceType.EDUCATION, [LineIn("Trainer", 32, 16, {"training": 4})]),
]


DEMO_COST_RATES = {
    "PSE": Decimal("95.00"),
    "PM": Decimal("88.00"),
    "TA": Decimal("120.00"),
    "Trainer": Decimal("80.00"),
}


def load(ctx: DemoContext) -> None:
    users: dict[str, Any] = ctx.objects["users"]
    skills = {name: Skill.objects.get_or_create(name=name)[0] for name in SKILLS}
    today = clock.today()
    consultants = []
    for i, (name, role, region, country, sub, cleared, levels) in enumerate(TEAM):
        c = Consultant.objects.create(
            name=name,
            email=f"{name.lower().replace(' ', '.')}@example.com",
            role=role,
            region=region,
            holiday_country=country,
            holiday_subdivision=sub,
            us_citizen=cleared,
            cleared=cleared,
            utilisation_target=Decimal("0.55") if role == "TA" else Decimal("0.70"),
            user=users.get("cody") if i == 0 else None,
        )
        ConsultantSkill.objects.bulk_create(
            ConsultantSkill(consultant=c, skill=skills[k], level=v) for k, v in levels.items()
        )
        if i % 4 == 0:
            TimeOff.objects.create(
                consultant=c,
                starts_on=today + timedelta(days=14 + i),
                ends_on=today + timedelta(days=18 + i),
                reason="PTO",
                status=TimeOffStatus.APPROVED,
                decided_by=users.get("paula"),
                decided_at=clock.now(),
            )
        ConsultantCostRate.objects.create(
            consultant=c, effective_from=today.replace(month=1, day=1), rate=DEMO_COST_RATES[role], currency="USD"
        )
        consultants.append(c)
    # the linked consultant (cody) asks for a day off; it waits on the coordinator's My work
    TimeOff.objects.create(
        consultant=consultants[0],
        starts_on=today + timedelta(days=45),
        ends_on=today + timedelta(days=45),
        reason="Family event",
        requested_by=users.get("cody"),
    )
    accounts = ctx.objects["accounts"]
    coordinator = users["paula"]
    won = []
    for i, acc in enumerate(accounts[:8]):
        kind, lines = PROFILES[i % len(PROFILES)]
        opp = Opportunity.objects.create(
            name=f"{acc.name} - PS delivery (won)",
            account=acc,
            record_type=RecordType.PS_ONLY,
            owner=users["alice"],
            stage=OpportunityStage.CLOSED_WON,
            close_date=today - timedelta(days=30 - i * 3),
            amount=Decimal("50000.00"),
        )
        won.append(
            queue_enter(
                role_hours=lines,
                opportunity=opp,
                actor=coordinator,
                service_type=kind,
                closed_won_at=clock.now() - timedelta(days=30 - i * 3),
                title=f"{acc.name} - {dict(ServiceType.choices)[kind]}",
            )
        )
    queued = set(QueueEntry.objects.exclude(opportunity=None).values_list("opportunity_id", flat=True))
    for i, opp in enumerate(ctx.objects.get("ps_opportunities", [])):
        if opp.pk in queued or opp.stage not in (OpportunityStage.NEGOTIATING, OpportunityStage.AWAITING_SIGNATURE):
            continue
        kind, lines = PROFILES[(i + 2) % len(PROFILES)]
        queue_enter(role_hours=lines, opportunity=opp, actor=coordinator, kind=DemandKind.TENTATIVE, service_type=kind)
    ctx.objects["consultants"] = consultants
    ctx.objects["queue_entries"] = won
    run = forecast_run()
    ctx.say(f"scheduling: {len(consultants)} consultants, {QueueEntry.objects.count()} queued, forecast run {run.pk}")
