"""CSV imports: consultants (with skills) and queue entries (with role-hours). All rows or none."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.core.errors import ValidationFailed
from psdesk.core.types import Actor
from psdesk.crm.models import Account, Opportunity
from psdesk.scheduling.choices import ConsultantRole, DemandKind, ServiceType
from psdesk.scheduling.models import Consultant, ConsultantSkill, Skill
from psdesk.scheduling.role_hours import decimal_parse, regions_validate, role_hours_parse
from psdesk.scheduling.services.queue import queue_enter

CSV_COLUMNS = [
    "name",
    "email",
    "role",
    "region",
    "timezone",
    "holiday_country",
    "holiday_subdivision",
    "weekly_capacity_hours",
    "utilisation_target",
    "us_citizen",
    "cleared",
    "skills",
]


def _truthy(v: str | None) -> bool:
    return (v or "").strip().lower() in {"1", "yes", "true", "y"}


def consultants_import(*, text: str, actor: Actor | None = None) -> int:
    """Create or update consultants from CSV (columns CSV_COLUMNS; skills as `geo:3;ci:2`); returns
    the number of rows. All rows or none: the first bad row raises ValidationFailed naming the line.
    Audited as `scheduling.consultants_imported`."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("name", "email", "role") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(f"CSV lacks the column(s) {', '.join(missing)}.")
    count = 0
    with transaction.atomic():
        for n, row in enumerate(reader, start=2):
            try:
                _consultant_row_import(row)
            except ValidationFailed as exc:
                raise ValidationFailed(f"line {n}: {exc.message}", details={"line": n}) from None
            count += 1
        audit_record(verb="scheduling.consultants_imported", actor=actor, after={"rows": count})
    return count


def _consultant_row_import(row: dict[str, str]) -> None:
    role = (row.get("role") or "").strip()
    if role not in ConsultantRole.values:
        raise ValidationFailed(f"unknown role '{role}'")
    cap = decimal_parse(value=row.get("weekly_capacity_hours") or "40", name="weekly_capacity_hours")
    if cap < 0:
        raise ValidationFailed("capacity cannot be below zero")
    util = decimal_parse(value=row.get("utilisation_target") or "0.7", name="utilisation_target")
    if not 0 <= util <= 1:
        raise ValidationFailed("utilisation target must be between 0 and 1")
    region = (row.get("region") or "AMER").strip()
    regions_validate(regions=[region])
    c, _ = Consultant.objects.update_or_create(
        email=row["email"].strip(),
        defaults={
            "name": row["name"].strip(),
            "role": role,
            "region": region,
            "timezone": (row.get("timezone") or "America/New_York").strip(),
            "holiday_country": (row.get("holiday_country") or "US").strip(),
            "holiday_subdivision": (row.get("holiday_subdivision") or "").strip(),
            "weekly_capacity_hours": cap,
            "utilisation_target": util,
            "us_citizen": _truthy(row.get("us_citizen")),
            "cleared": _truthy(row.get("cleared")),
        },
    )
    ConsultantSkill.objects.filter(consultant=c).delete()
    for part in filter(None, (row.get("skills") or "").split(";")):
        name, _, level = part.partition(":")
        skill, _ = Skill.objects.get_or_create(name=name.strip())
        lvl = int(level) if level.strip().isdigit() else 0
        if not 1 <= lvl <= 5:
            raise ValidationFailed(f"skill level of '{name}' must be 1 to 5")
        ConsultantSkill.objects.create(consultant=c, skill=skill, level=lvl)


def _queue_row_enter(row: dict[str, str], actor: Actor) -> None:
    account = Account.objects.visible_to(actor).filter(pk=int(row.get("account_id") or 0)).first()
    opp_id = int(row.get("opportunity_id") or 0)
    opp = Opportunity.objects.visible_to(actor).filter(pk=opp_id).first() if opp_id else None
    if account is None and opp is None:
        raise ValidationFailed("unknown account or opportunity")
    won = (row.get("closed_won_at") or "").strip()
    start = (row.get("desired_start") or "").strip()
    queue_enter(
        role_hours=role_hours_parse(text=row.get("hours") or ""),
        actor=actor,
        account=account,
        opportunity=opp,
        kind=DemandKind.COMMITTED if won else DemandKind.TENTATIVE,
        closed_won_at=datetime.fromisoformat(won) if won else None,
        title=(row.get("title") or "").strip(),
        service_type=(row.get("service_type") or ServiceType.OTHER).strip(),
        desired_start=date.fromisoformat(start) if start else None,
        regions=[r.strip() for r in (row.get("regions") or "").split(";")],
        requires_clearance=_truthy(row["requires_clearance"]) if row.get("requires_clearance") else None,
    )


def queue_import(*, text: str, actor: Actor) -> int:
    """Enter projects from CSV: `title,account_id,opportunity_id,closed_won_at,service_type,
    desired_start,regions,requires_clearance,hours` with hours as `PSE:120:geo=3;ci=2,PM:20`
    (kind is committed when closed_won_at is given, else tentative); returns the number of rows.
    All rows or none; the first bad row raises ValidationFailed naming the line. Each row has the
    side effects of `queue_enter`."""
    reader = csv.DictReader(io.StringIO(text))
    if "hours" not in (reader.fieldnames or []):
        raise ValidationFailed("CSV lacks the column hours (e.g. PSE:120,PM:20): the forecast needs role-hours.")
    count = 0
    with transaction.atomic():
        for n, row in enumerate(reader, start=2):
            try:
                _queue_row_enter(row, actor)
            except ValidationFailed as exc:
                raise ValidationFailed(f"line {n}: {exc.message}", details={"line": n}) from None
            except ValueError as exc:
                raise ValidationFailed(f"line {n}: {exc}", details={"line": n}) from None
            count += 1
    return count
