from __future__ import annotations

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    Policy = apps.get_model("estimates", "EstimatePolicy")
    if not Policy.objects.exists():
        Policy.objects.create()  # 40 % target margin, TA review over USD 50,000, links valid 30 days


class Migration(migrations.Migration):
    dependencies = [("estimates", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
