"""Seed the delivery policy row and the SLA policy timing passive acceptance: the SOW policy's
passive-acceptance business days (default 5), counted on the customer's calendar (each timer names
it). Admins edit both; seeding never overwrites."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    DeliveryPolicy = apps.get_model("delivery", "DeliveryPolicy")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SowPolicy = apps.get_model("sows", "SowPolicy")
    if not DeliveryPolicy.objects.exists():
        DeliveryPolicy.objects.create()
    sow_policy = SowPolicy.objects.order_by("id").first()
    days = sow_policy.passive_acceptance_business_days if sow_policy is not None else 5
    SlaPolicy.objects.get_or_create(
        key="milestone_acceptance",
        defaults={
            "name": "Milestone acceptance period (passive acceptance)",
            "start_event": "delivery.milestone_completed",
            "stop_event": "delivery.milestone_decided",
            "duration": days,
            "unit": "business_days",
            "calendar": None,
            "warn_at_percent": 100,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_milestones_billing_closeout_change_orders"),
        ("sla", "0003_timer_calendar"),
        ("sows", "0002_seed_clauses"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
