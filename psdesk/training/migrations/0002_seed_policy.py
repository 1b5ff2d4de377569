from __future__ import annotations

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("training", "TrainingPolicy").objects.get_or_create(
        id=1, defaults={"registration_lead_days": 14, "default_class_size": 12}
    )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
