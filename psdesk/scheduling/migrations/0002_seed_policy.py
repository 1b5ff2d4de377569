from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("scheduling", "ForecastPolicy").objects.get_or_create(id=1)
    sp = apps.get_model("scheduling", "StageProbability")
    for stage, p in (("5_negotiating", "0.5"), ("6_awaiting_signature", "0.8")):
        sp.objects.get_or_create(stage=stage, defaults={"probability": Decimal(p)})


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
