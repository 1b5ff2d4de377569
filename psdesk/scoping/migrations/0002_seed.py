"""Seed the questionnaires from data/questionnaires/*.yaml and the default scoping policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from psdesk.scoping.questionnaires import questionnaires_load

    directory = Path(getattr(settings, "PSDESK_QUESTIONNAIRES", settings.BASE_DIR / "data" / "questionnaires"))
    questionnaires_load(
        directory=directory,
        service_type_model=apps.get_model("scoping", "ServiceType"),
        question_model=apps.get_model("scoping", "Question"),
    )
    policy = apps.get_model("scoping", "ScopingPolicy")
    if not policy.objects.exists():
        policy.objects.create(duplicate_window_seconds=60)


class Migration(migrations.Migration):
    dependencies = [("scoping", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
