from __future__ import annotations

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    ProjectsPolicy = apps.get_model("projects", "ProjectsPolicy")
    if not ProjectsPolicy.objects.exists():
        ProjectsPolicy.objects.create()
    Calendar = apps.get_model("sla", "Calendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    cal = Calendar.objects.filter(key="ps-ops-us").first()
    # "Welcome to PS within 72 business hours of booking", read as 3 business days (24-hour business
    # days) on the delivery region's calendar (docs/process.md, Projects and the welcome email).
    # Admins may switch the unit to working hours and the duration to 72.
    SlaPolicy.objects.get_or_create(
        key="welcome_email",
        defaults={
            "name": "Welcome to PS email after booking",
            "start_event": "crm.closed_won",
            "stop_event": "projects.welcome_sent",
            "duration": Decimal(3),
            "unit": "business_days",
            "calendar": cal,
            "warn_at_percent": 75,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("sla", "0002_seed_presales_defaults")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
